"""Benchmark: the CPU a warm synth of config/example.yaml costs through `make synth`, without
and with the validators, and what each validator adds on its own.

Prints figures; never asserts (machines here are shared and noisy). CPU is user + sys time of
every process the synth starts (make, the CDK CLI, Python, the jsii Node runtime, cfn-guard),
read with getrusage(RUSAGE_CHILDREN), so other load on the machine does not count; each figure
is the best of --runs runs after one warm-up run.

    python scripts/bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = "example"
# The goal: half the seed project's CPU, about 10 CPU-seconds on this machine class.
TARGET_CPU_SECONDS = 10.0
VALIDATORS = {
    "cdk-nag": "cdk-nag AwsSolutions",
    "cfn-guard": "AWS Control Tower rules (cfn-guard)",
    "cloudformation": "CloudFormation validation (aws-cdk-lib)",
}


def synth_cpu_seconds(validate: str) -> float:
    """User + sys CPU seconds of one `make synth ENV=example VALIDATE=<validate>`."""
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    with tempfile.TemporaryDirectory() as outdir:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run(
            [
                "make",
                "--no-print-directory",
                "synth",
                f"ENV={ENV}",
                f"VALIDATE={validate}",
                f"OUT={outdir}/cdk.out",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"make synth VALIDATE={validate} failed:\n{result.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_of(runs: int, validate: str) -> float:
    """The least CPU of ``runs`` synths (the one least disturbed by the machine's other load)."""
    return min(synth_cpu_seconds(validate) for _ in range(runs))


def main() -> None:
    """Print the plain and validating synth CPU, then the cost of each validator."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="runs per figure (default 2)")
    runs = parser.parse_args().runs
    synth_cpu_seconds("false")  # warm-up: caches, bytecode, the CDK CLI
    plain = best_of(runs, "false")
    validating = best_of(runs, "true")
    print(f"Warm synth of config/{ENV}.yaml through make synth, CPU seconds (best of {runs}):")
    print(
        f"  make synth                  {plain:6.1f}   no validators "
        f"(target <= {TARGET_CPU_SECONDS:.0f}: half the seed project's)"
    )
    print(f"  make synth VALIDATE=true    {validating:6.1f}   every validator (the gate, deploy)")
    print("Cost of each validator alone (its synth minus the plain one):")
    for name, label in VALIDATORS.items():
        cost = best_of(runs, name) - plain
        print(f"  {label:42s} {cost:6.1f}")


if __name__ == "__main__":
    main()
