"""ClickHouse as the rest of the main stack sees it, whichever mode runs it.

One object per mode answers what the stack asks of ClickHouse: the endpoint Langfuse reads,
what is backed up, what web waits for, which clients it admits, what office hours start and
stop, and what monitoring watches. The stack asks the same questions in every mode.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs

from ...config.models import (
    ClickHouseExternalConfig,
    ClickHouseFargateConfig,
    EnvironmentConfig,
)
from ...constructs.compute.cluster import ServiceCluster
from ...constructs.compute.images import ImageSource
from ...constructs.compute.langfuse_service import LangfuseService
from ...constructs.data.clickhouse import (
    ClickHouseEndpoint,
    ClickHouseServer,
    ClickHouseServerProps,
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


def build_clickhouse(
    stack: Stack,
    config: EnvironmentConfig,
    *,
    cluster: ServiceCluster,
    images: ImageSource,
    protection: DataProtection,
) -> ClickHouseWiring:
    """``ClickHouse`` on Fargate, or the external service's endpoint (its password secret
    imported as ``ClickHousePassword``)."""
    clickhouse = config.clickhouse
    if isinstance(clickhouse, ClickHouseExternalConfig):
        return ClickHouseWiring(external_endpoint(stack, clickhouse))
    if not isinstance(clickhouse, ClickHouseFargateConfig):
        raise NotImplementedError(
            f"clickhouse.mode {clickhouse.mode} has no ClickHouseWiring in stacks/main/clickhouse.py"
        )
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
            ),
        )
    )


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
