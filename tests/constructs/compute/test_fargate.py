"""Our Fargate defaults: ARM64 tasks, logs with the environment's retention, a health check
the images can run, private subnets without public addresses, and the deployment circuit
breaker with rollback.

Rules the expected values come from:
- Fargate runs ARM64 (Graviton) tasks with ``runtimePlatform`` cpuArchitecture ARM64 and
  operatingSystemFamily LINUX (ECS Developer Guide, "Amazon ECS task definitions for 64-bit ARM
  workloads").
- Tasks in private subnets reach the internet through NAT; ``assignPublicIp`` DISABLED gives
  them no public address (ECS API, AwsVpcConfiguration).
- With the circuit breaker's rollback on, a deployment that fails returns the service to the
  last deployment that completed (ECS API, DeploymentCircuitBreaker).
- The Langfuse and ClickHouse images have no curl, and busybox wget tries IPv6 first for
  ``localhost``: health checks use ``wget -q --spider http://127.0.0.1:<port><path>``
  (../shared/reference/langfuse.md, Health endpoints). A container health check command is
  ``["CMD-SHELL", ...]``; a failing command must exit non-zero (ECS API, HealthCheck).
- docs/security.md: every log group has the retention of logs.retention_days.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from construct_stack import PRIVATE_SUBNETS, bare_stack, imported_vpc, only, resources
from langfuse_aws.constructs.compute.cluster import ServiceCluster
from langfuse_aws.constructs.compute.fargate import (
    HealthProbe,
    Rollout,
    arm64_task_definition,
    container_log_group,
    private_service,
)

PORT, PATH = 3000, "/api/public/health"
SPOT_AND_FARGATE = [
    ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=1, weight=1),
    ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=3),
]


class Built(NamedTuple):
    template: Template
    cluster: ServiceCluster
    security_group: ec2.SecurityGroup
    service: ecs.FargateService


def build_service(stack: Stack) -> tuple[ServiceCluster, ec2.SecurityGroup, ecs.FargateService]:
    """The one place this file uses the helpers: a 1 vCPU / 2 GiB task with logs and a health
    check, run as a private service of two tasks."""
    cluster = ServiceCluster(
        stack, "Cluster", vpc=imported_vpc(stack), namespace="langfuse.internal"
    )
    task = arm64_task_definition(stack, cpu=1024, memory_mib=2048)
    task.add_container(
        "app",
        image=ecs.ContainerImage.from_registry("app:1"),
        logging=ecs.LogDriver.aws_logs(
            stream_prefix="app",
            log_group=container_log_group(stack, logs.RetentionDays.TWO_WEEKS),
        ),
        port_mappings=[ecs.PortMapping(container_port=PORT, name="http")],
        health_check=HealthProbe(
            PORT, PATH, interval_seconds=30, retries=3, start_period_seconds=120
        ).health_check(),
    )
    security_group, service = private_service(
        stack,
        cluster=cluster,
        task_definition=task,
        description="App",
        rollout=Rollout(
            desired_count=2,
            min_healthy_percent=100,
            max_healthy_percent=200,
            capacity=SPOT_AND_FARGATE,
        ),
        service_connect=ecs.ServiceConnectProps(namespace=cluster.namespace.namespace_arn),
        enable_execute_command=False,
        health_check_grace=Duration.seconds(300),
    )
    return cluster, security_group, service


@pytest.fixture(scope="module")
def built() -> Built:
    stack = bare_stack()
    cluster, security_group, service = build_service(stack)
    return Built(Template.from_stack(stack), cluster, security_group, service)


def container(built: Built) -> dict[str, Any]:
    _, task = only(built.template, "AWS::ECS::TaskDefinition")
    (definition,) = task["Properties"]["ContainerDefinitions"]
    found: dict[str, Any] = definition
    return found


def service(built: Built) -> dict[str, Any]:
    found: dict[str, Any] = only(built.template, "AWS::ECS::Service")[1]
    return found


def test_tasks_are_linux_arm64_on_fargate(built: Built) -> None:
    _, task = only(built.template, "AWS::ECS::TaskDefinition")
    properties = task["Properties"]
    assert properties["RuntimePlatform"] == {
        "CpuArchitecture": "ARM64",
        "OperatingSystemFamily": "LINUX",
    }
    assert properties["RequiresCompatibilities"] == ["FARGATE"]
    assert (properties["Cpu"], properties["Memory"]) == ("1024", "2048")


def test_container_logs_go_to_a_group_with_the_environment_s_retention(built: Built) -> None:
    group_id, group = only(built.template, "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] == 14
    options = container(built)["LogConfiguration"]["Options"]
    assert options["awslogs-group"] == {"Ref": group_id}


def test_the_health_check_uses_wget_on_the_ipv4_loopback(built: Built) -> None:
    assert container(built)["HealthCheck"] == {
        "Command": ["CMD-SHELL", f"wget -q --spider http://127.0.0.1:{PORT}{PATH} || exit 1"],
        "Interval": 30,
        "Retries": 3,
        "StartPeriod": 120,
        "Timeout": 5,
    }


def test_tasks_run_in_the_private_subnets_without_a_public_address(built: Built) -> None:
    network = service(built)["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["Subnets"] == PRIVATE_SUBNETS
    own_group = Stack.of(built.service).resolve(built.security_group.security_group_id)
    assert network["SecurityGroups"] == [own_group]


def test_a_failed_deployment_rolls_back(built: Built) -> None:
    deployment = service(built)["Properties"]["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


def test_the_rollout_is_the_one_given(built: Built) -> None:
    properties = service(built)["Properties"]
    deployment = properties["DeploymentConfiguration"]
    assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (100, 200)
    assert properties["DesiredCount"] == 2
    assert properties["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
    ]
    assert properties["EnableExecuteCommand"] is False
    assert properties["HealthCheckGracePeriodSeconds"] == 300


def test_the_service_waits_for_the_cluster_s_capacity_providers(built: Built) -> None:
    association_id, _ = only(built.template, "AWS::ECS::ClusterCapacityProviderAssociations")
    assert association_id in service(built)["DependsOn"]
    assert len(resources(built.template, "AWS::ECS::Service")) == 1
