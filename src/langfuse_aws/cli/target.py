"""What a subcommand works on: an environment name or a config file, and its synthesized stacks."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ConfigError, load_config
from ..config.loader import config_path_for
from ..config.models import EnvironmentConfig

REPO = Path(__file__).resolve().parents[3]


class TargetError(Exception):
    """The target cannot be used; the message names the file or setting and the fix."""


@dataclass(frozen=True)
class StackTemplate:
    """One synthesized stack: its name, region and template."""

    name: str
    region: str
    template: dict[str, Any]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of CloudFormation type ``kind`` by logical id."""
        return {k: v for k, v in self.template.get("Resources", {}).items() if v["Type"] == kind}


@dataclass(frozen=True)
class Target:
    """A validated environment and, once synthesized, its stacks in deployment order."""

    path: Path
    config: EnvironmentConfig
    stacks: tuple[StackTemplate, ...] = ()

    @property
    def main_stack(self) -> StackTemplate:
        """The regional main stack ``Langfuse-<env>``."""
        return next(s for s in self.stacks if s.name == f"Langfuse-{self.config.name}")


def config_file(name_or_path: str) -> Path:
    """``config/<name>.yaml`` for an environment name, else the path as given."""
    as_path = Path(name_or_path)
    if as_path.suffix in (".yaml", ".yml") or as_path.exists():
        return as_path
    return config_path_for(name_or_path, REPO / "config")


def make_argument(name_or_path: str) -> str:
    """How the Makefile is told about the same environment: ``ENV=<name>`` for
    config/<name>.yaml, ``CONFIG=<absolute path>`` for a config file given by path (the
    Makefile reads ENV only as a name under config/, so ``ENV=<path>`` finds no file)."""
    path = config_file(name_or_path)
    if path == config_path_for(name_or_path, REPO / "config"):
        return f"ENV={name_or_path}"
    return f"CONFIG={path.resolve()}"


def load_target(name_or_path: str) -> Target:
    """The validated config of an environment name or a config file path."""
    path = config_file(name_or_path)
    if not path.exists():
        known = sorted(p.stem for p in (REPO / "config").glob("*.yaml"))
        raise TargetError(
            f"{path}: no such environment file. Name one of {', '.join(known)} or give the "
            "path of a config file."
        )
    try:
        return Target(path=path, config=load_config(path))
    except ConfigError as error:
        raise TargetError(f"Invalid configuration:\n{error}") from error


def read_assembly(target: Target, assembly: Path) -> Target:
    """``target`` with the stacks of the cloud assembly in ``assembly``."""
    manifest_file = assembly / "manifest.json"
    if not manifest_file.exists():
        raise TargetError(f"{assembly}: no manifest.json; synthesize first (make synth).")
    manifest = json.loads(manifest_file.read_text())
    stacks = []
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        region = artifact["environment"].rsplit("/", 1)[-1]
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        stacks.append(StackTemplate(name, region, template))
    expected = f"Langfuse-{target.config.name}"
    if expected not in {s.name for s in stacks}:
        raise TargetError(
            f"{assembly} holds no stack {expected}: it was synthesized from another config."
        )
    return Target(path=target.path, config=target.config, stacks=tuple(stacks))


def synthesize(target: Target) -> Target:
    """``target`` synthesized the way users do (`make synth`, the CDK CLI, offline)."""
    outdir = Path(tempfile.mkdtemp(prefix=f"langfuse-aws-{target.config.name}-"))
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "synth",
            f"CONFIG={target.path.resolve()}",
            f"OUT={outdir}",
        ],
        cwd=REPO,
        env=dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20"),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise TargetError(f"make synth failed for {target.path}:\n{result.stderr.strip()}")
    return read_assembly(target, outdir)
