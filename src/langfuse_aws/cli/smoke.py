"""``langfuse-aws smoke``: after a deploy, does Langfuse answer, sign people in and take data?

Checks TLS, health and readiness, the sign-in page, the OIDC discovery document of every
configured identity provider, that the sign-in redirect carries Langfuse's callback URL, and,
with a project's API keys, one ingestion round trip (a trace sent, then read back).
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, HTTPSHandler, Request, build_opener

from ..config.models import EnvironmentConfig
from .aws import Clients
from .doctor import Check

HEALTH_PATH = "/api/public/health"
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


@dataclass
class _Client:
    """HTTP with cookies (the sign-in flow needs NextAuth's CSRF cookie) and a timeout."""

    timeout: float
    ca_file: str | None
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        context = ssl.create_default_context(cafile=self.ca_file)
        self.opener = build_opener(HTTPCookieProcessor(self.jar), HTTPSHandler(context=context))

    def request(
        self,
        url: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        try:
            with self.opener.open(
                Request(url, data=data, headers=headers or {}), timeout=self.timeout
            ) as response:
                return response.status, response.read()
        except HTTPError as error:
            return error.code, error.read()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


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
        self.ca_file = ca_file
        self.client = _Client(timeout, ca_file)
        self.ingestion_wait = ingestion_wait
        self.checks: list[Check] = []

    def add(self, name: str, ok: bool, detail: str, fix: str = "") -> None:
        self.checks.append(Check(name, ok, detail, "" if ok else fix))

    def run(self) -> list[Check]:
        self.tls()
        steps = (self.health, self.ready, self.sign_in_page, self.discovery, self.redirect)
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
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            with (
                socket.create_connection((host, port), timeout=self.client.timeout) as raw,
                context.wrap_socket(raw, server_hostname=host) as tls,
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

    def _page(
        self, check: str, path: str, fix: str, *, html: bool = False, echo: bool = False
    ) -> None:
        """GET ``path``: it passes on 200 (and an HTML page when ``html``); ``echo`` shows the
        start of the body."""
        status, body = self.client.request(self.base + path)
        detail = f"{path}: {status}" + (f" {body[:80].decode(errors='replace')}" if echo else "")
        self.add(check, status == 200 and (not html or b"<html" in body.lower()), detail, fix)

    def health(self) -> None:
        fix = "web is not up: see `make status` and the web logs (WebLogsCommand output)"
        self._page("health", HEALTH_PATH, fix, echo=True)

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
            document = _json(body) or {}
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
        token = (_json(body) or {}).get("csrfToken")
        if status != 200 or not token:
            self.add("sign-in redirect", False, f"/api/auth/csrf: {status}", "see the web logs")
            return
        form = urlencode({"csrfToken": token, "callbackUrl": self.base, "json": "true"}).encode()
        status, body = self.client.request(
            f"{self.base}/api/auth/signin/{provider}",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        location = str((_json(body) or {}).get("url", ""))
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
        public, secret = self.target.api_keys or ("", "")
        trace_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        batch = {
            "batch": [
                {
                    "id": str(uuid.uuid4()),
                    "timestamp": now,
                    "type": "trace-create",
                    "body": {"id": trace_id, "name": "langfuse-aws smoke", "timestamp": now},
                }
            ]
        }
        auth = "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()
        status, body = self.client.request(
            self.base + "/api/public/ingestion",
            data=json.dumps(batch).encode(),
            headers={"Content-Type": "application/json", "Authorization": auth},
        )
        accepted = status in (200, 207) and not (_json(body) or {}).get("errors")
        if not accepted:
            self.add(
                "ingestion round trip",
                False,
                f"POST /api/public/ingestion: {status} {body[:120].decode(errors='replace')}",
                "check the API keys (project settings) and the WAF rules",
            )
            return
        deadline = time.monotonic() + self.ingestion_wait
        while True:
            status, body = self.client.request(
                f"{self.base}/api/public/traces/{trace_id}", headers={"Authorization": auth}
            )
            if status == 200 and (_json(body) or {}).get("id") == trace_id:
                self.add("ingestion round trip", True, f"trace {trace_id} sent and read back")
                return
            if time.monotonic() >= deadline:
                self.add(
                    "ingestion round trip",
                    False,
                    f"trace {trace_id} accepted but not readable after {self.ingestion_wait:g} s",
                    "the worker or ClickHouse is behind or down: see `status` and the alarms",
                )
                return
            time.sleep(min(2.0, self.ingestion_wait / 10))


def target_from_stack(
    config: EnvironmentConfig, clients: Clients, api_keys: tuple[str, str] | None
) -> SmokeTarget:
    """The URL and user pool from the main stack's outputs, the issuers from the YAML."""
    cloudformation = clients("cloudformation", config.region)
    (stack,) = cloudformation.describe_stacks(StackName=f"Langfuse-{config.name}")["Stacks"]
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
    return SmokeTarget(
        url=outputs["LangfuseUrl"], issuers=issuers, sign_in_provider=provider, api_keys=api_keys
    )
