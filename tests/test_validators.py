"""Validators run where they protect (issue 18): cdk-nag AwsSolutions, the AWS Control Tower
proactive controls (cfn-guard) and aws-cdk-lib's CloudFormation validation run on a validating
synth (`-c validate=true`, `make synth VALIDATE=true`: the gate's fixtures, and once before each
deploy), never on a plain synth, and change nothing in the templates.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from langfuse_aws.compliance.validators import ValidateContextError, requested_validators
from langfuse_aws.naming import main_stack_name
from langfuse_aws.validated_assembly import content_hash
from synth import REPO, SynthesizedEnvironment

EVERY_VALIDATOR = ("cdk-nag", "cfn-guard", "cloudformation")
# A stack that each validator refuses (every rule cited where it is asserted below).
BAD_STACK = """
from aws_cdk import CfnResource, Stack
from aws_cdk import aws_s3 as s3

def bad_environment(app, config):
    stack = Stack(app, "Bad")
    s3.Bucket(stack, "Open")
    CfnResource(stack, "Queue", type="AWS::SQS::Queue", properties={"VisibilityTimeout": "many"})
"""


def run_app(
    tmp_path: Path, context: dict[str, str], *, bad: bool = False
) -> subprocess.CompletedProcess[str]:
    """app.py as the CDK CLI runs it (context in CDK_CONTEXT_JSON); with ``bad``, the package's
    LangfuseEnvironment is replaced by BAD_STACK so that only the validators decide."""
    program = "import runpy, sys\nsys.path.insert(0, 'src')\nimport langfuse_aws\n"
    if bad:
        program += (
            textwrap.dedent(BAD_STACK) + "langfuse_aws.LangfuseEnvironment = bad_environment\n"
        )
    program += "runpy.run_path('app.py', run_name='__main__')\n"
    env = dict(
        os.environ,
        CDK_OUTDIR=str(tmp_path / "out"),
        CDK_CONTEXT_JSON=json.dumps(context),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_context_forms() -> None:
    """The CDK CLI passes `-c validate=true` as the string "true"; cdk.json may hold a JSON
    boolean; no value means no validator."""
    assert requested_validators("true") == EVERY_VALIDATOR
    assert requested_validators(True) == EVERY_VALIDATOR
    assert requested_validators(None) == ()
    assert requested_validators("false") == ()
    assert requested_validators(False) == ()
    assert requested_validators("cloudformation,cfn-guard") == ("cfn-guard", "cloudformation")
    with pytest.raises(ValidateContextError, match="expected true, false or a comma-separated"):
        requested_validators("yes")


@pytest.mark.slow  # runs the app in a subprocess
def test_a_bad_validate_value_is_one_clear_line(tmp_path: Path) -> None:
    result = run_app(tmp_path, {"env": "example", "validate": "maybe"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "validate" in line]
    assert "maybe" in line and "-c validate=true" in line
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.slow  # synthesizes with each validator
def test_validating_synth_fails_on_each_validators_finding(tmp_path: Path) -> None:
    """An open bucket breaks cdk-nag AwsSolutions-S1 (server access logs off,
    https://github.com/cdklabs/cdk-nag/blob/main/RULES.md) and Control Tower CT.S3.PR.2
    (s3_bucket_logging_enabled_check, https://docs.aws.amazon.com/controltower/latest/
    controlreference/s3-rules.html); VisibilityTimeout is an Integer of AWS::SQS::Queue
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
    aws-resource-sqs-queue.html), so CloudFormation validation refuses "many"."""
    result = run_app(tmp_path, {"env": "example", "validate": "true"}, bad=True)
    assert result.returncode != 0
    assert "ValidationFailed" in result.stderr
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    found = {
        (plugin["pluginName"], violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }
    rules = {(plugin, rule) for plugin, rule, _ in found}
    assert ("AwsSolutions", "AwsSolutions-S1") in rules
    assert ("cdk-validator-cfnguard", "s3_bucket_logging_enabled_check") in rules
    assert any(p == "CloudFormation Validate" and where == "Bad/Queue" for p, _, where in found)


@pytest.mark.slow  # synthesizes in a subprocess
def test_plain_synth_runs_no_validator(tmp_path: Path) -> None:
    """The same invalid stack synthesizes without `validate`: nothing checked, no report."""
    result = run_app(tmp_path, {"env": "example"}, bad=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "Bad.template.json").is_file()
    assert not (tmp_path / "out" / "validation-report.json").exists()


@pytest.fixture(scope="module")
def plain_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """config/example.yaml through a plain `make synth` (what users run)."""
    out = tmp_path_factory.mktemp("plain") / "cdk.out"
    result = subprocess.run(
        ["make", "--no-print-directory", "synth", "ENV=example", f"OUT={out}"],
        cwd=REPO,
        env=dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_plain_make_synth_writes_the_validated_templates_byte_for_byte(
    plain_example: Path, example: SynthesizedEnvironment
) -> None:
    """Validators only read the assembly, so skipping them must not change one byte of what
    is deployed: templates, asset manifests and the manifest (the gate's fixture `example`
    is the validating synth)."""
    assert (example.outdir / "validation-report.json").is_file()
    assert not (plain_example / "validation-report.json").exists()
    deployed = sorted(
        p.name
        for p in example.outdir.iterdir()
        if p.name.endswith((".template.json", ".assets.json")) or p.name == "manifest.json"
    )
    assert len(deployed) >= 3
    for name in deployed:
        assert (plain_example / name).read_bytes() == (example.outdir / name).read_bytes(), name


def test_a_resynth_of_the_same_config_is_the_same_assembly(
    plain_example: Path, example: SynthesizedEnvironment
) -> None:
    """The deploy's record (validated once per assembly) must survive a new synth of an
    unchanged config, although two synths write tree.json and the metadata files differently
    (token numbers, stack traces under a per-run jsii folder): those are not deployed."""
    assert content_hash(plain_example) == content_hash(example.outdir)
    changed = plain_example.parent / "changed"
    shutil.copytree(plain_example, changed)
    template = changed / f"{main_stack_name('example')}.template.json"
    template.write_text(template.read_text().replace("Langfuse", "Langfusf", 1))
    assert content_hash(changed) != content_hash(plain_example)


# A stand-in for the CDK CLI: `synth` copies the example's assembly (as the real CLI writes it)
# to --output, adding a clean validation report when asked to validate (or one finding when
# FAKE_FINDING is set) and an extra asset file when FAKE_CHANGE is set; `deploy` does nothing.
# Every call is logged as "<command> validate=<value>".
FAKE_CDK = """#!/bin/bash
command=$1; validate=none
while [ $# -gt 0 ]; do
  case $1 in
    --output) out=$2 ;;
    validate=*) validate=${1#validate=} ;;
  esac
  shift
done
echo "$command validate=$validate" >> "$FAKE_LOG"
[ "$command" = synth ] || exit 0
mkdir -p "$out"
for f in "$FAKE_SOURCE"/*; do cp -r "$f" "$out"/; done
rm -f "$out/validation-report.json" "$out"/.validated-*
if [ -n "$FAKE_CHANGE" ]; then mkdir -p "$out/asset.changed" && echo 1 > "$out/asset.changed/x"; fi
if [ "$validate" = true ]; then
  if [ -n "$FAKE_FINDING" ]; then
    echo '{"pluginReports": [{"pluginName": "AwsSolutions", "violations": [{"ruleName":
      "AwsSolutions-S1", "violatingResources": [{"resourceLogicalId": "Open"}]}]}]}' \\
      > "$out/validation-report.json"
  else
    echo '{"pluginReports": []}' > "$out/validation-report.json"
  fi
fi
"""


def make_deploy(tmp_path: Path, example: SynthesizedEnvironment, **fake: str) -> list[str]:
    """`make deploy ENV=example` with the stand-in CLI; the CLI calls it made so far."""
    cli = tmp_path / "cdk"
    cli.write_text(FAKE_CDK)
    cli.chmod(0o755)
    log = tmp_path / "calls.log"
    deployed = tmp_path / "deployed"
    if not deployed.exists():  # the last deploy's record: the plan compares with it, offline
        shutil.copytree(example.outdir, deployed / "example")
    env = dict(
        os.environ,
        FAKE_LOG=str(log),
        FAKE_SOURCE=str(example.outdir),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        **fake,
    )
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "deploy",
            "ENV=example",
            f"CDK={cli}",
            f"OUT={tmp_path / 'out'}",
            f"DEPLOYED_DIR={deployed}",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    if result.returncode != 0:
        calls.append(f"make failed: {result.stderr.strip().splitlines()[-1:]}")
    return calls


def test_deploy_validates_once_per_assembly(
    tmp_path: Path, example: SynthesizedEnvironment
) -> None:
    """First deploy: a plain synth, then one validating synth, then deploy. The same
    assembly again: no validator. A changed assembly: validated again before its deploy."""
    first = make_deploy(tmp_path, example)
    assert first == ["synth validate=false", "synth validate=true", "deploy validate=none"]
    second = make_deploy(tmp_path, example)[len(first) :]
    assert second == ["synth validate=false", "deploy validate=none"]
    third = make_deploy(tmp_path, example, FAKE_CHANGE="1")[len(first) + len(second) :]
    assert third == ["synth validate=false", "synth validate=true", "deploy validate=none"]


def test_deploy_stops_on_a_validation_finding(
    tmp_path: Path, example: SynthesizedEnvironment
) -> None:
    calls = make_deploy(tmp_path, example, FAKE_FINDING="1")
    assert calls[:2] == ["synth validate=false", "synth validate=true"]
    assert "deploy validate=none" not in calls
    assert calls[-1].startswith("make failed")
