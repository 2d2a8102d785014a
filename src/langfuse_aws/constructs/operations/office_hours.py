"""Office hours: scheduled scaling that stops web, worker and ClickHouse outside them.

Application Auto Scaling runs the schedule in the YAML's time zone (daylight saving included).
ClickHouse starts 15 minutes before web and worker, which run its migrations at start, and
stops 15 minutes after them, once nothing writes to it any more.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import TimeZone
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ecs as ecs
from constructs import Construct

CLICKHOUSE_LEAD_MINUTES = 15


@dataclass(frozen=True)
class ScheduledService:
    """A service that runs in office hours with its daytime task bounds."""

    name: str
    scaling: ecs.ScalableTaskCount
    min_tasks: int
    max_tasks: int


def _shifted(clock: str, minutes: int) -> tuple[str, str]:
    """(hour, minute) of ``clock`` moved by ``minutes`` (the config keeps it within the day)."""
    hours, mins = (int(part) for part in clock.split(":"))
    total = hours * 60 + mins + minutes
    return str(total // 60), str(total % 60)


@dataclass(frozen=True)
class OfficeHoursProps:
    """When the environment runs, and what runs then."""

    timezone: str
    """IANA time zone of start and stop, e.g. Europe/Dublin."""
    days: list[str]
    """Days it runs, e.g. MON to FRI."""
    start: str
    """When web and worker start, HH:MM."""
    stop: str
    """When web and worker stop, HH:MM."""
    services: list[ScheduledService]
    clickhouse: ecs.FargateService | None = None
    """A self-run ClickHouse, started before the services and stopped after them."""


class OfficeHours(Construct):
    """Start and stop actions for each scheduled service, on the configured days."""

    def __init__(self, scope: Construct, id_: str, *, props: OfficeHoursProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.zone = TimeZone.of(props.timezone)
        self.week_days = ",".join(props.days)
        for service in props.services:
            self._actions(service, lead=0)
        clickhouse = props.clickhouse
        if clickhouse is not None:
            scaling = clickhouse.auto_scale_task_count(min_capacity=1, max_capacity=1)
            self._actions(
                ScheduledService("ClickHouse", scaling, 1, 1), lead=CLICKHOUSE_LEAD_MINUTES
            )

    def _cron(self, clock: str, minutes: int) -> appscaling.Schedule:
        hour, minute = _shifted(clock, minutes)
        return appscaling.Schedule.cron(hour=hour, minute=minute, week_day=self.week_days)

    def _actions(self, service: ScheduledService, *, lead: int) -> None:
        service.scaling.scale_on_schedule(
            f"{service.name}OfficeStart",
            schedule=self._cron(self.props.start, -lead),
            min_capacity=service.min_tasks,
            max_capacity=service.max_tasks,
            time_zone=self.zone,
        )
        service.scaling.scale_on_schedule(
            f"{service.name}OfficeStop",
            schedule=self._cron(self.props.stop, lead),
            min_capacity=0,
            max_capacity=0,
            time_zone=self.zone,
        )
