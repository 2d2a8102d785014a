"""Existing Secrets Manager secrets referenced from the YAML by name or ARN."""

from __future__ import annotations

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ..config.models import EmailConfig, InitConfig


def import_secret(scope: Construct, id_: str, reference: str) -> secretsmanager.ISecret:
    """An existing secret by full ARN or by name (resolved by Secrets Manager at deploy time)."""
    if reference.startswith("arn:"):
        return secretsmanager.Secret.from_secret_complete_arn(scope, id_, reference)
    return secretsmanager.Secret.from_secret_name_v2(scope, id_, reference)


def langfuse_setting_secrets(
    scope: Construct, email: EmailConfig | None, init: InitConfig | None
) -> dict[str, secretsmanager.ISecret]:
    """The existing secrets the YAML names for Langfuse's e-mail and headless first start,
    keyed by the LangfuseRuntime field each one fills."""
    found: dict[str, secretsmanager.ISecret] = {}
    if email is not None:
        found["smtp_url"] = import_secret(scope, "SmtpUrl", email.smtp_url_secret)
    if init is not None and init.api_keys_secret:
        found["init_api_keys"] = import_secret(scope, "InitApiKeys", init.api_keys_secret)
    if init is not None and init.user_password_secret:
        found["init_user_password"] = import_secret(
            scope, "InitUserPassword", init.user_password_secret
        )
    return found
