"""Dashboard and alarms: each alarm's metric, threshold and action on the example environment."""

from __future__ import annotations

from typing import Any

import pytest

from synth import SynthesizedEnvironment


def alarms(env: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in env.resources("AWS::CloudWatch::Alarm").values()
    }


def metrics(alarm: dict[str, Any]) -> set[tuple[str, str]]:
    """(namespace, metric name) of every metric the alarm reads, math expressions included."""
    if "MetricName" in alarm:
        return {(alarm["Namespace"], alarm["MetricName"])}
    return {
        (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }


# name suffix -> (namespace, metric, comparison, threshold); from the README's runbook.
EXPECTED = {
    "Web-CPU-Usage-Warning": ("AWS/ECS", "CPUUtilization", "GreaterThanThreshold", 90),
    "Web-Memory-Usage-Warning": ("AWS/ECS", "MemoryUtilization", "GreaterThanThreshold", 90),
    "Worker-CPU-Usage-Warning": ("AWS/ECS", "CPUUtilization", "GreaterThanThreshold", 90),
    "Worker-Memory-Usage-Warning": ("AWS/ECS", "MemoryUtilization", "GreaterThanThreshold", 90),
    "ClickHouse-CPU-Usage-Warning": ("AWS/ECS", "CPUUtilization", "GreaterThanThreshold", 90),
    "ClickHouse-Memory-Usage-Warning": ("AWS/ECS", "MemoryUtilization", "GreaterThanThreshold", 90),
    "web-running-tasks": ("ECS/ContainerInsights", "RunningTaskCount", "LessThanThreshold", 1),
    "worker-running-tasks": ("ECS/ContainerInsights", "RunningTaskCount", "LessThanThreshold", 1),
    "clickhouse-running-tasks": (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "LessThanThreshold",
        1,
    ),
    # 90 % of database.max_acu (4 in the example).
    "Aurora-Usage-Count-Warning": (
        "AWS/RDS",
        "ServerlessDatabaseCapacity",
        "GreaterThanThreshold",
        3.6,
    ),
    # Valkey must never evict: Langfuse's queues live there.
    "Valkey-Items-Evicted-Critical": ("AWS/ElastiCache", "Evictions", "GreaterThanThreshold", 0),
    # Aurora PostgreSQL's default max_connections is LEAST(memory / 9531392, 5000); 4 ACU have
    # 8 GiB, so 901 connections, and the alarm fires at 80 % of them.
    "aurora-connections": ("AWS/RDS", "DatabaseConnections", "GreaterThanThreshold", 720),
    # noeviction makes a full Valkey refuse new queue jobs: warn at 80 % memory.
    "valkey-memory": (
        "AWS/ElastiCache",
        "DatabaseMemoryUsagePercentage",
        "GreaterThanThreshold",
        80,
    ),
    "web-5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "GreaterThanThreshold", 10),
    "web-unhealthy-targets": (
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        "GreaterThanThreshold",
        0,
    ),
}


@pytest.mark.parametrize("suffix", sorted(EXPECTED))
def test_each_alarm_watches_its_metric_and_notifies_the_topic(
    example: SynthesizedEnvironment, suffix: str
) -> None:
    found = alarms(example)
    alarm = found[f"langfuse-example-{suffix}"]
    namespace, metric, comparison, threshold = EXPECTED[suffix]
    assert (namespace, metric) in metrics(alarm)
    assert alarm["ComparisonOperator"] == comparison
    assert alarm["Threshold"] == threshold
    (topic_id,) = example.resources("AWS::SNS::Topic")
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]
    assert alarm["OKActions"] == [{"Ref": topic_id}]


def test_no_alarm_outside_the_runbook(example: SynthesizedEnvironment) -> None:
    assert set(alarms(example)) == {f"langfuse-example-{s}" for s in EXPECTED}


def test_one_dashboard_per_environment(example_env: SynthesizedEnvironment) -> None:
    (dashboard,) = example_env.resources("AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == f"Langfuse-{example_env.config.name}"


def test_valkey_alarm_watches_the_primary_node(example: SynthesizedEnvironment) -> None:
    alarm = alarms(example)["langfuse-example-Valkey-Items-Evicted-Critical"]
    (group_id,) = example.resources("AWS::ElastiCache::ReplicationGroup")
    dimensions = [
        d
        for m in alarm["Metrics"]
        if "MetricStat" in m
        for d in m["MetricStat"]["Metric"]["Dimensions"]
    ]
    assert {
        "Name": "CacheClusterId",
        "Value": {"Fn::Join": ["", [{"Ref": group_id}, "-001"]]},
    } in dimensions


def test_alarm_emails_subscribe_to_the_topic(prod: SynthesizedEnvironment) -> None:
    subscriptions = prod.resources("AWS::SNS::Subscription")
    expected = set(prod.config.monitoring.emails)
    assert {s["Properties"]["Endpoint"] for s in subscriptions.values()} == expected
    for subscription in subscriptions.values():
        assert subscription["Properties"]["Protocol"] == "email"
