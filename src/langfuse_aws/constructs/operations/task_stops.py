"""Counts the unexpected stops of one ECS service's tasks, from ECS's own task events.

ECS replaces a crashed task without a trace in any metric: the running-task count dips only
between two samples. EventBridge sees every "Task State Change" to STOPPED with its stop code
and reason; this rule keeps the unexpected ones in a log group (an audit of why each task
stopped) and a metric filter counts them. Stops that a deployment or scale-in asks for are not
counted.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from ...compliance import control_tower
from .alarms import aws_metric

METRIC_NAMESPACE = "LangfuseAws"

# Stop codes of a task that ended on its own: its essential container exited, or it never
# started (image pull, secrets, EFS mount). Health-check kills carry ServiceSchedulerInitiated,
# so they are matched by their reason instead.
UNEXPECTED_STOP_CODES = ["EssentialContainerExited", "TaskFailedToStart"]
HEALTH_CHECK_REASON_PREFIX = "Task failed"


def unexpected_stop_pattern(cluster_arn: str, service_name: str) -> dict[str, Any]:
    """The EventBridge pattern of a task of ``service_name`` that stopped unexpectedly."""
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "group": [f"service:{service_name}"],
            "lastStatus": ["STOPPED"],
            "$or": [
                {"stopCode": UNEXPECTED_STOP_CODES},
                {"stoppedReason": [{"prefix": HEALTH_CHECK_REASON_PREFIX}]},
            ],
        },
    }


@jsii.implements(events.IRuleTarget)
class _LogGroupTarget:
    """Delivers matched events to the log group named ``log_group_name`` in this stack.

    CDK's own CloudWatchLogGroup target writes an account-level resource policy through a
    Lambda-backed custom resource; here the log group carries its own policy instead. The
    target names the group by its literal name, not by a reference, because the group's
    policy names the rule: the rule is created first, the group right after it.
    """

    def __init__(self, log_group_name: str) -> None:
        self._log_group_name = log_group_name

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        # EventBridge takes the log group's ARN without the ":*" that GetAtt Arn ends with.
        arn = Stack.of(rule).format_arn(
            service="logs",
            resource="log-group",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
            resource_name=self._log_group_name,
        )
        return events.RuleTargetConfig(arn=arn)


def delivery_policy(log_group_arn: str, rule_arn: str) -> iam.PolicyDocument:
    """What EventBridge needs to write ``rule_arn``'s events into the log group.

    EventBridge creates a log stream, then puts the events (EventBridge User Guide, "Using
    resource-based policies for Amazon EventBridge", CloudWatch Logs permissions). Only
    PutLogEvents carries the rule as ``aws:SourceArn``, as in AWS's own serverless pattern
    eventbridge-cloudwatch (aws-samples/serverless-patterns): CreateLogStream stays
    unconditioned and can only add an empty stream to this one group.
    """
    service = iam.ServicePrincipal("events.amazonaws.com")
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                principals=[service],
                actions=["logs:CreateLogStream"],
                resources=[log_group_arn],
            ),
            iam.PolicyStatement(
                principals=[service],
                actions=["logs:PutLogEvents"],
                resources=[log_group_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule_arn}},
            ),
        ]
    )


class TaskStopCounter(Construct):
    """Rule, log group ``/aws/events/langfuse-<env>-<name>-stops`` and the stop-count metric.

    The log group has a fixed name (the runbook points to it) and is deleted with the stack,
    so a new deployment of the same environment can create it again.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        environment_name: str,
        name: str,
        service: ecs.FargateService,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id_)
        log_group_name = f"/aws/events/langfuse-{environment_name}-{name}-stops"
        self.log_group = logs.LogGroup(
            self,
            "Stops",
            log_group_name=log_group_name,
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        control_tower.log_group(self.log_group)
        rule = events.Rule(
            self,
            "Rule",
            description=f"Unexpected stops of Langfuse {name} tasks",
            event_pattern=events.EventPattern(
                **_pattern_fields(
                    unexpected_stop_pattern(service.cluster.cluster_arn, service.service_name)
                )
            ),
        )
        rule.add_target(_LogGroupTarget(log_group_name))
        # A policy on the log group itself (AWS::Logs::LogGroup ResourcePolicyDocument): an
        # account holds at most 10 account-level CloudWatch Logs resource policies per region,
        # and one per log group besides (CloudWatch Logs API Reference, PutResourcePolicy).
        group_arn = Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
            resource_name=f"{log_group_name}:*",
        )
        cfn_group = self.log_group.node.default_child
        assert isinstance(cfn_group, logs.CfnLogGroup)
        cfn_group.resource_policy_document = delivery_policy(group_arn, rule.rule_arn)
        self.metric_name = f"UnexpectedTaskStops-{environment_name}-{name}"
        logs.MetricFilter(
            self,
            "Count",
            log_group=self.log_group,
            filter_pattern=logs.FilterPattern.string_value("$.detail.lastStatus", "=", "STOPPED"),
            metric_namespace=METRIC_NAMESPACE,
            metric_name=self.metric_name,
            metric_value="1",
            default_value=0,
        )

    def metric(self, period: Duration) -> cloudwatch.Metric:
        """How many tasks stopped unexpectedly in each period."""
        return aws_metric(METRIC_NAMESPACE, self.metric_name, "Sum", period)


def _pattern_fields(pattern: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge pattern as ``events.EventPattern`` keyword arguments."""
    return {
        "source": pattern["source"],
        "detail_type": pattern["detail-type"],
        "detail": pattern["detail"],
    }
