"""Alarms fire only when someone must act: each alarm, as synthesized, replayed by a CloudWatch
evaluator (tests/alarm_eval.py) against minute-by-minute metric series of what really happens
to an environment: deployments, scale-outs, a night of office hours, a crash loop, a full or
evicting Valkey, and an ingestion backlog on a Langfuse v3 release.

The series are written here from how ECS, ElastiCache and Langfuse behave, not from the code
under test. Container Insights reports a service's DesiredTaskCount and RunningTaskCount
("the number of tasks currently in the RUNNING state") once a minute: its service performance
events carry minute timestamps (Container Insights performance log reference for Amazon ECS,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-reference-performance-logs-ECS.html;
metrics: .../Container-Insights-metrics-ECS.html). A service scaled to zero may report zeros or
nothing at all: both are replayed.
"""

from __future__ import annotations

from typing import Any

import pytest

from alarm_eval import ALARM, OK, Alarm, Series, datapoints, next_state, run, states
from synth import SynthesizedEnvironment

CI = "ECS/ContainerInsights"
DESIRED, RUNNING = (CI, "DesiredTaskCount"), (CI, "RunningTaskCount")
ELASTICACHE = "AWS/ElastiCache"
MEMORY, EVICTIONS = (
    (ELASTICACHE, "DatabaseMemoryUsagePercentage"),
    (ELASTICACHE, "Evictions"),
)


