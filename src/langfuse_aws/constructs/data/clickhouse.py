"""ClickHouse: one server on Fargate with EFS storage, and the endpoint Langfuse reaches
ClickHouse at, whichever mode runs it."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ...compliance import acknowledge, control_tower
from ..compute.cluster import ServiceCluster
from ..compute.fargate import (
    HealthProbe,
    Rollout,
    arm64_task_definition,
    container_log_group,
    private_service,
)
from ..compute.images import ImageRef, ImageSource
from .protection import DataProtection
from .secrets import unrotated_secret

HTTP_PORT = 8123
NATIVE_PORT = 9000
HTTP_ALIAS = "clickhouse-http"
NATIVE_ALIAS = "clickhouse-native"
CLICKHOUSE_IMAGE = "clickhouse/clickhouse-server"
CLICKHOUSE_USER = "langfuse"
CLICKHOUSE_UID = "101"
DATA_PATH = "/var/lib/clickhouse"

# System log tables grow without bound on EFS; query_log is kept for troubleshooting.
DISABLED_SYSTEM_LOGS = (
    "asynchronous_insert_log",
    "asynchronous_metric_log",
    "backup_log",
    "blob_storage_log",
    "error_log",
    "latency_log",
    "metric_log",
    "opentelemetry_span_log",
    "part_log",
    "processors_profile_log",
    "query_metric_log",
    "query_thread_log",
    "query_views_log",
    "session_log",
    "text_log",
    "trace_log",
)


def server_config_xml() -> str:
    """The config.d file written at container start: UTC and no unbounded system logs."""
    removed = "".join(f'<{table} remove="1"/>' for table in DISABLED_SYSTEM_LOGS)
    return f"<clickhouse><timezone>UTC</timezone>{removed}</clickhouse>"


@dataclass(frozen=True)
class ClickHouseEndpoint:
    """What Langfuse needs to reach ClickHouse, whichever mode runs it."""

    url: str
    migration_url: str
    user: str
    password: secretsmanager.ISecret
    cluster_enabled: bool
    migration_ssl: bool


@dataclass(frozen=True)
class ClickHouseServerProps:
    """Where the server runs, its image and size, and how its data is protected."""

    cluster: ServiceCluster
    images: ImageSource
    protection: DataProtection
    backed_up: bool
    """The environment's AWS Backup plan covers the file system."""
    image_tag: str
    """clickhouse/clickhouse-server tag, an exact patch release."""
    cpu: int
    memory_mib: int
    image_digest: str | None = None
    """Pins the exact image bytes (sha256:...)."""
    sidecar_memory_mib: int = 0
    """Memory of the task kept out of the server container's hard limit for a container
    added beside it later (the backup loop, ``clickhouse_backup.SIDECAR_MEMORY_MIB``), so that
    the containers' limits together never exceed the task's memory."""


