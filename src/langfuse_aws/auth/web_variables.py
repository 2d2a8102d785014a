"""The authentication variables of the Langfuse web container."""

from __future__ import annotations

from ..config.models import AuthConfig
from .providers import provider_environment

COGNITO_SECRET = "AUTH_COGNITO_CLIENT_SECRET"


def access_environment(auth: AuthConfig) -> dict[str, str]:
    """Langfuse-wide access settings (password login, sign-up, enforcement, defaults).

    AUTH_DISABLE_SIGNUP stops every new account, single sign-on users included, so only
    ``signup: closed`` sets it; with ``sso`` password sign-up is already off because password
    login is (web/src/features/auth-credentials/server/signupApiHandler.ts).
    """
    env = {
        "AUTH_DISABLE_USERNAME_PASSWORD": str(not auth.password_login).lower(),
        "AUTH_DISABLE_SIGNUP": str(auth.signup == "closed").lower(),
    }
    if auth.sso_enforced_domains:
        env["AUTH_DOMAINS_WITH_SSO_ENFORCEMENT"] = ",".join(auth.sso_enforced_domains)
    if auth.session_max_age_minutes is not None:
        env["AUTH_SESSION_MAX_AGE"] = str(auth.session_max_age_minutes)
    if auth.default_organization:
        env["LANGFUSE_DEFAULT_ORG_ID"] = auth.default_organization.id
        env["LANGFUSE_DEFAULT_ORG_ROLE"] = auth.default_organization.role
    if auth.default_project:
        env["LANGFUSE_DEFAULT_PROJECT_ID"] = auth.default_project.id
        env["LANGFUSE_DEFAULT_PROJECT_ROLE"] = auth.default_project.role
    for provider in auth.providers:
        env.update(provider_environment(provider))
    return env


def cognito_environment(client_id: str, issuer: str, allow_account_linking: bool) -> dict[str, str]:
    """Plain Cognito variables; the client secret travels separately as an ECS secret."""
    return {
        "AUTH_COGNITO_CLIENT_ID": client_id,
        "AUTH_COGNITO_ISSUER": issuer,
        "AUTH_COGNITO_ALLOW_ACCOUNT_LINKING": str(allow_account_linking).lower(),
    }
