"""Langfuse's identity providers: which settings each needs, and the variables they become.

Source: Langfuse web/src/server/auth.ts and env.mjs. A provider is active in Langfuse only when
all its required variables are set, so the required fields are validated before synth.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config.models import ProviderConfig

OPTIONAL_FIELDS = (
    "issuer", "tenant_id", "base_url", "url", "name", "scope", "allowed_domains",
    "organization_id", "connection_id",
)  # fmt: skip


@dataclass(frozen=True)
class ProviderSpec:
    """One Langfuse provider: variable prefix, callback id and which fields apply."""

    env_prefix: str
    callback_id: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    auth_method_and_checks: bool = True


PROVIDER_SPECS: dict[str, ProviderSpec] = {
    "okta": ProviderSpec("AUTH_OKTA", "okta", required=("issuer",)),
    "azure-ad": ProviderSpec("AUTH_AZURE_AD", "azure-ad", required=("tenant_id",)),
    "google": ProviderSpec("AUTH_GOOGLE", "google", optional=("allowed_domains",)),
    "github": ProviderSpec("AUTH_GITHUB", "github"),
    "github-enterprise": ProviderSpec(
        "AUTH_GITHUB_ENTERPRISE", "github-enterprise", required=("base_url",)
    ),
    "gitlab": ProviderSpec("AUTH_GITLAB", "gitlab", optional=("issuer", "url")),
    "auth0": ProviderSpec("AUTH_AUTH0", "auth0", required=("issuer",)),
    "keycloak": ProviderSpec(
        "AUTH_KEYCLOAK", "keycloak", required=("issuer",), optional=("scope", "name")
    ),
    "authentik": ProviderSpec("AUTH_AUTHENTIK", "authentik", required=("issuer",)),
    "onelogin": ProviderSpec("AUTH_ONELOGIN", "onelogin", required=("issuer",)),
    "jumpcloud": ProviderSpec(
        "AUTH_JUMPCLOUD", "jumpcloud", required=("issuer",), optional=("scope",)
    ),
    "workos": ProviderSpec(
        "AUTH_WORKOS",
        "workos",
        optional=("organization_id", "connection_id"),
        auth_method_and_checks=False,
    ),
    "custom": ProviderSpec(
        "AUTH_CUSTOM", "custom", required=("issuer", "name"), optional=("scope",)
    ),
}


def callback_path(callback_id: str) -> str:
    """NextAuth's callback path for a provider id."""
    return f"/api/auth/callback/{callback_id}"


def provider_environment(provider: ProviderConfig) -> dict[str, str]:
    """Plain variables of one direct provider (its client secret is an ECS secret)."""
    spec = PROVIDER_SPECS[provider.type]
    env = {
        f"{spec.env_prefix}_CLIENT_ID": provider.client_id,
        f"{spec.env_prefix}_ALLOW_ACCOUNT_LINKING": str(provider.allow_account_linking).lower(),
    }
    for field in (*spec.required, *spec.optional):
        value = getattr(provider, field)
        if isinstance(value, list):
            value = ",".join(value)
        if value:
            env[f"{spec.env_prefix}_{field.upper()}"] = value
    if provider.client_auth_method:
        env[f"{spec.env_prefix}_CLIENT_AUTH_METHOD"] = provider.client_auth_method
    if provider.checks:
        env[f"{spec.env_prefix}_CHECKS"] = ",".join(provider.checks)
    return env


def provider_secret_name(provider: ProviderConfig) -> str:
    """The variable that carries a direct provider's client secret."""
    return f"{PROVIDER_SPECS[provider.type].env_prefix}_CLIENT_SECRET"
