"""`make plan` with credentials: the old templates come from CloudFormation (moto here)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from langfuse_aws.naming import main_stack_name
from synth import REPO

sys.path.insert(0, str(REPO / "scripts"))

from plan import main

STACK = main_stack_name("tt")
REGION = "eu-west-1"


def bucket_template(name: str) -> dict[str, Any]:
    """A retained bucket; BucketName is create-only (AWS::S3::Bucket schema)."""
    return {
        "Resources": {
            "Data": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "Properties": {"BucketName": name},
            }
        }
    }


def assembly(folder: Path, template: dict[str, Any]) -> Path:
    """A cloud assembly with one stack, as `make synth` writes it."""
    folder.mkdir()
    (folder / f"{STACK}.template.json").write_text(json.dumps(template))
    manifest = {
        "artifacts": {
            STACK: {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://123456789012/{REGION}",
                "properties": {"templateFile": f"{STACK}.template.json"},
            }
        }
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("cloudformation", region_name=REGION)


def test_deployed_stack_whose_bucket_would_be_replaced(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.create_stack(StackName=STACK, TemplateBody=json.dumps(bucket_template("langfuse-old")))
    new = assembly(tmp_path / "new", bucket_template("langfuse-new"))
    assert main(["plan", "--deployed", str(new)]) == 1
    out = capsys.readouterr()
    assert f"Compared with the deployed stacks: {STACK}." in out.out
    assert f"DATA LOSS: {STACK}/Data (AWS::S3::Bucket) replaced" in out.out


def test_deployed_stack_unchanged(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.create_stack(StackName=STACK, TemplateBody=json.dumps(bucket_template("langfuse-a")))
    new = assembly(tmp_path / "new", bucket_template("langfuse-a"))
    assert main(["plan", "--deployed", str(new)]) == 0
    assert "No stateful resource is replaced or deleted" in capsys.readouterr().out


def test_first_deploy_has_nothing_to_lose(
    aws: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = assembly(tmp_path / "new", bucket_template("langfuse-a"))
    assert main(["plan", "--deployed", str(new)]) == 0
    assert "none exists yet" in capsys.readouterr().out


@pytest.mark.usefixtures("no_aws_credentials")
def test_without_credentials_says_how_to_log_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = assembly(tmp_path / "new", bucket_template("langfuse-a"))
    assert main(["plan", "--deployed", str(new)]) == 2
    err = capsys.readouterr().err
    assert "Cannot read the deployed templates" in err
    assert "aws sso login" in err


def make_lines(target: str, *args: str) -> list[str]:
    """The commands `make <target>` would run (make -n runs nothing)."""
    out = subprocess.run(
        ["make", "-n", "--no-print-directory", target, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.splitlines()


def planned_command(*args: str) -> str:
    """The plan command `make plan` would run."""
    (line,) = [x for x in make_lines("plan", *args) if "scripts/plan.py" in x]
    return line


def recorded_as(*args: str, assembly_dir: Path) -> str:
    """Where `make deploy` would keep the deployed assembly (its record)."""
    (line,) = [x for x in make_lines("deploy", *args, f"OUT={assembly_dir}") if "cp -r" in x]
    return line.rsplit(" ", 1)[1]


def environment_file(folder: Path, name: str) -> Path:
    """A config file of environment ``name`` whose file name says nothing of it."""
    path = folder / "some-file.yaml"
    path.write_text(f"name: {name}\nregion: {REGION}\n")
    return path


@contextmanager
def deploy_record(name: str) -> Iterator[None]:
    """A `.deployed/<name>` record, as `make deploy` leaves it, for the duration."""
    record = REPO / ".deployed" / name
    if (record / "manifest.json").exists():
        yield
        return
    record.mkdir(parents=True, exist_ok=True)
    (record / "manifest.json").write_text("{}")
    try:
        yield
    finally:
        (record / "manifest.json").unlink()
        record.rmdir()


def test_make_plan_compares_with_the_last_deploy_or_with_aws() -> None:
    name = "dev"
    assert "plan.py --deployed cdk.out" in planned_command(f"ENV={name}")
    with deploy_record(name):
        assert f"plan.py .deployed/{name} cdk.out" in planned_command(f"ENV={name}")
        assert "plan.py --deployed cdk.out" in planned_command(f"ENV={name}", "FROM=aws")


def test_plan_of_a_config_file_reads_that_environments_record(tmp_path: Path) -> None:
    """The record is the environment's (`name:` in its YAML), never the one of ENV's default
    (example): comparing with another environment's assembly shows its every resource as
    deleted, a false DATA LOSS."""
    config = environment_file(tmp_path, "planprobe")
    with deploy_record("example"):
        assert "plan.py --deployed cdk.out" in planned_command(f"CONFIG={config}")
        with deploy_record("planprobe"):
            assert "plan.py .deployed/planprobe cdk.out" in planned_command(f"CONFIG={config}")


def test_deploy_keeps_each_environments_own_record(tmp_path: Path) -> None:
    """`make deploy CONFIG=f` must not overwrite example's record; ENV=dev and
    CONFIG=config/dev.yaml are one environment with one record."""
    assembly_dir = assembly(tmp_path / "new", bucket_template("langfuse-a"))
    config = environment_file(tmp_path, "planprobe")
    assert recorded_as(f"CONFIG={config}", assembly_dir=assembly_dir) == ".deployed/planprobe"
    assert recorded_as("ENV=dev", assembly_dir=assembly_dir) == ".deployed/dev"
    assert recorded_as("CONFIG=config/dev.yaml", assembly_dir=assembly_dir) == ".deployed/dev"
