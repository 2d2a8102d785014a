"""The Langfuse container contract: exact variable and secret names, and their values."""

from __future__ import annotations

import re
from typing import Any

import pytest

from langfuse_aws.config.models import ClickHouseExternalConfig
from synth import SynthesizedEnvironment, task_container

SHARED_ENV = {
    "NODE_ENV", "HOSTNAME", "TZ", "NEXTAUTH_URL", "NODE_OPTIONS", "PORT", "TELEMETRY_ENABLED",
    "LANGFUSE_LOG_FORMAT", "LANGFUSE_LOG_LEVEL", "DATABASE_NAME",
    "CLICKHOUSE_URL", "CLICKHOUSE_MIGRATION_URL", "CLICKHOUSE_USER", "CLICKHOUSE_CLUSTER_ENABLED",
    "REDIS_HOST", "REDIS_PORT", "REDIS_TLS_ENABLED",
    "LANGFUSE_S3_EVENT_UPLOAD_BUCKET", "LANGFUSE_S3_EVENT_UPLOAD_REGION", "LANGFUSE_S3_EVENT_UPLOAD_PREFIX",
    "LANGFUSE_S3_MEDIA_UPLOAD_BUCKET", "LANGFUSE_S3_MEDIA_UPLOAD_REGION", "LANGFUSE_S3_MEDIA_UPLOAD_PREFIX",
    "LANGFUSE_S3_BATCH_EXPORT_BUCKET", "LANGFUSE_S3_BATCH_EXPORT_REGION", "LANGFUSE_S3_BATCH_EXPORT_PREFIX",
    "LANGFUSE_S3_BATCH_EXPORT_ENABLED",
}  # fmt: skip
WEB_ONLY_ENV = {"KEEP_ALIVE_TIMEOUT"}
SHARED_SECRETS = {
    "DATABASE_HOST", "DATABASE_USERNAME", "DATABASE_PASSWORD", "NEXTAUTH_SECRET", "SALT",
    "ENCRYPTION_KEY", "CLICKHOUSE_PASSWORD", "REDIS_AUTH",
}  # fmt: skip
MIGRATION_ENV = {
    "LANGFUSE_MIGRATION_V4_WRITE_MODE", "LANGFUSE_MIGRATION_V4_NATIVE_OTEL_BEHAVIOUR",
    "LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN",
    "LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL",
}  # fmt: skip
SECRET_LOOKING = re.compile(r"(SECRET|PASSWORD|TOKEN|_KEY$|^SALT$|AUTH$|PRIVATE)")
ALLOWED_SECRET_LOOKING_NAMES = {"AUTH_DISABLE_USERNAME_PASSWORD"}  # a true/false flag


def environment(container: dict[str, Any]) -> dict[str, Any]:
    return {item["Name"]: item["Value"] for item in container.get("Environment", [])}


def secret_names(container: dict[str, Any]) -> set[str]:
    return {item["Name"] for item in container.get("Secrets", [])}


INIT_ENV = {
    "LANGFUSE_INIT_ORG_ID": "org_id", "LANGFUSE_INIT_ORG_NAME": "org_name",
    "LANGFUSE_INIT_PROJECT_ID": "project_id", "LANGFUSE_INIT_PROJECT_NAME": "project_name",
    "LANGFUSE_INIT_USER_EMAIL": "user_email", "LANGFUSE_INIT_USER_NAME": "user_name",
}  # fmt: skip


