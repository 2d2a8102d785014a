"""`make bootstrap` covers every account/region that a deploy of the environment uploads to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from langfuse_aws.naming import stacks_of
from synth import REPO, SynthesizedEnvironment

sys.path.insert(0, str(REPO / "scripts"))

from bootstrap_targets import bootstrap_targets


def test_every_stack_region_is_bootstrapped(any_env: SynthesizedEnvironment) -> None:
    """Each stack's account/region, as langfuse_aws.naming lists them for the config (the
    us-east-1 stacks exist only when the config needs them: tests/test_naming.py)."""
    targets = {env: set(stacks) for env, stacks in bootstrap_targets(any_env.outdir).items()}
    account = any_env.config.account or "unknown-account"
    expected: dict[str, set[str]] = {}
    for place in stacks_of(any_env.config):
        expected.setdefault(f"aws://{account}/{place.region}", set()).add(place.name)
    assert targets == expected


def test_stacks_with_assets_are_among_the_targets(any_env: SynthesizedEnvironment) -> None:
    """A stack whose asset manifest uploads files needs its region's bootstrap bucket."""
    targets = bootstrap_targets(any_env.outdir)
    stacks = {stack for listed in targets.values() for stack in listed}
    for name, artifact in any_env.manifest["artifacts"].items():
        if artifact["type"] == "cdk:asset-manifest":
            assets = json.loads((any_env.outdir / artifact["properties"]["file"]).read_text())
            if assets.get("files"):
                assert name.removesuffix(".assets") in stacks


def test_make_bootstrap_runs_cdk_bootstrap_on_the_synthesized_assembly() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "--no-print-directory", "bootstrap", "ENV=prod"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = dry_run.splitlines()
    synth = next(i for i, line in enumerate(lines) if " synth " in line)
    bootstrap = next(i for i, line in enumerate(lines) if " bootstrap " in line)
    assert synth < bootstrap
    assert "-c env=prod" in lines[synth] and "--no-lookups" in lines[synth]
    assert lines[bootstrap].endswith("bootstrap --no-notices --app cdk.out")
    assert Path(REPO / "scripts" / "bootstrap_targets.py").is_file()
