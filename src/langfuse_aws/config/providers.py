"""The identity providers Langfuse talks to directly: one model per provider type.

Each model has exactly the settings Langfuse reads for its provider (web/src/server/auth.ts
and env.mjs), required where Langfuse ignores the provider without them. Every setting
becomes ``AUTH_<TYPE>_<SETTING>``; the client secret travels as an ECS secret.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .types import EmailDomain, HttpsUrl, SecretReference, StrictModel

ClientAuthMethod = Literal[
    "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
    "tls_client_auth", "self_signed_tls_client_auth", "none",
]  # fmt: skip


class DirectProvider(StrictModel):
    """What every direct provider has: the client registered at the provider."""

    type: str
    """Which provider (each type narrows this to its name): also its NextAuth id."""

    client_id: str = Field(min_length=1)
    """OAuth client id registered at the provider."""

    client_secret_secret: SecretReference
    """Existing Secrets Manager secret (name or ARN) holding the client secret."""

    allow_account_linking: bool = False
    """Link to an existing Langfuse user with the same email. Default off."""

    @property
    def variable_prefix(self) -> str:
        """AUTH_<TYPE>, e.g. AUTH_AZURE_AD: how Langfuse names each provider's variables."""
        return "AUTH_" + self.type.upper().replace("-", "_")

    def provider_settings(self) -> dict[str, str | list[str] | None]:
        """The settings of this provider type only (issuer, tenant, ...), in declared order."""
        own = [name for name in type(self).model_fields if name not in _COMMON_FIELDS]
        return {name: getattr(self, name) for name in own}


class CheckedProvider(DirectProvider):
    """A provider whose token endpoint method and NextAuth checks Langfuse lets you choose."""

    client_auth_method: ClientAuthMethod | None = None
    """Token endpoint authentication method. Default: the provider's (client_secret_basic)."""

    checks: list[Literal["nonce", "none", "pkce", "state"]] = Field(default_factory=list)
    """NextAuth checks (e.g. [pkce, state]). Default: the provider's."""


_COMMON_FIELDS = frozenset(CheckedProvider.model_fields) | {"type"}


class IssuerProvider(CheckedProvider):
    """A provider Langfuse finds by its OIDC issuer alone."""

    issuer: HttpsUrl
    """Issuer URL (discovery at <issuer>/.well-known/openid-configuration)."""


class OktaProvider(IssuerProvider):
    """Okta: issuer e.g. https://acme.okta.com."""

    type: Literal["okta"]


class AzureAdProvider(CheckedProvider):
    """Microsoft Entra ID (Azure AD)."""

    type: Literal["azure-ad"]
    tenant_id: str = Field(min_length=1)
    """Directory (tenant) id."""


class GoogleProvider(CheckedProvider):
    """Google."""

    type: Literal["google"]
    allowed_domains: list[EmailDomain] = Field(default_factory=list)
    """Google Workspace domains allowed to log in. Default: any Google account."""


class GitHubProvider(CheckedProvider):
    """GitHub."""

    type: Literal["github"]


class GitHubEnterpriseProvider(CheckedProvider):
    """GitHub Enterprise Server."""

    type: Literal["github-enterprise"]
    base_url: HttpsUrl
    """The server's URL, e.g. https://github.acme.io."""


class GitLabProvider(CheckedProvider):
    """GitLab (gitlab.com or self-managed)."""

    type: Literal["gitlab"]
    issuer: HttpsUrl | None = None
    """Issuer URL. Default gitlab.com's."""

    url: HttpsUrl | None = None
    """Self-managed GitLab URL. Default gitlab.com."""


class Auth0Provider(IssuerProvider):
    """Auth0: issuer e.g. https://acme.eu.auth0.com."""

    type: Literal["auth0"]


class KeycloakProvider(IssuerProvider):
    """Keycloak."""

    type: Literal["keycloak"]

    scope: str | None = None
    """Requested scopes. Default Langfuse's."""

    name: str | None = None
    """Button label. Default Keycloak."""


class AuthentikProvider(IssuerProvider):
    """authentik: issuer e.g. https://auth.acme.io/application/o/langfuse/."""

    type: Literal["authentik"]


class OneLoginProvider(IssuerProvider):
    """OneLogin: issuer e.g. https://acme.onelogin.com/oidc/2."""

    type: Literal["onelogin"]


class JumpCloudProvider(IssuerProvider):
    """JumpCloud."""

    type: Literal["jumpcloud"]

    scope: str | None = None
    """Requested scopes. Default Langfuse's."""


class WorkOsProvider(DirectProvider):
    """WorkOS (Langfuse reads neither a token endpoint method nor checks for it)."""

    type: Literal["workos"]
    organization_id: str | None = None
    """WorkOS organization. Default none."""

    connection_id: str | None = None
    """WorkOS connection. Default none."""


class CustomProvider(IssuerProvider):
    """Any other OIDC provider."""

    type: Literal["custom"]

    name: str = Field(min_length=1)
    """Button label, e.g. Acme SSO."""

    scope: str | None = None
    """Requested scopes. Default Langfuse's (openid email profile)."""


ProviderConfig = Annotated[
    OktaProvider
    | AzureAdProvider
    | GoogleProvider
    | GitHubProvider
    | GitHubEnterpriseProvider
    | GitLabProvider
    | Auth0Provider
    | KeycloakProvider
    | AuthentikProvider
    | OneLoginProvider
    | JumpCloudProvider
    | WorkOsProvider
    | CustomProvider,
    Field(discriminator="type"),
]
"""One direct provider; its `type` says which settings it has."""
