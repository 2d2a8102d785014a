"""The variables a direct identity provider becomes in the Langfuse web container.

Source: Langfuse web/src/server/auth.ts and env.mjs. Which settings each provider has is its
config model (``config/providers.py``); this module only names them the way Langfuse reads them.
"""

from __future__ import annotations

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
