"""ClickHouse under office hours, and the ClickHouse rules that hold for every self-run server.

The expected values below are worked out by hand from these facts, not read from the code:

- Office hours (constructs/operations/office_hours.py, tests/constructs/operations/
  test_office_hours.py) start ClickHouse 15 minutes before `schedule.start` and stop it 15
  minutes after `schedule.stop`, in the schedule's time zone, on `schedule.days`; they scale
  ECS services only, so a ClickHouse on EC2 keeps running.
- The backup sidecar starts a backup at `backup.hour_utc`:00 UTC every day
  (clickhouse_backups.scheduled_backup_loop), so ClickHouse must run for that whole hour.
- UTC offsets (IANA tz database): Europe/Dublin UTC+0 in January, UTC+1 in July;
  America/New_York UTC-5 / UTC-4; Asia/Tokyo UTC+9 all year; Australia/Sydney UTC+11 in
  January, UTC+10 in July; Australia/Lord_Howe UTC+11 in January, UTC+10:30 in July.
- CloudWatch: "An alarm's total current evaluation period can be no longer than seven days,
  so Period multiplied by EvaluationPeriods can't be more than 604,800 seconds" (CloudWatch
  API Reference, PutMetricAlarm, Period): 168 hours.
- Langfuse v4 needs ClickHouse 25.12 or newer; an ECR pull-through cache fills only on a pull
  by tag (aws/containers-roadmap#2837), so a digest of a cached image cannot be pulled.
"""

from __future__ import annotations

import pytest

from langfuse_aws.config import ConfigError, parse_config
from langfuse_aws.config.models import EnvironmentConfig

BASE = "name: tt\nregion: eu-west-1\ndata_protection: disposable\n"
EC2 = "clickhouse: {mode: ec2}\n"
EXTERNAL = (
    "clickhouse:\n  mode: external\n  url: https://ch.acme.io:8443\n"
    "  migration_url: clickhouse://ch.acme.io:9440\n  password_secret: ch/password\n"
)
DOCKER_HUB_SECRET = (
    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
)
CLICKHOUSE_DIGEST = "sha256:338a4187b899c53ff2300e3ab33be047a3a7f4ede161af0bed077815be6f2425"


def schedule(timezone: str = "Europe/Dublin", **settings: str) -> str:
    fields = "".join(f", {key}: {value}" for key, value in settings.items())
    return f"schedule: {{timezone: {timezone}{fields}}}\n"


def backup(hour: int, enabled: bool = True) -> str:
    return f"backup: {{hour_utc: {hour}, enabled: {str(enabled).lower()}}}\n"


def issues(text: str) -> list[str]:
    """The lines parse_config refuses ``text`` with; none when it is accepted."""
    try:
        parse_config(text, "cfg.yaml")
    except ConfigError as error:
        return str(error).splitlines()
    return []


def late_hours(text: str) -> int:
    cfg: EnvironmentConfig = parse_config(text, "cfg.yaml")
    return cfg.clickhouse_backup_late_hours


# --- How long a backup may be missing before it is late --------------------------------------


NOON = backup(12)
"""An hour (UTC) ClickHouse runs in the default office hours (08:00 to 19:00) in every zone
used here (see the hour tests below)."""


@pytest.mark.parametrize(
    ("settings", "hours"),
    [
        # Always on: one backup a day, a day and two hours.
        ("", 26),
        # MON to FRI: Friday's backup to Monday's is 3 days: 3 x 24 + 2.
        (schedule() + NOON, 74),
        # Every day: 1 day between office days, as without office hours.
        (schedule(days="[MON, TUE, WED, THU, FRI, SAT, SUN]") + NOON, 26),
        # MON, WED, FRI: the longest gap is still Friday to Monday.
        (schedule(days="[MON, WED, FRI]") + NOON, 74),
        # THU and MON (in any order): Thursday to Monday, 4 days.
        (schedule(days="[THU, MON]") + NOON, 98),
        # SAT and SUN: Sunday to Saturday, 6 days: 146, the longest CloudWatch can watch.
        (schedule(days="[SAT, SUN]") + NOON, 146),
        # One day a week: 7 days, 170 hours (refused below with backups on).
        (schedule(days="[WED]") + backup(12, enabled=False), 170),
        # ClickHouse on EC2 keeps running outside office hours: a backup every day.
        (EC2 + schedule(), 26),
    ],
)
def test_backup_is_late_after_the_longest_stretch_without_clickhouse(
    settings: str, hours: int
) -> None:
    assert late_hours(BASE + settings) == hours


