"""ClickHouse's unexpected stops: which ECS task events the rule counts, as EventBridge would.

The rule's pattern is resolved for one deployment and matched by moto's implementation of
EventBridge's pattern language against the events ECS sends (their shapes from ECS's "Task
state change events" documentation).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern
from moto.events.utils import EventMessageType

from cfn_eval import evaluate, pseudo_parameters
from synth import SynthesizedEnvironment

CLUSTER_ARN = "arn:aws:ecs:eu-west-1:111122223333:cluster/langfuse"
CLICKHOUSE_SERVICE = "Langfuse-example-ClickHouseService-abc"
WEB_SERVICE = "Langfuse-example-WebService-def"


def stop_event(
    *, service: str = CLICKHOUSE_SERVICE, status: str = "STOPPED", code: str, reason: str
) -> EventMessageType:
    return {
        "source": "aws.ecs",
        "detail-type": "ECS Task State Change",
        "detail": {
            "clusterArn": CLUSTER_ARN,
            "group": f"service:{service}",
            "lastStatus": status,
            "desiredStatus": "STOPPED",
            "stopCode": code,
            "stoppedReason": reason,
        },
    }


COUNTED = {
    "crash": stop_event(
        code="EssentialContainerExited", reason="Essential container in task exited"
    ),
    "out of memory": stop_event(
        code="EssentialContainerExited",
        reason="OutOfMemoryError: Container killed due to memory usage",
    ),
    "health check": stop_event(
        code="ServiceSchedulerInitiated", reason="Task failed container health checks"
    ),
    "never started": stop_event(
        code="TaskFailedToStart", reason="ResourceInitializationError: failed to invoke EFS utils"
    ),
}
NOT_COUNTED = {
    "deployment": stop_event(
        code="ServiceSchedulerInitiated",
        reason="Scaling activity initiated by (deployment ecs-svc/1234567890)",
    ),
    "operator": stop_event(code="UserInitiated", reason="Task stopped by user"),
    "web crash": stop_event(
        service=WEB_SERVICE, code="EssentialContainerExited", reason="Essential container exited"
    ),
    "still running": stop_event(
        status="RUNNING", code="EssentialContainerExited", reason="Essential container exited"
    ),
}


def rule(env: SynthesizedEnvironment) -> tuple[str, dict[str, Any]]:
    (item,) = env.resources("AWS::Events::Rule").items()
    return item


def resolved_pattern(env: SynthesizedEnvironment) -> EventPattern:
    (cluster,) = env.resources("AWS::ECS::Cluster")
    services = env.resources("AWS::ECS::Service")
    (clickhouse,) = [k for k in services if k.startswith("ClickHouse")]
    (web,) = [k for k in services if k.startswith("Web")]
    known = pseudo_parameters(env.main_stack, "uuid") | {
        f"{cluster}.Arn": CLUSTER_ARN,
        f"{clickhouse}.Name": CLICKHOUSE_SERVICE,
        f"{web}.Name": WEB_SERVICE,
    }
    pattern = evaluate(rule(env)[1]["Properties"]["EventPattern"], known)
    return EventPattern.load(json.dumps(pattern))


@pytest.mark.parametrize("case", sorted(COUNTED))
def test_unexpected_stop_is_counted(example: SynthesizedEnvironment, case: str) -> None:
    assert resolved_pattern(example).matches_event(COUNTED[case])


@pytest.mark.parametrize("case", sorted(NOT_COUNTED))
def test_planned_stop_is_not_counted(example: SynthesizedEnvironment, case: str) -> None:
    assert not resolved_pattern(example).matches_event(NOT_COUNTED[case])


def test_matched_events_reach_the_counted_log_group(example: SynthesizedEnvironment) -> None:
    rule_id, properties = rule(example)
    (group_id, group), *_ = [
        (k, v) for k, v in example.resources("AWS::Logs::LogGroup").items() if "Stops" in k
    ]
    name = group["Properties"]["LogGroupName"]
    # EventBridge delivers only to log groups whose name starts with /aws/events/.
    assert name == "/aws/events/langfuse-example-clickhouse-stops"
    known = pseudo_parameters(example.main_stack, "uuid") | {group_id: name}
    (target,) = properties["Properties"]["Targets"]
    assert evaluate(target["Arn"], known) == (
        f"arn:aws:logs:eu-west-1:111122223333:log-group:{name}"
    )
    (policy,) = example.resources("AWS::Logs::ResourcePolicy").values()
    document = policy["Properties"]["PolicyDocument"]
    resolved = json.loads(
        evaluate(
            document,
            known
            | {
                f"{rule_id}.Arn": "arn:rule",
                f"{group_id}.Arn": f"arn:group:{name}:*",
            },
        )
    )
    (statement,) = resolved["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert set(statement["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert statement["Resource"] == f"arn:group:{name}:*"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": "arn:rule"}}
    (metric_filter,) = example.resources("AWS::Logs::MetricFilter").values()
    assert metric_filter["Properties"]["LogGroupName"] == {"Ref": group_id}
    (transformation,) = metric_filter["Properties"]["MetricTransformations"]
    assert transformation == {
        "MetricNamespace": "LangfuseAws",
        "MetricName": "UnexpectedTaskStops-example-clickhouse",
        "MetricValue": "1",
        "DefaultValue": 0,
    }


def test_no_custom_resource_delivers_the_events(example: SynthesizedEnvironment) -> None:
    kinds = {v["Type"] for v in example.main["Resources"].values()}
    assert "Custom::CloudwatchLogResourcePolicy" not in kinds