# Sign-in variables per environment, written from each YAML by Langfuse's rules (web/src/env.mjs,
# web/src/server/auth.ts): the two access switches always; a provider's client id and
# account-linking switch plus each setting the YAML gives it; Cognito's id, issuer and linking.
ACCESS = {"AUTH_DISABLE_USERNAME_PASSWORD", "AUTH_DISABLE_SIGNUP"}
COGNITO = {"AUTH_COGNITO_CLIENT_ID", "AUTH_COGNITO_ISSUER", "AUTH_COGNITO_ALLOW_ACCOUNT_LINKING"}
DIRECT = {
    "AUTH_OKTA_CLIENT_ID", "AUTH_OKTA_ALLOW_ACCOUNT_LINKING", "AUTH_OKTA_ISSUER", "AUTH_OKTA_CHECKS",
    "AUTH_AZURE_AD_CLIENT_ID", "AUTH_AZURE_AD_ALLOW_ACCOUNT_LINKING", "AUTH_AZURE_AD_TENANT_ID",
    "AUTH_GOOGLE_CLIENT_ID", "AUTH_GOOGLE_ALLOW_ACCOUNT_LINKING", "AUTH_GOOGLE_ALLOWED_DOMAINS",
    "AUTH_GITHUB_ENTERPRISE_CLIENT_ID", "AUTH_GITHUB_ENTERPRISE_ALLOW_ACCOUNT_LINKING",
    "AUTH_GITHUB_ENTERPRISE_BASE_URL",
    "AUTH_KEYCLOAK_CLIENT_ID", "AUTH_KEYCLOAK_ALLOW_ACCOUNT_LINKING", "AUTH_KEYCLOAK_ISSUER",
    "AUTH_KEYCLOAK_NAME", "AUTH_KEYCLOAK_CLIENT_AUTH_METHOD",
    "AUTH_CUSTOM_CLIENT_ID", "AUTH_CUSTOM_ALLOW_ACCOUNT_LINKING", "AUTH_CUSTOM_ISSUER",
    "AUTH_CUSTOM_NAME", "AUTH_CUSTOM_SCOPE",
}  # fmt: skip
FEDERATED_ACCESS = {
    "AUTH_DOMAINS_WITH_SSO_ENFORCEMENT", "AUTH_SESSION_MAX_AGE", "LANGFUSE_DEFAULT_ORG_ID",
    "LANGFUSE_DEFAULT_ORG_ROLE", "LANGFUSE_DEFAULT_PROJECT_ID", "LANGFUSE_DEFAULT_PROJECT_ROLE",
}  # fmt: skip
AUTH_VARIABLES = {
    "example": ACCESS | COGNITO,
    "dev": ACCESS | COGNITO,
    "prod": ACCESS | COGNITO,
    "albdomain": ACCESS | COGNITO,
    "direct": ACCESS | DIRECT,
    "federated": ACCESS | COGNITO | FEDERATED_ACCESS,
    "headless": ACCESS | COGNITO,
    "images": ACCESS | COGNITO,
    "internal": ACCESS | COGNITO,
    "legacy": ACCESS | COGNITO,
    "upgrade": ACCESS | COGNITO,
    "clickhouse-ec2": ACCESS | COGNITO,
}
COGNITO_SECRET = {"AUTH_COGNITO_CLIENT_SECRET"}
AUTH_SECRETS = {
    name: (COGNITO_SECRET if variables >= COGNITO else set()) for name, variables in AUTH_VARIABLES.items()
} | {
    "direct": {
        "AUTH_OKTA_CLIENT_SECRET", "AUTH_AZURE_AD_CLIENT_SECRET", "AUTH_GOOGLE_CLIENT_SECRET",
        "AUTH_GITHUB_ENTERPRISE_CLIENT_SECRET", "AUTH_KEYCLOAK_CLIENT_SECRET",
        "AUTH_CUSTOM_CLIENT_SECRET",
    },
}  # fmt: skip


def expected_extra_env(env: SynthesizedEnvironment) -> set[str]:
    extra = set()
    if env.config.langfuse.email is not None:
        extra.add("EMAIL_FROM_ADDRESS")  # packages/shared env.ts: web and worker send mail
    clickhouse = env.config.clickhouse
    if isinstance(clickhouse, ClickHouseExternalConfig) and clickhouse.migration_ssl:
        extra.add("CLICKHOUSE_MIGRATION_SSL")
    if env.config.langfuse.migration_mode != "none":
        extra |= MIGRATION_ENV
    return extra


