"""Office hours (config `schedule`): web, worker and ClickHouse scaled to zero outside them."""

from __future__ import annotations

from typing import Any

import pytest

from langfuse_aws.cli.cost import estimate
from langfuse_aws.cli.target import Target, read_assembly
from synth import REPO, SynthesizedEnvironment


def scheduled_actions(env: SynthesizedEnvironment, service: str) -> dict[str, dict[str, Any]]:
    (target,) = [
        v["Properties"]
        for v in env.resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
        if f"{service}Service" in str(v["Properties"]["ResourceId"])
    ]
    return {a["ScheduledActionName"]: a for a in target.get("ScheduledActions", [])}


# dev.yaml: 08:00 to 19:00 Europe/Dublin, Monday to Friday. Application Auto Scaling cron:
# minute hour day-of-month month day-of-week year.
WORKING_DAYS = "MON,TUE,WED,THU,FRI"


@pytest.mark.parametrize("service", ["Web", "Worker"])
def test_web_and_worker_run_in_office_hours(dev: SynthesizedEnvironment, service: str) -> None:
    actions = scheduled_actions(dev, service)
    size = getattr(dev.config.langfuse, service.lower())
    start, stop = actions[f"{service}OfficeStart"], actions[f"{service}OfficeStop"]
    assert start["Schedule"] == f"cron(0 8 ? * {WORKING_DAYS} *)"
    assert stop["Schedule"] == f"cron(0 19 ? * {WORKING_DAYS} *)"
    assert start["Timezone"] == stop["Timezone"] == "Europe/Dublin"
    assert start["ScalableTargetAction"] == {
        "MinCapacity": size.min_tasks,
        "MaxCapacity": size.max_tasks,
    }
    assert stop["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}


def test_clickhouse_starts_before_and_stops_after_langfuse(dev: SynthesizedEnvironment) -> None:
    actions = scheduled_actions(dev, "ClickHouse")
    assert actions["ClickHouseOfficeStart"]["Schedule"] == f"cron(45 7 ? * {WORKING_DAYS} *)"
    assert actions["ClickHouseOfficeStop"]["Schedule"] == f"cron(15 19 ? * {WORKING_DAYS} *)"
    assert actions["ClickHouseOfficeStart"]["ScalableTargetAction"] == {
        "MinCapacity": 1,
        "MaxCapacity": 1,
    }


def test_clickhouse_gets_fargates_longest_stop_grace(any_env: SynthesizedEnvironment) -> None:
    """Fargate allows at most 120 s between SIGTERM and SIGKILL; the ClickHouse server takes
    all of it (its backup sidecar, when there is one, ends at once on SIGTERM)."""
    for logical_id, task in any_env.resources("AWS::ECS::TaskDefinition").items():
        if logical_id.startswith("ClickHouse"):
            (container,) = [
                c for c in task["Properties"]["ContainerDefinitions"] if c["Name"] == "clickhouse"
            ]
            assert container["StopTimeout"] == 120


def test_always_on_environments_have_no_schedule(example: SynthesizedEnvironment) -> None:
    for service in ("Web", "Worker"):
        assert scheduled_actions(example, service) == {}


def test_cost_with_office_hours(dev: SynthesizedEnvironment) -> None:
    target = read_assembly(Target(path=REPO / "config" / "dev.yaml", config=dev.config), dev.outdir)
    result = estimate(target)
    assert result.office_hours_total is not None
    # 5 days x 11 h in 730/168 weeks a month; ClickHouse 11.5 h a day.
    weeks = 730 / 168
    web_share = 5 * 11 * weeks / 730
    clickhouse_share = 5 * 11.5 * weeks / 730
    expected = 0.0
    for line in result.fixed:
        if line.item.startswith("Fargate ClickHouse"):
            expected += line.monthly * clickhouse_share
        elif line.item.startswith("Fargate"):
            expected += line.monthly * web_share
        else:
            expected += line.monthly
    assert result.office_hours_total == pytest.approx(expected, abs=0.02)
    assert result.office_hours_total < result.total