def alarm(env: SynthesizedEnvironment, suffix: str) -> Alarm:
    """The alarm ``langfuse-<env>-<suffix>`` as synthesized."""
    name = f"langfuse-{env.config.name}-{suffix}"
    (props,) = [
        r["Properties"]
        for r in env.resources("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("AlarmName") == name
    ]
    return Alarm.from_template(props)


def tasks(*segments: tuple[int, float | None, float | None]) -> dict[tuple[str, str], Series]:
    """Container Insights samples from (minutes, desired, running) segments, in order."""
    desired: Series = []
    running: Series = []
    for minutes, want, have in segments:
        desired += [want] * minutes
        running += [have] * minutes
    return {DESIRED: desired, RUNNING: running}


def constant(value: float | None, minutes: int) -> Series:
    """The same sample for ``minutes`` minutes."""
    return [value] * minutes


def crash_loop(minutes: int, *, desired: int, start_seconds: int, life_seconds: int) -> Series:
    """RunningTaskCount sampled once a minute while every task takes ``start_seconds`` to reach
    RUNNING (Fargate provisioning, image pull, secrets) and dies ``life_seconds`` later."""
    cycle = start_seconds + life_seconds
    return [
        float(desired if (minute * 60) % cycle >= start_seconds else desired - 1)
        for minute in range(minutes)
    ]


WARM = 40  # minutes of a healthy service before each scenario: the alarm settles in OK


# --- running tasks: quiet on what ECS does by design ----------------------------------------

# One `deploy` updates every service: web and worker roll with minimumHealthyPercent 100 and
# maximumPercent 200 (new tasks run before the old ones stop, so RUNNING never drops below the
# desired count); ClickHouse, never two servers on one EFS volume, runs minimumHealthyPercent 0
# and maximumPercent 100: ECS stops its task (up to the 120 s stop timeout), then pulls and
# starts the new one, six minutes without a running task.
ROLLING = [(1, 2, 2), (1, 2, 3), (4, 2, 4), (1, 2, 3), (9, 2, 2)]
STOP_THEN_START = [(6, 1, 0), (10, 1, 1)]


@pytest.mark.parametrize("deploys", [1, 2], ids=["one deploy", "a deploy and its fix"])
def test_deploys_are_quiet(example: SynthesizedEnvironment, deploys: int) -> None:
    """A deploy, or two in half an hour (a deploy and its fix), is not an outage."""
    rolling = tasks((WARM, 2, 2), *ROLLING * deploys, (WARM, 2, 2))
    stop_then_start = tasks((WARM, 1, 1), *STOP_THEN_START * deploys, (WARM, 1, 1))
    assert states(run(alarm(example, "web-running-tasks"), rolling)) == [OK]
    assert states(run(alarm(example, "worker-running-tasks"), rolling)) == [OK]
    assert states(run(alarm(example, "clickhouse-running-tasks"), stop_then_start)) == [OK]


@pytest.mark.parametrize("service", ["web", "worker"])
def test_scale_out_across_a_period_boundary_is_quiet(
    example: SynthesizedEnvironment, service: str
) -> None:
    """Auto scaling raises the desired count at minute 44 (inside a five-minute period); the new
    task is RUNNING three minutes later."""
    series = tasks((44, 1, 1), (3, 2, 1), (WARM, 2, 2))
    assert states(run(alarm(example, f"{service}-running-tasks"), series)) == [OK]


@pytest.mark.parametrize("night", [0.0, None], ids=["zeros", "nothing"])
@pytest.mark.parametrize("service", ["web", "worker", "clickhouse"])
def test_a_night_of_office_hours_is_quiet(
    example: SynthesizedEnvironment, service: str, night: float | None
) -> None:
    """Office hours scale to zero at 19:00 (the task stops within its stop timeout) and back
    at 08:00 (the first task runs after a few minutes). At night Container Insights reports
    zeros or nothing."""
    series = tasks((60, 1, 1), (2, 0, 1), (13 * 60, night, night), (4, 1, 0), (60, 1, 1))
    assert states(run(alarm(example, f"{service}-running-tasks"), series)) == [OK]


# --- running tasks: loud when tasks keep dying or cannot start -------------------------------


@pytest.mark.parametrize("service", ["web", "worker", "clickhouse"])
def test_crash_loop_fires_and_recovers_but_the_deploy_before_it_does_not(
    example: SynthesizedEnvironment, service: str
) -> None:
    """A deploy takes the service's task away for six minutes (ClickHouse's stop-then-start);
    an hour later each task takes 90 s to start and dies a minute later (a bad setting, an
    unreachable database), for an hour; then it is fixed. Only the crash loop is news."""
    watched = alarm(example, f"{service}-running-tasks")
    looping = crash_loop(60, desired=1, start_seconds=90, life_seconds=60)
    before = constant(1.0, WARM) + constant(0.0, 6) + constant(1.0, 60)
    series = {
        DESIRED: constant(1.0, len(before) + 60 + WARM),
        RUNNING: before + looping + constant(1.0, WARM),
    }
    transitions = run(watched, series)
    assert states(transitions) == [OK, ALARM, OK]
    fired, recovered = transitions[1][0], transitions[2][0]
    assert len(before) < fired <= len(before) + 30  # within half an hour of the first crash
    assert len(before) + 60 < recovered <= len(before) + 60 + 30


@pytest.mark.parametrize("service", ["web", "worker", "clickhouse"])
def test_a_task_that_cannot_start_fires_a_slow_start_does_not(
    example: SynthesizedEnvironment, service: str
) -> None:
    """The desired count rises (scale-out, office hours, a deploy): once the new task runs
    three minutes later; an hour later the next new task never reaches RUNNING (image pull
    refused, secret unreadable). The alarm fires for the second only, within 20 minutes."""
    series = tasks((WARM, 1, 1), (3, 2, 1), (60, 2, 2), (60, 3, 2))
    transitions = run(alarm(example, f"{service}-running-tasks"), series)
    assert states(transitions) == [OK, ALARM]
    assert WARM + 63 < transitions[1][0] <= WARM + 63 + 20


# --- Valkey ---------------------------------------------------------------------------------


def test_full_valkey_warns_and_the_first_eviction_fires(example: SynthesizedEnvironment) -> None:
    """Valkey fills from 50 % to 100 % (half a point a minute) and stays full. With
    maxmemory-policy noeviction it refuses writes instead of evicting: the memory alarm fires
    once it passes 80 %, the evictions alarm stays quiet. Then its parameter group loses
    noeviction and it evicts keys in a single minute: queued events are gone, so the evictions
    alarm fires at once, and clears when evictions stop."""
    memory: Series = [min(100.0, 50 + minute / 2) for minute in range(240)]
    evictions: Series = [0.0] * 240
    evictions[200] = 120.0
    series: dict[tuple[str, str], Series] = {MEMORY: memory, EVICTIONS: evictions}
    transitions = run(alarm(example, "valkey-memory"), series)
    assert states(transitions) == [OK, ALARM]
    first_above_80 = next(m for m, v in enumerate(memory) if v is not None and v > 80)
    assert transitions[1][0] == first_above_80 + 1  # the minute it is published
    transitions = run(alarm(example, "Valkey-Items-Evicted-Critical"), series)
    assert transitions == [(1, OK), (201, ALARM), (206, OK)]


# --- queue backlog on a Langfuse release before 3.170.0 -------------------------------------

# Langfuse before 3.170.0 (worker/src/queues/workerManager.ts, metricWrapper) publishes each
# queue's waiting jobs as `langfuse.queue.<queue>.length` (queue name with `-` as `_`, without
# `_queue`), and only after a job of that queue is processed.
V3_WAITING = [
    ("Langfuse", f"langfuse.queue.{queue}.length")
    for queue in ("ingestion", "otel_ingestion", "secondary_ingestion", "secondary_otel_ingestion")
]


def test_backlog_alarm_on_v3_reads_what_v3_publishes(v3: SynthesizedEnvironment) -> None:
    """tests/fixtures/v3.yaml runs Langfuse 3.150.0: 20,000 ingestion jobs wait for half an
    hour; the backlog alarm (monitoring.queue_backlog_jobs, 10,000 by default, 15 minutes)
    fires."""
    assert v3.config.langfuse.version == "3.150.0"
    ingestion, *others = V3_WAITING
    series = {ingestion: constant(100.0, 30) + constant(20_000.0, 30)}
    series |= {name: constant(None, 60) for name in others}  # queues nobody uses publish nothing
    transitions = run(alarm(v3, "worker-queue-backlog"), series)
    assert states(transitions) == [OK, ALARM]
    assert 30 < transitions[1][0] <= 30 + 15


# --- the evaluator itself, against AWS's documented tables ----------------------------------


def table_alarm(m: int, treat: str) -> Alarm:
    props: dict[str, Any] = {
        "AlarmName": "table",
        "Namespace": "T",
        "MetricName": "x",
        "Statistic": "Maximum",
        "Period": 300,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": m,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": treat,
    }
    return Alarm.from_template(props)


def points(row: str) -> Series:
    """A row of AWS's table: 0 not breaching, X breaching, - missing (oldest first)."""
    return [{"0": 0.0, "X": 2.0, "-": None}[c] for c in row.split()]


# "How alarm state is evaluated when data is missing" (alarms-and-missing-data.html): rows of
# its two tables (3 of 3 and 2 of 3) with the state for BREACHING and NOT BREACHING, and for
# MISSING and IGNORE where the range holds no data or enough of it.
DOCUMENTED = [
    (3, "0 - X - X", {"breaching": OK, "notBreaching": OK, "missing": OK, "ignore": OK}),
    (3, "0 - - - -", {"breaching": OK, "notBreaching": OK}),
    (3, "- - - - -", {"breaching": ALARM, "notBreaching": OK, "missing": "INSUFFICIENT_DATA"}),
    (3, "0 X X - X", {"breaching": ALARM, "notBreaching": ALARM, "missing": ALARM}),
    (3, "- - - - X", {"breaching": ALARM, "notBreaching": OK}),
    (3, "X - - - -", {"breaching": ALARM, "notBreaching": OK}),
    (2, "0 - X - X", {"breaching": ALARM, "notBreaching": ALARM, "ignore": ALARM}),
    (2, "0 0 X 0 X", {"breaching": ALARM, "notBreaching": ALARM, "missing": ALARM}),
    (2, "0 - X - -", {"breaching": ALARM, "notBreaching": OK}),
    (2, "- - - - 0", {"breaching": ALARM, "notBreaching": OK}),
    (2, "- - - - X", {"breaching": ALARM, "notBreaching": OK}),
]


@pytest.mark.parametrize(("m", "row", "expected"), DOCUMENTED)
def test_evaluator_follows_the_documented_tables(
    m: int, row: str, expected: dict[str, str]
) -> None:
    for treat, state in expected.items():
        assert next_state(table_alarm(m, treat), points(row), "unchanged") == state, treat
    assert next_state(table_alarm(3, "ignore"), points("- - - - -"), ALARM) == ALARM


def test_evaluator_math_follows_the_documented_if_table() -> None:
    """Use metric math, IF(metric1, metric2, metric3): [1,1,0,0,-], [30,-,0,0,30],
    [0,0,20,-,20] give [30, 0, 20, -, -]."""
    props = {
        "AlarmName": "if",
        "Metrics": [
            {"Id": "e", "Expression": "IF(a, b, c)", "ReturnData": True},
            *(
                {
                    "Id": i,
                    "MetricStat": {
                        "Metric": {"Namespace": "T", "MetricName": i},
                        "Period": 60,
                        "Stat": "Maximum",
                    },
                    "ReturnData": False,
                }
                for i in ("a", "b", "c")
            ),
        ],
        "EvaluationPeriods": 3,
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    series = {
        ("T", "a"): [1.0, 1.0, 0.0, 0.0, None],
        ("T", "b"): [30.0, None, 0.0, 0.0, 30.0],
        ("T", "c"): [0.0, 0.0, 20.0, None, 20.0],
    }
    assert datapoints(Alarm.from_template(props), series, now=5) == [30.0, 0.0, 20.0, None, None]
