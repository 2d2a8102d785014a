"""One Langfuse process type as a hardened, autoscaled Fargate service: ARM64, the image's
non-root user, credentials only as ECS secrets, private, rolled back when a deployment fails,
CPU target tracking, Spot only where allowed, ECS Exec only where turned on.

Rules the expected values come from:
- The Langfuse images run as their non-root user 1001 (langfuse/langfuse web/Dockerfile and
  worker/Dockerfile: ``adduser --system --uid 1001``); docs/security.md lists "Langfuse
  containers as their image's non-root user" among the controls fixed.
- DESIGN.md convention 10: secrets reach containers as ECS ``secrets`` (``valueFrom``), never
  as environment variables; ECS reads them with the task execution role, which needs
  ``secretsmanager:GetSecretValue`` on each (ECS Developer Guide, "Pass Secrets Manager
  secrets through Amazon ECS environment variables").
- ECS capacity provider strategies: ``base`` is how many tasks at least run on that provider,
  placed first; ``weight`` shares the rest (ECS API, CapacityProviderStrategyItem).
- Target tracking on ``ECSServiceAverageCPUUtilization`` keeps average CPU at the target
  (Application Auto Scaling, PredefinedMetricSpecification).
- ECS Exec needs the task role to call ssmmessages Create/OpenControlChannel and
  Create/OpenDataChannel (ECS Developer Guide, "Monitor Amazon ECS containers with ECS Exec",
  IAM permissions).
- cloudwatch:PutMetricData has no resource-level permissions; the ``cloudwatch:namespace``
  condition key limits it (Service Authorization Reference, Amazon CloudWatch). Langfuse
  publishes queue metrics to namespace ``Langfuse`` (../shared/reference/langfuse.md).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template

from cfn_eval import evaluate, pseudo_parameters
from construct_stack import bare_stack, imported_vpc, protection, resources
from langfuse_aws.constructs.compute.cluster import ServiceCluster
from langfuse_aws.constructs.compute.images import ImageRef, ImageSource
from langfuse_aws.constructs.compute.langfuse_service import (
    LangfuseService,
    LangfuseServiceProps,
    ServiceSize,
    capacity_strategy,
)

IMAGE_USER = "1001:1001"
EXEC_ACTIONS = {
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
}
WEB_SIZE = ServiceSize(
    cpu=1024, memory_mib=2048, min_tasks=2, max_tasks=4, cpu_target_percent=60, spot=True
)
WORKER_SIZE = ServiceSize(cpu=512, memory_mib=1024, min_tasks=1, max_tasks=1, cpu_target_percent=70)


def build_service(
    stack: Stack,
    id_: str,
    *,
    size: ServiceSize,
    enable_exec: bool,
    secrets: dict[str, ecs.Secret],
) -> LangfuseService:
    """The one place this file builds the construct: Langfuse web's image, port and path."""
    cluster = ServiceCluster(
        stack, "Cluster", vpc=imported_vpc(stack), namespace="langfuse.internal"
    )
    return LangfuseService(
        stack,
        id_,
        props=LangfuseServiceProps(
            cluster=cluster,
            image=ImageRef("ghcr", "langfuse/langfuse", "4.38.0"),
            images=ImageSource(stack, "Images", environment_name="test"),
            size=size,
            port=3000,
            health_path="/api/public/health",
            environment={"NEXTAUTH_URL": "https://langfuse.example.com", "HOSTNAME": "0.0.0.0"},
            secrets=secrets,
            enable_exec=enable_exec,
            protection=protection(retain=True),
            health_check_grace=Duration.seconds(600),
        ),
    )


class Built(NamedTuple):
    template: Template
    service: LangfuseService
    secrets: dict[str, secretsmanager.Secret]


def synth(*, size: ServiceSize, enable_exec: bool) -> Built:
    stack = bare_stack()
    database = secretsmanager.Secret(stack, "Database")
    salt = secretsmanager.Secret(stack, "Salt")
    service = build_service(
        stack,
        "Web",
        size=size,
        enable_exec=enable_exec,
        secrets={
            "DATABASE_PASSWORD": ecs.Secret.from_secrets_manager(database, "password"),
            "SALT": ecs.Secret.from_secrets_manager(salt),
        },
    )
    service.scale_out_on_backlog(cloudwatch.Metric(namespace="Langfuse", metric_name="waiting"))
    service.allow_metric_publishing("Langfuse")
    return Built(Template.from_stack(stack), service, {"database": database, "salt": salt})


@pytest.fixture(scope="module")
def web() -> Built:
    """Two to four tasks, Spot allowed, ECS Exec off."""
    return synth(size=WEB_SIZE, enable_exec=False)


@pytest.fixture(scope="module")
def worker() -> Built:
    """One task, no Spot, ECS Exec on."""
    return synth(size=WORKER_SIZE, enable_exec=True)


def one(built: Built, kind: str) -> dict[str, Any]:
    ((_, resource),) = resources(built.template, kind).items()
    found: dict[str, Any] = resource
    return found


