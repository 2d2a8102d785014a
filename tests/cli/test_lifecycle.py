"""synth, check, diff, plan, deploy, destroy, bootstrap: what each hands the pinned CDK CLI.

A stand-in CDK CLI records its arguments and, for ``synth``, writes a cloud assembly where
``--output`` says (the layout of https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps-cloud-assembly:
manifest.json naming each stack's templateFile and environment). Validation (cdk-nag, Control
Tower rules, CloudFormation validation) is asked for with the CDK context ``validate=true``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from langfuse_aws.cli import app as app_module
from langfuse_aws.cli import lifecycle, target
from langfuse_aws.naming import main_stack_name

STACK = main_stack_name("tt")

FAKE_CDK = f"""#!{sys.executable}
import json, os, pathlib, sys
args = sys.argv[1:]
with open(os.environ["FAKE_CDK_CALLS"], "a") as calls:
    calls.write(json.dumps(args) + "\\n")
if args[0] == "synth":
    if os.environ.get("FAKE_CDK_FAIL"):
        sys.exit("Error: something the app raised")
    out = pathlib.Path(args[args.index("--output") + 1])
    out.mkdir(parents=True)
    (out / "{STACK}.template.json").write_text(os.environ["FAKE_CDK_TEMPLATE"])
    (out / "manifest.json").write_text(json.dumps({{"artifacts": {{"{STACK}": {{
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/eu-west-1",
        "properties": {{"templateFile": "{STACK}.template.json"}}}}}}}}))
    if "validate=true" in args:
        (out / "validation-report.json").write_text('{{"pluginReports": []}}')
"""


def bucket(name: str) -> str:
    """A template with one retained bucket; BucketName is create-only (AWS::S3::Bucket schema),
    so a new name replaces the bucket."""
    return json.dumps(
        {
            "Resources": {
                "Data": {
                    "Type": "AWS::S3::Bucket",
                    "DeletionPolicy": "Retain",
                    "Properties": {"BucketName": name},
                }
            }
        }
    )


@pytest.fixture
def cdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in CLI in place of the pinned one; returns the file of its recorded calls."""
    fake = tmp_path / "cdk"
    fake.write_text(FAKE_CDK)
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    monkeypatch.setenv("FAKE_CDK_CALLS", str(calls))
    monkeypatch.setenv("FAKE_CDK_TEMPLATE", bucket("langfuse-a"))
    monkeypatch.setattr(target, "cdk_executable", lambda: fake)
    monkeypatch.setattr(lifecycle, "cdk_executable", lambda: fake)
    (tmp_path / "tt.yaml").write_text("name: tt\nregion: eu-west-1\n")
    monkeypatch.chdir(tmp_path)
    return calls


def recorded(calls: Path) -> list[list[str]]:
    return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app_module.app, list(args), terminal_width=200)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_synth_builds_the_package_app_offline_into_the_state_directory(
    cdk: Path, tmp_path: Path
) -> None:
    code, output = invoke("synth", "tt")
    assert code == 0, output
    ((*synth,),) = recorded(cdk)
    assert synth[0] == "synth"
    assert synth[synth.index("--app") + 1] == f'"{sys.executable}" -m langfuse_aws.cdk_app'
    assert f"config={tmp_path / 'tt.yaml'}" in synth
    assert "--no-lookups" in synth
    assert "validate=true" not in synth
    assert (tmp_path / ".langfuse-aws" / "tt" / "assembly" / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("command", "validates"),
    [
        ("synth", False),
        ("diff", False),
        ("plan", False),
        ("bootstrap", False),
        ("check", True),
        ("deploy", True),
    ],
)
def test_only_check_and_deploy_run_the_validators(
    cdk: Path, tmp_path: Path, command: str, validates: bool
) -> None:
    record = tmp_path / ".langfuse-aws" / "tt" / "deployed"
    record.mkdir(parents=True)  # a deploy record, so plan and deploy need no AWS
    (record / f"{STACK}.template.json").write_text(bucket("langfuse-a"))
    (record / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    STACK: {
                        "type": "aws:cloudformation:stack",
                        "environment": "aws://unknown-account/eu-west-1",
                        "properties": {"templateFile": f"{STACK}.template.json"},
                    }
                }
            }
        )
    )
    code, output = invoke(command, "tt")
    assert code == 0, output
    synths = [call for call in recorded(cdk) if call[0] == "synth"]
    assert synths
    assert any("validate=true" in synth for synth in synths) is validates
    assembly = str(tmp_path / ".langfuse-aws" / "tt" / "assembly")
    for call in recorded(cdk):  # every other CDK command works on that exact assembly
        if call[0] != "synth":
            assert call[call.index("--app") + 1] == assembly