# --- backup.hour_utc must be an hour ClickHouse runs -----------------------------------------

DUBLIN_HOURS = "8, 9, 10, 11, 12, 13, 14, 15, 16, 17"


def dublin_refusal(hour: int) -> str:
    return (
        f"cfg.yaml: backup.hour_utc is {hour}, but office hours run ClickHouse only from 07:45 "
        "to 19:15 Europe/Dublin (UTC+00:00 and UTC+01:00; 15 minutes around schedule.start and "
        "stop), and its daily backup needs it for the whole hour from hour_utc: use one of the "
        f"hours (UTC) {DUBLIN_HOURS}, or set backup.enabled: false"
    )


def test_the_default_night_backup_is_refused_under_office_hours() -> None:
    """08:00 to 19:00 Dublin: ClickHouse runs 07:45 to 19:15 local, i.e. 07:45 to 19:15 UTC in
    winter and 06:45 to 18:15 UTC in summer; whole hours inside both: 08 to 17 UTC. The
    default hour 3 falls in neither, so the backup would never run."""
    assert issues(BASE + schedule()) == [dublin_refusal(3)]


@pytest.mark.parametrize(("hour", "accepted"), [(7, False), (8, True), (17, True), (18, False)])
def test_the_first_and_last_whole_hour_of_both_offsets(hour: int, accepted: bool) -> None:
    """07 UTC is 08:00 local in summer but only 07:00 in winter (ClickHouse starts 07:45); 18
    UTC ends 19:00 in winter but 20:00 in summer (ClickHouse stops 19:15)."""
    expected = [] if accepted else [dublin_refusal(hour)]
    assert issues(BASE + schedule() + backup(hour)) == expected


@pytest.mark.parametrize(
    ("timezone", "offsets", "allowed", "refused"),
    [
        # 07:45-19:15 at UTC-5 is 12:45-00:15 UTC, at UTC-4 11:45-23:15: 13 to 22.
        (
            "America/New_York",
            "UTC-05:00 and UTC-04:00",
            "13, 14, 15, 16, 17, 18, 19, 20, 21, 22",
            (12, 23),
        ),
        # 07:45-19:15 at UTC+9 is 22:45-10:15 UTC, across midnight UTC: 23 and 0 to 9.
        ("Asia/Tokyo", "UTC+09:00", "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 23", (10, 22)),
        # Southern summer in January: UTC+11 gives 20:45-08:15, UTC+10 21:45-09:15: 22 to 7.
        ("Australia/Sydney", "UTC+10:00 and UTC+11:00", "0, 1, 2, 3, 4, 5, 6, 7, 22, 23", (8, 21)),
    ],
)
def test_allowed_hours_follow_the_time_zone_all_year(
    timezone: str, offsets: str, allowed: str, refused: tuple[int, ...]
) -> None:
    for hour in (int(first) for first in allowed.split(", ")):
        assert issues(BASE + schedule(timezone) + backup(hour)) == []
    for hour in refused:
        assert issues(BASE + schedule(timezone) + backup(hour)) == [
            f"cfg.yaml: backup.hour_utc is {hour}, but office hours run ClickHouse only from "
            f"07:45 to 19:15 {timezone} ({offsets}; 15 minutes around schedule.start and "
            "stop), and its daily backup needs it for the whole hour from hour_utc: use one of "
            f"the hours (UTC) {allowed}, or set backup.enabled: false"
        ]


