"""The pinned AWS CDK CLI, run the way the CDK ecosystem expects: the exact version, from npm.

Inside a checkout whose ``npm ci`` has run, the checkout's ``node_modules/.bin/cdk`` (the
version package-lock.json pins). Installed from a wheel, the same version is installed once
into the user's cache (``npm install --prefix <cache>/langfuse-aws/cdk-<version>``) and run
from there afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CDK_VERSION = "2.1148.1"
"""The aws-cdk CLI release this package is tested with (package.json pins the same)."""

CHECKOUT = Path(__file__).resolve().parents[3]


class CdkCliError(Exception):
    """The CDK CLI cannot be found or installed; the message says why and the fix."""


def cache_root() -> Path:
    """Where this tool caches downloads: ``$LANGFUSE_AWS_CACHE``, else the user's cache
    directory (``$XDG_CACHE_HOME`` or ``~/.cache``) under ``langfuse-aws``."""
    explicit = os.environ.get("LANGFUSE_AWS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "langfuse-aws"


def checkout_cdk() -> Path | None:
    """The checkout's pinned CLI, when this package runs from a checkout with node_modules."""
    candidate = CHECKOUT / "node_modules" / ".bin" / "cdk"
    if (CHECKOUT / "package.json").is_file() and candidate.exists():
        return candidate
    return None


def cached_cdk(version: str = CDK_VERSION) -> Path:
    """The cached CLI of ``version`` (it may not be installed yet)."""
    return cache_root() / f"cdk-{version}" / "node_modules" / ".bin" / "cdk"


def install_command(version: str = CDK_VERSION) -> list[str]:
    """The npm command that installs exactly ``version`` into the cache."""
    return [
        "npm",
        "install",
        "--prefix",
        str(cache_root() / f"cdk-{version}"),
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--loglevel=error",
        f"aws-cdk@{version}",
    ]


def cdk_executable(version: str = CDK_VERSION) -> Path:
    """The CLI to run: the checkout's, else the cached one, installed first if missing."""
    found = checkout_cdk()
    if found is not None:
        return found
    cached = cached_cdk(version)
    if cached.exists():
        return cached
    if shutil.which("npm") is None:
        raise CdkCliError(
            f"npm not found: langfuse-aws runs the AWS CDK CLI {version} from npm. Install "
            "Node.js 20 or later (it includes npm) and run the command again."
        )
    result = subprocess.run(install_command(version), capture_output=True, text=True, check=False)
    if result.returncode != 0 or not cached.exists():
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise CdkCliError(
            f"npm could not install aws-cdk@{version} into {cached.parents[2]} ({last}): check "
            "your network or npm registry settings (npm config get registry) and run again."
        )
    return cached


def cdk_environment() -> dict[str, str]:
    """The CLI's environment: no telemetry, no Node end-of-life banner, and this Python for the
    app (the CLI runs ``--app`` commands through the shell)."""
    return dict(
        os.environ,
        CDK_DISABLE_CLI_TELEMETRY="true",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )


def app_command() -> str:
    """The ``--app`` command that builds the CDK app from the installed package."""
    return f'"{sys.executable}" -m langfuse_aws.cdk_app'
