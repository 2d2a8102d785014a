"""The ECS cluster with its Service Connect namespace."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

SERVICE_CONNECT_NAMESPACE = "langfuse.internal"


def namespace_name(environment_name: str, shared_vpc: bool) -> str:
    """A private namespace name is unique per VPC: in a VPC that other environments may share
    (network.existing) it carries the environment's name; a VPC of its own keeps the short
    name it was first deployed with."""
    return f"langfuse-{environment_name}.internal" if shared_vpc else SERVICE_CONNECT_NAMESPACE


class ServiceCluster(Construct):
    """ECS cluster (Fargate and Fargate Spot, Container Insights) whose services find each
    other through ECS Service Connect in a private namespace."""

    def __init__(self, scope: Construct, id_: str, *, vpc: ec2.IVpc, namespace: str) -> None:
        super().__init__(scope, id_)
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            enable_fargate_capacity_providers=True,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        self.namespace = self.cluster.add_default_cloud_map_namespace(
            name=namespace,
            type=servicediscovery.NamespaceType.DNS_PRIVATE,
            use_for_service_connect=True,
        )

    def host(self, service: ecs.BaseService) -> None:
        """Make ``service`` wait for the whole cluster, its capacity providers included.

        CDK associates the capacity providers with the cluster in a separate resource that the
        service does not reference; without this dependency CloudFormation may create the
        service first and ECS refuses a strategy naming providers not yet associated.
        """
        service.node.add_dependency(self.cluster)
