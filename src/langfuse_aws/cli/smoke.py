"""``langfuse-aws smoke``: after a deploy, does Langfuse answer, sign people in and take data?

Checks TLS, health with the database (PostgreSQL) and ClickHouse, readiness, the sign-in page,
the OIDC discovery document of every configured identity provider, that the sign-in redirect
carries Langfuse's callback URL, and, with a project's API keys, one ingestion round trip on
the path the running Langfuse version and migration mode accept (see smoke_ingestion).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.error import URLError
from urllib.parse import parse_qs, urlencode, urlsplit

from ..config.models import EnvironmentConfig
from ..naming import main_stack_name
from .aws import Clients, error_code
from .doctor import Check
from .smoke_http import HttpClient, json_body, tls_context
from .smoke_ingestion import (
    CLICKHOUSE_FIX,
    POSTGRES_FIX,
    IngestionPath,
    RoundTrip,
    ingestion_path,
)
from .target import TargetError

HEALTH_PATH = "/api/public/health"
# Langfuse's health check queries PostgreSQL only with this flag, and ClickHouse only with
# failIfNoRecentEvents (web/src/features/public-api/server/health-service.ts).
DATABASE_HEALTH = HEALTH_PATH + "?failIfDatabaseUnavailable=true"
CLICKHOUSE_HEALTH = HEALTH_PATH + "?failIfNoRecentEvents=true"
CLICKHOUSE_FAILED = "Couldn't fetch recent events"
READY_PATH = "/api/public/ready"
SIGN_IN_PAGE = "/auth/sign-in"
DISCOVERY = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class SmokeTarget:
    """What to check: the Langfuse URL, the identity providers and, optionally, API keys."""

    url: str
    issuers: list[tuple[str, str]] = field(default_factory=list)
    """(provider, issuer URL) whose discovery documents must answer."""
    sign_in_provider: str | None = None
    """The NextAuth provider id whose sign-in redirect is checked (cognito, okta, ...)."""
    api_keys: tuple[str, str] | None = None
    """(public key, secret key) of a project, for the ingestion round trip."""
    ingestion: IngestionPath = "otlp"
    """The round trip the Langfuse release and migration mode accept (default: a fresh v4)."""


class Smoke:
    """Runs the checks against one deployment."""

    def __init__(
        self,
        target: SmokeTarget,
        *,
        allow_http: bool = False,
        ca_file: str | None = None,
        timeout: float = 10,
        ingestion_wait: float = 60,
    ) -> None:
        self.target = target
        self.base = target.url.rstrip("/")
        self.allow_http = allow_http
        self.context = tls_context(ca_file)
        self.client = HttpClient(timeout, self.context)
        self.ingestion_wait = ingestion_wait
        self.checks: list[Check] = []

    def add(self, name: str, ok: bool, detail: str, fix: str = "") -> None:
        self.checks.append(Check(name, ok, detail, "" if ok else fix))

    def run(self) -> list[Check]:
        self.tls()
        steps = (
            self.health,
            self.clickhouse,
            self.ready,
            self.sign_in_page,
            self.discovery,
            self.redirect,
        )
        for step in steps:
            try:
                step()
            except (URLError, OSError) as error:
                self.add(step.__name__.replace("_", " "), False, str(error), "is the URL right?")
        if self.target.api_keys:
            try:
                self.ingestion()
            except (URLError, OSError) as error:
                self.add("ingestion round trip", False, str(error), "is the URL right?")
        return self.checks

    def tls(self) -> None:
        parts = urlsplit(self.base)
        if parts.scheme != "https":
            self.add(
                "TLS",
                self.allow_http,
                "plain HTTP" + (" (allowed by --allow-http)" if self.allow_http else ""),
                "use the https:// URL (the stack output LangfuseUrl)",
            )
            return
        host, port = parts.hostname or "", parts.port or 443
        try:
            with (
                socket.create_connection((host, port), timeout=self.client.timeout) as raw,
                self.context.wrap_socket(raw, server_hostname=host) as tls,
            ):
                certificate = tls.getpeercert() or {}
                version = tls.version()
        except (ssl.SSLError, OSError) as error:
            self.add("TLS", False, str(error), "check the certificate (ACM) and its DNS name")
            return
        expires = datetime.strptime(str(certificate["notAfter"]), "%b %d %H:%M:%S %Y %Z").replace(
            tzinfo=UTC
        )
        days = (expires - datetime.now(UTC)).days
        self.add(
            "TLS",
            days > 14,
            f"{version}, certificate valid for {host} for {days} more days",
            "renew the certificate (ACM renews DNS-validated ones when the record exists)",
        )

    def _page(self, check: str, path: str, fix: str, *, html: bool = False) -> None:
        """GET ``path``: it passes on 200 (and an HTML page when ``html``)."""
        status, body = self.client.request(self.base + path)
        ok = status == 200 and (not html or b"<html" in body.lower())
        self.add(check, ok, f"{path}: {status}", fix)

    def health(self) -> None:
        """Web's health check with its PostgreSQL query (without the flag Langfuse answers 200
        with the database down)."""
        status, body = self.client.request(self.base + DATABASE_HEALTH)
        state = str((json_body(body) or {}).get("status", body[:80].decode(errors="replace")))
        fix = "web is not up: see `langfuse-aws status` and the web logs (WebLogsCommand output)"
        if state == "Database not available":
            fix = POSTGRES_FIX
        self.add("health", status == 200, f"{DATABASE_HEALTH}: {status} {state}", fix)

    def clickhouse(self) -> None:
        """ClickHouse through web: Langfuse's health check with ``failIfNoRecentEvents`` queries
        ClickHouse and says "Couldn't fetch recent events" only when that query fails; "No
        events/traces within the last 3 minutes" means ClickHouse answered."""
        status, body = self.client.request(self.base + CLICKHOUSE_HEALTH)
        state = str((json_body(body) or {}).get("status", ""))
        answered = status == 200 or (status == 503 and state.startswith("No "))
        if answered:
            detail = "answers web's query" + ("" if status == 200 else f" ({state})")
            self.add("ClickHouse", True, detail)
        elif state == CLICKHOUSE_FAILED:
            detail = f"{CLICKHOUSE_HEALTH}: {status} {state}: web cannot query ClickHouse"
            self.add("ClickHouse", False, detail, CLICKHOUSE_FIX)
        else:
            detail = f"{CLICKHOUSE_HEALTH}: {status} {state}".rstrip()
            self.add("ClickHouse", False, detail, "web's health check fails: see the web logs")

    def ready(self) -> None:
        self._page(
            "readiness", READY_PATH, "web is starting or shutting down; try again in a minute"
        )

    def sign_in_page(self) -> None:
        fix = "web answers but cannot render: see the web logs"
        self._page("sign-in page", SIGN_IN_PAGE, fix, html=True)

    def discovery(self) -> None:
        for provider, issuer in self.target.issuers:
            status, body = self.client.request(issuer.rstrip("/") + DISCOVERY)
            document = json_body(body) or {}
            same = str(document.get("issuer", "")).rstrip("/") == issuer.rstrip("/")
            self.add(
                f"OIDC discovery {provider}",
                status == 200 and same and "authorization_endpoint" in document,
                f"{issuer}: {status}" + ("" if same else f", issuer {document.get('issuer')!r}"),
                "correct the issuer URL in the YAML (it must equal the document's issuer)",
            )

    def redirect(self) -> None:
        provider = self.target.sign_in_provider
        if provider is None:
            return
        status, body = self.client.request(self.base + "/api/auth/csrf")
        token = (json_body(body) or {}).get("csrfToken")
        if status != 200 or not token:
            self.add("sign-in redirect", False, f"/api/auth/csrf: {status}", "see the web logs")
            return
        form = urlencode({"csrfToken": token, "callbackUrl": self.base, "json": "true"}).encode()
        status, body = self.client.request(
            f"{self.base}/api/auth/signin/{provider}",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        location = str((json_body(body) or {}).get("url", ""))
        query = parse_qs(urlsplit(location).query)
        expected = f"{self.base}/api/auth/callback/{provider}"
        found = query.get("redirect_uri", [""])[0]
        self.add(
            f"sign-in redirect {provider}",
            found == expected,
            f"to {urlsplit(location).netloc or '?'} with redirect_uri {found or 'missing'}",
            f"the IdP must send users back to {expected}: NEXTAUTH_URL and the app client's "
            "callback URL must match the URL users open",
        )

    def ingestion(self) -> None:
        """One trace sent and read back on the path this Langfuse accepts."""
        keys = self.target.api_keys
        assert keys is not None
        outcome = RoundTrip(self.client, self.base, keys, self.ingestion_wait).run(
            self.target.ingestion
        )
        self.add("ingestion round trip", outcome.ok, outcome.detail, outcome.fix)


def target_from_stack(
    config: EnvironmentConfig,
    clients: Clients,
    api_keys: tuple[str, str] | None,
    ingestion: IngestionPath | None = None,
) -> SmokeTarget:
    """The URL and user pool from the main stack's outputs, the issuers from the YAML, the
    round trip from its langfuse.version and langfuse.migration_mode (unless ``ingestion``)."""
    cloudformation = clients("cloudformation", config.region)
    stack_name = main_stack_name(config.name)
    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as error:
        if error_code(error) == "ValidationError" and "does not exist" in str(error):
            raise TargetError(
                f"{stack_name} is not deployed in {config.region} (the region in its YAML): "
                f"deploy it first (langfuse-aws deploy {config.name}), or check the region and "
                "the account of your credentials."
            ) from error
        raise
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    issuers: list[tuple[str, str]] = []
    provider: str | None = None
    if config.auth.cognito is not None and "UserPoolId" in outputs:
        pool = outputs["UserPoolId"]
        issuers.append(("cognito", f"https://cognito-idp.{config.region}.amazonaws.com/{pool}"))
        issuers += [(o.name, o.issuer) for o in config.auth.cognito.oidc]
        provider = "cognito"
    for direct in config.auth.providers:
        issuer = getattr(direct, "issuer", None)
        if issuer:
            issuers.append((direct.type, issuer))
        provider = provider or direct.type
    lf = config.langfuse
    return SmokeTarget(
        url=outputs["LangfuseUrl"],
        issuers=issuers,
        sign_in_provider=provider,
        api_keys=api_keys,
        ingestion=ingestion or ingestion_path(lf.version, lf.migration_mode),
    )
