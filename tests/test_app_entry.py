"""app.py, as the CDK CLI runs it: a bad config is a clear message, exit 1, no output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from langfuse_aws.naming import main_stack_name

REPO = Path(__file__).resolve().parents[1]


def run_app(tmp_path: Path, context: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        CDK_OUTDIR=str(tmp_path / "out"),
        CDK_CONTEXT_JSON=json.dumps(context),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )
    return subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True
    )


@pytest.mark.slow  # runs app.py in a subprocess, as the CDK CLI does
def test_bad_config_is_reported_without_a_stack_trace(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nregion: eu-west-1\nedge: {mode: alb}\n")
    result = run_app(tmp_path, {"config": str(bad)})
    assert result.returncode == 1
    assert "Invalid configuration:" in result.stderr
    assert "edge.domain is required when edge.mode is alb" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow  # runs app.py in a subprocess, as the CDK CLI does
def test_unknown_environment_names_the_known_ones(tmp_path: Path) -> None:
    result = run_app(tmp_path, {"env": "nope"})
    assert result.returncode == 1
    assert "config/nope.yaml: file not found" in result.stderr
    assert "dev, example, prod" in result.stderr


@pytest.mark.slow  # synthesizes the example
def test_env_context_selects_the_config(tmp_path: Path) -> None:
    result = run_app(tmp_path, {"env": "dev"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / f"{main_stack_name('dev')}.template.json").is_file()
