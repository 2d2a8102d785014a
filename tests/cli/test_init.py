"""`langfuse-aws init`: the few answers that matter become a valid environment YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from langfuse_aws.cli.app import app
from langfuse_aws.config import load_config
from langfuse_aws.config.providers import CustomProvider

BASE = ["init", "--no-input", "--region", "eu-west-1", "--data-protection", "retain"]


def init(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, list(args), terminal_width=200)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cognito_login_without_a_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = init(tmp_path, monkeypatch, *BASE, "--name", "team", "--login", "cognito")
    assert code == 0, output
    config = load_config(tmp_path / "config" / "team.yaml")
    assert (config.name, config.region, config.data_protection) == ("team", "eu-west-1", "retain")
    assert config.auth.cognito is not None and not config.auth.password_login
    assert config.edge.domain is None and config.edge.mode == "cloudfront"


def test_an_identity_provider_and_a_domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = init(
        tmp_path,
        monkeypatch,
        *BASE,
        "--name",
        "acme",
        "--login",
        "idp",
        "--idp-name",
        "Acme SSO",
        "--idp-issuer",
        "https://login.acme.com",
        "--idp-client-id",
        "langfuse",
        "--idp-secret",
        "langfuse/oidc",
        "--domain",
        "langfuse.acme.com",
        "--zone-id",
        "Z0123456789ABC",
        "--zone-name",
        "acme.com",
        "--size",
        "large",
    )
    assert code == 0, output
    config = load_config(tmp_path / "config" / "acme.yaml")
    (provider,) = config.auth.providers
    assert isinstance(provider, CustomProvider)
    assert (provider.name, provider.client_id) == ("Acme SSO", "langfuse")
    assert str(provider.issuer).rstrip("/") == "https://login.acme.com"
    assert config.auth.cognito is None and not config.auth.password_login
    assert config.edge.domain is not None and config.edge.domain.name == "langfuse.acme.com"
    assert config.langfuse.web.min_tasks == 2 and config.database.reader


def test_password_login_creates_the_first_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-up stays closed, so the first user is Langfuse's init user."""
    code, output = init(
        tmp_path,
        monkeypatch,
        *BASE,
        "--name",
        "pw",
        "--login",
        "password",
        "--admin-email",
        "admin@acme.io",
        "--admin-password-secret",
        "langfuse/admin",
        "-o",
        "pw.yaml",
    )
    assert code == 0, output
    config = load_config(tmp_path / "pw.yaml")
    assert config.auth.password_login and config.auth.signup == "closed"
    assert config.langfuse.init is not None
    assert config.langfuse.init.user_email == "admin@acme.io"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--login", "cognito"], "--name"),
        (["--name", "x1", "--size", "huge"], "--size"),
        (["--name", "x1", "--login", "idp"], "--idp-name"),
        (["--name", "x1", "--region", "mars-1"], "region"),
    ],
)
def test_a_bad_or_missing_answer_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], named: str
) -> None:
    code, output = init(tmp_path, monkeypatch, "init", "--no-input", *args)
    assert code == 1
    (line,) = output.strip().splitlines()
    assert named in line
    assert not (tmp_path / "config").exists()  # nothing written


def test_an_existing_file_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "team.yaml").write_text("keep me\n")
    code, output = init(tmp_path, monkeypatch, *BASE, "--name", "team")
    assert code == 1 and "--force" in output
    assert (tmp_path / "config" / "team.yaml").read_text() == "keep me\n"


def test_questions_are_asked_without_no_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    answers = "asked\neu-central-1\nn\ncognito\ndisposable\nsmall\n"
    result = CliRunner().invoke(app, ["init"], input=answers)
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "config" / "asked.yaml")
    assert (config.region, config.data_protection) == ("eu-central-1", "disposable")
