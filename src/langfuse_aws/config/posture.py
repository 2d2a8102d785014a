"""Who can get into Langfuse, in one line: the auth posture that `make synth` prints, the
deploy shows (the WhoCanSignIn stack output) and `langfuse-aws doctor` reports.

It follows what Langfuse enforces: a password sign-up needs both sign-up and password login on
(web/src/features/auth-credentials/server/signupApiHandler.ts), a new single sign-on user needs
sign-up on (web/src/server/auth.ts, the adapter's createUser), and then whoever the identity
provider lets through gets an account. So the line names who each provider lets through.
"""

from __future__ import annotations

from .models import AuthConfig, CognitoConfig
from .providers import (
    AzureAdProvider,
    DirectProvider,
    GitHubEnterpriseProvider,
    GitLabProvider,
    GoogleProvider,
    IssuerProvider,
)

OPEN_SIGNUP = "open sign-up: anyone who can reach the URL"
PROVIDER_NAMES = {
    "okta": "Okta",
    "auth0": "Auth0",
    "keycloak": "Keycloak",
    "authentik": "authentik",
    "onelogin": "OneLogin",
    "jumpcloud": "JumpCloud",
    "workos": "WorkOS",
    "github": "GitHub",
    "custom": "the custom provider",
}


def who_can_sign_in(auth: AuthConfig) -> str:
    """One line saying who may get a Langfuse account (or, with sign-up closed, who signs in)."""
    if auth.signup == "closed":
        ways = (["with a password"] if auth.password_login else []) + [
            f"via {_provider_label(name)}" for name in _sso_names(auth)
        ]
        return (
            "sign-up closed: no new accounts; only existing users (e.g. langfuse.init's) sign "
            "in, " + " or ".join(ways)
        )
    gates = [*_cognito_gates(auth.cognito), *(_provider_gate(p) for p in auth.providers)]
    if auth.signup == "open":
        return "; ".join([OPEN_SIGNUP, *gates])
    return "; ".join(gates)


def _sso_names(auth: AuthConfig) -> list[str]:
    return (["cognito"] if auth.cognito else []) + [p.type for p in auth.providers]


def _provider_label(name: str) -> str:
    return "Cognito" if name == "cognito" else PROVIDER_NAMES.get(name, name)


def _addresses(domains: list[str]) -> str:
    """``@a.io or @b.io``."""
    return " or ".join(f"@{domain}" for domain in domains)


def _cognito_gates(cognito: CognitoConfig | None) -> list[str]:
    """Who Cognito lets in: its own users (by admin or self sign-up) and each federated IdP's."""
    if cognito is None:
        return []
    if not cognito.self_signup:
        own = "Cognito users created by an admin"
    elif cognito.allowed_email_domains:
        own = (
            f"anyone with an {_addresses(cognito.allowed_email_domains)} address who signs up "
            "in Cognito"
        )
    else:
        own = "anyone who signs up on the Cognito login page (any e-mail address)"
    federated = [f"users of {saml.name} (SAML, via Cognito)" for saml in cognito.saml]
    federated += [f"users of {oidc.name} (OIDC, via Cognito)" for oidc in cognito.oidc]
    return [own, *federated]


def _provider_gate(provider: DirectProvider) -> str:
    """Who a direct provider lets in: an account anywhere, a domain, or the IdP's own users."""
    if isinstance(provider, GoogleProvider):
        if provider.allowed_domains:
            return f"anyone with an {_addresses(provider.allowed_domains)} address via Google"
        return "anyone with a Google account"
    if isinstance(provider, GitHubEnterpriseProvider):
        return f"users of {provider.base_url} (GitHub Enterprise)"
    if isinstance(provider, GitLabProvider):
        server = provider.url or provider.issuer
        return f"users of {server} (GitLab)" if server else "anyone with a GitLab.com account"
    if isinstance(provider, AzureAdProvider):
        return f"users of Microsoft Entra ID tenant {provider.tenant_id}"
    if provider.type == "github":
        return "anyone with a GitHub account"
    name = getattr(provider, "name", None) or PROVIDER_NAMES.get(provider.type, provider.type)
    if isinstance(provider, IssuerProvider):
        return f"users of {name} ({provider.issuer})"
    return f"users of {name}"
