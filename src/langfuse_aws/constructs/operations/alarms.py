"""What every alarm of this app shares: one SNS topic per region and a notifying alarm."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from ...compliance import acknowledge


def alarm_topic(
    scope: Construct,
    *,
    environment_name: str,
    emails: list[str],
    existing_arn: str | None,
) -> sns.ITopic:
    """The existing topic when one is named, else a new topic with the e-mail subscribers."""
    if existing_arn:
        return sns.Topic.from_topic_arn(scope, "Topic", existing_arn)
    topic = sns.Topic(
        scope,
        "Alarms",
        display_name=f"Langfuse {environment_name} alarms",
        enforce_ssl=True,
    )
    acknowledge(
        topic,
        "AwsSolutions-SNS2",
        "Alarm notifications carry only alarm names and states, and CloudWatch cannot "
        "publish to a topic encrypted with the AWS-managed SNS key.",
    )
    for address in emails:
        topic.add_subscription(subscriptions.EmailSubscription(address))
    return topic


def aws_metric(
    namespace: str,
    name: str,
    statistic: str,
    period: Duration,
    dimensions: dict[str, str] | None = None,
) -> cloudwatch.Metric:
    """One CloudWatch metric: namespace, name, statistic, period and dimensions."""
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=name,
        dimensions_map=dimensions,
        statistic=statistic,
        period=period,
    )


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: its name, what it means, the metric and when it fires.

    It fires when ``datapoints`` of the last ``periods`` periods breach (all of them by
    default: CloudWatch's "M out of N"). A period without data counts as not breaching: the
    metrics watched here either stop when nothing runs (office hours) or appear only when
    something happens.
    """

    name: str
    description: str
    metric: cloudwatch.IMetric
    threshold: float
    below: bool = False
    periods: int = 1
    datapoints: int | None = None


def notifying_alarm(
    scope: Construct, id_: str, spec: AlarmSpec, topic: sns.ITopic
) -> cloudwatch.Alarm:
    """A CloudWatch alarm that notifies ``topic`` when it fires and when it recovers."""
    alarm = cloudwatch.Alarm(
        scope,
        id_,
        alarm_name=spec.name,
        alarm_description=spec.description,
        metric=spec.metric,
        threshold=spec.threshold,
        evaluation_periods=spec.periods,
        datapoints_to_alarm=spec.datapoints or spec.periods,
        comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
        if spec.below
        else cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cw_actions.SnsAction(topic))
    alarm.add_ok_action(cw_actions.SnsAction(topic))
    return alarm
