"""The ECS cluster: Fargate and Fargate Spot, Container Insights, and the private Service
Connect namespace the services find each other in.

Rules the expected values come from:
- A Cloud Map private DNS namespace creates a Route 53 private hosted zone of the same name
  in its VPC (CloudFormation, AWS::ServiceDiscovery::PrivateDnsNamespace, Name), and a VPC
  cannot be associated with two private hosted zones of the same name (Route 53 API,
  ConflictingDomainExists). So in a VPC that several environments share (network.existing)
  each namespace needs a name of its own; a VPC of its own keeps the name it was first
  deployed with (renaming replaces the namespace and every Service Connect service in it).
- ECS refuses a capacity provider strategy that names providers not yet associated with the
  cluster (ECS API, CreateService capacityProviderStrategy: "The capacity provider must be
  associated with the cluster"); CloudFormation creates resources in parallel unless one
  depends on the other.
- Container Insights is the cluster setting ``containerInsights`` = ``enabled`` (ECS API,
  ClusterSetting).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Template

from construct_stack import VPC_ID, bare_stack, imported_vpc, only
from langfuse_aws.constructs.compute.cluster import ServiceCluster, namespace_name

OWN_VPC_NAMESPACE = "langfuse.internal"


def build_cluster(stack: Stack, namespace: str) -> ServiceCluster:
    """The one place this file builds the construct."""
    return ServiceCluster(stack, "Cluster", vpc=imported_vpc(stack), namespace=namespace)


class Built(NamedTuple):
    template: Template
    cluster: ServiceCluster


@pytest.fixture(scope="module")
def built() -> Built:
    """The cluster hosting one Fargate Spot service."""
    stack = bare_stack()
    cluster = build_cluster(stack, OWN_VPC_NAMESPACE)
    task = ecs.FargateTaskDefinition(stack, "Task")
    task.add_container("app", image=ecs.ContainerImage.from_registry("app:1"))
    service = ecs.FargateService(
        stack,
        "Service",
        cluster=cluster.cluster,
        task_definition=task,
        capacity_provider_strategies=[
            ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1)
        ],
    )
    cluster.host(service)
    return Built(Template.from_stack(stack), cluster)


def test_an_environment_in_its_own_vpc_keeps_the_short_namespace() -> None:
    assert namespace_name("dev", shared_vpc=False) == OWN_VPC_NAMESPACE
    assert namespace_name("prod", shared_vpc=False) == OWN_VPC_NAMESPACE


def test_environments_sharing_a_vpc_get_namespaces_of_their_own() -> None:
    assert namespace_name("dev", shared_vpc=True) == "langfuse-dev.internal"
    assert namespace_name("dev", shared_vpc=True) != namespace_name("prod", shared_vpc=True)


def test_the_namespace_is_private_to_the_vpc_and_the_service_connect_default(
    built: Built,
) -> None:
    namespace_id, namespace = only(built.template, "AWS::ServiceDiscovery::PrivateDnsNamespace")
    assert namespace["Properties"] == {"Name": OWN_VPC_NAMESPACE, "Vpc": VPC_ID}
    _, cluster = only(built.template, "AWS::ECS::Cluster")
    assert cluster["Properties"]["ServiceConnectDefaults"] == {
        "Namespace": {"Fn::GetAtt": [namespace_id, "Arn"]}
    }


def test_fargate_and_spot_with_container_insights(built: Built) -> None:
    _, association = only(built.template, "AWS::ECS::ClusterCapacityProviderAssociations")
    assert sorted(association["Properties"]["CapacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    _, cluster = only(built.template, "AWS::ECS::Cluster")
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["Properties"][
        "ClusterSettings"
    ]


def test_a_hosted_service_waits_for_the_capacity_providers(built: Built) -> None:
    association_id, _ = only(built.template, "AWS::ECS::ClusterCapacityProviderAssociations")
    _, service = only(built.template, "AWS::ECS::Service")
    assert association_id in service["DependsOn"]
