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
    _, properties = rule(example)
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
    # The one filter on the stops log group (ClickHouse's backups count their own log group).
    (metric_filter,) = [
        f
        for f in example.resources("AWS::Logs::MetricFilter").values()
        if f["Properties"]["LogGroupName"] == {"Ref": group_id}
    ]
    (transformation,) = metric_filter["Properties"]["MetricTransformations"]
    assert transformation == {
        "MetricNamespace": "LangfuseAws",
        "MetricName": "UnexpectedTaskStops-example-clickhouse",
        "MetricValue": "1",
        "DefaultValue": 0,
    }


def test_eventbridge_may_write_to_the_stops_log_group_and_nothing_else(
    example: SynthesizedEnvironment,
) -> None:
    """The log group's own resource policy (AWS::Logs::LogGroup ResourcePolicyDocument) lets
    EventBridge create a stream and put the rule's events, as AWS documents it:

    - EventBridge writes to a CloudWatch Logs target only through the log group's resource
      policy, with logs:CreateLogStream and logs:PutLogEvents for events.amazonaws.com
      (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html,
      "CloudWatch Logs permissions").
    - The rule's ARN as aws:SourceArn only on PutLogEvents, CreateLogStream unconditioned: AWS's
      serverless pattern eventbridge-cloudwatch (aws-samples/serverless-patterns,
      eventbridge-cloudwatch/template.yaml) moved the condition there.
    """
    rule_id, _ = rule(example)
    (group,) = [
        v for k, v in example.resources("AWS::Logs::LogGroup").items() if k.startswith("Monitoring")
    ]
    arn = (
        "arn:aws:logs:eu-west-1:111122223333:log-group:"
        "/aws/events/langfuse-example-clickhouse-stops:*"
    )
    rule_arn = "arn:aws:events:eu-west-1:111122223333:rule/Langfuse-example-stops"
    known = pseudo_parameters(example.main_stack, "uuid") | {f"{rule_id}.Arn": rule_arn}
    document = evaluate(group["Properties"]["ResourcePolicyDocument"], known)
    events = {"Service": "events.amazonaws.com"}
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": events,
                "Action": "logs:CreateLogStream",
                "Resource": arn,
            },
            {
                "Effect": "Allow",
                "Principal": events,
                "Action": "logs:PutLogEvents",
                "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            },
        ],
    }


def test_no_account_level_logs_resource_policy(any_env: SynthesizedEnvironment) -> None:
    """An account holds at most 10 CloudWatch Logs resource policies without a resource ARN per
    region (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html,
    "Policy limits"), shared with every other tool. AWS::Logs::ResourcePolicy has no resource
    ARN (its CloudFormation schema: PolicyName and PolicyDocument only), so each one takes one
    of the ten: an environment may add none.
    """
    for name, template in any_env.templates.items():
        kinds = {resource["Type"] for resource in template["Resources"].values()}
        assert "AWS::Logs::ResourcePolicy" not in kinds, name


def test_no_custom_resource_delivers_the_events(example: SynthesizedEnvironment) -> None:
    kinds = {v["Type"] for v in example.main["Resources"].values()}
    assert "Custom::CloudwatchLogResourcePolicy" not in kinds