def test_web_gets_exactly_the_langfuse_variables(any_env: SynthesizedEnvironment) -> None:
    web = task_container(any_env, "Web")
    init = any_env.config.langfuse.init
    init_env = {n for n, f in INIT_ENV.items() if init and getattr(init, f)}
    expected = (
        SHARED_ENV
        | WEB_ONLY_ENV
        | expected_extra_env(any_env)
        | AUTH_VARIABLES[any_env.config.name]
        | init_env
    )
    assert set(environment(web)) == expected


def test_worker_gets_exactly_the_langfuse_variables(any_env: SynthesizedEnvironment) -> None:
    worker = task_container(any_env, "Worker")
    expected = SHARED_ENV | expected_extra_env(any_env)
    monitoring = any_env.config.monitoring
    if monitoring.enabled and monitoring.queue_metrics:
        # Langfuse's queue metrics for the backlog alarm and scaling (packages/shared env.ts),
        # and the region its CloudWatch client needs.
        expected |= {"ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING", "AWS_REGION"}
    assert set(environment(worker)) == expected


def test_every_credential_is_an_ecs_secret(any_env: SynthesizedEnvironment) -> None:
    lf = any_env.config.langfuse
    shared = SHARED_SECRETS | ({"SMTP_CONNECTION_URL"} if lf.email else set())
    init: set[str] = set()
    if lf.init and lf.init.api_keys_secret:
        init |= {"LANGFUSE_INIT_PROJECT_PUBLIC_KEY", "LANGFUSE_INIT_PROJECT_SECRET_KEY"}
    if lf.init and lf.init.user_password_secret:
        init.add("LANGFUSE_INIT_USER_PASSWORD")
    assert secret_names(task_container(any_env, "Worker")) == shared
    web = secret_names(task_container(any_env, "Web"))
    assert web == shared | AUTH_SECRETS[any_env.config.name] | init


def test_headless_start_and_mail_reach_the_containers(headless: SynthesizedEnvironment) -> None:
    """Langfuse's web/src/initialize.ts and packages/shared env.ts read exactly these."""
    web = task_container(headless, "Web")
    values = environment(web)
    assert values["LANGFUSE_INIT_ORG_ID"] == "acme"
    assert values["LANGFUSE_INIT_PROJECT_ID"] == "main"
    assert values["LANGFUSE_INIT_USER_EMAIL"] == "admin@acme.io"
    assert values["EMAIL_FROM_ADDRESS"] == "langfuse@acme.io"
    assert environment(task_container(headless, "Worker"))["EMAIL_FROM_ADDRESS"] == (
        "langfuse@acme.io"
    )
    secrets = {item["Name"]: item["ValueFrom"] for item in web["Secrets"]}
    init = headless.config.langfuse.init
    assert init is not None
    keys = init.api_keys_secret
    assert secrets["LANGFUSE_INIT_PROJECT_PUBLIC_KEY"] == f"{keys}:public_key::"
    assert secrets["LANGFUSE_INIT_PROJECT_SECRET_KEY"] == f"{keys}:secret_key::"
    assert "langfuse/admin-password" in str(secrets["LANGFUSE_INIT_USER_PASSWORD"])
    assert "langfuse/smtp-url" in str(secrets["SMTP_CONNECTION_URL"])
    assert "SMTP_CONNECTION_URL" in {
        s["Name"] for s in task_container(headless, "Worker")["Secrets"]
    }


@pytest.mark.parametrize("service", ["Web", "Worker"])
def test_no_variable_that_only_the_image_build_reads(
    example_env: SynthesizedEnvironment, service: str
) -> None:
    """LANGFUSE_CSP_ENFORCE_HTTPS is read only by web/next.config.mjs:48 (langfuse/langfuse main
    @62751446), inside the `headers()` of next.config.mjs:151 that `next build` turns into the
    image's routes manifest (next.config.mjs:16 notes such values are fixed at build time in
    the official images); web/src/env.mjs:135 only validates it. Set on a container it changes
    no header, so an environment that sets it would claim a protection it does not have."""
    assert "LANGFUSE_CSP_ENFORCE_HTTPS" not in environment(task_container(example_env, service))


