"""The login wiring: Cognito when configured, and what Langfuse web reads to offer each login.

A function rather than a construct: the Cognito construct must stay directly under the stack,
where the user pool's logical id is pinned (a new id would replace the pool and its users).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_secretsmanager as secretsmanager

from ...config.models import CognitoConfig, EnvironmentConfig
from ...constructs.data.protection import DataProtection
from ...constructs.data.secrets import import_secret
from ...constructs.edge.edge import Edge
from ...constructs.login.cognito import (
    CognitoAuth,
    CognitoCustomDomain,
    CognitoProps,
    OidcProvider,
    SamlProvider,
    SesSender,
)
from ...langfuse.auth_variables import (
    COGNITO_SECRET,
    access_environment,
    cognito_environment,
    provider_secret_name,
)


@dataclass(frozen=True)
class Login:
    """Resources out: the Cognito construct (if any) and web's auth variables and secrets."""

    cognito: CognitoAuth | None
    environment: dict[str, str]
    secrets: dict[str, secretsmanager.ISecret]


def build_login(
    stack: Stack,
    config: EnvironmentConfig,
    *,
    edge: Edge,
    cognito_certificate: acm.ICertificate | None,
    protection: DataProtection,
) -> Login:
    """``Auth`` (Cognito) when configured, each direct provider's client secret, and web's
    auth settings."""
    auth = config.auth
    environment = access_environment(auth)
    secrets: dict[str, secretsmanager.ISecret] = {
        provider_secret_name(p): import_secret(
            stack, f"{p.type.title().replace('-', '')}ClientSecret", p.client_secret_secret
        )
        for p in auth.providers
    }
    if auth.cognito is None:
        return Login(cognito=None, environment=environment, secrets=secrets)
    custom_domain = None
    domain_name = config.cognito_domain_name
    if domain_name and cognito_certificate and edge.zone and edge.app_record:
        custom_domain = CognitoCustomDomain(
            domain_name=domain_name,
            certificate=cognito_certificate,
            zone=edge.zone,
            app_record=edge.app_record,
        )
    cognito = CognitoAuth(
        stack,
        "Auth",
        props=cognito_props(
            auth.cognito,
            environment_name=config.name,
            public_url=edge.public_url,
            protection=protection,
            custom_domain=custom_domain,
        ),
    )
    environment.update(
        cognito_environment(
            cognito.client.user_pool_client_id,
            cognito.issuer,
            auth.cognito.allow_account_linking,
        )
    )
    secrets[COGNITO_SECRET] = cognito.client_secret
    return Login(cognito=cognito, environment=environment, secrets=secrets)


def cognito_props(
    config: CognitoConfig,
    *,
    environment_name: str,
    public_url: str,
    protection: DataProtection,
    custom_domain: CognitoCustomDomain | None,
) -> CognitoProps:
    """The user pool's settings from auth.cognito."""
    email = config.email
    return CognitoProps(
        environment_name=environment_name,
        public_url=public_url,
        protection=protection,
        self_signup=config.self_signup,
        allowed_email_domains=list(config.allowed_email_domains),
        mfa=config.mfa,
        password_min_length=config.password_min_length,
        feature_plan=config.feature_plan,
        domain_prefix=config.domain_prefix,
        email=SesSender(
            from_address=email.from_address,
            from_name=email.from_name,
            reply_to=email.reply_to,
            ses_verified_domain=email.ses_verified_domain,
            ses_region=email.ses_region,
        )
        if email
        else None,
        saml=[
            SamlProvider(
                name=saml.name,
                email_attribute=saml.email_attribute,
                metadata_url=saml.metadata_url,
                metadata_file=saml.metadata_file,
            )
            for saml in config.saml
        ],
        oidc=[
            OidcProvider(
                name=oidc.name,
                issuer=oidc.issuer,
                client_id=oidc.client_id,
                client_secret_secret=oidc.client_secret_secret,
                scopes=list(oidc.scopes),
            )
            for oidc in config.oidc
        ],
        custom_domain=custom_domain,
    )
