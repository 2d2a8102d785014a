"""The VPC: public, private and isolated subnets, NAT, S3 endpoint and flow logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from aws_cdk import Annotations, Aspects, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from ...compliance import acknowledge, control_tower
from ..data.protection import DataProtection


@dataclass(frozen=True)
class ExistingVpc:
    """A VPC that already exists, described in full so that synth looks nothing up."""

    vpc_id: str
    cidr: str
    availability_zones: list[str]
    """The zones of the subnets below, in the same order."""
    private_subnet_ids: list[str]
    """Subnets with a route out, for the tasks and an internal load balancer."""
    data_subnet_ids: list[str] = field(default_factory=list)
    """Subnets for the data stores; empty puts them in the private subnets."""
    public_subnet_ids: list[str] = field(default_factory=list)
    """Subnets for an internet-facing load balancer."""


@dataclass(frozen=True)
class NetworkProps:
    """A new VPC's range, zones, NAT and flow logs, or an existing VPC to use instead."""

    protection: DataProtection
    """The flow logs' retention."""
    existing: ExistingVpc | None = None
    cidr: str = "10.40.0.0/16"
    max_azs: int = 2
    availability_zones: list[str] = field(default_factory=list)
    """Explicit zones (then max_azs is not used)."""
    nat: Literal["gateway", "instance"] = "gateway"
    """Managed NAT gateways, or one NAT instance (cheap, not highly available)."""
    nat_gateways: int = 1
    flow_logs: bool = True


def _existing_vpc(scope: Construct, existing: ExistingVpc) -> ec2.IVpc:
    """The existing VPC from the YAML alone (no lookup). Without data subnets the data stores
    go to the private subnets, which then also serve as the isolated group."""
    vpc = ec2.Vpc.from_vpc_attributes(
        scope,
        "Vpc",
        vpc_id=existing.vpc_id,
        vpc_cidr_block=existing.cidr,
        availability_zones=list(existing.availability_zones),
        private_subnet_ids=list(existing.private_subnet_ids),
        isolated_subnet_ids=list(existing.data_subnet_ids or existing.private_subnet_ids),
        public_subnet_ids=list(existing.public_subnet_ids) or None,
    )
    for subnet in vpc.public_subnets + vpc.private_subnets + vpc.isolated_subnets:
        Annotations.of(subnet).acknowledge_warning(
            "@aws-cdk/aws-ec2:noSubnetRouteTableId",
            "Nothing here reads the subnets' route tables (no VPC endpoints or routes are "
            "added to a network this app does not own), so the YAML does not name them.",
        )
    return vpc


