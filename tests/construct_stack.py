"""A bare stack for in-process construct tests: one construct, ``Template.from_stack``, no
synthesized environment.

The stack has an explicit account and region (constructs that format ARNs or pick a region's
service principal need them) and the app's feature flags, so a construct renders here the way
it does in a deployed environment. The VPC is imported from literal ids, so the template holds
only the construct under test and assertions can name the subnets it must use.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from constructs import IConstruct

from langfuse_aws.constructs.data.protection import DataProtection
from langfuse_aws.feature_flags import FEATURE_FLAGS

ACCOUNT = "111122223333"
REGION = "eu-west-1"
ZONES = ["eu-west-1a", "eu-west-1b"]
VPC_ID = "vpc-0a1b2c3d4e5f60718"
VPC_CIDR = "10.20.0.0/16"
PUBLIC_SUBNETS = ["subnet-0000000000000pub1", "subnet-0000000000000pub2"]
PRIVATE_SUBNETS = ["subnet-000000000000priv1", "subnet-000000000000priv2"]
ISOLATED_SUBNETS = ["subnet-0000000000000iso1", "subnet-0000000000000iso2"]
# cdk-nag v3 acknowledgements are node metadata of this type (aws-cdk-lib Validations).
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


def bare_stack(region: str = REGION) -> Stack:
    """An empty stack in its own app, with the app's feature flags."""
    app = App(context=FEATURE_FLAGS, builtin_cloud_formation_validation=False)
    return Stack(app, "Test", env=Environment(account=ACCOUNT, region=region))


def imported_vpc(stack: Stack) -> ec2.IVpc:
    """A two-zone VPC with public, private (with egress) and isolated subnets, by literal ids."""
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id=VPC_ID,
        vpc_cidr_block=VPC_CIDR,
        availability_zones=ZONES,
        public_subnet_ids=PUBLIC_SUBNETS,
        private_subnet_ids=PRIVATE_SUBNETS,
        isolated_subnet_ids=ISOLATED_SUBNETS,
    )


def protection(*, retain: bool) -> DataProtection:
    """The environment's data protection: kept (retain) or disposable, logs kept a month."""
    return DataProtection(retain=retain, log_retention=logs.RetentionDays.ONE_MONTH)


def peer_group(stack: Stack, vpc: ec2.IVpc, id_: str = "Peer") -> ec2.SecurityGroup:
    """A security group standing for a client (a Langfuse service) in ``vpc``."""
    return ec2.SecurityGroup(stack, id_, vpc=vpc, description=id_)


def acknowledged(construct: IConstruct) -> dict[str, str]:
    """The findings acknowledged on ``construct`` itself (rule id -> reason)."""
    found: dict[str, str] = {}
    for entry in construct.node.metadata:
        if entry.type == ACKNOWLEDGED:
            for rule, reason in entry.data.items():
                found[rule.removeprefix("Annotation::")] = reason
    return found


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    """The resources of CloudFormation type ``kind`` by logical id."""
    return {k: dict(v) for k, v in template.find_resources(kind).items()}


def only(template: Template, kind: str) -> tuple[str, dict[str, Any]]:
    """The single resource of type ``kind``: (logical id, resource)."""
    ((logical_id, resource),) = resources(template, kind).items()
    return logical_id, resource


def ref_or_id(value: Any) -> str:
    """The logical id a ``Ref``/``Fn::GetAtt`` points at."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])
