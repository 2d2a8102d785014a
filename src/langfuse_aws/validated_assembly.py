"""Whether the validators already passed on a cloud assembly, recorded by its content hash.

``make deploy`` runs the validators once on the exact assembly it deploys and skips them when
the same assembly is deployed again. The record is an empty marker file
``<assembly>/.validated-<hash>``, where the hash covers everything CloudFormation receives from
the assembly: templates, asset manifests, asset folders and the manifest. It leaves out what two
synths of the same app write differently and CloudFormation never receives: ``tree.json``
(token numbers), ``*.metadata.json`` (stack traces under a per-run jsii folder) and
``performance-counters.json`` (the synth's own timings, which the CDK CLI asks the app to write:
aws-cdk lib/cxapp/exec.js), and what the validators add (``validation-report.json``) or this
module adds (the markers).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MARKER_PREFIX = ".validated-"
NOT_DEPLOYED_NAMES = frozenset({"tree.json", "performance-counters.json", "validation-report.json"})
NOT_DEPLOYED_SUFFIX = ".metadata.json"


def _deployed(relative: Path) -> bool:
    """Whether a file of the assembly (path relative to it) is part of what is deployed."""
    if len(relative.parts) > 1:
        return True  # inside an asset folder
    name = relative.name
    return not (
        name in NOT_DEPLOYED_NAMES
        or name.endswith(NOT_DEPLOYED_SUFFIX)
        or name.startswith(MARKER_PREFIX)
    )


def content_hash(assembly: Path) -> str:
    """SHA-256 over the path and bytes of every deployed file of ``assembly``."""
    digest = hashlib.sha256()
    files = sorted(p for p in assembly.rglob("*") if p.is_file())
    for path in files:
        relative = path.relative_to(assembly)
        if not _deployed(relative):
            continue
        data = path.read_bytes()
        digest.update(f"{relative.as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def marker(assembly: Path) -> Path:
    """The marker file that records that the validators passed on this assembly's content."""
    return assembly / f"{MARKER_PREFIX}{content_hash(assembly)}"


def is_validated(assembly: Path) -> bool:
    """True when the validators passed on an assembly with exactly this content."""
    return marker(assembly).exists()


def mark_validated(assembly: Path) -> Path:
    """Record that the validators passed on ``assembly`` (call only after they did)."""
    path = marker(assembly)
    path.touch()
    return path


def carry_record(old: Path, new: Path) -> bool:
    """Keep ``old``'s record in ``new`` when both have the same content (a re-synth of an
    unchanged environment replaces the folder); True when it was carried."""
    name = marker(new).name
    if not (old / name).exists():
        return False
    (new / name).touch()
    return True