def deployed_before(tmp_path: Path) -> Path:
    """A deploy record of the stand-in's template, so plan and deploy need no AWS."""
    assert invoke("synth", "tt")[0] == 0
    state = tmp_path / ".langfuse-aws" / "tt"
    shutil.copytree(state / "assembly", state / "deployed", dirs_exist_ok=True)
    return state / "deployed"


def test_deploy_validates_each_assembly_content_once(cdk: Path, tmp_path: Path) -> None:
    """The validators run once on what is deployed; deploying the same content again (the
    assembly's content hash is unchanged) skips them."""
    record = deployed_before(tmp_path)

    def validating_synths() -> int:
        return sum(1 for call in recorded(cdk) if call[0] == "synth" and "validate=true" in call)

    assert invoke("deploy", "tt")[0] == 0
    assert validating_synths() == 1
    assert record.is_dir()
    assert invoke("deploy", "tt")[0] == 0
    assert validating_synths() == 1  # same content: no second validation


def test_deploy_validates_again_when_the_content_changes(
    cdk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed_before(tmp_path)

    def validating_synths() -> int:
        return sum(1 for call in recorded(cdk) if call[0] == "synth" and "validate=true" in call)

    assert invoke("deploy", "tt")[0] == 0
    monkeypatch.setenv("FAKE_CDK_TEMPLATE", bucket("langfuse-c"))
    assert invoke("deploy", "tt", "--allow-data-loss")[0] == 0
    assert validating_synths() == 2


def test_deploy_refuses_data_loss_then_records_what_it_deployed(
    cdk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("synth", "tt")[0] == 0  # what runs now: the record of an earlier deploy
    state = tmp_path / ".langfuse-aws" / "tt"
    (state / "deployed").mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", f"{STACK}.template.json"):
        (state / "deployed" / name).write_text((state / "assembly" / name).read_text())
    cdk.unlink()
    monkeypatch.setenv("FAKE_CDK_TEMPLATE", bucket("langfuse-b"))  # the bucket is replaced

    code, output = invoke("deploy", "tt")
    assert code == 1
    assert f"DATA LOSS: {STACK}/Data (AWS::S3::Bucket) replaced" in output
    assert "--allow-data-loss" in output
    assert {c[0] for c in recorded(cdk)} == {"synth"}  # nothing deployed

    code, output = invoke("deploy", "tt", "--allow-data-loss")
    assert code == 0, output
    assert recorded(cdk)[-1][:4] == ["deploy", "--app", str(state / "assembly"), "--all"]
    assert "langfuse-b" in (state / "deployed" / f"{STACK}.template.json").read_text()
    assert invoke("plan", "tt")[0] == 0  # the new record is the base now


def test_a_failed_synth_is_one_line_and_keeps_the_last_assembly(
    cdk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("synth", "tt")[0] == 0
    monkeypatch.setenv("FAKE_CDK_FAIL", "1")
    code, output = invoke("synth", "tt")
    assert code == 1
    (line,) = output.strip().splitlines()
    assert "something the app raised" in line and "synth.log" in line
    assert (tmp_path / ".langfuse-aws" / "tt" / "assembly" / "manifest.json").is_file()
