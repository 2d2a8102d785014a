"""Acknowledgements for the Lambda that CDK's AwsCustomResource adds to a stack."""

from __future__ import annotations

from aws_cdk import Stack

from .acknowledge import acknowledge

AWS_CUSTOM_RESOURCE_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287"


def acknowledge_aws_custom_resource_provider(stack: Stack) -> None:
    """The provider function uses AWS's basic execution policy; record why that is fine."""
    provider = stack.node.try_find_child(AWS_CUSTOM_RESOURCE_PROVIDER_ID)
    if provider is None:
        return
    acknowledge(
        provider,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "The CDK-provided custom-resource function uses the AWS basic execution policy, which "
        "only lets it write its own CloudWatch logs.",
    )


LOG_RETENTION_PROVIDER_ID = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"


def acknowledge_log_retention_provider(stack: Stack) -> None:
    """The function CDK adds to set retention on log groups that a service creates (RDS)."""
    provider = stack.node.try_find_child(LOG_RETENTION_PROVIDER_ID)
    if provider is None:
        return
    acknowledge(
        provider,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "CDK's log-retention function uses the AWS basic execution policy, which only lets it "
        "write its own CloudWatch logs.",
    )
    acknowledge(
        provider,
        "AwsSolutions-IAM5[Resource::*]",
        "CDK's log-retention function sets the retention of log groups that RDS creates on "
        "first export, whose names are not known before deploy.",
    )
