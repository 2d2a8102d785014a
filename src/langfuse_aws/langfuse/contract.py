"""The Langfuse container contract: every environment variable and secret web and worker get.

Wrong or missing variables are the most common way a Langfuse deployment fails at runtime,
so they are derived here, in one place, from the typed config and the deployed endpoints,
and the tests assert the exact sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager

from ..config.models import InitConfig, LangfuseConfig, TaskSize
from ..constructs.compute.images import ImageRef
from ..constructs.data.clickhouse import ClickHouseEndpoint
from ..constructs.data.storage import EVENTS_PREFIX, EXPORTS_PREFIX, MEDIA_PREFIX
from . import metrics

WEB_IMAGE = "langfuse/langfuse"
WORKER_IMAGE = "langfuse/langfuse-worker"
WEB_PORT = 3000
WORKER_PORT = 3030
WEB_HEALTH_PATH = "/api/public/health"
WORKER_HEALTH_PATH = "/api/health"
KEEP_ALIVE_MARGIN_SECONDS = 5
NODE_HEAP_SHARE = 0.75

MIGRATION_VARIABLES: dict[str, dict[str, str]] = {
    "none": {},
    "legacy": {
        "LANGFUSE_MIGRATION_V4_WRITE_MODE": "legacy",
        "LANGFUSE_MIGRATION_V4_NATIVE_OTEL_BEHAVIOUR": "dual_write",
        "LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN": "false",
        "LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL": "false",
    },
    "dual": {
        "LANGFUSE_MIGRATION_V4_WRITE_MODE": "dual",
        "LANGFUSE_MIGRATION_V4_NATIVE_OTEL_BEHAVIOUR": "dual_write",
        "LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN": "true",
        "LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL": "true",
    },
}


@dataclass(frozen=True)
class LangfuseRuntime:
    """Deployed endpoints and secrets the containers are wired to (values may be tokens)."""

    public_url: str
    region: str
    bucket_name: str
    database_secret: secretsmanager.ISecret
    database_name: str
    redis_host: str
    redis_port: int
    redis_auth: secretsmanager.ISecret
    clickhouse: ClickHouseEndpoint
    nextauth_secret: secretsmanager.ISecret
    salt: secretsmanager.ISecret
    encryption_key: secretsmanager.ISecret
    auth_environment: dict[str, str] = field(default_factory=dict)
    auth_secrets: dict[str, secretsmanager.ISecret] = field(default_factory=dict)
    smtp_url: secretsmanager.ISecret | None = None
    init_api_keys: secretsmanager.ISecret | None = None
    init_user_password: secretsmanager.ISecret | None = None


def web_image(lf: LangfuseConfig) -> ImageRef:
    """The web image of the configured release; web and worker always share one tag."""
    return ImageRef(lf.registry, WEB_IMAGE, lf.version, lf.web_digest)


def worker_image(lf: LangfuseConfig) -> ImageRef:
    """The worker image of the configured release."""
    return ImageRef(lf.registry, WORKER_IMAGE, lf.version, lf.worker_digest)


def node_options(size: TaskSize) -> str:
    """Node heap limit at ~75 % of task memory, leaving room for the rest of the process."""
    return f"--max-old-space-size={int(size.memory_mib * NODE_HEAP_SHARE)}"


def keep_alive_timeout_ms(idle_timeout_seconds: int) -> str:
    """Node's keep-alive must outlast the load balancer's idle timeout, or it returns 502s."""
    return str((idle_timeout_seconds + KEEP_ALIVE_MARGIN_SECONDS) * 1000)


def _shared_environment(lf: LangfuseConfig, rt: LangfuseRuntime, size: TaskSize) -> dict[str, str]:
    env = {
        "NODE_ENV": "production",
        "HOSTNAME": "0.0.0.0",
        "TZ": "UTC",
        "NEXTAUTH_URL": rt.public_url,
        "NODE_OPTIONS": node_options(size),
        "TELEMETRY_ENABLED": str(lf.telemetry_enabled).lower(),
        "LANGFUSE_LOG_FORMAT": "json",
        "LANGFUSE_LOG_LEVEL": lf.log_level,
        "DATABASE_NAME": rt.database_name,
        "CLICKHOUSE_URL": rt.clickhouse.url,
        "CLICKHOUSE_MIGRATION_URL": rt.clickhouse.migration_url,
        "CLICKHOUSE_USER": rt.clickhouse.user,
        "CLICKHOUSE_CLUSTER_ENABLED": str(rt.clickhouse.cluster_enabled).lower(),
        "REDIS_HOST": rt.redis_host,
        "REDIS_PORT": str(rt.redis_port),
        "REDIS_TLS_ENABLED": "true",
    }
    if rt.clickhouse.migration_ssl:
        env["CLICKHOUSE_MIGRATION_SSL"] = "true"
    for kind, prefix in (
        ("EVENT_UPLOAD", EVENTS_PREFIX),
        ("MEDIA_UPLOAD", MEDIA_PREFIX),
        ("BATCH_EXPORT", EXPORTS_PREFIX),
    ):
        env[f"LANGFUSE_S3_{kind}_BUCKET"] = rt.bucket_name
        env[f"LANGFUSE_S3_{kind}_REGION"] = rt.region
        env[f"LANGFUSE_S3_{kind}_PREFIX"] = prefix
    env["LANGFUSE_S3_BATCH_EXPORT_ENABLED"] = "true"
    env.update(MIGRATION_VARIABLES[lf.migration_mode])
    if lf.email is not None:
        env["EMAIL_FROM_ADDRESS"] = lf.email.from_address
    return env


def init_environment(init: InitConfig | None) -> dict[str, str]:
    """LANGFUSE_INIT_* values that are not secret (web/src/initialize.ts reads them)."""
    if init is None:
        return {}
    values = {
        "LANGFUSE_INIT_ORG_ID": init.org_id,
        "LANGFUSE_INIT_ORG_NAME": init.org_name,
        "LANGFUSE_INIT_PROJECT_ID": init.project_id,
        "LANGFUSE_INIT_PROJECT_NAME": init.project_name,
        "LANGFUSE_INIT_USER_EMAIL": init.user_email,
        "LANGFUSE_INIT_USER_NAME": init.user_name,
    }
    return {name: value for name, value in values.items() if value}


def web_environment(
    lf: LangfuseConfig, rt: LangfuseRuntime, *, idle_timeout_seconds: int
) -> dict[str, str]:
    """Plain (non-secret) variables of the web container, behind a load balancer that closes
    idle connections after ``idle_timeout_seconds``."""
    env = _shared_environment(lf, rt, lf.web)
    env["PORT"] = str(WEB_PORT)
    env["KEEP_ALIVE_TIMEOUT"] = keep_alive_timeout_ms(idle_timeout_seconds)
    # No LANGFUSE_CSP_ENFORCE_HTTPS: web/next.config.mjs reads it into the headers that
    # `next build` writes into the image, so on a published image the variable changes nothing.
    env.update(rt.auth_environment)
    env.update(init_environment(lf.init))
    return env


def worker_environment(
    lf: LangfuseConfig, rt: LangfuseRuntime, *, publishes_queue_metrics: bool
) -> dict[str, str]:
    """Plain (non-secret) variables of the worker container."""
    env = _shared_environment(lf, rt, lf.worker)
    env["PORT"] = str(WORKER_PORT)
    if publishes_queue_metrics:
        env[metrics.PUBLISHING_VARIABLE] = "true"
        # Langfuse's CloudWatch client takes its region from the SDK's default chain.
        env["AWS_REGION"] = rt.region
    return env


def _shared_secrets(rt: LangfuseRuntime) -> dict[str, ecs.Secret]:
    secrets = {
        "DATABASE_HOST": ecs.Secret.from_secrets_manager(rt.database_secret, "host"),
        "DATABASE_USERNAME": ecs.Secret.from_secrets_manager(rt.database_secret, "username"),
        "DATABASE_PASSWORD": ecs.Secret.from_secrets_manager(rt.database_secret, "password"),
        "NEXTAUTH_SECRET": ecs.Secret.from_secrets_manager(rt.nextauth_secret),
        "SALT": ecs.Secret.from_secrets_manager(rt.salt),
        "ENCRYPTION_KEY": ecs.Secret.from_secrets_manager(rt.encryption_key),
        "CLICKHOUSE_PASSWORD": ecs.Secret.from_secrets_manager(rt.clickhouse.password),
        "REDIS_AUTH": ecs.Secret.from_secrets_manager(rt.redis_auth),
    }
    if rt.smtp_url is not None:
        secrets["SMTP_CONNECTION_URL"] = ecs.Secret.from_secrets_manager(rt.smtp_url)
    return secrets


def web_secrets(rt: LangfuseRuntime) -> dict[str, ecs.Secret]:
    """Variables of the web container that ECS reads from Secrets Manager at start."""
    secrets = _shared_secrets(rt)
    secrets.update(
        {name: ecs.Secret.from_secrets_manager(s) for name, s in rt.auth_secrets.items()}
    )
    if rt.init_api_keys is not None:
        secrets["LANGFUSE_INIT_PROJECT_PUBLIC_KEY"] = ecs.Secret.from_secrets_manager(
            rt.init_api_keys, "public_key"
        )
        secrets["LANGFUSE_INIT_PROJECT_SECRET_KEY"] = ecs.Secret.from_secrets_manager(
            rt.init_api_keys, "secret_key"
        )
    if rt.init_user_password is not None:
        secrets["LANGFUSE_INIT_USER_PASSWORD"] = ecs.Secret.from_secrets_manager(
            rt.init_user_password
        )
    return secrets


def worker_secrets(rt: LangfuseRuntime) -> dict[str, ecs.Secret]:
    """Variables of the worker container that ECS reads from Secrets Manager at start."""
    return _shared_secrets(rt)
