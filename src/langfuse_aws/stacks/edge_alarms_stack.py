"""The us-east-1 alarms: CloudFront and its web ACL publish their metrics only there.

CloudWatch raises an alarm only in the region of its metric, and the distribution belongs to
the main stack, so these alarms sit in a stack of their own that follows the main stack.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from ..alarm_destination import alarm_destination, existing_topic
from ..config.models import EnvironmentConfig
from ..constructs.edge.waf import blocked_requests
from ..constructs.operations.alarms import AlarmSpec, alarm_topic, aws_metric, notifying_alarm
from .global_stack import GlobalRegionStack

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


class EdgeAlarmsStack(GlobalRegionStack):
    """``langfuse-<env>-cloudfront-5xx-rate`` and ``langfuse-<env>-waf-blocked`` in us-east-1."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        distribution: cloudfront.IDistribution,
        web_acl_metric: str | None,
    ) -> None:
        super().__init__(
            scope, id_, config=config, description="us-east-1 alarms on CloudFront and its WAF"
        )
        monitoring = config.monitoring
        prefix = f"langfuse-{config.name}"
        topic = alarm_topic(
            self,
            environment_name=config.name,
            emails=list(monitoring.emails),
            existing_arn=existing_topic(config, global_region=True),
        )
        CfnOutput(
            self,
            "AlarmDestination",
            value=alarm_destination(config, global_region=True).summary,
            description="Where the us-east-1 CloudWatch alarms go",
        )
        notifying_alarm(
            self,
            "CloudFront5xx",
            AlarmSpec(
                name=f"{prefix}-cloudfront-5xx-rate",
                description=f"More than {CLOUDFRONT_5XX_PERCENT} % of CloudFront's answers "
                "are 5xx errors (the origin, Langfuse web, fails or cannot be reached).",
                metric=cloudfront_5xx_rate(distribution.distribution_id),
                threshold=CLOUDFRONT_5XX_PERCENT,
                periods=3,
            ),
            topic,
        )
        if web_acl_metric is not None:
            blocked = monitoring.waf_blocked_per_5_minutes
            notifying_alarm(
                self,
                "WafBlocked",
                AlarmSpec(
                    name=f"{prefix}-waf-blocked",
                    description=f"The WAF blocked more than {blocked} requests in 5 minutes.",
                    metric=blocked_requests(web_acl_metric, regional_in=None),
                    threshold=blocked,
                ),
                topic,
            )