def test_office_hours_too_short_for_any_whole_hour_say_so() -> None:
    """10:00 to 10:30 at Lord Howe: ClickHouse runs 09:45 to 10:45 local, a single hour that
    starts at :45, and at UTC+10:30 every UTC hour starts at :30 local: none fits."""
    text = BASE + schedule("Australia/Lord_Howe", start="'10:00'", stop="'10:30'") + backup(23)
    assert issues(text) == [
        "cfg.yaml: backup.hour_utc is 23, but office hours run ClickHouse only from 09:45 to "
        "10:45 Australia/Lord_Howe (UTC+10:30 and UTC+11:00; 15 minutes around schedule.start "
        "and stop), and its daily backup needs it for the whole hour from hour_utc: no whole "
        "hour (UTC) fits all year: widen schedule.start and stop, or set backup.enabled: false"
    ]


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(backup(3, enabled=False), id="backups off"),
        pytest.param(EC2 + backup(3), id="ec2 keeps running"),
        pytest.param(EXTERNAL + backup(3), id="external has no backup here"),
    ],
)
def test_the_backup_hour_is_free_when_clickhouse_is_not_stopped_or_not_backed_up(
    settings: str,
) -> None:
    assert issues(BASE + schedule() + settings) == []


def test_without_office_hours_any_hour_is_fine() -> None:
    assert issues(BASE + backup(3)) == []


def test_a_schedule_without_a_window_reports_only_the_schedule() -> None:
    """Stop before start is the schedule rule's to report; no hour list is made up for it."""
    assert issues(BASE + schedule(start="'19:00'", stop="'08:00'")) == [
        "cfg.yaml: schedule.stop 08:00 is not after start 19:00: office hours run within one day"
    ]


# --- The late alarm must fit CloudWatch's seven days -----------------------------------------

ONE_DAY_A_WEEK = (
    "cfg.yaml: schedule.days leaves 7 days from one office day to the next, and ClickHouse "
    "makes no backup while it is stopped, so its daily backup counts as late only after 170 "
    "hours, beyond the 168 hours (7 days) a CloudWatch alarm can look back: add office days so "
    "that no more than 6 days pass between two of them, or set backup.enabled: false"
)


def test_one_office_day_a_week_with_backups_is_refused() -> None:
    assert issues(BASE + schedule(days="[WED]") + backup(12)) == [ONE_DAY_A_WEEK]


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(schedule(days="[SAT, SUN]") + backup(12), id="6 days apart fits"),
        pytest.param(schedule(days="[WED]") + backup(12, enabled=False), id="backups off"),
        pytest.param(EC2 + schedule(days="[WED]") + backup(12), id="ec2 keeps running"),
    ],
)
def test_a_late_window_within_seven_days_is_accepted(settings: str) -> None:
    assert issues(BASE + settings) == []


# --- Image rules hold for ClickHouse on EC2 as on Fargate ------------------------------------


def test_ec2_clickhouse_too_old_for_langfuse_v4_is_refused() -> None:
    text = BASE + "clickhouse: {mode: ec2, image_tag: '24.8.14.39'}\n"
    assert issues(text) == [
        "cfg.yaml: clickhouse.image_tag is 24.8.14.39: Langfuse 4.38.0 needs ClickHouse 25.12 "
        "or newer (use 26.4.4.38)"
    ]


def test_ec2_clickhouse_digest_through_the_docker_hub_cache_is_refused() -> None:
    text = (
        BASE
        + f"clickhouse: {{mode: ec2, image_digest: '{CLICKHOUSE_DIGEST}'}}\n"
        + "langfuse: {registry: ghcr}\n"
        + f"registry_cache: {{dockerhub_credentials_secret: '{DOCKER_HUB_SECRET}'}}\n"
    )
    assert issues(text) == [
        "cfg.yaml: clickhouse.image_digest cannot be used with "
        "registry_cache.dockerhub_credentials_secret: an ECR pull-through cache fills only on a "
        "pull by tag, so the first pull by digest fails; remove the digest (ECS resolves the tag "
        "to one digest per deployment, so every task runs the same image) or remove "
        "registry_cache.dockerhub_credentials_secret"
    ]
