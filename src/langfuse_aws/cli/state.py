"""Each environment's state directory: its last synthesized assembly and its deploy record.

``<state dir>/<name>/`` where ``<state dir>`` is ``--state-dir`` or ``.langfuse-aws/`` beside
the config file and ``<name>`` is the ``name:`` in the YAML, however the environment was given
(a name or a path): two environments never share a record, and one environment given two ways
always finds its own.

- ``assembly/``: the last synthesized cloud assembly, with ``assembly.json`` saying what it was
  built from (the config file's SHA-256 and the package version). ``cost``, ``diagram`` and
  ``deploy`` reuse it while both still match.
- ``deployed/``: the assembly of the last successful ``deploy`` (what ``plan`` compares with).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

STATE_DIR_NAME = ".langfuse-aws"


def package_version() -> str:
    """The installed langfuse-aws version (a checkout without metadata says so)."""
    try:
        return version("langfuse-aws")
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class EnvironmentState:
    """Where one environment's assembly and deploy record live."""

    root: Path

    @property
    def assembly(self) -> Path:
        """The last synthesized cloud assembly."""
        return self.root / "assembly"

    @property
    def deployed(self) -> Path:
        """The assembly of the last successful deploy."""
        return self.root / "deployed"

    @property
    def stamp(self) -> Path:
        """What the last assembly was built from."""
        return self.root / "assembly.json"

    @property
    def log(self) -> Path:
        """The CDK CLI's full output of the last synth."""
        return self.root / "synth.log"

    def has_deploy_record(self) -> bool:
        """Whether a deploy through this tool left its assembly here."""
        return (self.deployed / "manifest.json").is_file()


def state_for(config_path: Path, name: str, state_dir: Path | None = None) -> EnvironmentState:
    """The state of environment ``name`` (the YAML's ``name:``) read from ``config_path``."""
    base = state_dir if state_dir is not None else config_path.resolve().parent / STATE_DIR_NAME
    return EnvironmentState(base / name)


def built_from(config_path: Path) -> dict[str, str]:
    """What an assembly of ``config_path`` depends on: the file's bytes and this package."""
    digest = hashlib.sha256(config_path.read_bytes()).hexdigest()
    return {"config_sha256": digest, "package_version": package_version()}


def record_assembly(state: EnvironmentState, config_path: Path) -> None:
    """Note that ``state.assembly`` was just synthesized from ``config_path``."""
    state.stamp.write_text(json.dumps(built_from(config_path), indent=1) + "\n")


def is_fresh(state: EnvironmentState, config_path: Path) -> bool:
    """Whether the last assembly was built from this very config and package version."""
    if not (state.assembly / "manifest.json").is_file() or not state.stamp.is_file():
        return False
    try:
        recorded = json.loads(state.stamp.read_text())
    except ValueError:
        return False
    return bool(recorded == built_from(config_path))