class ClickHouseServer(Construct):
    """A single ClickHouse server on Fargate (ARM64) with its data on encrypted EFS.

    Never on Spot and never two tasks at once (deployment 0 % / 100 %), because two servers
    writing one EFS volume corrupt it. Reached through Service Connect on 8123 (HTTP) and
    9000 (native, migrations). The file system has no Infrequent-Access tiering: ClickHouse
    reads its parts constantly. Exposes ``container`` and ``image`` (the server's container and
    its image) for a container added to the same task, such as the backup loop.
    """

    def __init__(self, scope: Construct, id_: str, *, props: ClickHouseServerProps) -> None:
        super().__init__(scope, id_)
        cluster, images, protection = props.cluster, props.images, props.protection
        vpc = cluster.cluster.vpc
        self.password = unrotated_secret(
            self,
            "Password",
            description="ClickHouse password of the langfuse user",
            generator=secretsmanager.SecretStringGenerator(
                password_length=40, exclude_punctuation=True
            ),
            retain=protection.retain,
            why_not_rotated="ClickHouse creates this user from the secret at first start only, "
            "so a rotated secret would no longer match; change it inside ClickHouse, then in the "
            "secret.",
        )
        self.file_system = efs.FileSystem(
            self,
            "Data",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            encrypted=True,
            performance_mode=efs.PerformanceMode.GENERAL_PURPOSE,
            throughput_mode=efs.ThroughputMode.ELASTIC,
            removal_policy=protection.removal_policy,
            enable_automatic_backups=False,
            allow_anonymous_access=False,
        )
        acknowledge(
            self.file_system,
            control_tower.GUARD + "efs_automatic_backups_enabled_check",
            "The environment's AWS Backup plan backs this file system up daily into its own "
            "vault (backup.enabled); EFS's automatic backups would be a second, paid copy."
            if props.backed_up
            else "This environment's YAML turns backups off (backup.enabled: false), so its "
            "ClickHouse data is meant to be rebuilt, not restored.",
        )
        access_point = self.file_system.add_access_point(
            "AccessPoint",
            path="/clickhouse",
            create_acl=efs.Acl(
                owner_uid=CLICKHOUSE_UID, owner_gid=CLICKHOUSE_UID, permissions="750"
            ),
            posix_user=efs.PosixUser(uid=CLICKHOUSE_UID, gid=CLICKHOUSE_UID),
        )
        task = arm64_task_definition(
            self,
            cpu=props.cpu,
            memory_mib=props.memory_mib,
            volumes=[
                ecs.Volume(
                    name="data",
                    efs_volume_configuration=ecs.EfsVolumeConfiguration(
                        file_system_id=self.file_system.file_system_id,
                        transit_encryption="ENABLED",
                        authorization_config=ecs.AuthorizationConfig(
                            access_point_id=access_point.access_point_id, iam="ENABLED"
                        ),
                    ),
                )
            ],
        )
        self.file_system.grant_read_write(task.task_role)
        self.file_system.grant_root_access(task.task_role)
        log_group = container_log_group(self, protection.log_retention)
        control_tower.container_starting_as_root(
            task,
            "The ClickHouse image starts as root to write its configuration and then runs the "
            "server as the clickhouse user (101) itself; ECS cannot start it as that user.",
        )
        control_tower.container_with_writable_root(
            task,
            "ClickHouse writes its configuration, temporary files and status files below its "
            "root file system at start; its data lives on the EFS volume.",
        )
        if not 0 <= props.sidecar_memory_mib < props.memory_mib:
            raise ValueError(
                f"sidecar_memory_mib {props.sidecar_memory_mib} leaves the server none of the "
                f"task's {props.memory_mib} MiB"
            )
        self.image = images.container_image(
            ImageRef("dockerhub", CLICKHOUSE_IMAGE, props.image_tag, props.image_digest), task
        )
        self.container = container = task.add_container(
            "clickhouse",
            image=self.image,
            memory_limit_mib=props.memory_mib - props.sidecar_memory_mib,
            entry_point=["/bin/sh", "-c"],
            command=[
                'printf "%s" "$LANGFUSE_CLICKHOUSE_CONFIG" > '
                "/etc/clickhouse-server/config.d/langfuse.xml && exec /entrypoint.sh"
            ],
            environment={
                "CLICKHOUSE_USER": CLICKHOUSE_USER,
                "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT": "1",
                "CLICKHOUSE_DO_NOT_CHOWN": "1",
                "TZ": "UTC",
                "LANGFUSE_CLICKHOUSE_CONFIG": server_config_xml(),
            },
            secrets={"CLICKHOUSE_PASSWORD": ecs.Secret.from_secrets_manager(self.password)},
            logging=ecs.LogDriver.aws_logs(stream_prefix="clickhouse", log_group=log_group),
            port_mappings=[
                ecs.PortMapping(container_port=HTTP_PORT, name="http"),
                ecs.PortMapping(container_port=NATIVE_PORT, name="native"),
            ],
            health_check=HealthProbe(
                HTTP_PORT, "/ping", interval_seconds=15, retries=5, start_period_seconds=60
            ).health_check(),
            ulimits=[ecs.Ulimit(name=ecs.UlimitName.NOFILE, soft_limit=262144, hard_limit=262144)],
            # Fargate's longest grace after SIGTERM: ClickHouse finishes its inserts and
            # flushes its parts to EFS before it exits (a deploy, a scale-in, office hours).
            stop_timeout=Duration.seconds(120),
        )
        container.add_mount_points(
            ecs.MountPoint(container_path=DATA_PATH, source_volume="data", read_only=False)
        )
        self.security_group, self.service = private_service(
            self,
            cluster=cluster,
            task_definition=task,
            description="Langfuse ClickHouse",
            # Never Spot, never two servers on one volume: stop the old task, then start one.
            rollout=Rollout(
                desired_count=1,
                min_healthy_percent=0,
                max_healthy_percent=100,
                capacity=[ecs.CapacityProviderStrategy(capacity_provider="FARGATE", weight=1)],
            ),
            service_connect=ecs.ServiceConnectProps(
                namespace=cluster.namespace.namespace_arn,
                services=[
                    ecs.ServiceConnectService(
                        port_mapping_name="http", dns_name=HTTP_ALIAS, port=HTTP_PORT
                    ),
                    ecs.ServiceConnectService(
                        port_mapping_name="native", dns_name=NATIVE_ALIAS, port=NATIVE_PORT
                    ),
                ],
            ),
        )
        # With the circuit breaker on, a task that fails to mount EFS rolls the whole stack
        # back: start ClickHouse only once every mount target is available.
        self.service.node.add_dependency(self.file_system.mount_targets_available)
        self.file_system.connections.allow_default_port_from(self.security_group)
        self.endpoint = ClickHouseEndpoint(
            url=f"http://{HTTP_ALIAS}:{HTTP_PORT}",
            migration_url=f"clickhouse://{NATIVE_ALIAS}:{NATIVE_PORT}",
            user=CLICKHOUSE_USER,
            password=self.password,
            cluster_enabled=False,
            migration_ssl=False,
        )
        acknowledge(
            task,
            "AwsSolutions-ECS2",
            "The environment variables are non-secret server settings (user name, time zone, "
            "log-table config); the password arrives as an ECS secret.",
        )

    def allow_clients(self, *peers: ec2.IConnectable) -> None:
        """Open 8123 and 9000 to the Langfuse services only."""
        for peer in peers:
            self.security_group.connections.allow_from(
                peer, ec2.Port.tcp(HTTP_PORT), "ClickHouse HTTP"
            )
            self.security_group.connections.allow_from(
                peer, ec2.Port.tcp(NATIVE_PORT), "ClickHouse native"
            )
