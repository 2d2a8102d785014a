"""`make synth` (the CDK CLI, offline) on every example and fixture: clean, complete, quiet.

The session fixtures synthesize through `make synth`, so a failed validation, an error
annotation or a context lookup already fails the fixture. These tests check what the CLI does
not fail on by itself: warnings, notices and lookups it would have made.
"""

from __future__ import annotations

import re

from synth import SynthesizedEnvironment

PROBLEM_TYPES = {"aws:cdk:error", "aws:cdk:warning"}
# How the CDK CLI prints annotations and validation findings ("WARNING <message> (<source>)").
CDK_PROBLEM_LINE = re.compile(r"^\s*(WARNING |ERROR |\[Warning|\[Error|Error:)")


def test_assembly_needs_no_context_lookup(any_env: SynthesizedEnvironment) -> None:
    assert any_env.manifest.get("missing", []) == []


def test_assembly_has_no_error_or_warning_annotation(any_env: SynthesizedEnvironment) -> None:
    problems = [
        f"{path}: {entry['type']} {entry.get('data')}"
        for artifact in any_env.manifest["artifacts"].values()
        for path, entries in artifact.get("metadata", {}).items()
        for entry in entries
        if entry["type"] in PROBLEM_TYPES
    ]
    assert problems == []


def test_cli_prints_no_warning_or_notice(any_env: SynthesizedEnvironment) -> None:
    lines = any_env.cli_output.splitlines()
    assert [line for line in lines if CDK_PROBLEM_LINE.match(line)] == []
    assert not any("feature flags are not configured" in line for line in lines)
    assert not any("deprecated" in line.lower() for line in lines)


def test_every_stack_is_pinned_to_the_configured_region(any_env: SynthesizedEnvironment) -> None:
    """With an account in the YAML, the stacks target it; without one they stay agnostic."""
    account = any_env.config.account or "unknown-account"
    for name in any_env.templates:
        artifact = any_env.manifest["artifacts"][name]
        region = "us-east-1" if name.endswith(("-Global", "-EdgeAlarms")) else any_env.config.region
        assert artifact["environment"] == f"aws://{account}/{region}"
