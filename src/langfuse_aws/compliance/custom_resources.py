"""Acknowledgements for the Lambda functions that CDK itself adds to a stack."""

from __future__ import annotations

from aws_cdk import Stack

from .acknowledge import acknowledge

AWS_CUSTOM_RESOURCE_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287"
LOG_RETENTION_PROVIDER_ID = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"
BASIC_EXECUTION_POLICY = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]"
)


def _acknowledge_cdk_function(stack: Stack, provider_id: str, who: str) -> bool:
    """Record why a CDK function's basic execution policy is fine; False if it is absent."""
    provider = stack.node.try_find_child(provider_id)
    if provider is None:
        return False
    acknowledge(
        provider,
        BASIC_EXECUTION_POLICY,
        f"{who} uses the AWS basic execution policy, which only lets it write its own "
        "CloudWatch logs.",
    )
    return True


def acknowledge_aws_custom_resource_provider(stack: Stack) -> None:
    """The function behind CDK's AwsCustomResource."""
    _acknowledge_cdk_function(
        stack, AWS_CUSTOM_RESOURCE_PROVIDER_ID, "The CDK-provided custom-resource function"
    )


def acknowledge_log_retention_provider(stack: Stack) -> None:
    """The function CDK adds to set retention on log groups that a service creates (RDS)."""
    if _acknowledge_cdk_function(stack, LOG_RETENTION_PROVIDER_ID, "CDK's log-retention function"):
        acknowledge(
            stack.node.find_child(LOG_RETENTION_PROVIDER_ID),
            "AwsSolutions-IAM5[Resource::*]",
            "CDK's log-retention function sets the retention of log groups that RDS creates on "
            "first export, whose names are not known before deploy.",
        )
