"""ClickHouse as the rest of the main stack sees it, whichever mode runs it.

One object per mode answers what the stack asks of ClickHouse: the endpoint Langfuse reads,
what AWS Backup covers, what web waits for, which clients it admits, what office hours start
and stop, what monitoring watches, and where ClickHouse's own backups run. The stack asks the
same questions in every mode.
"""

from __future__ import annotations

from typing import assert_never

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from ...config.models import (
    ClickHouseEc2Config,
    ClickHouseExternalConfig,
    ClickHouseFargateConfig,
    EnvironmentConfig,
)
from ...constructs.compute.cluster import ServiceCluster
from ...constructs.compute.images import ImageSource
from ...constructs.compute.langfuse_service import LangfuseService
from ...constructs.data.clickhouse import (
    CLICKHOUSE_USER,
    NATIVE_PORT,
    ClickHouseEndpoint,
    ClickHouseServer,
    ClickHouseServerProps,
)
from ...constructs.data.clickhouse_backup import (
    SIDECAR_MEMORY_MIB,
    ClickHouseBackups,
    ClickHouseBackupsProps,
)
from ...constructs.data.clickhouse_ec2 import (
    ClickHouseEc2Props,
    ClickHouseEc2Server,
    subnet_in_zone,
)
from ...constructs.data.protection import DataProtection
from ...constructs.data.secrets import import_secret
from ...constructs.operations.monitoring import ClickHouseWatch, MonitoredService


class ClickHouseWiring:
    """An existing ClickHouse service (mode external): Langfuse only needs its endpoint, and
    nothing of it lives in this stack."""

    def __init__(self, endpoint: ClickHouseEndpoint) -> None:
        self.endpoint = endpoint

    @property
    def backed_up_file_systems(self) -> list[efs.IFileSystem]:
        """What the environment's backup plan covers besides Aurora."""
        return []

    def start_before(self, web: LangfuseService) -> None:
        """Make ``web``, which runs the ClickHouse migrations at start, wait for ClickHouse."""

    def admit(self, *clients: LangfuseService) -> None:
        """Let ``clients`` reach ClickHouse over the network."""

    @property
    def scheduled_service(self) -> ecs.FargateService | None:
        """The service office hours start before web and worker and stop after them."""
        return None

    @property
    def monitored_services(self) -> list[MonitoredService]:
        """Services whose tasks monitoring watches besides web and worker."""
        return []

    @property
    def watch(self) -> ClickHouseWatch | None:
        """What monitoring watches of a ClickHouse run here (stops, EFS)."""
        return None

    def add_alarms(self, topic: sns.ITopic, name_prefix: str) -> None:
        """Alarms of this mode that ``Monitoring`` does not make itself, notifying ``topic``."""

    @property
    def backup_role(self) -> iam.IRole | None:
        """The role the server writes its own backups to S3 with; None: no server here."""
        return None

    def run_backups(self, backups: ClickHouseBackups) -> None:
        """Run ``backups``' daily loop next to the server."""


class ClickHouseOnFargate(ClickHouseWiring):
    """The server this stack runs (mode fargate): backed up, waited for, firewalled, scheduled
    and watched."""

    def __init__(self, server: ClickHouseServer) -> None:
        super().__init__(server.endpoint)
        self.server = server

    @property
    def backed_up_file_systems(self) -> list[efs.IFileSystem]:
        return [self.server.file_system]

    def start_before(self, web: LangfuseService) -> None:
        web.service.node.add_dependency(self.server.service)

    def admit(self, *clients: LangfuseService) -> None:
        self.server.allow_clients(*(client.connections for client in clients))

    @property
    def scheduled_service(self) -> ecs.FargateService | None:
        return self.server.service

    @property
    def monitored_services(self) -> list[MonitoredService]:
        return [MonitoredService("ClickHouse", self.server.service)]

    @property
    def watch(self) -> ClickHouseWatch | None:
        return ClickHouseWatch(self.server.service, self.server.file_system)

    @property
    def backup_role(self) -> iam.IRole | None:
        return self.server.service.task_definition.task_role

    def run_backups(self, backups: ClickHouseBackups) -> None:
        backups.add_sidecar(
            self.server.container,
            image=self.server.image,
            user=CLICKHOUSE_USER,
            password=ecs.Secret.from_secrets_manager(self.server.password),
        )


