"""The Makefile's operator paths: synth keeps the last good assembly, and every CDK CLI option
it passes is one the pinned CLI accepts.

`make -n` prints the commands a target would run without running them; the real runs below
write only into temporary folders (OUT=...), never into the shared cdk.out.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

from synth import REPO, SynthesizedEnvironment

# How yargs lists an option in `cdk <command> --help`: "  --name, -n  description".
HELP_OPTION = re.compile(r"^\s+(-{1,2}[A-Za-z][\w-]*)((?:,\s+-{1,2}[A-Za-z][\w-]*)*)", re.M)


def make(*args: str) -> subprocess.CompletedProcess[str]:
    """Run make in the repository (its output captured)."""
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def planned(*args: str) -> list[str]:
    """The commands `make -n <args>` would run, one per line."""
    result = make("-n", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def last_good(tmp_path: Path) -> Path:
    """An OUT folder holding a previous assembly, marked so that its survival can be seen."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"last": "good"}')
    return out


def test_synth_of_an_unknown_environment_keeps_the_last_assembly(tmp_path: Path) -> None:
    out = last_good(tmp_path)
    result = make("synth", "ENV=no-such-env", f"OUT={out}")
    assert result.returncode != 0
    assert (out / "manifest.json").read_text() == '{"last": "good"}'
    # The loader's message: the file it looked for and what to do.
    assert "config/no-such-env.yaml: file not found" in result.stderr
    assert "example" in result.stderr  # the environments that do exist


def test_failed_synth_keeps_the_last_assembly_and_shows_its_own_output(tmp_path: Path) -> None:
    """A synth that fails half-way (here a CDK CLI that writes part of an assembly, then exits
    1, as on a cdk-nag finding) must not cost the operator the assembly of the last good one."""
    cli = tmp_path / "failing-cdk"
    cli.write_text(
        "#!/bin/bash\n"
        'while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done\n'
        'mkdir -p "$out" && echo "{}" > "$out/validation-report.json"\n'
        "exit 1\n"
    )
    cli.chmod(0o755)
    out = last_good(tmp_path)
    result = make("synth", f"CDK={cli}", f"OUT={out}")
    assert result.returncode != 0
    assert (out / "manifest.json").read_text() == '{"last": "good"}'
    assert (tmp_path / "out.failed" / "validation-report.json").exists()
    assert f"{out} still holds the last good assembly" in result.stderr
    assert [p.name for p in tmp_path.iterdir() if ".new." in p.name] == []


@cache
def cli_options(command: str) -> frozenset[str]:
    """Every option (and alias) `cdk <command> --help` of the pinned CLI lists."""
    result = subprocess.run(
        ["npx", "--no-install", "cdk", command, "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    found = set()
    for match in HELP_OPTION.finditer(result.stdout):
        found.add(match.group(1))
        found.update(a.strip() for a in match.group(2).split(",") if a.strip())
    return frozenset(found)


def test_every_cdk_option_is_one_the_pinned_cli_accepts(example: SynthesizedEnvironment) -> None:
    """The CDK CLI ignores an option it does not know with only a warning ("Unknown
    option(s): --all. These will be ignored."), so a wrong one would pass silently."""
    commands = [
        line.split(" cdk ", 1)[1].split()
        for target in ("synth", "diff", "deploy", "bootstrap", "destroy")
        for line in planned(target, f"OUT={example.outdir}")
        if " cdk " in line
    ]
    assert {c[0] for c in commands} == {"synth", "diff", "deploy", "bootstrap", "destroy"}
    for subcommand, *args in commands:
        options = {a.split("=", 1)[0] for a in args if a.startswith("-")}
        # yargs accepts --no-<flag> for each boolean --<flag> it lists.
        known = cli_options(subcommand)
        unknown = {o for o in options if o not in known and o.replace("--no-", "--") not in known}
        assert unknown == set(), f"cdk {subcommand} does not know {sorted(unknown)}"
