"""What a subcommand works on: an environment name or a config file, and its synthesized stacks."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ConfigError, load_config
from ..config.models import EnvironmentConfig
from ..naming import main_stack_name
from ..validated_assembly import carry_record, mark_validated
from ..validation_report import REPORT, violations
from .cdk_cli import app_command, cdk_environment, cdk_executable
from .feedback import step
from .state import EnvironmentState, is_fresh, record_assembly, state_for


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
    assembly: Path | None = None

    @property
    def main_stack(self) -> StackTemplate:
        """The regional main stack ``Langfuse-<env>``."""
        return next(s for s in self.stacks if s.name == main_stack_name(self.config.name))

    def state(self, state_dir: Path | None = None) -> EnvironmentState:
        """This environment's state directory (see ``state.py``)."""
        return state_for(self.path, self.config.name, state_dir)


def config_file(name_or_path: str, cwd: Path | None = None) -> Path:
    """A config file path as given; a name is ``config/<name>.yaml``, else ``<name>.yaml``,
    in the current directory."""
    as_path = Path(name_or_path)
    if as_path.suffix in (".yaml", ".yml") or as_path.exists():
        return as_path
    here = cwd or Path.cwd()
    candidates = [here / "config" / f"{name_or_path}.yaml", here / f"{name_or_path}.yaml"]
    return next((p for p in candidates if p.exists()), candidates[0])


def known_environments(cwd: Path | None = None) -> list[str]:
    """Environment names found in the current directory's config/ and the directory itself."""
    here = cwd or Path.cwd()
    return sorted({p.stem for d in (here / "config", here) for p in d.glob("*.yaml")})


def load_target(name_or_path: str) -> Target:
    """The validated config of an environment name or a config file path."""
    path = config_file(name_or_path)
    if not path.exists():
        known = known_environments()
        names = f"Name one of {', '.join(known)} or give" if known else "Give"
        raise TargetError(
            f"{path}: no such environment file. {names} the path of a config file "
            "(langfuse-aws init writes one)."
        )
    try:
        return Target(path=path, config=load_config(path))
    except ConfigError as error:
        raise TargetError(f"Invalid configuration:\n{error}") from error


def read_assembly(target: Target, assembly: Path) -> Target:
    """``target`` with the stacks of the cloud assembly in ``assembly``."""
    manifest_file = assembly / "manifest.json"
    if not manifest_file.exists():
        raise TargetError(
            f"{assembly}: no manifest.json; synthesize first (langfuse-aws synth ENV)."
        )
    manifest = json.loads(manifest_file.read_text())
    stacks = []
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        region = artifact["environment"].rsplit("/", 1)[-1]
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        stacks.append(StackTemplate(name, region, template))
    expected = main_stack_name(target.config.name)
    if expected not in {s.name for s in stacks}:
        raise TargetError(
            f"{assembly} holds no stack {expected}: it was synthesized from another config."
        )
    return Target(target.path, target.config, tuple(stacks), assembly)


def synthesize(target: Target, state_dir: Path | None = None, *, validate: bool = False) -> Target:
    """``target`` synthesized by the pinned CDK CLI (offline) into its state directory; with
    ``validate``, the validators run too and any finding is an error. The last good assembly
    stays in place until a new one succeeds."""
    state = target.state(state_dir)
    state.root.mkdir(parents=True, exist_ok=True)
    new = state.root / "assembly.new"
    shutil.rmtree(new, ignore_errors=True)
    with step("Preparing the AWS CDK CLI (the first run downloads it once, about a minute)"):
        cdk = cdk_executable()
    command = [str(cdk), "synth", "--app", app_command(), "-c", f"config={target.path.resolve()}"]
    if validate:
        command += ["-c", "validate=true"]
    command += ["--no-lookups", "--quiet", "--no-notices", "--no-version-reporting"]
    what = "Synthesizing and validating" if validate else "Synthesizing"
    with step(f"{what} {target.config.name} (usually 20-60 s)"):
        result = subprocess.run(
            [*command, "--output", str(new)],
            cwd=state.root,
            env=cdk_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
    state.log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        cause = next((line for line in lines if "Error" in line), lines[-1] if lines else "")
        raise TargetError(
            f"synth of {target.path} failed ({cause[:300]}): the whole output is in "
            f"{state.log}; fix what it names and run again."
        )
    if validate:
        found = violations(new)
        if found:
            raise TargetError(
                f"{len(found)} validator findings in {target.config.name} (first: {found[0]}): "
                f"fix them or acknowledge each with a reason; all are in {new / REPORT}."
            )
    if validate:
        mark_validated(new)
    elif state.assembly.exists():
        carry_record(state.assembly, new)
    shutil.rmtree(state.assembly, ignore_errors=True)
    new.rename(state.assembly)
    record_assembly(state, target.path)
    return read_assembly(target, state.assembly)


def fresh_or_synthesized(target: Target, state_dir: Path | None = None) -> Target:
    """The environment's last assembly when it was built from this config and package version,
    else a new synth."""
    state = target.state(state_dir)
    if is_fresh(state, target.path):
        return read_assembly(target, state.assembly)
    return synthesize(target, state_dir)
