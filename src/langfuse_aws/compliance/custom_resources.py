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