def test_cognito_mails_through_ses(headless: SynthesizedEnvironment) -> None:
    (pool,) = headless.resources("AWS::Cognito::UserPool").values()
    email = pool["Properties"]["EmailConfiguration"]
    assert email["EmailSendingAccount"] == "DEVELOPER"
    assert email["From"] == "Langfuse <no-reply@acme.io>"
    assert email["ReplyToEmailAddress"] == "support@acme.io"
    assert email["SourceArn"]["Fn::Join"][1][-1] == ":identity/acme.io"


def test_no_secret_looking_name_in_any_environment(any_env: SynthesizedEnvironment) -> None:
    for resource in any_env.resources("AWS::ECS::TaskDefinition").values():
        for container in resource["Properties"]["ContainerDefinitions"]:
            for name in environment(container):
                if name in ALLOWED_SECRET_LOOKING_NAMES:
                    continue
                assert not SECRET_LOOKING.search(name), f"{name} looks secret but is plain"


def test_secrets_are_generated_never_written_in_a_template(any_env: SynthesizedEnvironment) -> None:
    for template_name in any_env.templates:
        secrets = any_env.resources("AWS::SecretsManager::Secret", template_name)
        for logical_id, secret in secrets.items():
            properties = secret["Properties"]
            if "SecretString" in properties:
                # Only the Cognito client secret, copied at deploy time from Cognito itself.
                assert logical_id.startswith("AuthClientSecret"), logical_id
                assert "Fn::GetAtt" in properties["SecretString"], logical_id
            else:
                assert "GenerateSecretString" in properties, logical_id


def test_valkey_auth_token_is_a_dynamic_reference(any_env: SynthesizedEnvironment) -> None:
    (group,) = any_env.resources("AWS::ElastiCache::ReplicationGroup").values()
    token = group["Properties"]["AuthToken"]
    assert token["Fn::Join"][1][0] == "{{resolve:secretsmanager:"


@pytest.mark.parametrize("service", ["Web", "Worker"])
def test_values_derived_from_config(example: SynthesizedEnvironment, service: str) -> None:
    env = environment(task_container(example, service))
    assert env["HOSTNAME"] == "0.0.0.0"
    assert env["TZ"] == "UTC"
    assert env["NODE_OPTIONS"] == "--max-old-space-size=1536"
    assert env["CLICKHOUSE_CLUSTER_ENABLED"] == "false"
    assert env["CLICKHOUSE_URL"] == "http://clickhouse-http:8123"
    assert env["CLICKHOUSE_MIGRATION_URL"] == "clickhouse://clickhouse-native:9000"
    assert env["REDIS_TLS_ENABLED"] == "true"
    assert env["REDIS_PORT"] == "6379"
    assert env["LANGFUSE_S3_EVENT_UPLOAD_PREFIX"] == "events/"
    assert env["LANGFUSE_S3_MEDIA_UPLOAD_PREFIX"] == "media/"
    assert env["LANGFUSE_S3_BATCH_EXPORT_PREFIX"] == "exports/"
    assert env["LANGFUSE_S3_BATCH_EXPORT_ENABLED"] == "true"
    assert env["LANGFUSE_S3_EVENT_UPLOAD_REGION"] == "eu-west-1"
    assert env["DATABASE_NAME"] == "langfuse"
    assert env["LANGFUSE_LOG_FORMAT"] == "json"


def test_keep_alive_outlasts_load_balancer_idle_timeout(any_env: SynthesizedEnvironment) -> None:
    env = environment(task_container(any_env, "Web"))
    idle = any_env.config.edge.idle_timeout_seconds
    assert int(env["KEEP_ALIVE_TIMEOUT"]) >= (idle + 5) * 1000
    (alb,) = any_env.resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    attributes = {a["Key"]: a["Value"] for a in alb["Properties"]["LoadBalancerAttributes"]}
    assert attributes["idle_timeout.timeout_seconds"] == str(idle)


