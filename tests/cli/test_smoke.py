"""`langfuse-aws smoke` against a stand-in Langfuse on 127.0.0.1 (HTTP, and HTTPS with a
certificate made for the test). The stand-in (fake_langfuse.py) answers as Langfuse's own
routes do; its docstring cites the Langfuse file and lines of each modelled answer."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from fake_langfuse import KEYS, FakeLangfuse, serve
from langfuse_aws.cli.app import app
from langfuse_aws.cli.doctor import Check
from langfuse_aws.cli.smoke import Smoke, SmokeTarget
from langfuse_aws.cli.smoke_ingestion import IngestionPath
from langfuse_aws.naming import main_stack_name


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
        "TLS", "health", "ClickHouse", "readiness", "sign-in page", "OIDC discovery corporate",
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
    langfuse.web_up = False
    found = by_name(Smoke(full_target(langfuse), allow_http=True, ingestion_wait=5).run())
    assert not found["health"].ok and not found["readiness"].ok


def test_a_sign_in_page_that_is_not_a_page_fails(langfuse: FakeLangfuse) -> None:
    """A 200 without HTML (e.g. a proxy's JSON error) means web cannot render its pages."""
    langfuse.sign_in_page = '{"error": "upstream"}'
    found = by_name(Smoke(full_target(langfuse), allow_http=True, ingestion_wait=5).run())
    assert not found["sign-in page"].ok
    assert found["health"].ok


def test_wrong_api_keys_fail_the_round_trip(langfuse: FakeLangfuse) -> None:
    target = SmokeTarget(url=langfuse.base, api_keys=("pk-lf-wrong", "sk-lf-wrong"))
    check = by_name(Smoke(target, allow_http=True, ingestion_wait=1).run())["ingestion round trip"]
    assert not check.ok
    assert "401" in check.detail
    assert (
        "API Keys" in check.fix
    )  # 401 from the key check, createAuthedProjectAPIRoute.ts L128-130


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
            StackName=main_stack_name("tt"), TemplateBody=json.dumps(template)
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


# --- The round trip on the path the running Langfuse accepts (issue 17, point 1) -------------


def serve_mode(**settings: Any) -> Iterator[FakeLangfuse]:
    return serve(FakeLangfuse(**settings))


def round_trip(state: FakeLangfuse, ingestion: IngestionPath = "otlp", wait: float = 5) -> Check:
    target = SmokeTarget(url=state.base, api_keys=KEYS, ingestion=ingestion)
    return by_name(Smoke(target, allow_http=True, ingestion_wait=wait).run())[
        "ingestion round trip"
    ]


def test_a_default_v4_is_checked_over_otlp_and_the_v2_observations_api(
    langfuse: FakeLangfuse,
) -> None:
    """A fresh v4 runs events_only (web/src/env.mjs L508-512): the trace goes as OTLP/HTTP JSON
    to /api/public/otel/v1/traces (otel/v1/traces/index.ts L72-82 accept application/json) and
    is read back through /api/public/v2/observations; /api/public/ingestion is not used."""
    check = round_trip(langfuse)
    assert check.ok, check
    posts = [(path, kind) for method, path, kind in langfuse.requests if method == "POST"]
    assert posts == [("/api/public/otel/v1/traces", "application/json")]
    reads = {path for method, path, _ in langfuse.requests if method == "GET"}
    assert "/api/public/v2/observations" in reads
    assert not any(path.startswith("/api/public/traces") for path in reads)
    assert len(langfuse.spans) == 1


@pytest.mark.parametrize("mode", ["legacy", "dual"])
def test_legacy_and_dual_modes_are_checked_through_the_ingestion_api(mode: str) -> None:
    """Legacy and dual still write the v3 tables: trace-create on /api/public/ingestion is
    accepted (207 without errors, ingestion.ts L176-182) and GET /api/public/traces/{id}
    finds it ([traceId].ts L65-77)."""
    for state in serve_mode(write_mode=mode):
        check = round_trip(state, "legacy")
        assert check.ok, check
        assert "trace" in check.detail and "read back" in check.detail
        posts = [path for method, path, _ in state.requests if method == "POST"]
        assert posts == ["/api/public/ingestion"]


def test_legacy_path_against_events_only_names_the_mode_not_the_keys(
    langfuse: FakeLangfuse,
) -> None:
    """In events_only, /api/public/ingestion answers 207 with a per-event 400 "Event type not
    accepted" for trace-create (ingestion.ts L150-182, L296-305). That is a refusal with a
    cause, not a key problem (keys fail with 401, L88-90)."""
    check = round_trip(langfuse, "legacy")
    assert not check.ok
    assert "Langfuse refused trace-create" in check.detail
    assert "Event type not accepted" in check.detail
    assert "events-only" in check.detail
    assert "--migration-mode none" in check.fix
    assert "API keys" not in check.fix + check.detail


def test_otlp_against_legacy_mode_names_the_mode() -> None:
    """In legacy mode this project sets LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN=false, and
    the v2 observations API answers 404 "only available in a Langfuse v4 write mode"
    (v2/observations/index.ts L21-25): smoke says to use the legacy mode."""
    for state in serve_mode(write_mode="legacy"):
        check = round_trip(state, "otlp")
        assert not check.ok
        assert "404" in check.detail and "write mode" in check.detail
        assert "--migration-mode legacy" in check.fix


def test_database_down_fails_health_and_names_postgresql() -> None:
    """Langfuse's health check queries PostgreSQL only with failIfDatabaseUnavailable=true and
    then answers 503 "Database not available" (health.ts L28-39, health-service.ts L30-41);
    the OTLP key check answers 503 "Service Unavailable" (createAuthedProjectAPIRoute.ts
    L353-367)."""
    for state in serve_mode(database_up=False):
        found = by_name(Smoke(full_target(state), allow_http=True, ingestion_wait=1).run())
        assert not found["health"].ok
        assert "Database not available" in found["health"].detail
        assert "PostgreSQL" in found["health"].fix
        trip = found["ingestion round trip"]
        assert not trip.ok
        assert "503" in trip.detail
        assert "PostgreSQL" in trip.fix and "API keys" not in trip.fix
        assert found["ClickHouse"].ok


def test_clickhouse_down_fails_and_names_clickhouse() -> None:
    """With ClickHouse down, web's plain health still answers 200, but the health check with
    failIfNoRecentEvents=true says "Couldn't fetch recent events" (health-service.ts L109-116),
    the OTLP export is still accepted (it goes to S3 and Redis, otel/v1/traces/index.ts
    L311-312) and the v2 observations read answers 500 (withMiddlewares.ts L194-202)."""
    for state in serve_mode(clickhouse_up=False):
        found = by_name(Smoke(full_target(state), allow_http=True, ingestion_wait=1).run())
        assert found["health"].ok
        assert not found["ClickHouse"].ok
        assert "Couldn't fetch recent events" in found["ClickHouse"].detail
        assert "ClickHouse" in found["ClickHouse"].fix
        trip = found["ingestion round trip"]
        assert not trip.ok
        assert "500" in trip.detail and "ClickHouse" in trip.detail
        assert "ClickHouse" in trip.fix


def test_clickhouse_down_fails_the_legacy_read_too() -> None:
    """GET /api/public/traces/{id} reads ClickHouse ([traceId].ts L65-71): a 500 there names
    ClickHouse."""
    for state in serve_mode(write_mode="legacy", clickhouse_up=False):
        check = round_trip(state, "legacy", wait=1)
        assert not check.ok
        assert "ClickHouse" in check.detail


def test_clickhouse_that_answers_without_recent_events_passes(langfuse: FakeLangfuse) -> None:
    """On a fresh install ClickHouse holds nothing recent: 503 "No events within the last 3
    minutes" (health-service.ts L66-72) still means ClickHouse answered."""
    found = by_name(Smoke(SmokeTarget(url=langfuse.base), allow_http=True).run())
    assert found["ClickHouse"].ok
    assert "No events within the last 3 minutes" in found["ClickHouse"].detail


def test_worker_down_means_accepted_but_never_readable(langfuse: FakeLangfuse) -> None:
    """The worker writes what web queued; without it the span is accepted and never shows."""
    langfuse.reads_before_visible = 1_000
    check = round_trip(langfuse, wait=1)
    assert not check.ok
    assert "not readable after 1 s" in check.detail
    assert "worker" in check.fix


# --- The CLI chooses the round trip (URL options, environment YAML) ---------------------------


def test_cli_with_a_url_defaults_to_a_fresh_v4(langfuse: FakeLangfuse) -> None:
    result = CliRunner().invoke(
        app, ["smoke", langfuse.base, "--allow-http", "--public-key", KEYS[0],
              "--secret-key", KEYS[1], "--wait", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert ("POST", "/api/public/otel/v1/traces", "application/json") in langfuse.requests


def test_cli_migration_mode_legacy_uses_the_ingestion_api() -> None:
    for state in serve_mode(write_mode="legacy"):
        result = CliRunner().invoke(
            app, ["smoke", state.base, "--allow-http", "--public-key", KEYS[0],
                  "--secret-key", KEYS[1], "--wait", "5", "--migration-mode", "legacy"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        posts = [path for method, path, _ in state.requests if method == "POST"]
        assert posts == ["/api/public/ingestion"]


def test_cli_v3_uses_the_ingestion_api() -> None:
    """Langfuse v3 has no events-only mode (it shipped legacy, web/src/env.mjs L508)."""
    for state in serve_mode(write_mode="legacy"):
        result = CliRunner().invoke(
            app, ["smoke", state.base, "--allow-http", "--public-key", KEYS[0],
                  "--secret-key", KEYS[1], "--wait", "5", "--langfuse-version", "3.150.0"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--langfuse-version", "latest"], "--langfuse-version 'latest': expected the exact"),
        (["--langfuse-version", "5.0.0"], "only Langfuse 3.x and 4.x"),
        (["--migration-mode", "events"], "expected one of none, legacy, dual"),
        (["--langfuse-version", "3.150.0", "--migration-mode", "dual"], "v4 only"),
    ],
)
def test_cli_refuses_bad_round_trip_options(options: list[str], expected: str) -> None:
    result = CliRunner().invoke(app, ["smoke", "https://langfuse.example.com", *options])
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output


def environment(tmp_path: Path, **langfuse: str) -> Path:
    config = {"name": "tt", "region": "eu-west-1", "langfuse": langfuse}
    path = tmp_path / "tt.yaml"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize(
    ("langfuse", "ingestion"),
    [
        ({}, "otlp"),
        ({"migration_mode": "legacy"}, "legacy"),
        ({"migration_mode": "dual"}, "legacy"),
        ({"version": "3.150.0"}, "legacy"),
    ],
)
def test_environment_mode_takes_the_round_trip_from_the_yaml(
    monkeypatch: pytest.MonkeyPatch, langfuse: dict[str, str], ingestion: str
) -> None:
    """langfuse.version and langfuse.migration_mode decide: only a v4 without a migration
    mode runs events_only (web/src/env.mjs L508-512; this project's legacy/dual set
    LANGFUSE_MIGRATION_V4_WRITE_MODE, langfuse/contract.py)."""
    import boto3
    from moto import mock_aws

    from langfuse_aws.cli.smoke import target_from_stack
    from langfuse_aws.config import build_config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config = build_config({"name": "tt", "region": "eu-west-1", "langfuse": langfuse})
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"LangfuseUrl": {"Value": "https://d111.cloudfront.net"}},
    }
    with mock_aws():
        boto3.client("cloudformation", "eu-west-1").create_stack(
            StackName=main_stack_name("tt"), TemplateBody=json.dumps(template)
        )
        target = target_from_stack(
            config, lambda s, r: boto3.client(s, region_name=r), api_keys=KEYS
        )
    assert target.ingestion == ingestion


# --- Bad input and AWS errors end in one line with the cause and the fix (point 8) -----------


def test_missing_ca_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    missing = tmp_path / "corp-ca.pem"
    command = Path(sys.executable).with_name("langfuse-aws")
    result = subprocess.run(
        [command, "smoke", "https://langfuse.example.com", "--ca-file", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"--ca-file {missing}" in lines[0]
    assert "does not exist" in lines[0]
    assert "PEM" in lines[0]


def test_a_ca_file_that_is_not_pem_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate\n")
    result = CliRunner().invoke(
        app, ["smoke", "https://langfuse.example.com", "--ca-file", str(junk)]
    )
    assert result.exit_code == 1
    assert "not a readable PEM certificate bundle" in result.output
    assert "Traceback" not in result.output


def smoke_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cloudformation: object
) -> tuple[int, str]:
    """`langfuse-aws smoke <config>` with this CloudFormation client."""
    from langfuse_aws.cli import app as app_module

    monkeypatch.setattr(app_module, "boto3_clients", lambda: lambda s, r: cloudformation)
    result = CliRunner().invoke(app, ["smoke", str(environment(tmp_path))])
    return result.exit_code, result.output


def stubbed_cloudformation(monkeypatch: pytest.MonkeyPatch, code: str, message: str) -> Any:
    """A CloudFormation client whose DescribeStacks fails with AWS error ``code``."""
    import boto3
    from botocore.stub import Stubber

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.session.Session().client("cloudformation", region_name="eu-west-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "describe_stacks", service_error_code=code, service_message=message, http_status_code=400
    )
    stubber.activate()
    return client


def test_a_stack_that_does_not_exist_says_deploy_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DescribeStacks on a missing stack fails with ValidationError "Stack with id X does not
    exist" (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html:
    ValidationError, 400): that is not a login problem."""
    client = stubbed_cloudformation(
        monkeypatch, "ValidationError", f"Stack with id {main_stack_name('tt')} does not exist"
    )
    code, output = smoke_environment(tmp_path, monkeypatch, client)
    assert code == 1
    assert f"{main_stack_name('tt')} is not deployed in eu-west-1" in output
    assert "langfuse-aws deploy tt" in output
    assert "Log in" not in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("code", "message", "log_in"),
    [
        # credentials: AWS common errors (CommonErrors.html above; EC2's UnauthorizedOperation)
        ("ExpiredToken", "The security token included in the request is expired", True),
        ("InvalidClientTokenId", "The security token included in the request is invalid.", True),
        ("AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: x", True),
        ("UnauthorizedOperation", "You are not authorized to perform this operation.", True),
        # anything else: AWS's own words, no login advice
        ("ValidationError", f"Stack with id {main_stack_name('tt')} does not exist", False),
        ("Throttling", "Rate exceeded", False),
    ],
)
def test_only_credential_errors_say_log_in(
    monkeypatch: pytest.MonkeyPatch, code: str, message: str, log_in: bool
) -> None:
    """How the CLI turns an AWS error into advice (every command's reported_errors)."""
    from botocore.exceptions import ClientError

    from langfuse_aws.cli.aws import aws_advice

    client = stubbed_cloudformation(monkeypatch, code, message)
    with pytest.raises(ClientError) as raised:
        client.describe_stacks(StackName=main_stack_name("tt"))
    advice = aws_advice(raised.value)
    assert message in advice
    assert ("Log in first" in advice) is log_in


def test_an_unreachable_endpoint_says_check_the_network_and_no_credentials_says_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore raises EndpointConnectionError when it cannot connect to the service endpoint
    (network, proxy or a wrong region), and NoCredentialsError when it finds no credentials:
    only the second is about logging in."""
    import boto3
    from botocore.config import Config

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.session.Session().client(
        "cloudformation",
        region_name="eu-west-1",
        endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    code, output = smoke_environment(tmp_path, monkeypatch, client)
    assert code == 1
    assert "Could not connect to the endpoint URL" in output
    assert "check the network" in output
    assert "Log in" not in output

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.session.Session().client("cloudformation", region_name="eu-west-1")
    code, output = smoke_environment(tmp_path, monkeypatch, client)
    assert code == 1
    assert "Unable to locate credentials" in output
    assert "Log in first" in output
