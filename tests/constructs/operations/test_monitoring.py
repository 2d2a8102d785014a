"""Dashboard and alarms: each alarm's metric, threshold and action on the example environment."""

from __future__ import annotations

from typing import Any

import pytest

from synth import REPO, SynthesizedEnvironment, role_statements, task_container


def alarms(env: SynthesizedEnvironment, stack: str | None = None) -> dict[str, dict[str, Any]]:
    """The named alarms of a stack (the scaling policies' own alarms have no name)."""
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in env.resources("AWS::CloudWatch::Alarm", stack).values()
        if "AlarmName" in a["Properties"]
    }


def dimensions(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every dimension of every metric the alarm reads."""
    if "MetricName" in alarm:
        return list(alarm.get("Dimensions", []))
    return [
        d
        for m in alarm["Metrics"]
        if "MetricStat" in m
        for d in m["MetricStat"]["Metric"].get("Dimensions", [])
    ]


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
    # Tasks ECS wants minus tasks running, above 0 for 10 minutes.
    "web-running-tasks": ("ECS/ContainerInsights", "RunningTaskCount", "GreaterThanThreshold", 0),
    "worker-running-tasks": (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "GreaterThanThreshold",
        0,
    ),
    "clickhouse-running-tasks": (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "GreaterThanThreshold",
        0,
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
    # Temporary tables and sorts that spill fail when local storage runs out: below 1 GiB.
    "aurora-free-local-storage": ("AWS/RDS", "FreeLocalStorage", "LessThanThreshold", 1024**3),
    # Any unexpected stop of the one ClickHouse task (a deployment's stop does not count).
    "clickhouse-task-stopped": (
        "LangfuseAws",
        "UnexpectedTaskStops-example-clickhouse",
        "GreaterThanThreshold",
        0,
    ),
    "clickhouse-efs-io-limit": ("AWS/EFS", "PercentIOLimit", "GreaterThanThreshold", 90),
    # monitoring.efs_io_gib_per_hour defaults to 10 GiB per hour.
    "clickhouse-efs-io-cost": ("AWS/EFS", "TotalIOBytes", "GreaterThanThreshold", 10 * 1024**3),
    # monitoring.queue_backlog_jobs defaults to 10,000 waiting ingestion jobs.
    # ClickHouse's own backups (constructs/data/clickhouse_backup.py): a failed backup in the
    # last hour, and fewer than one success in the last 26 hours (a day and two hours).
    "clickhouse-backup-failed": (
        "LangfuseAws",
        "ClickHouseBackupsFailed-example",
        "GreaterThanThreshold",
        0,
    ),
    "clickhouse-backup-late": (
        "LangfuseAws",
        "ClickHouseBackupsSucceeded-example",
        "LessThanThreshold",
        1,
    ),
    "worker-queue-backlog": (
        "Langfuse",
        "langfuse.queue.ingestion.depth.shard_all.type_waiting",
        "GreaterThanThreshold",
        10_000,
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


# --- what each new alarm is wired to ------------------------------------------------------


def test_aurora_local_storage_alarm_reads_every_instance(prod: SynthesizedEnvironment) -> None:
    alarm = alarms(prod)["langfuse-prod-aurora-free-local-storage"]
    instances = set(prod.resources("AWS::RDS::DBInstance"))
    assert len(instances) == 2  # writer and reader
    assert {d["Value"]["Ref"] for d in dimensions(alarm)} == instances
    (expression,) = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
    assert expression.startswith("MIN(")


def test_efs_alarms_watch_clickhouse_file_system(example: SynthesizedEnvironment) -> None:
    (file_system,) = example.resources("AWS::EFS::FileSystem")
    for suffix in ("clickhouse-efs-io-limit", "clickhouse-efs-io-cost"):
        alarm = alarms(example)[f"langfuse-example-{suffix}"]
        assert alarm["Dimensions"] == [{"Name": "FileSystemId", "Value": {"Ref": file_system}}]
    assert alarms(example)["langfuse-example-clickhouse-efs-io-cost"]["Period"] == 3600


def test_queue_backlog_alarm_sums_every_ingestion_queue(example: SynthesizedEnvironment) -> None:
    alarm = alarms(example)["langfuse-example-worker-queue-backlog"]
    # Langfuse's sharded ingestion queues, as its queue metrics runner names their totals.
    assert metrics(alarm) == {
        ("Langfuse", f"langfuse.queue.{queue}.depth.shard_all.type_waiting")
        for queue in (
            "ingestion",
            "otel_ingestion",
            "secondary_ingestion",
            "secondary_otel_ingestion",
        )
    }
    assert dimensions(alarm) == []  # Langfuse publishes these gauges without dimensions
    assert alarm["EvaluationPeriods"] == 3


def test_nat_instance_alarm_in_dev_only(
    dev: SynthesizedEnvironment, example: SynthesizedEnvironment
) -> None:
    alarm = alarms(dev)["langfuse-dev-nat-instance-status"]
    (instance,) = dev.resources("AWS::EC2::Instance")
    assert alarm["MetricName"] == "StatusCheckFailed"
    assert alarm["Dimensions"] == [{"Name": "InstanceId", "Value": {"Ref": instance}}]
    assert not any("nat-instance" in name for name in alarms(example))


def test_dev_publishes_no_queue_metrics(dev: SynthesizedEnvironment) -> None:
    assert "langfuse-dev-worker-queue-backlog" not in alarms(dev)
    worker = task_container(dev, "Worker")
    names = {item["Name"] for item in worker["Environment"]}
    assert "ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING" not in names
    assert not step_policies(dev)


# --- the worker publishes its queue metrics and scales on them ------------------------------


def test_worker_publishes_queue_metrics_to_cloudwatch(example: SynthesizedEnvironment) -> None:
    worker = {
        item["Name"]: item["Value"] for item in task_container(example, "Worker")["Environment"]
    }
    # Langfuse's packages/shared env.ts: the flag is the string "true"; its CloudWatch client
    # finds the region through the SDK's default chain (AWS_REGION).
    assert worker["ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING"] == "true"
    assert worker["AWS_REGION"] == example.config.region
    statements = [
        s
        for s in role_statements(example, "Worker", "TaskRoleArn")
        if "cloudwatch:PutMetricData" in str(s)
    ]
    assert statements == [
        {
            "Action": "cloudwatch:PutMetricData",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "Langfuse"}},
            "Effect": "Allow",
            "Resource": "*",
        }
    ]
    assert "cloudwatch:PutMetricData" not in str(role_statements(example, "Web", "TaskRoleArn"))


def step_policies(env: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {
        k: v["Properties"]
        for k, v in env.resources("AWS::ApplicationAutoScaling::ScalingPolicy").items()
        if v["Properties"]["PolicyType"] == "StepScaling"
    }


def test_worker_scales_out_on_backlog(example: SynthesizedEnvironment) -> None:
    ((policy_id, policy),) = step_policies(example).items()
    targets = example.resources("AWS::ApplicationAutoScaling::ScalableTarget")
    target = targets[policy["ScalingTargetId"]["Ref"]]
    assert "WorkerService" in str(target["Properties"]["ResourceId"])
    (alarm,) = [
        a["Properties"]
        for a in example.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmActions") == [{"Ref": policy_id}]
    ]
    assert ("Langfuse", "langfuse.queue.ingestion.depth.shard_all.type_waiting") in metrics(alarm)
    # One more task from 1,000 waiting jobs, two more from 10,000; never fewer tasks (the CPU
    # policy scales in), so the two policies cannot fight.
    threshold = alarm["Threshold"]
    steps = {
        threshold + s["MetricIntervalLowerBound"]: s["ScalingAdjustment"]
        for s in policy["StepScalingPolicyConfiguration"]["StepAdjustments"]
    }
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert steps == {1000: 1, 10000: 2}


# --- us-east-1: CloudFront and its WAF ------------------------------------------------------


def test_cloudfront_alarms_live_in_us_east_1(example: SynthesizedEnvironment) -> None:
    stack = example.edge_alarms_stack
    assert stack is not None
    artifact = example.manifest["artifacts"][stack]
    assert artifact["environment"].endswith("/us-east-1")
    assert f"Langfuse-{example.config.name}" in artifact["dependencies"]
    found = alarms(example, stack)
    assert set(found) == {"langfuse-example-cloudfront-5xx-rate", "langfuse-example-waf-blocked"}
    (topic,) = example.resources("AWS::SNS::Topic", stack)
    for alarm in found.values():
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["OKActions"] == [{"Ref": topic}]


def test_cloudfront_5xx_alarm_reads_the_distribution(example: SynthesizedEnvironment) -> None:
    stack = example.edge_alarms_stack
    assert stack is not None
    alarm = alarms(example, stack)["langfuse-example-cloudfront-5xx-rate"]
    assert metrics(alarm) == {("AWS/CloudFront", "5xxErrorRate"), ("AWS/CloudFront", "Requests")}
    assert alarm["Threshold"] == 5
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    (expression,) = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
    assert expression == "IF(requests >= 100, errors, 0)"
    for dimension in dimensions(alarm):
        if dimension["Name"] == "Region":
            assert dimension["Value"] == "Global"
            continue
        reference = dimension["Value"]["Fn::GetStackOutput"]
        assert reference["StackName"] == example.main_stack
        output = example.main["Outputs"][reference["OutputName"]]["Value"]
        (distribution,) = example.resources("AWS::CloudFront::Distribution")
        assert output == {"Ref": distribution}


def test_waf_alarm_reads_the_web_acl_metrics(example: SynthesizedEnvironment) -> None:
    assert example.edge_alarms_stack is not None and example.global_stack is not None
    alarm = alarms(example, example.edge_alarms_stack)["langfuse-example-waf-blocked"]
    (acl,) = example.resources("AWS::WAFv2::WebACL", example.global_stack).values()
    # WAF's WebACL dimension is the ACL's VisibilityConfig metric name; CLOUDFRONT ACLs have no
    # Region dimension.
    assert alarm["Namespace"] == "AWS/WAFV2"
    assert alarm["MetricName"] == "BlockedRequests"
    assert sorted(alarm["Dimensions"], key=lambda d: d["Name"]) == [
        {"Name": "Rule", "Value": "ALL"},
        {"Name": "WebACL", "Value": acl["Properties"]["VisibilityConfig"]["MetricName"]},
    ]
    assert alarm["Threshold"] == 1000


def test_web_acl_metrics_are_per_environment(any_env: SynthesizedEnvironment) -> None:
    for template in any_env.templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::WAFv2::WebACL":
                metric = resource["Properties"]["VisibilityConfig"]["MetricName"]
                assert metric == f"Langfuse-{any_env.config.name}"


def test_regional_waf_alarm_in_alb_mode(alb_domain: SynthesizedEnvironment) -> None:
    assert alb_domain.edge_alarms_stack is None
    name = alb_domain.config.name
    alarm = alarms(alb_domain)[f"langfuse-{name}-waf-blocked"]
    (acl,) = alb_domain.resources("AWS::WAFv2::WebACL").values()
    assert sorted(alarm["Dimensions"], key=lambda d: d["Name"]) == [
        {"Name": "Region", "Value": alb_domain.config.region},
        {"Name": "Rule", "Value": "ALL"},
        {"Name": "WebACL", "Value": acl["Properties"]["VisibilityConfig"]["MetricName"]},
    ]


def test_us_east_1_alarm_emails_subscribe_there_too(prod: SynthesizedEnvironment) -> None:
    assert prod.edge_alarms_stack is not None
    subscriptions = prod.resources("AWS::SNS::Subscription", prod.edge_alarms_stack)
    assert {s["Properties"]["Endpoint"] for s in subscriptions.values()} == set(
        prod.config.monitoring.emails
    )


def test_existing_topics_receive_the_alarms(federated: SynthesizedEnvironment) -> None:
    monitoring = federated.config.monitoring
    assert federated.edge_alarms_stack is not None
    for stack, arn in (
        (None, monitoring.topic_arn),
        (federated.edge_alarms_stack, monitoring.global_topic_arn),
    ):
        assert not federated.resources("AWS::SNS::Topic", stack)
        for alarm in alarms(federated, stack).values():
            assert alarm["AlarmActions"] == [arn]
            assert alarm["OKActions"] == [arn]


def runbook() -> str:
    """The runbook page (docs/runbook.md)."""
    return (REPO / "docs" / "runbook.md").read_text()


def test_every_alarm_has_a_runbook_row(any_env: SynthesizedEnvironment) -> None:
    """docs/runbook.md: every alarm has a runbook entry (what it means, what to check first)."""
    rows = [line for line in runbook().splitlines() if line.startswith("| `")]
    prefix = f"langfuse-{any_env.config.name}-"
    for stack in any_env.templates:
        for name in alarms(any_env, stack):
            suffix = name.removeprefix(prefix).rstrip("-0123456789")
            # Library alarms share a row across services: `Web/Worker/ClickHouse-CPU-...`.
            stem = suffix.split("-", 1)[1] if suffix[0].isupper() else suffix
            assert any(f"`{suffix}`" in row or f"-{stem}`" in row for row in rows), name


@pytest.mark.parametrize("service", ["web", "worker", "clickhouse"])
def test_running_tasks_alarm_follows_the_desired_count(
    example: SynthesizedEnvironment, service: str
) -> None:
    """Office hours and scale-in lower the desired count: the alarm must stay quiet then."""
    alarm = alarms(example)[f"langfuse-example-{service}-running-tasks"]
    assert metrics(alarm) == {
        ("ECS/ContainerInsights", "DesiredTaskCount"),
        ("ECS/ContainerInsights", "RunningTaskCount"),
    }
    (expression,) = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
    assert expression == "desired - running"
    # Container Insights' one-minute counts; tasks missing in 15 of the last 30 minutes. A
    # minute without data (a service scaled to zero) is no missing task.
    assert {m["MetricStat"]["Period"] for m in alarm["Metrics"] if "MetricStat" in m} == {60}
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (30, 15)
    assert alarm["TreatMissingData"] == "notBreaching"


def test_queue_metrics_of_a_v3_release_before_3_170(v3: SynthesizedEnvironment) -> None:
    """Langfuse before 3.170.0 publishes waiting jobs as `langfuse.queue.<queue>.length`
    (worker/src/queues/workerManager.ts); `.depth.shard_all.type_waiting` exists from 3.170.0
    (packages/shared/src/server/instrumentation/index.ts, buildCloudWatchKey). The backlog
    alarm and the worker's backlog scaling read what the release publishes."""
    assert v3.config.langfuse.version == "3.150.0"
    expected = {
        ("Langfuse", f"langfuse.queue.{queue}.length")
        for queue in (
            "ingestion",
            "otel_ingestion",
            "secondary_ingestion",
            "secondary_otel_ingestion",
        )
    }
    assert metrics(alarms(v3)["langfuse-legacy-worker-queue-backlog"]) == expected
    ((policy_id, _),) = step_policies(v3).items()
    (scaling,) = [
        a["Properties"]
        for a in v3.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmActions") == [{"Ref": policy_id}]
    ]
    assert metrics(scaling) == expected
