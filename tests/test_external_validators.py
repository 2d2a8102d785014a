"""External validators over every synthesized template: cfn-lint and cdk-nag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

from langfuse_aws.compliance.report import acknowledgements, render_report
from synth import SynthesizedEnvironment

# Every cfn-lint warning we accept, with the reason. Anything else fails the gate.
ACCEPTED_CFN_LINT_WARNINGS = {
    "W3005": "CDK's own custom-resource providers declare DependsOn next to a GetAtt of the "
    "same role; harmless and not in our code.",
    "W3010": "Availability zones are named in the YAML on purpose: synth never looks them up.",
}


def test_cfn_lint_has_no_errors_and_only_accepted_warnings(any_env: SynthesizedEnvironment) -> None:
    for name, template in any_env.templates.items():
        matches = lint(json.dumps(template), regions=[any_env.config.region], config=ManualArgs())
        problems = [
            f"{m.rule.id} {m.message} ({m.path})"
            for m in matches
            if m.rule.id not in ACCEPTED_CFN_LINT_WARNINGS
        ]
        assert problems == [], f"{name}: {problems}"


def test_cdk_nag_reports_no_unacknowledged_finding(any_env: SynthesizedEnvironment) -> None:
    report = json.loads((any_env.outdir / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []


@pytest.mark.slow  # synthesizes with cdk-nag
def test_cdk_nag_fails_synth_on_a_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The gate can fail: an unencrypted, unlogged bucket must stop synthesis."""
    import pytest
    from aws_cdk import App, Stack
    from aws_cdk import aws_s3 as s3

    from langfuse_aws import add_compliance_checks

    app = App(outdir=str(tmp_path))
    s3.Bucket(Stack(app, "Bad"), "Open")
    add_compliance_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules


def test_acknowledgements_are_narrow_and_reasoned(any_env: SynthesizedEnvironment) -> None:
    found = acknowledgements(any_env.outdir)
    assert found, "expected the reviewed acknowledgements to be recorded"
    for ack in found:
        assert ack.construct_path.strip("/").count("/") >= 1, f"{ack.rule} on a whole stack"
        assert len(ack.reason.split()) >= 6 and ack.reason.endswith("."), ack


def test_committed_compliance_report_is_current() -> None:
    import yaml

    from conftest import EXAMPLE_NAMES, synthesized

    repo = Path(__file__).resolve().parents[1]
    accepted = yaml.safe_load((repo / "compliance" / "checkov-accepted.yaml").read_text())
    found = {name: acknowledgements(synthesized(name).outdir) for name in sorted(EXAMPLE_NAMES)}
    committed = (repo / "compliance" / "REPORT.md").read_text()
    assert render_report(found, accepted) == committed, "run `make compliance` and commit it"