def test_nextauth_url_is_the_cloudfront_url_without_a_domain(
    example: SynthesizedEnvironment,
) -> None:
    url = environment(task_container(example, "Web"))["NEXTAUTH_URL"]
    (distribution_id,) = example.resources("AWS::CloudFront::Distribution")
    assert url == {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]}
    assert environment(task_container(example, "Worker"))["NEXTAUTH_URL"] == url


def test_nextauth_url_is_the_custom_domain(
    prod: SynthesizedEnvironment, alb_domain: SynthesizedEnvironment
) -> None:
    assert (
        environment(task_container(prod, "Web"))["NEXTAUTH_URL"] == "https://langfuse.example.com"
    )
    assert (
        environment(task_container(alb_domain, "Web"))["NEXTAUTH_URL"]
        == "https://langfuse.corp.example.org"
    )


def test_web_and_worker_share_one_pinned_tag(example_env: SynthesizedEnvironment) -> None:
    """Examples pull from ghcr.io by tag (tests/constructs/compute/test_images.py covers Docker Hub, cache, digests)."""
    version = example_env.config.langfuse.version
    assert task_container(example_env, "Web")["Image"] == f"ghcr.io/langfuse/langfuse:{version}"
    assert (
        task_container(example_env, "Worker")["Image"]
        == f"ghcr.io/langfuse/langfuse-worker:{version}"
    )


def test_external_clickhouse_settings(alb_domain: SynthesizedEnvironment) -> None:
    env = environment(task_container(alb_domain, "Worker"))
    assert env["CLICKHOUSE_URL"] == "https://abc123.eu-west-1.aws.clickhouse.cloud:8443"
    assert (
        env["CLICKHOUSE_MIGRATION_URL"] == "clickhouse://abc123.eu-west-1.aws.clickhouse.cloud:9440"
    )
    assert env["CLICKHOUSE_MIGRATION_SSL"] == "true"
    assert env["CLICKHOUSE_USER"] == "langfuse"
    assert not alb_domain.resources("AWS::EFS::FileSystem")


def test_migration_mode_sets_identical_variables_on_web_and_worker(
    upgrade: SynthesizedEnvironment,
) -> None:
    web = environment(task_container(upgrade, "Web"))
    worker = environment(task_container(upgrade, "Worker"))
    expected = {
        "LANGFUSE_MIGRATION_V4_WRITE_MODE": "legacy",
        "LANGFUSE_MIGRATION_V4_NATIVE_OTEL_BEHAVIOUR": "dual_write",
        "LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN": "false",
        "LANGFUSE_BACKGROUND_MIGRATION_V4_ENABLE_HISTORIC_BACKFILL": "false",
    }
    for name, value in expected.items():
        assert web[name] == worker[name] == value


def test_fresh_install_sets_no_migration_variable(example: SynthesizedEnvironment) -> None:
    assert not MIGRATION_ENV & set(environment(task_container(example, "Web")))


def test_v3_release_works(v3: SynthesizedEnvironment) -> None:
    assert task_container(v3, "Web")["Image"] == "ghcr.io/langfuse/langfuse:3.150.0"
    assert not MIGRATION_ENV & set(environment(task_container(v3, "Worker")))


def test_container_health_checks_use_wget_to_loopback(example: SynthesizedEnvironment) -> None:
    assert task_container(example, "Web")["HealthCheck"]["Command"] == [
        "CMD-SHELL", "wget -q --spider http://127.0.0.1:3000/api/public/health || exit 1"
    ]  # fmt: skip
    assert task_container(example, "Worker")["HealthCheck"]["Command"] == [
        "CMD-SHELL", "wget -q --spider http://127.0.0.1:3030/api/health || exit 1"
    ]  # fmt: skip
