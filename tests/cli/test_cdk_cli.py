"""The pinned CDK CLI: the exact version package.json pins, installed once into the user's
cache with npm and run from there (https://docs.aws.amazon.com/cdk/v2/guide/cli.html: the CLI
is the npm package aws-cdk; a project pins its version locally)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from langfuse_aws.cli import cdk_cli
from synth import REPO


def test_the_version_is_the_one_package_json_pins() -> None:
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]["aws-cdk"]
    locked = json.loads((REPO / "package-lock.json").read_text())
    assert pinned == cdk_cli.CDK_VERSION
    assert locked["packages"]["node_modules/aws-cdk"]["version"] == pinned


def fake_npm(folder: Path, calls: Path) -> None:
    """An npm that records its arguments and installs a cdk script where npm would."""
    folder.mkdir()
    npm = folder / "npm"
    npm.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        'prefix=$3; mkdir -p "$prefix/node_modules/.bin"\n'
        'printf "#!/bin/sh\\n" > "$prefix/node_modules/.bin/cdk"\n'
    )
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def outside_a_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """As installed from a wheel: no checkout around the package, an empty user cache."""
    monkeypatch.setattr(cdk_cli, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.delenv("LANGFUSE_AWS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def test_installed_once_into_the_user_cache_then_reused(
    outside_a_checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = outside_a_checkout / "calls"
    fake_npm(outside_a_checkout / "bin", calls)
    monkeypatch.setenv("PATH", f"{outside_a_checkout / 'bin'}{os.pathsep}{os.environ['PATH']}")
    version = json.loads((REPO / "package.json").read_text())["devDependencies"]["aws-cdk"]
    home = outside_a_checkout / "cache" / "langfuse-aws" / f"cdk-{version}"

    first = cdk_cli.cdk_executable()
    second = cdk_cli.cdk_executable()

    assert first == second == home / "node_modules" / ".bin" / "cdk"
    (line,) = calls.read_text().splitlines()  # npm ran once
    args = line.split()
    assert args[:3] == ["install", "--prefix", str(home)]
    assert args[-1] == f"aws-cdk@{version}"  # the exact version, not a range


def test_without_npm_one_line_says_to_install_node(
    outside_a_checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(outside_a_checkout / "empty"))
    with pytest.raises(cdk_cli.CdkCliError) as error:
        cdk_cli.cdk_executable()
    message = str(error.value)
    assert "\n" not in message
    assert "npm not found" in message and "Install Node.js" in message


def test_a_checkout_uses_its_own_node_modules() -> None:
    assert cdk_cli.checkout_cdk() == REPO / "node_modules" / ".bin" / "cdk"
