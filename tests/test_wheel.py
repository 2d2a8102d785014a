"""The operator's path: the built wheel, installed outside the checkout, runs
init -> synth -> plan -> cost -> diagram from a temporary directory, with no make.

The wheel is built from a copy of pyproject.toml and src/ (so the build writes nothing into
the checkout) and installed with ``--no-deps`` into a fresh venv that reads its dependencies
from this test's own environment through a ``.pth`` line: those are the pinned versions
(installed from constraints.txt), nothing is downloaded again, and ``.pth`` lines in that
directory are not processed, so the checkout's editable install (a path to src/) stays out of
the new venv. What runs is the wheel's code and data, which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from langfuse_aws.naming import main_stack_name
from synth import REPO

# Builds the wheel and installs it into a fresh venv: the slow layer.
pytestmark = pytest.mark.slow

NAME = "wheel"


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command``; its output is part of any failure."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # only the venv's code
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the built wheel installed; its bin directory."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    shutil.copy(REPO / "pyproject.toml", source)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(base / "dist"),
            str(source),
        ],
        base,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("langfuse_aws-*.whl")
    env = base / "venv"
    assert run([sys.executable, "-m", "venv", "--without-pip", str(env)], base).returncode == 0
    site = Path(
        run(
            [
                str(env / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            base,
        ).stdout.strip()
    )
    (site / "pinned_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(env / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        base,
    )
    assert installed.returncode == 0, installed.stderr
    return env / "bin"


def test_the_wheel_runs_the_whole_operator_path_outside_the_checkout(
    venv: Path, tmp_path: Path
) -> None:
    where = run(
        [
            str(venv / "python"),
            "-c",
            "import langfuse_aws.cli.cdk_cli as c; print(c.__file__); print(c.checkout_cdk())",
        ],
        tmp_path,
    )
    module_file, checkout_cli = where.stdout.split()
    assert Path(module_file).is_relative_to(venv.parent)  # the wheel's code, not src/
    assert checkout_cli == "None"  # the CDK CLI is the cached pinned one, not node_modules

    cli = str(venv / "langfuse-aws")
    init = run(
        [
            cli,
            "init",
            "--no-input",
            "--name",
            NAME,
            "--region",
            "eu-west-1",
            "--login",
            "cognito",
            "--data-protection",
            "disposable",
            "--size",
            "small",
        ],
        tmp_path,
    )
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "config" / f"{NAME}.yaml").is_file()

    synth = run([cli, "synth", NAME], tmp_path)
    assert synth.returncode == 0, synth.stderr
    state = tmp_path / "config" / ".langfuse-aws" / NAME
    manifest = json.loads((state / "assembly" / "manifest.json").read_text())
    assert main_stack_name(NAME) in manifest["artifacts"]

    # As after a deploy: the record is the deployed assembly, so the plan loses nothing.
    shutil.copytree(state / "assembly", state / "deployed")
    plan = run([cli, "plan", NAME], tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert "No stateful resource is replaced or deleted" in plan.stdout

    stamp = (state / "assembly.json").stat().st_mtime_ns
    cost = run([cli, "cost", NAME], tmp_path)
    assert cost.returncode == 0, cost.stderr
    assert "Aurora" in cost.stdout
    diagram = run([cli, "diagram", NAME], tmp_path)
    assert diagram.returncode == 0, diagram.stderr
    assert diagram.stdout.startswith("```mermaid\n")
    assert (state / "assembly.json").stat().st_mtime_ns == stamp  # both reused the assembly
    assert not (tmp_path / "cdk.out").exists() and os.listdir(tmp_path) == ["config"]
