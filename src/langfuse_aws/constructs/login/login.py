"""The login wiring: Cognito when configured, and what Langfuse web reads to offer each login.

A function rather than a construct: the Cognito construct must stay directly under the stack,
where the user pool's logical id is pinned (a new id would replace the pool and its users).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from ...config.models import AuthConfig
from ...langfuse.auth_variables import (
    COGNITO_SECRET,
    access_environment,
    cognito_environment,
    provider_secret_name,
)
from ..data.secrets import import_secret
from .cognito import CognitoAuth, CognitoCustomDomain


@dataclass(frozen=True)
class LoginProps:
    """What the login needs from the rest of the environment."""

    auth: AuthConfig
    environment_name: str
    public_url: str
    retain: bool
    log_retention: logs.RetentionDays
    custom_domain_name: str | None = None
    """auth.<app host> when the Cognito login page has a custom domain."""
    cognito_certificate: acm.ICertificate | None = None
    zone: route53.IHostedZone | None = None
    app_record: IConstruct | None = None


@dataclass(frozen=True)
class Login:
    """Resources out: the Cognito construct (if any) and web's auth variables and secrets."""

    cognito: CognitoAuth | None
    environment: dict[str, str]
    secrets: dict[str, secretsmanager.ISecret]


def wire_login(scope: Construct, props: LoginProps) -> Login:
    """Create Cognito (if configured) in ``scope`` and collect web's auth settings."""
    auth = props.auth
    environment = access_environment(auth)
    secrets: dict[str, secretsmanager.ISecret] = {
        provider_secret_name(p): import_secret(
            scope, f"{p.type.title().replace('-', '')}ClientSecret", p.client_secret_secret
        )
        for p in auth.providers
    }
    cognito_config = auth.cognito
    if cognito_config is None:
        return Login(cognito=None, environment=environment, secrets=secrets)
    custom_domain = None
    if props.custom_domain_name and props.cognito_certificate and props.zone and props.app_record:
        custom_domain = CognitoCustomDomain(
            domain_name=props.custom_domain_name,
            certificate=props.cognito_certificate,
            zone=props.zone,
            app_record=props.app_record,
        )
    cognito = CognitoAuth(
        scope,
        "Auth",
        config=cognito_config,
        environment_name=props.environment_name,
        public_url=props.public_url,
        retain=props.retain,
        log_retention=props.log_retention,
        custom_domain=custom_domain,
    )
    environment.update(
        cognito_environment(
            cognito.client.user_pool_client_id,
            cognito.issuer,
            cognito_config.allow_account_linking,
        )
    )
    secrets[COGNITO_SECRET] = cognito.client_secret
    return Login(cognito=cognito, environment=environment, secrets=secrets)
