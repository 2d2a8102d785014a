"""`langfuse-aws smoke` against a local fake Langfuse on 127.0.0.1 (HTTP, and HTTPS with a
certificate made for the test)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from langfuse_aws.cli.app import app
from langfuse_aws.cli.doctor import Check
from langfuse_aws.cli.smoke import Smoke, SmokeTarget

KEYS = ("pk-lf-test", "sk-lf-test")
CSRF = "csrf-token-1"


@dataclass
class FakeLangfuse:
    """What the fake answers; tests change it to break one thing at a time."""

    base: str = ""
    healthy: bool = True
    redirect_to: str | None = None  # None: Langfuse's own callback URL
    traces: dict[str, dict[str, Any]] = field(default_factory=dict)
    reads_before_visible: int = 1
    sign_in_page: str = "<html><body>Sign in</body></html>"


def handler(state: FakeLangfuse) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorized(self) -> bool:
            import base64

            expected = base64.b64encode(f"{KEYS[0]}:{KEYS[1]}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"

        def do_GET(self) -> None:
            path = self.path
            if path == "/api/public/health":
                self.reply(200 if state.healthy else 503, {"status": "OK"})
            elif path == "/api/public/ready":
                self.reply(200 if state.healthy else 500, {"status": "OK"})
            elif path == "/auth/sign-in":
                self.reply(200, state.sign_in_page)
            elif path == "/api/auth/csrf":
                self.reply(
                    200,
                    {"csrfToken": CSRF},
                    {"Set-Cookie": f"next-auth.csrf-token={CSRF}%7Chash; Path=/"},
                )
            elif path == "/idp/.well-known/openid-configuration":
                self.reply(
                    200,
                    {
                        "issuer": f"{state.base}/idp",
                        "authorization_endpoint": f"{state.base}/idp/auth",
                    },
                )
            elif path.startswith("/api/public/traces/") and self.authorized():
                trace_id = path.rsplit("/", 1)[-1]
                trace = state.traces.get(trace_id)
                if trace is None or trace["reads"] < state.reads_before_visible:
                    if trace is not None:
                        trace["reads"] += 1
                    self.reply(404, {"message": "not found"})
                else:
                    self.reply(200, {"id": trace_id, "name": trace["name"]})
            else:
                self.reply(404, {"message": "not found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/api/auth/signin/cognito":
                form = parse_qs(body.decode())
                cookie_ok = f"next-auth.csrf-token={CSRF}" in self.headers.get("Cookie", "")
                if form.get("csrfToken") != [CSRF] or not cookie_ok:
                    self.reply(302, "", {"Location": "/api/auth/signin?csrf=true"})
                    return
                callback = state.redirect_to or f"{state.base}/api/auth/callback/cognito"
                query = urlencode({"client_id": "abc", "redirect_uri": callback})
                self.reply(
                    200,
                    {
                        "url": f"https://tt.auth.eu-west-1.amazoncognito.com/oauth2/authorize?{query}"
                    },
                )
            elif self.path == "/api/public/ingestion" and self.authorized():
                for event in json.loads(body)["batch"]:
                    if event["type"] == "trace-create":
                        state.traces[event["body"]["id"]] = {
                            "name": event["body"]["name"],
                            "reads": 0,
                        }
                self.reply(207, {"successes": [{"id": "1", "status": 201}], "errors": []})
            else:
                self.reply(401, {"message": "unauthorized"})

    return Handler


def serve(state: FakeLangfuse, context: ssl.SSLContext | None = None) -> Iterator[FakeLangfuse]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    scheme = "https" if context else "http"
    state.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def langfuse() -> Iterator[FakeLangfuse]:
    yield from serve(FakeLangfuse())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid 90 days."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def full_target(state: FakeLangfuse) -> SmokeTarget:
    return SmokeTarget(
        url=state.base,
        issuers=[("corporate", f"{state.base}/idp")],
        sign_in_provider="cognito",
        api_keys=KEYS,
    )


def test_every_check_passes_on_a_working_deployment(langfuse: FakeLangfuse) -> None:
    checks = Smoke(full_target(langfuse), allow_http=True, ingestion_wait=5).run()
    assert all(check.ok for check in checks), checks
    assert set(by_name(checks)) == {
        "TLS", "health", "readiness", "sign-in page", "OIDC discovery corporate",
        "sign-in redirect cognito", "ingestion round trip",
    }  # fmt: skip


def test_plain_http_fails_without_allow_http(langfuse: FakeLangfuse) -> None:
    tls = by_name(Smoke(full_target(langfuse), ingestion_wait=5).run())["TLS"]
    assert not tls.ok
    assert "https://" in tls.fix


def test_wrong_callback_url_is_caught(langfuse: FakeLangfuse) -> None:
    langfuse.redirect_to = "http://localhost:3000/api/auth/callback/cognito"
    check = by_name(Smoke(full_target(langfuse), allow_http=True, ingestion_wait=5).run())[
        "sign-in redirect cognito"
    ]
    assert not check.ok
    assert "localhost:3000" in check.detail
    assert f"{langfuse.base}/api/auth/callback/cognito" in check.fix


def test_unhealthy_web_fails_health_and_readiness(langfuse: FakeLangfuse) -> None:
    langfuse.healthy = False
    found = by_name(Smoke(full_target(langfuse), allow_http=True, ingestion_wait=5).run())
    assert not found["health"].ok and not found["readiness"].ok


def test_a_sign_in_page_that_is_not_a_page_fails(langfuse: FakeLangfuse) -> None:
    """A 200 without HTML (e.g. a proxy's JSON error) means web cannot render its pages."""
    langfuse.sign_in_page = '{"error": "upstream"}'
    found = by_name(Smoke(full_target(langfuse), allow_http=True, ingestion_wait=5).run())
    assert not found["sign-in page"].ok
    assert found["health"].ok


def test_trace_that_never_becomes_readable_fails(langfuse: FakeLangfuse) -> None:
    langfuse.reads_before_visible = 1_000
    check = by_name(Smoke(full_target(langfuse), allow_http=True, ingestion_wait=1).run())[
        "ingestion round trip"
    ]
    assert not check.ok
    assert "not readable after 1 s" in check.detail


def test_wrong_api_keys_fail_the_round_trip(langfuse: FakeLangfuse) -> None:
    target = SmokeTarget(url=langfuse.base, api_keys=("pk-lf-wrong", "sk-lf-wrong"))
    check = by_name(Smoke(target, allow_http=True, ingestion_wait=1).run())["ingestion round trip"]
    assert not check.ok
    assert "401" in check.detail


def test_tls_with_a_trusted_certificate(certificate: tuple[Path, Path]) -> None:
    cert_file, key_file = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    for state in serve(FakeLangfuse(), context):
        trusted = by_name(Smoke(SmokeTarget(url=state.base), ca_file=str(cert_file)).run())
        assert trusted["TLS"].ok
        assert (
            "for 88 more days" in trusted["TLS"].detail
            or "for 89 more days" in trusted["TLS"].detail
        )
        assert trusted["health"].ok
        untrusted = by_name(Smoke(SmokeTarget(url=state.base)).run())["TLS"]
        assert not untrusted.ok
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.detail


def test_cli_with_a_url(langfuse: FakeLangfuse) -> None:
    result = CliRunner().invoke(
        app,
        [
            "smoke", langfuse.base, "--allow-http", "--provider", "cognito",
            "--issuer", f"{langfuse.base}/idp", "--public-key", KEYS[0], "--secret-key", KEYS[1],
            "--wait", "5",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output


def test_cli_exits_1_on_a_failure(langfuse: FakeLangfuse) -> None:
    result = CliRunner().invoke(app, ["smoke", langfuse.base])
    assert result.exit_code == 1
    assert "FAIL" in result.output


def test_environment_mode_reads_the_stack_outputs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3
    from moto import mock_aws

    from langfuse_aws.cli.smoke import target_from_stack
    from langfuse_aws.config import build_config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    outputs = {"LangfuseUrl": "https://d111.cloudfront.net", "UserPoolId": "eu-west-1_AbC"}
    providers = [
        {"type": "okta", "client_id": "a", "client_secret_secret": "okta",
         "issuer": "https://acme.okta.com"},
    ]  # fmt: skip
    auth = {"cognito": {}, "providers": providers}
    config = build_config({"name": "tt", "region": "eu-west-1", "auth": auth})
    with mock_aws():
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {k: {"Value": v} for k, v in outputs.items()},
        }
        boto3.client("cloudformation", "eu-west-1").create_stack(
            StackName="Langfuse-tt", TemplateBody=json.dumps(template)
        )
        target = target_from_stack(
            config, lambda s, r: boto3.client(s, region_name=r), api_keys=None
        )
    assert target.url == outputs["LangfuseUrl"]
    assert target.issuers == [
        ("cognito", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"),
        ("okta", "https://acme.okta.com"),
    ]
    assert target.sign_in_provider == "cognito"
