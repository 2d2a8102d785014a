"""Langfuse web and worker as two Fargate services, from the container contract.

A function rather than a construct: the services keep the logical ids they were deployed with
directly under the stack (Web..., Worker...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from aws_cdk import Duration
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..config.models import LangfuseConfig
from ..constructs.cluster import ServiceCluster
from ..constructs.images import ImageSource
from ..constructs.langfuse_service import LangfuseService, LangfuseServiceProps
from . import contract


@dataclass(frozen=True)
class LangfuseServicesProps:
    """Where web and worker run, what they are wired to, and the settings they read."""

    langfuse: LangfuseConfig
    runtime: contract.LangfuseRuntime
    cluster: ServiceCluster
    images: ImageSource
    log_retention: logs.RetentionDays
    idle_timeout_seconds: int
    """The load balancer's idle timeout, which web's keep-alive must outlast."""
    publishes_queue_metrics: bool


@dataclass(frozen=True)
class LangfuseServices:
    """Resources out: the web service (behind the load balancer) and the worker."""

    web: LangfuseService
    worker: LangfuseService


def langfuse_services(scope: Construct, props: LangfuseServicesProps) -> LangfuseServices:
    """Web (UI and API on 3000) and the worker (queues on 3030); the worker starts after web,
    which runs the database migrations."""
    lf, runtime = props.langfuse, props.runtime
    web_props = LangfuseServiceProps(
        cluster=props.cluster,
        image=contract.web_image(lf),
        images=props.images,
        size=lf.web,
        port=contract.WEB_PORT,
        health_path=contract.WEB_HEALTH_PATH,
        environment=contract.web_environment(
            lf, runtime, idle_timeout_seconds=props.idle_timeout_seconds
        ),
        secrets=contract.web_secrets(runtime),
        enable_exec=lf.enable_exec,
        log_retention=props.log_retention,
        health_check_grace=Duration.seconds(lf.health_check_grace_seconds),
    )
    web = LangfuseService(scope, "Web", props=web_props)
    worker_props = replace(
        web_props,
        image=contract.worker_image(lf),
        size=lf.worker,
        port=contract.WORKER_PORT,
        health_path=contract.WORKER_HEALTH_PATH,
        environment=contract.worker_environment(
            lf, runtime, publishes_queue_metrics=props.publishes_queue_metrics
        ),
        secrets=contract.worker_secrets(runtime),
        health_check_grace=None,
    )
    worker = LangfuseService(scope, "Worker", props=worker_props)
    worker.service.node.add_dependency(web.service)
    return LangfuseServices(web=web, worker=worker)
