"""The main stack's compute: the ECS cluster and image source, Langfuse web and worker built
from the container contract, and their wiring to the edge and the data stores.

Web and worker are created directly under the stack, where they keep the logical ids they
were deployed with (Web..., Worker...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_secretsmanager as secretsmanager

from ...config.models import EnvironmentConfig, LangfuseConfig, TaskSize
from ...constructs.compute.cluster import ServiceCluster, namespace_name
from ...constructs.compute.images import ImageSource, Registry
from ...constructs.compute.langfuse_service import (
    LangfuseService,
    LangfuseServiceProps,
    ServiceSize,
)
from ...constructs.data.database import DATABASE_NAME
from ...constructs.data.protection import DataProtection
from ...constructs.data.secrets import import_secret
from ...constructs.edge.load_balancer import LoadBalancer
from ...langfuse import contract
from .clickhouse import ClickHouseWiring
from .data_stores import DataStores
from .login import Login


def build_compute(
    stack: Stack, config: EnvironmentConfig, vpc: ec2.IVpc
) -> tuple[ServiceCluster, ImageSource]:
    """``Compute`` (the ECS cluster and its Service Connect namespace) and ``Images`` (where
    images are pulled from, through the YAML's pull-through caches)."""
    cluster = ServiceCluster(
        stack,
        "Compute",
        vpc=vpc,
        namespace=namespace_name(config.name, shared_vpc=config.network.existing is not None),
    )
    cache = config.registry_cache
    credentials: dict[Registry, str] = {}
    if cache is not None and cache.dockerhub_credentials_secret:
        credentials["dockerhub"] = cache.dockerhub_credentials_secret
    if cache is not None and cache.ghcr_credentials_secret:
        credentials["ghcr"] = cache.ghcr_credentials_secret
    images = ImageSource(
        stack, "Images", environment_name=config.name, cache_credentials=credentials
    )
    return cluster, images


@dataclass(frozen=True)
class LangfuseWiring:
    """What web and worker are wired to: the URL users open, the stores, ClickHouse and the
    login, and where they run."""

    public_url: str
    stores: DataStores
    clickhouse: ClickHouseWiring
    login: Login
    cluster: ServiceCluster
    images: ImageSource
    protection: DataProtection


@dataclass(frozen=True)
class LangfuseServices:
    """Resources out: the web service (behind the load balancer) and the worker."""

    web: LangfuseService
    worker: LangfuseService


def service_size(size: TaskSize) -> ServiceSize:
    """A service's size and scaling from langfuse.web or langfuse.worker."""
    return ServiceSize(
        cpu=size.cpu,
        memory_mib=size.memory_mib,
        min_tasks=size.min_tasks,
        max_tasks=size.max_tasks,
        cpu_target_percent=size.cpu_target_percent,
        spot=size.spot,
    )


def setting_secrets(stack: Stack, lf: LangfuseConfig) -> dict[str, secretsmanager.ISecret]:
    """The existing secrets the YAML names for Langfuse's e-mail and headless first start,
    keyed by the LangfuseRuntime field each one fills."""
    email, init = lf.email, lf.init
    found: dict[str, secretsmanager.ISecret] = {}
    if email is not None:
        found["smtp_url"] = import_secret(stack, "SmtpUrl", email.smtp_url_secret)
    if init is not None and init.api_keys_secret:
        found["init_api_keys"] = import_secret(stack, "InitApiKeys", init.api_keys_secret)
    if init is not None and init.user_password_secret:
        found["init_user_password"] = import_secret(
            stack, "InitUserPassword", init.user_password_secret
        )
    return found


def build_langfuse(
    stack: Stack, config: EnvironmentConfig, wiring: LangfuseWiring
) -> LangfuseServices:
    """``Web`` (UI and API on 3000) and ``Worker`` (queues on 3030) with the variables and
    secrets of the container contract; the worker starts after web, which runs the database
    migrations."""
    lf, stores, database = config.langfuse, wiring.stores, wiring.stores.database
    runtime = contract.LangfuseRuntime(
        public_url=wiring.public_url,
        region=stack.region,
        bucket_name=stores.storage.bucket.bucket_name,
        database_secret=database.client_secret,
        database_name=DATABASE_NAME,
        redis_host=stores.cache.host,
        redis_port=stores.cache.port,
        redis_auth=stores.cache.auth_token,
        clickhouse=wiring.clickhouse.endpoint,
        nextauth_secret=stores.secrets.nextauth_secret,
        salt=stores.secrets.salt,
        encryption_key=stores.secrets.encryption_key,
        auth_environment=wiring.login.environment,
        auth_secrets=wiring.login.secrets,
        **setting_secrets(stack, lf),
    )
    web_props = LangfuseServiceProps(
        cluster=wiring.cluster,
        image=contract.web_image(lf),
        images=wiring.images,
        size=service_size(lf.web),
        port=contract.WEB_PORT,
        health_path=contract.WEB_HEALTH_PATH,
        environment=contract.web_environment(
            lf, runtime, idle_timeout_seconds=config.edge.idle_timeout_seconds
        ),
        secrets=contract.web_secrets(runtime),
        enable_exec=lf.enable_exec,
        protection=wiring.protection,
        health_check_grace=Duration.seconds(lf.health_check_grace_seconds),
    )
    web = LangfuseService(stack, "Web", props=web_props)
    worker_props = replace(
        web_props,
        image=contract.worker_image(lf),
        size=service_size(lf.worker),
        port=contract.WORKER_PORT,
        health_path=contract.WORKER_HEALTH_PATH,
        environment=contract.worker_environment(
            lf, runtime, publishes_queue_metrics=config.monitoring.publishes_queue_metrics
        ),
        secrets=contract.worker_secrets(runtime),
        health_check_grace=None,
    )
    worker = LangfuseService(stack, "Worker", props=worker_props)
    worker.service.node.add_dependency(web.service)
    return LangfuseServices(web=web, worker=worker)


def connect_langfuse(
    services: LangfuseServices,
    *,
    stores: DataStores,
    clickhouse: ClickHouseWiring,
    load_balancer: LoadBalancer,
) -> None:
    """Start order, the load balancer's target, and network and bucket access of web and
    worker."""
    web, worker, database = services.web, services.worker, stores.database
    # Web runs the Postgres and ClickHouse migrations at start and exits when they fail:
    # it starts only once the database writer and ClickHouse run.
    web.service.node.add_dependency(database.writer)
    clickhouse.start_before(web)
    web.service.attach_to_application_target_group(load_balancer.target_group)
    load_balancer.security_group.connections.allow_to(
        web.connections, ec2.Port.tcp(contract.WEB_PORT), "Load balancer to Langfuse web"
    )
    for service in (web, worker):
        stores.storage.grant_langfuse_access(service.task_definition.task_role)
        database.connections.allow_default_port_from(service.connections, "Langfuse to Aurora")
        stores.cache.connections.allow_default_port_from(service.connections, "Langfuse to Valkey")
    clickhouse.admit(web, worker)
