"""Rules that keep ClickHouse's own daily backup running under office hours (`schedule`).

When ClickHouse runs, and why these rules follow from it:

- Office hours (constructs/operations/office_hours.py) scale the Fargate ClickHouse service to
  one task ``CLICKHOUSE_LEAD_MINUTES`` before `schedule.start` and to zero the same time after
  `schedule.stop`, on `schedule.days`, in `schedule.timezone` (daylight saving included). The
  backup loop is a sidecar in that task and starts a backup at `backup.hour_utc`:00 UTC, so
  that whole hour must lie inside ClickHouse's window, in every UTC offset the time zone
  uses (a January and a July date cover both halves of the year in either hemisphere).
  Otherwise no backup is ever taken and the late alarm fires for good.
- On the days ClickHouse is stopped there is no backup, so a backup counts as late only after
  the longest stretch between two office days (``EnvironmentConfig.clickhouse_backup_late_hours``).
  CloudWatch evaluates an alarm over at most seven days: "Period multiplied by
  EvaluationPeriods can't be more than 604,800 seconds" (CloudWatch API Reference,
  PutMetricAlarm, Period; at most one day for periods under an hour). A longer stretch (one
  office day a week) could not be watched, so it is refused.
- Decision for `clickhouse.mode: ec2`: office hours only scale ECS services; the EC2 instance
  keeps running outside them (it costs, nothing breaks), so its backup runs every day and
  these rules apply to `clickhouse.mode: fargate` only. `external` has no backup here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from .errors import ConfigIssue
from .models import EnvironmentConfig, ScheduleConfig, longest_gap_days

CLICKHOUSE_LEAD_MINUTES = 15
"""ClickHouse starts this long before web and stops this long after it, on the same day: the
office-hours construct's value (config code does not import constructs; the tests of both
write the 15 minutes out)."""

DAY_MINUTES = 24 * 60
LONGEST_ALARM_HOURS = 7 * 24
"""CloudWatch's longest evaluation span for periods of an hour or more: 604,800 seconds."""

OFFSET_DATES = (datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12))
"""A winter and a summer date (either hemisphere): their UTC offsets are all a zone uses."""


def clock_minutes(clock: str) -> int:
    """Minutes since midnight of an HH:MM clock time."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def clickhouse_window(schedule: ScheduleConfig) -> tuple[int, int] | None:
    """(first, last) minute of the local day ClickHouse runs on office days, or None when
    start and stop leave no valid window (``rules._schedule`` reports why)."""
    start, stop = clock_minutes(schedule.start), clock_minutes(schedule.stop)
    first, last = start - CLICKHOUSE_LEAD_MINUTES, stop + CLICKHOUSE_LEAD_MINUTES
    if start >= stop or first < 0 or last >= DAY_MINUTES:
        return None
    return first, last


def utc_offsets(timezone: str) -> list[int]:
    """The UTC offsets (minutes, local minus UTC) ``timezone`` uses in the year, ascending."""
    zone = ZoneInfo(timezone)
    found: set[int] = set()
    for date in OFFSET_DATES:
        offset = zone.utcoffset(date)
        assert offset is not None
        found.add(int(offset.total_seconds()) // 60)
    return sorted(found)


def backup_hours(schedule: ScheduleConfig) -> list[int]:
    """The UTC hours whose whole hour lies within ClickHouse's office-day window in every
    offset of the schedule's time zone, ascending."""
    window = clickhouse_window(schedule)
    if window is None:
        return []
    first, last = window

    def inside(hour: int, offset: int) -> bool:
        begin = (hour * 60 + offset) % DAY_MINUTES
        return first <= begin and begin + 60 <= last

    offsets = utc_offsets(schedule.timezone)
    return [hour for hour in range(24) if all(inside(hour, offset) for offset in offsets)]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _utc(offset: int) -> str:
    sign = "+" if offset >= 0 else "-"
    return f"UTC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def clickhouse_backup_issues(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """Under office hours that stop ClickHouse, its daily backup must fall in an hour it runs,
    and the late alarm's wait must fit CloudWatch's seven days."""
    schedule = cfg.schedule
    if not cfg.backup.enabled or not cfg.clickhouse_stops_off_hours or schedule is None:
        return
    window = clickhouse_window(schedule)
    hours = backup_hours(schedule)
    if window is not None and cfg.backup.hour_utc not in hours:
        first, last = window
        offsets = " and ".join(_utc(offset) for offset in utc_offsets(schedule.timezone))
        running = (
            f"office hours run ClickHouse only from {_clock(first)} to {_clock(last)} "
            f"{schedule.timezone} ({offsets}; {CLICKHOUSE_LEAD_MINUTES} minutes around "
            "schedule.start and stop), and its daily backup needs it for the whole hour from "
            "hour_utc"
        )
        fix = (
            f"use one of the hours (UTC) {', '.join(str(hour) for hour in hours)}"
            if hours
            else "no whole hour (UTC) fits all year: widen schedule.start and stop"
        )
        yield ConfigIssue(
            "backup.hour_utc",
            f"is {cfg.backup.hour_utc}, but {running}: {fix}, or set backup.enabled: false",
        )
    late = cfg.clickhouse_backup_late_hours
    if late > LONGEST_ALARM_HOURS:
        yield ConfigIssue(
            "schedule.days",
            f"leaves {longest_gap_days(schedule.days)} days from one office day to the next, "
            "and ClickHouse makes no backup while it is stopped, so its "
            f"daily backup counts as late only after {late} hours, beyond the "
            f"{LONGEST_ALARM_HOURS} hours (7 days) a CloudWatch alarm can look back: add "
            "office days so that no more than 6 days pass between two of them, or set "
            "backup.enabled: false",
        )