class ClickHouseOnEc2(ClickHouseWiring):
    """The server this stack runs on one EC2 instance (mode ec2): waited for (its group
    signals once ClickHouse answers), firewalled, alarmed on disk, IOPS and status checks,
    and backed up by ClickHouse itself. It is not an ECS service: office hours leave it
    running, and AWS Backup leaves its volume to ClickHouse's own backups."""

    def __init__(self, server: ClickHouseEc2Server, provisioned_iops: int) -> None:
        super().__init__(server.endpoint)
        self.server = server
        self.provisioned_iops = provisioned_iops

    def start_before(self, web: LangfuseService) -> None:
        web.service.node.add_dependency(self.server.group)

    def admit(self, *clients: LangfuseService) -> None:
        self.server.allow_clients(*(client.connections for client in clients))

    def add_alarms(self, topic: sns.ITopic, name_prefix: str) -> None:
        self.server.add_alarms(
            topic=topic, name_prefix=name_prefix, provisioned_iops=self.provisioned_iops
        )

    @property
    def backup_role(self) -> iam.IRole | None:
        return self.server.role

    def run_backups(self, backups: ClickHouseBackups) -> None:
        self.server.add_backup_loop(
            command=backups.loop_command,
            log_group=backups.log_group,
            memory_mib=SIDECAR_MEMORY_MIB,
        )


def build_clickhouse(
    stack: Stack,
    config: EnvironmentConfig,
    *,
    cluster: ServiceCluster,
    images: ImageSource,
    protection: DataProtection,
) -> ClickHouseWiring:
    """``ClickHouse`` on Fargate or on EC2, or the external service's endpoint (its password
    secret imported as ``ClickHousePassword``)."""
    clickhouse = config.clickhouse
    if isinstance(clickhouse, ClickHouseExternalConfig):
        return ClickHouseWiring(external_endpoint(stack, clickhouse))
    if isinstance(clickhouse, ClickHouseEc2Config):
        return ClickHouseOnEc2(
            ec2_server(stack, clickhouse, cluster.cluster.vpc, images, protection),
            clickhouse.volume_iops,
        )
    if not isinstance(clickhouse, ClickHouseFargateConfig):
        assert_never(clickhouse)  # mypy fails here when a new mode has no wiring above
    return ClickHouseOnFargate(
        ClickHouseServer(
            stack,
            "ClickHouse",
            props=ClickHouseServerProps(
                cluster=cluster,
                images=images,
                protection=protection,
                backed_up=config.backup.enabled,
                image_tag=clickhouse.image_tag,
                image_digest=clickhouse.image_digest,
                cpu=clickhouse.cpu,
                memory_mib=clickhouse.memory_mib,
                # The backup loop's sidecar shares the task's memory.
                sidecar_memory_mib=SIDECAR_MEMORY_MIB if config.backup.enabled else 0,
            ),
        )
    )


def ec2_server(
    stack: Stack,
    config: ClickHouseEc2Config,
    vpc: ec2.IVpc,
    images: ImageSource,
    protection: DataProtection,
) -> ClickHouseEc2Server:
    """``ClickHouse`` on one instance in the private subnet of clickhouse.availability_zone
    (a private subnet routes out for packages, the image and AWS's APIs)."""
    return ClickHouseEc2Server(
        stack,
        "ClickHouse",
        props=ClickHouseEc2Props(
            vpc=vpc,
            subnet=subnet_in_zone(vpc.private_subnets, config.availability_zone),
            images=images,
            protection=protection,
            instance_type=config.instance_type,
            image_tag=config.image_tag,
            image_digest=config.image_digest,
            volume_size_gib=config.volume_size_gib,
            volume_iops=config.volume_iops,
            volume_throughput_mibps=config.volume_throughput_mibps,
        ),
    )


def build_clickhouse_backups(
    stack: Stack,
    config: EnvironmentConfig,
    clickhouse: ClickHouseWiring,
    *,
    access_logs: s3.IBucket,
    alarm_topic: sns.ITopic | None,
    protection: DataProtection,
) -> ClickHouseBackups | None:
    """``ClickHouseBackups``, when the YAML keeps backups and this stack runs ClickHouse: the
    daily BACKUP to their own bucket, its loop next to the server, and the failed and late
    alarms to ``alarm_topic`` (None: monitoring off, no alarms)."""
    role = clickhouse.backup_role
    if not config.backup.enabled or role is None:
        return None
    backups = ClickHouseBackups(
        stack,
        "ClickHouseBackups",
        props=ClickHouseBackupsProps(
            environment_name=config.name,
            server_role=role,
            server_port=NATIVE_PORT,
            hour_utc=config.backup.hour_utc,
            retention_days=config.backup.retention_days,
            protection=protection,
            access_logs=access_logs,
            alarm_topic=alarm_topic,
            late_after=Duration.hours(config.clickhouse_backup_late_hours),
        ),
    )
    clickhouse.run_backups(backups)
    return backups


def external_endpoint(stack: Stack, config: ClickHouseExternalConfig) -> ClickHouseEndpoint:
    """Endpoint of an existing ClickHouse whose password is in an existing secret."""
    return ClickHouseEndpoint(
        url=config.url.rstrip("/"),
        migration_url=config.migration_url.rstrip("/"),
        user=config.user,
        password=import_secret(stack, "ClickHousePassword", config.password_secret),
        cluster_enabled=config.cluster_enabled,
        migration_ssl=config.migration_ssl,
    )
