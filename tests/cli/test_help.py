"""`langfuse-aws --help`: installed as a console script, every subcommand documented."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from langfuse_aws.cli.app import app
from langfuse_aws.naming import main_stack_name
from synth import REPO

OPTIONS = {
    "init": ["--name", "--region", "--domain", "--zone-id", "--zone-name", "--login", "--idp-name",
             "--idp-issuer", "--idp-client-id", "--idp-secret", "--admin-email",
             "--admin-password-secret", "--data-protection", "--size", "--output", "--force",
             "--no-input"],
    "synth": ["ENV", "--state-dir"],
    "check": ["ENV", "--state-dir"],
    "diff": ["ENV", "--state-dir"],
    "plan": ["ENV", "--state-dir", "--from", "--clickhouse-restore-from"],
    "deploy": ["ENV", "--state-dir", "--allow-data-loss", "--clickhouse-restore-from"],
    "destroy": ["ENV", "--state-dir", "--force"],
    "bootstrap": ["ENV", "--state-dir"],
    "restore-drill": ["ENV", "--dry-run", "--only"],
    "doctor": ["ENV"],
    "smoke": ["TARGET", "--public-key", "--secret-key", "--provider", "--issuer", "--allow-http",
              "--ca-file", "--wait", "--langfuse-version", "--migration-mode"],
    "cost": ["ENV", "--compare", "--assembly", "--markdown", "--state-dir", "--clickhouse-modes", "--ingest-gib"],
    "diagram": ["ENV", "--assembly", "--state-dir"],
    "status": ["ENV"],
}  # fmt: skip


def test_console_script_is_declared_and_installed() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"langfuse-aws": "langfuse_aws.cli.app:main"}
    installed = Path(sys.executable).with_name("langfuse-aws")
    result = subprocess.run([installed, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in OPTIONS:
        assert command in result.stdout
    assert "end-of-life" not in result.stdout + result.stderr  # no jsii banner


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_each_subcommand_documents_its_arguments(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = result.output
    for option in OPTIONS[command]:
        assert option.lower() in text.lower(), option


def test_unknown_environment_names_the_known_ones() -> None:
    result = CliRunner().invoke(app, ["diagram", "nosuchenv"])
    assert result.exit_code == 1
    assert "no such environment file" in result.output
    assert "example" in result.output


def test_bad_config_is_reported_not_raised(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: tt\nregion: mars-1\n")
    result = CliRunner().invoke(app, ["status", str(bad)])
    assert result.exit_code == 1
    assert "Invalid configuration" in result.output
    assert "region" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow  # runs the CDK CLI's synth
def test_without_an_assembly_the_command_synthesizes_with_the_cdk_cli(tmp_path: Path) -> None:
    """`langfuse-aws diagram ENV` synthesizes itself (the pinned CDK CLI, offline) into the
    environment's state directory, named after the environment."""
    fixture = str(REPO / "tests" / "fixtures" / "v3.yaml")
    result = CliRunner().invoke(app, ["diagram", fixture, "--state-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("```mermaid\n")
    assert main_stack_name("legacy") in result.output  # the name in v3.yaml
    assert (
        tmp_path / "legacy" / "assembly" / f"{main_stack_name('legacy')}.template.json"
    ).is_file()


def test_top_level_help_names_the_config_path() -> None:
    """Markdown help drops <...> as HTML: the path must read config/NAME.yaml."""
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert "config/NAME.yaml" in result.output
