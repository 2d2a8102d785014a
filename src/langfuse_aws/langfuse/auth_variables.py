"""The variables sign-in becomes in the Langfuse web container: direct identity providers,
Cognito, and who may sign up.

Source: Langfuse web/src/server/auth.ts and env.mjs. Which settings each provider has is its
config model (``config/providers.py``); this module only names them the way Langfuse reads them.
"""

from __future__ import annotations

from ..config.models import AuthConfig
from ..config.providers import CheckedProvider, DirectProvider


def callback_path(provider_id: str) -> str:
    """NextAuth's callback path for a provider id (a direct provider's id is its type)."""
    return f"/api/auth/callback/{provider_id}"


def provider_environment(provider: DirectProvider) -> dict[str, str]:
    """Plain variables of one direct provider (its client secret is an ECS secret)."""
    prefix = provider.variable_prefix
    env = {
        f"{prefix}_CLIENT_ID": provider.client_id,
        f"{prefix}_ALLOW_ACCOUNT_LINKING": str(provider.allow_account_linking).lower(),
    }
    for name, value in provider.provider_settings().items():
        text = ",".join(value) if isinstance(value, list) else value
        if text:
            env[f"{prefix}_{name.upper()}"] = text
    if isinstance(provider, CheckedProvider):
        if provider.client_auth_method:
            env[f"{prefix}_CLIENT_AUTH_METHOD"] = provider.client_auth_method
        if provider.checks:
            env[f"{prefix}_CHECKS"] = ",".join(provider.checks)
    return env


def provider_secret_name(provider: DirectProvider) -> str:
    """The variable that carries a direct provider's client secret."""
    return f"{provider.variable_prefix}_CLIENT_SECRET"


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
