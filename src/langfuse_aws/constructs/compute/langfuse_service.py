"""Langfuse web and worker: the hardened Fargate service each one runs as.

The stack builds both from the container contract (``stacks/main/services.py``), directly
under the stack, where they keep the logical ids they were deployed with (Web..., Worker...).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from ...compliance import acknowledge, control_tower
from ..data.protection import DataProtection
from .cluster import ServiceCluster
from .fargate import (
    HealthProbe,
    Rollout,
    arm64_task_definition,
    container_log_group,
    private_service,
)
from .images import ImageRef, ImageSource

LANGFUSE_IMAGE_USER = "1001:1001"
# Waiting jobs at which the worker gets one more task per step, and two at once.
BACKLOG_SCALE_OUT_JOBS = 1_000
BACKLOG_SCALE_OUT_FAST_JOBS = 10_000


@dataclass(frozen=True)
class ServiceSize:
    """CPU, memory and scaling of one service."""

    cpu: int
    """vCPU units of one task (1024 = 1 vCPU)."""
    memory_mib: int
    min_tasks: int
    max_tasks: int
    cpu_target_percent: int
    """Average CPU utilisation that target tracking keeps."""
    spot: bool = False
    """Fargate Spot allowed (see capacity_strategy)."""


def capacity_strategy(size: ServiceSize) -> list[ecs.CapacityProviderStrategy]:
    """Where the tasks run. With Spot allowed, a service that keeps two or more tasks keeps one
    on FARGATE (ECS places the base first) and the rest mostly on Spot; a single-task service
    runs on Spot, because a base of one would put its only task on FARGATE for ever."""
    if not size.spot:
        return [ecs.CapacityProviderStrategy(capacity_provider="FARGATE", weight=1)]
    if size.min_tasks == 1:
        return [ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1)]
    return [
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=1, weight=1),
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=3),
    ]


@dataclass(frozen=True)
class LangfuseServiceProps:
    """What one Langfuse service needs: where it runs, its image and size, its port and health
    path, and the container contract (variables and secrets)."""

    cluster: ServiceCluster
    image: ImageRef
    images: ImageSource
    size: ServiceSize
    port: int
    health_path: str
    environment: dict[str, str]
    secrets: dict[str, ecs.Secret]
    enable_exec: bool
    protection: DataProtection
    health_check_grace: Duration | None = None


class LangfuseService(Construct):
    """One Langfuse process type as an autoscaled Fargate service.

    Our Fargate defaults (``fargate.py``: ARM64, logs, health check, circuit breaker), CPU
    target tracking between the configured bounds, Spot only when the config allows it, and
    ECS Exec only when the config turns it on.
    """

    def __init__(self, scope: Construct, id_: str, *, props: LangfuseServiceProps) -> None:
        super().__init__(scope, id_)
        cluster, size, port = props.cluster, props.size, props.port
        health_path, enable_exec = props.health_path, props.enable_exec
        self.task_definition = arm64_task_definition(self, cpu=size.cpu, memory_mib=size.memory_mib)
        self.log_group = container_log_group(self, props.protection.log_retention)
        self.container = self.task_definition.add_container(
            "langfuse",
            image=props.images.container_image(props.image, self.task_definition),
            memory_limit_mib=size.memory_mib,
            # The user the Langfuse images already run as (USER nextjs / expressjs, 1001).
            user=LANGFUSE_IMAGE_USER,
            environment=props.environment,
            secrets=props.secrets,
            port_mappings=[ecs.PortMapping(container_port=port, name="http")],
            logging=ecs.LogDriver.aws_logs(stream_prefix=id_.lower(), log_group=self.log_group),
            health_check=HealthProbe(
                port, health_path, interval_seconds=30, retries=3, start_period_seconds=120
            ).health_check(),
            stop_timeout=Duration.seconds(60),
        )
        control_tower.container_with_writable_root(
            self.task_definition,
            "Langfuse writes at run time below its image's root: Prisma's migration engine and "
            "Next.js caches write under /app, so a read-only root file system stops it.",
        )
        acknowledge(
            self.task_definition,
            "AwsSolutions-ECS2",
            "These environment variables are Langfuse's non-secret settings (URLs, host names, "
            "bucket, flags); every credential reaches the container as an ECS secret.",
        )
        self.security_group, self.service = private_service(
            self,
            cluster=cluster,
            task_definition=self.task_definition,
            description=f"Langfuse {id_.lower()}",
            rollout=Rollout(
                desired_count=size.min_tasks,
                min_healthy_percent=100,
                max_healthy_percent=200,
                capacity=capacity_strategy(size),
            ),
            service_connect=ecs.ServiceConnectProps(namespace=cluster.namespace.namespace_arn),
            enable_execute_command=enable_exec,
            health_check_grace=props.health_check_grace,
        )
        if enable_exec:
            acknowledge(
                self.task_definition.task_role,
                "AwsSolutions-IAM5[Resource::*]",
                "ECS Exec was turned on in this environment's YAML, and the ssmmessages channel "
                "actions it needs support no resource-level permissions.",
            )
        self.scaling = self.service.auto_scale_task_count(
            min_capacity=size.min_tasks, max_capacity=size.max_tasks
        )
        self.scaling.scale_on_cpu_utilization(
            "Cpu",
            target_utilization_percent=size.cpu_target_percent,
            scale_in_cooldown=Duration.minutes(5),
            scale_out_cooldown=Duration.minutes(1),
        )

    def scale_out_on_backlog(self, backlog: cloudwatch.IMetric) -> None:
        """Adds tasks while jobs pile up; CPU target tracking removes them again.

        Only scale-out steps: a backlog policy that also scaled in would fight the CPU policy
        whenever the queue is empty but the tasks are busy.
        """
        self.scaling.scale_on_metric(
            "Backlog",
            metric=backlog,
            scaling_steps=[
                appscaling.ScalingInterval(upper=BACKLOG_SCALE_OUT_JOBS, change=0),
                appscaling.ScalingInterval(lower=BACKLOG_SCALE_OUT_JOBS, change=1),
                appscaling.ScalingInterval(lower=BACKLOG_SCALE_OUT_FAST_JOBS, change=2),
            ],
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=Duration.minutes(3),
            evaluation_periods=2,
        )

    def allow_metric_publishing(self, namespace: str) -> None:
        """Lets the tasks put metrics into ``namespace`` only."""
        self.task_definition.task_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": namespace}},
            )
        )
        acknowledge(
            self.task_definition.task_role,
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:PutMetricData has no resource-level permissions; the statement is "
            f"limited to the {namespace} namespace by its condition.",
        )

    @property
    def connections(self) -> ec2.Connections:
        """Network identity of the service's tasks."""
        return self.service.connections
