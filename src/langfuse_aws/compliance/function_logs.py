"""Give every Lambda function a log group with retention.

CDK's own custom-resource handlers (AwsCustomResource, S3 auto-delete, ...) otherwise log to a
group that Lambda creates on first run and that never expires.
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from . import control_tower

FUNCTION_TYPE = "AWS::Lambda::Function"


@jsii.implements(IAspect)
class FunctionLogRetention:
    """Aspect: a function without a LoggingConfig gets its own log group with retention."""

    def __init__(self, retention: logs.RetentionDays) -> None:
        self.retention = retention

    def visit(self, node: IConstruct) -> None:
        """Attach a log group kept for ``retention`` to each function that has none."""
        if not (isinstance(node, CfnResource) and node.cfn_resource_type == FUNCTION_TYPE):
            return
        control_tower.function_outside_vpc(node)
        if isinstance(node, lambda_.CfnFunction) and node.logging_config is not None:
            return
        scope = node.node.scope
        assert isinstance(scope, Construct)
        group = logs.LogGroup(
            scope,
            f"{node.node.id}Logs",
            retention=self.retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        control_tower.log_group(group)
        node.add_property_override("LoggingConfig.LogGroup", group.log_group_name)
