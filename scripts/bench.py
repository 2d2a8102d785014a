"""Benchmark: synthesis wall time per example environment (fresh process each) and the gate.

Prints figures; never asserts (machines here are shared and noisy).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of ``command``; raises if it fails."""
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    """Time `make synth` (the CDK CLI, as users run it) for each config/*.yaml, then the gate."""
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    print("make synth (CDK CLI, offline, cdk-nag and cfn-guard on):")
    for config in sorted((REPO / "config").glob("*.yaml")):
        with tempfile.TemporaryDirectory() as outdir:
            command = [
                "make",
                "--no-print-directory",
                "synth",
                f"ENV={config.stem}",
                f"OUT={outdir}",
            ]
            seconds = timed(command, env)
        print(f"  {config.stem:10s} {seconds:6.1f} s   (target < 15 s)")
    if "--no-gate" not in sys.argv:
        seconds = timed(["make", "--no-print-directory", "test"], env)
        print(f"make test   {seconds:6.1f} s   (target < 180 s)")


if __name__ == "__main__":
    main()
