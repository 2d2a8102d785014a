"""The us-east-1 alarms: CloudFront and its web ACL publish their metrics only there.

CloudWatch raises an alarm only in the region of its metric, and the distribution belongs to
the main stack, so these alarms sit in a stack of their own that follows the main stack. The
alarms themselves are ``constructs/operations/edge_alarms.py``; this stack only wires them.
"""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_cloudfront as cloudfront
from constructs import Construct

from ..alarm_destination import alarm_destination, existing_topic
from ..config.models import EnvironmentConfig
from ..constructs.operations.alarms import alarm_topic
from ..constructs.operations.edge_alarms import EdgeAlarmsProps, add_edge_alarms
from .global_stack import GlobalRegionStack


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
        add_edge_alarms(
            self,
            EdgeAlarmsProps(
                environment_name=config.name,
                distribution=distribution,
                topic=topic,
                waf_blocked_per_5_minutes=monitoring.waf_blocked_per_5_minutes,
                web_acl_metric=web_acl_metric,
            ),
        )