def container(built: Built) -> dict[str, Any]:
    (definition,) = one(built, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
    found: dict[str, Any] = definition
    return found


def statements(built: Built, role: Any) -> list[dict[str, Any]]:
    """Every statement of the policies attached to ``role``."""
    role_ref = Stack.of(built.service).resolve(role.role_name)
    return [
        s
        for p in resources(built.template, "AWS::IAM::Policy").values()
        if role_ref in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(statement: dict[str, Any]) -> set[str]:
    found = statement["Action"]
    return set(found) if isinstance(found, list) else {found}


def test_the_task_is_arm64_and_runs_as_the_image_s_non_root_user(web: Built) -> None:
    task = one(web, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    assert container(web)["User"] == IMAGE_USER


def test_credentials_arrive_as_ecs_secrets_never_as_variables(web: Built) -> None:
    stack = Stack.of(web.service)
    definition = container(web)
    database = stack.resolve(web.secrets["database"].secret_arn)
    salt = stack.resolve(web.secrets["salt"].secret_arn)
    assert definition["Secrets"] == [
        {
            "Name": "DATABASE_PASSWORD",
            "ValueFrom": {"Fn::Join": ["", [database, ":password::"]]},
        },
        {"Name": "SALT", "ValueFrom": salt},
    ]
    assert {e["Name"] for e in definition["Environment"]} == {"NEXTAUTH_URL", "HOSTNAME"}
    execution_role = web.service.task_definition.obtain_execution_role()
    readable = [
        resource
        for s in statements(web, execution_role)
        if "secretsmanager:GetSecretValue" in actions(s)
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert sorted(map(str, readable)) == sorted(map(str, [database, salt]))


def test_tasks_are_private_and_a_failed_deployment_rolls_back(web: Built) -> None:
    properties = one(web, "AWS::ECS::Service")["Properties"]
    network = properties["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    deployment = properties["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    # A deployment starts the new tasks before it stops any old one.
    assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (100, 200)
    assert properties["HealthCheckGracePeriodSeconds"] == 600


def test_cpu_target_tracking_between_the_configured_bounds(web: Built) -> None:
    target = one(web, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 4)
    (tracking,) = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for p in resources(web.template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if p["Properties"]["PolicyType"] == "TargetTrackingScaling"
    ]
    assert tracking["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
    }
    assert tracking["TargetValue"] == 60
    assert one(web, "AWS::ECS::Service")["Properties"]["DesiredCount"] == 2


def test_the_backlog_only_ever_adds_tasks(web: Built) -> None:
    (steps,) = [
        p["Properties"]["StepScalingPolicyConfiguration"]
        for p in resources(web.template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if p["Properties"]["PolicyType"] == "StepScaling"
    ]
    adjustments = [s["ScalingAdjustment"] for s in steps["StepAdjustments"]]
    assert min(adjustments) >= 0 and max(adjustments) == 2
    assert steps["AdjustmentType"] == "ChangeInCapacity"


def test_spot_where_allowed_with_one_task_kept_on_fargate(web: Built, worker: Built) -> None:
    assert one(web, "AWS::ECS::Service")["Properties"]["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
    ]
    assert one(worker, "AWS::ECS::Service")["Properties"]["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Weight": 1}
    ]


@pytest.mark.parametrize(
    ("spot", "min_tasks", "providers"),
    [
        (False, 1, {"FARGATE": (None, 1)}),
        (False, 3, {"FARGATE": (None, 1)}),
        (True, 1, {"FARGATE_SPOT": (None, 1)}),
        (True, 2, {"FARGATE": (1, 1), "FARGATE_SPOT": (None, 3)}),
    ],
)
def test_capacity_strategy(
    spot: bool, min_tasks: int, providers: dict[str, tuple[int | None, int]]
) -> None:
    size = ServiceSize(
        cpu=256, memory_mib=512, min_tasks=min_tasks, max_tasks=4, cpu_target_percent=60, spot=spot
    )
    found = {s.capacity_provider: (s.base, s.weight) for s in capacity_strategy(size)}
    assert found == providers


def test_ecs_exec_only_where_turned_on(web: Built, worker: Built) -> None:
    assert one(web, "AWS::ECS::Service")["Properties"]["EnableExecuteCommand"] is False
    web_role = web.service.task_definition.task_role
    assert not any(actions(s) & EXEC_ACTIONS for s in statements(web, web_role))
    assert one(worker, "AWS::ECS::Service")["Properties"]["EnableExecuteCommand"] is True
    worker_role = worker.service.task_definition.task_role
    granted = set().union(*(actions(s) for s in statements(worker, worker_role)))
    assert granted >= EXEC_ACTIONS


def test_metrics_may_be_published_to_the_langfuse_namespace_only(web: Built) -> None:
    role = web.service.task_definition.task_role
    (statement,) = [s for s in statements(web, role) if "cloudwatch:PutMetricData" in actions(s)]
    assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Langfuse"}}


def test_the_image_is_the_exact_release(web: Built) -> None:
    image = evaluate(container(web)["Image"], pseudo_parameters("Test", "uuid"))
    assert image == "ghcr.io/langfuse/langfuse:4.38.0"
