"""The alarms on CloudFront and its web ACL, which publish their metrics only in us-east-1.

CloudWatch raises an alarm only in the region of its metric, so these alarms live in a
us-east-1 stack of their own (``stacks/edge_alarms_stack.py``) and notify a topic there.
``add_edge_alarms`` is a function rather than a construct: the alarms sit directly under that
stack, where they keep the logical ids they were deployed with.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from constructs import Construct

from ..edge.waf import blocked_requests
from .alarms import AlarmSpec, aws_metric, notifying_alarm

# CloudFront 5xx share (percent) that alarms, once a 5-minute period has enough requests for
# a share to mean something (one failed request of three is not an outage).
CLOUDFRONT_5XX_PERCENT = 5
CLOUDFRONT_MIN_REQUESTS = 100


def cloudfront_5xx_rate(distribution_id: str) -> cloudwatch.MathExpression:
    """The distribution's 5xx share per 5 minutes, and 0 while it serves few requests."""
    dimensions = {"DistributionId": distribution_id, "Region": "Global"}
    period = Duration.minutes(5)
    return cloudwatch.MathExpression(
        expression=f"IF(requests >= {CLOUDFRONT_MIN_REQUESTS}, errors, 0)",
        using_metrics={
            "errors": aws_metric("AWS/CloudFront", "5xxErrorRate", "Average", period, dimensions),
            "requests": aws_metric("AWS/CloudFront", "Requests", "Sum", period, dimensions),
        },
        label="5xx share of requests (%)",
        period=period,
    )


@dataclass(frozen=True)
class EdgeAlarmsProps:
    """The distribution and web ACL watched, where the alarms go, and the WAF threshold."""

    environment_name: str
    distribution: cloudfront.IDistribution
    topic: sns.ITopic
    """A topic in us-east-1, the alarms' region (``alarms.alarm_topic``)."""
    waf_blocked_per_5_minutes: int
    """Requests the web ACL may block in 5 minutes before it alarms."""
    web_acl_metric: str | None = None
    """The CLOUDFRONT-scope web ACL's metric name; None when WAF is off."""


def add_edge_alarms(scope: Construct, props: EdgeAlarmsProps) -> None:
    """``langfuse-<env>-cloudfront-5xx-rate`` and ``langfuse-<env>-waf-blocked`` in ``scope``,
    notifying ``props.topic``."""
    prefix, topic = f"langfuse-{props.environment_name}", props.topic
    notifying_alarm(
        scope,
        "CloudFront5xx",
        AlarmSpec(
            name=f"{prefix}-cloudfront-5xx-rate",
            description=f"More than {CLOUDFRONT_5XX_PERCENT} % of CloudFront's answers "
            "are 5xx errors (the origin, Langfuse web, fails or cannot be reached).",
            metric=cloudfront_5xx_rate(props.distribution.distribution_id),
            threshold=CLOUDFRONT_5XX_PERCENT,
            periods=3,
        ),
        topic,
    )
    if props.web_acl_metric is not None:
        blocked = props.waf_blocked_per_5_minutes
        notifying_alarm(
            scope,
            "WafBlocked",
            AlarmSpec(
                name=f"{prefix}-waf-blocked",
                description=f"The WAF blocked more than {blocked} requests in 5 minutes.",
                metric=blocked_requests(props.web_acl_metric, regional_in=None),
                threshold=blocked,
            ),
            topic,
        )