class Network(Construct):
    """A new VPC for one environment.

    Public subnets hold the NAT and an internet-facing load balancer (alb mode); private
    subnets with egress hold the containers; isolated subnets hold Aurora and Valkey, which
    never need the internet. S3 traffic stays on the gateway endpoint.
    """

    def __init__(self, scope: Construct, id_: str, *, props: NetworkProps) -> None:
        super().__init__(scope, id_)
        self.nat_instances: list[ec2.Instance] = []
        self.vpc: ec2.IVpc
        if props.existing is not None:
            self.vpc = _existing_vpc(self, props.existing)
            return
        nat_instance: ec2.NatInstanceProviderV2 | None = None
        if props.nat == "instance":
            nat_instance = ec2.NatProvider.instance_v2(
                instance_type=ec2.InstanceType("t4g.nano"),
                machine_image=ec2.MachineImage.latest_amazon_linux2023(
                    cpu_type=ec2.AmazonLinuxCpuType.ARM_64
                ),
                default_allowed_traffic=ec2.NatTrafficDirection.OUTBOUND_ONLY,
                associate_public_ip_address=True,
            )
        zone_settings: dict[str, object] = (
            {"availability_zones": list(props.availability_zones)}
            if props.availability_zones
            else {"max_azs": props.max_azs}
        )
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(props.cidr),
            nat_gateway_provider=nat_instance,
            nat_gateways=1 if props.nat == "instance" else props.nat_gateways,
            # CDK would empty the default security group through a Lambda-backed custom
            # resource; nothing here uses that group (every resource has its own), so it keeps
            # AWS's default rules rather than add a function to the stack.
            restrict_default_security_group=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=24,
                    # Nothing launched here needs an automatic public address: NAT gateways
                    # use Elastic IPs, the NAT instance asks for one, load balancers get theirs.
                    map_public_ip_on_launch=False,
                ),
                ec2.SubnetConfiguration(
                    name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22
                ),
                ec2.SubnetConfiguration(
                    name="Data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)
            },
            **zone_settings,  # type: ignore[arg-type]
        )
        self.vpc = vpc
        for subnet in vpc.public_subnets:
            instance = subnet.node.try_find_child("NatInstance")
            if isinstance(instance, ec2.Instance):
                self._harden_nat_instance(instance)
                self.nat_instances.append(instance)
        if props.availability_zones:
            for subnet in (
                self.vpc.public_subnets + self.vpc.private_subnets + self.vpc.isolated_subnets
            ):
                acknowledge(
                    subnet,
                    "CloudFormation-Validate::W3010",
                    "The zones are named in the YAML on purpose, so that synth never looks them "
                    "up in the account and every deploy lands in the same zones.",
                )
        if props.flow_logs:
            flow_log_group = logs.LogGroup(
                self,
                "FlowLogs",
                retention=props.protection.log_retention,
                removal_policy=RemovalPolicy.DESTROY,
            )
            control_tower.log_group(flow_log_group)
            vpc.add_flow_log(
                "FlowLog",
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
                traffic_type=ec2.FlowLogTrafficType.REJECT,
            )
        else:
            acknowledge(
                vpc,
                "AwsSolutions-VPC7",
                "Flow logs were switched off in this environment's YAML (network.flow_logs: false) "
                "to save CloudWatch cost; every other environment keeps them.",
            )
        if nat_instance is not None:
            # Private subnets route their internet traffic through the instance: admit the VPC.
            nat_instance.connections.allow_from(
                ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.all_traffic(), "VPC to NAT"
            )
            acknowledge(
                nat_instance.security_group,
                "AwsSolutions-EC23",
                "The NAT instance admits only this VPC's own CIDR block, which cdk-nag cannot "
                "read because the block is a CloudFormation reference.",
            )
            self._acknowledge_nat_instance()

    def _acknowledge_nat_instance(self) -> None:
        for child in self.vpc.node.find_all():
            if isinstance(child, ec2.Instance):
                acknowledge(
                    child,
                    "AwsSolutions-EC28",
                    "The NAT instance is a stateless, replaceable router for a cost-saving dev "
                    "environment, so detailed monitoring adds cost without value.",
                )
                acknowledge(
                    child,
                    "AwsSolutions-EC26",
                    "The NAT instance's root volume holds only the stock operating system and "
                    "routes traffic; no application data is ever written to it.",
                )
                acknowledge(
                    child,
                    "AwsSolutions-EC29",
                    "The NAT instance holds no data and CloudFormation replaces it on demand, so "
                    "termination protection and an auto-scaling group add nothing.",
                )

    @staticmethod
    def _harden_nat_instance(instance: ec2.Instance) -> None:
        """IMDSv2 only on the NAT instance; record why its other controls do not apply."""
        Aspects.of(instance).add(ec2.InstanceRequireImdsv2Aspect())
        acknowledge(
            instance,
            control_tower.GUARD + "ec2_instance_no_public_ip_check",
            "A NAT instance forwards the private subnets' traffic to the internet and needs a "
            "public address to do so; its security group admits only the VPC's own range.",
        )
        acknowledge(
            instance,
            control_tower.GUARD + "ec2_launch_template_monitoring_enabled_check",
            "The NAT instance is the cheap choice for disposable environments; one-minute "
            "metrics would cost more than the instance and basic metrics show its health.",
        )
        acknowledge(
            instance,
            control_tower.GUARD + "ec2_instance_detailed_monitoring_enabled_check",
            "The NAT instance is the cheap choice for disposable environments; one-minute "
            "metrics would cost more than the instance and basic metrics show its health.",
        )
        acknowledge(
            instance,
            control_tower.GUARD + "ec2_instance_nitro_encryption_in_transit_check",
            "The t4g.nano NAT instance only forwards traffic to the internet, which the "
            "applications already encrypt with TLS; no instance-to-instance traffic crosses it.",
        )
