"""Moving ClickHouse between modes (fargate/EFS, ec2/EBS, external) is a data move: `plan`
refuses it, with the BACKUP/RESTORE path, until the operator names the backup the data comes
back from, and says what happens to the old store.

The templates are built by hand with the resource types and logical ids the app synthesizes
(config/example.yaml: ClickHouseData9DECA92C is the AWS::EFS::FileSystem of mode fargate, its
password secret and log group are ClickHouse*, the web task sets CLICKHOUSE_URL). What
CloudFormation does to a resource that leaves the template follows its DeletionPolicy
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html):
Retain keeps it, Snapshot (EBS volumes among others, not EFS) deletes it after a snapshot,
Delete (the default) deletes it.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from langfuse_aws.cli import app as app_module
from langfuse_aws.cli import lifecycle, target
from langfuse_aws.clickhouse_move import clickhouse_moves, clickhouse_side
from langfuse_aws.naming import main_stack_name
from langfuse_aws.plan import main

STACK = main_stack_name("tt")
REGION = "eu-west-1"
BUCKET = "langfuse-tt-clickhousebackups-1a2b3c"
NEWEST = "20261201T020000Z-incr"
FULL = "20261130T020000Z-full"
ROOT = f"https://{BUCKET}.s3.{REGION}.amazonaws.com/clickhouse-backups/"


def web_task(url: str) -> dict[str, Any]:
    """Langfuse's web task definition: it reads ClickHouse's address from CLICKHOUSE_URL."""
    return {
        "Type": "AWS::ECS::TaskDefinition",
        "Properties": {
            "ContainerDefinitions": [
                {"Name": "web", "Environment": [{"Name": "CLICKHOUSE_URL", "Value": url}]}
            ]
        },
    }


def template(mode: str, policy: str = "Retain") -> dict[str, Any]:
    """The main stack with ClickHouse in ``mode``; ``policy`` is its store's DeletionPolicy."""
    resources: dict[str, Any] = {
        "StorageBucket5CB7C8EA": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "Properties": {},
        },
        "ClickHouseBackupsBucketA1B2C3D4": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "Properties": {},
        },
    }
    server = {
        "ClickHousePasswordA48A2467": {
            "Type": "AWS::SecretsManager::Secret",
            "DeletionPolicy": policy if policy != "Snapshot" else "Retain",
            "Properties": {},
        },
        "ClickHouseLogsA4F01CF0": {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "Properties": {"RetentionInDays": 30},
        },
    }
    if mode == "fargate":
        resources.update(server)
        resources["ClickHouseData9DECA92C"] = {
            "Type": "AWS::EFS::FileSystem",
            "DeletionPolicy": policy,
            "Properties": {"Encrypted": True, "PerformanceMode": "generalPurpose"},
        }
        resources["ClickHouseServiceCD2B94F8"] = {"Type": "AWS::ECS::Service", "Properties": {}}
        resources["WebTask30236CB9"] = web_task("http://clickhouse-http:8123")
    elif mode == "ec2":
        resources.update(server)
        resources["ClickHouseDataVolume5E6F7A8B"] = {
            "Type": "AWS::EC2::Volume",
            "DeletionPolicy": policy,
            "Properties": {"AvailabilityZone": "eu-west-1a", "Encrypted": True, "Size": 100},
        }
        resources["ClickHouseInstance1A2B3C4D"] = {"Type": "AWS::EC2::Instance", "Properties": {}}
        resources["WebTask30236CB9"] = web_task("http://clickhouse.langfuse.internal:8123")
    else:
        resources["WebTask30236CB9"] = web_task("https://abc.eu-west-1.aws.clickhouse.cloud:8443")
    return {"Resources": resources}


def assembly(folder: Path, body: dict[str, Any]) -> Path:
    """A cloud assembly with the main stack, as `make synth` writes it."""
    folder.mkdir(parents=True)
    (folder / f"{STACK}.template.json").write_text(json.dumps(body))
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


def planned(tmp_path: Path, old: dict[str, Any], new: dict[str, Any], *flags: str) -> int:
    """`python scripts/plan.py OLD NEW [flags]` (its output goes to capsys)."""
    before, after = assembly(tmp_path / "old", old), assembly(tmp_path / "new", new)
    return main(["plan", str(before), str(after), *flags])


TRANSITIONS = [
    ("fargate", "ec2"),
    ("fargate", "external"),
    ("ec2", "fargate"),
    ("ec2", "external"),
    ("external", "fargate"),
    ("external", "ec2"),
]
STEPS = (
    "1. Stop writes",
    "2. Take a backup",
    "3. Deploy the new mode: langfuse-aws deploy tt --clickhouse-restore-from <backup name>",
    "4. Restore into the new ClickHouse",
    "5. Verify",
    "6. Scale up",
)


@pytest.mark.parametrize(("before", "after"), TRANSITIONS)
def test_every_mode_change_is_refused_with_the_path(
    before: str, after: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert planned(tmp_path, template(before), template(after)) == 1
    out, err = capsys.readouterr()
    assert f"CLICKHOUSE MOVE: {STACK} moves ClickHouse from {before}" in out
    assert f" to {after}" in out
    assert "The new ClickHouse starts EMPTY" in out
    for step in STEPS:
        assert step in out
    assert "ClickHouse would start empty" in err
    assert "--clickhouse-restore-from <backup name>" in err


@pytest.mark.parametrize("mode", ["fargate", "ec2", "external"])
def test_an_unchanged_mode_moves_nothing(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = template(mode)
    new = copy.deepcopy(old)
    new["Resources"]["WebTask30236CB9"]["Properties"]["Cpu"] = "2048"  # a stateless change
    assert clickhouse_moves({STACK: (REGION, old)}, {STACK: (REGION, new)}) == []
    assert planned(tmp_path, old, new) == 0
    assert "CLICKHOUSE MOVE" not in capsys.readouterr().out


def test_each_mode_is_read_from_the_template() -> None:
    """EFS: fargate; an EBS volume: ec2; neither, with a Langfuse task reading CLICKHOUSE_URL:
    external; a stack without Langfuse (the us-east-1 one): no ClickHouse at all."""
    modes = [clickhouse_side(template(mode)) for mode in ("fargate", "ec2", "external")]
    assert [side.mode if side else None for side in modes] == ["fargate", "ec2", "external"]
    certificate = {"Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {}}}
    assert clickhouse_side({"Resources": certificate}) is None


@pytest.mark.parametrize(
    ("before", "policy", "fate"),
    [
        ("fargate", "Retain", "leaves the stack and is KEPT (DeletionPolicy Retain)"),
        ("fargate", "Delete", "WARNING: The old EFS file system ClickHouseData9DECA92C is DELETED"),
        ("ec2", "Snapshot", "is DELETED after a final snapshot (DeletionPolicy Snapshot)"),
        ("ec2", "Delete", "WARNING: The old EBS volume ClickHouseDataVolume5E6F7A8B is DELETED"),
    ],
)
def test_the_plan_says_what_happens_to_the_old_store(
    before: str, policy: str, fate: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Retained in a data_protection: retain environment; in a disposable one (DeletionPolicy
    Delete) the store and its data are deleted by the deploy itself."""
    after = "ec2" if before == "fargate" else "fargate"
    assert planned(tmp_path, template(before, policy), template(after)) == 1
    assert fate in capsys.readouterr().out


def put_backup(s3: Any, name: str, base: str | None = None) -> None:
    """A complete backup: its ``.backup`` file names the backup it is incremental on
    (``<base_backup>S3('<url>')</base_backup>``, as ClickHouse writes it)."""
    element = f"<base_backup>S3('{ROOT}{base}/')</base_backup>" if base else ""
    body = f"<config><version>1</version>{element}<contents></contents></config>"
    s3.put_object(Bucket=BUCKET, Key=f"clickhouse-backups/{name}/.backup", Body=body.encode())


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The deployed main stack, with its ClickHouseBackupBucket output, in moto; the bucket
    holds a full backup and, newest, an incremental one on it. Returns the S3 client."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        body = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"ClickHouseBackupBucket": {"Value": BUCKET}},
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=STACK, TemplateBody=json.dumps(body)
        )
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        put_backup(s3, FULL)
        put_backup(s3, NEWEST, base=FULL)
        yield s3


def test_naming_the_newest_backup_lets_the_move_through(
    deployed: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The store, password and logs of the old server are the move's, not DATA LOSS; the
    backup named is checked to be the newest complete one in the stack's backup bucket."""
    flags = ("--clickhouse-restore-from", NEWEST)
    assert planned(tmp_path, template("fargate"), template("ec2"), *flags) == 0
    out = capsys.readouterr().out
    assert f"CLICKHOUSE MOVE: {STACK}/ClickHouseData9DECA92C (AWS::EFS::FileSystem) deleted" in out
    assert "DATA LOSS" not in out
    assert f"Checked: {NEWEST} is the newest complete ClickHouse backup in s3://{BUCKET}/" in out
    assert "a restore reads 2 backup(s), all complete" in out  # the incremental and its base
    assert f"RESTORE DATABASE default FROM S3('{ROOT}{NEWEST}/')" in out
    assert f"Stated: the data comes back from ClickHouse backup {NEWEST}" in out
    assert "4. Restore into the new ClickHouse" in out  # the steps after the deploy are still shown
    assert (
        "No other stateful resource is replaced or deleted than the stated ClickHouse move" in out
    )


def test_an_older_backup_is_refused(
    deployed: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Restoring an older backup would lose what was written since the newest one."""
    flags = ("--clickhouse-restore-from", FULL)
    assert planned(tmp_path, template("fargate"), template("ec2"), *flags) == 1
    err = capsys.readouterr().err
    assert f"{FULL} is not the newest complete ClickHouse backup" in err
    assert f"the newest is {NEWEST}" in err


def test_a_backup_whose_base_is_gone_is_refused(
    deployed: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An incremental backup restores only with every backup under it (ClickHouse reads its
    base itself): a deleted base makes it unrestorable."""
    deployed.delete_object(Bucket=BUCKET, Key=f"clickhouse-backups/{FULL}/.backup")
    flags = ("--clickhouse-restore-from", NEWEST)
    assert planned(tmp_path, template("fargate"), template("ec2"), *flags) == 1
    assert f"Backup {NEWEST} cannot be restored" in capsys.readouterr().err


def test_a_disposable_store_is_still_announced_as_deleted(
    deployed: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ("--clickhouse-restore-from", NEWEST)
    old = template("fargate", "Delete")
    assert planned(tmp_path, old, template("external"), *flags) == 0
    assert "WARNING: The old EFS file system ClickHouseData9DECA92C is DELETED" in (
        capsys.readouterr().out
    )


def test_the_move_covers_only_clickhouses_own_data(
    deployed: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bucket that goes in the same deploy is DATA LOSS still, even ClickHouse's backup
    bucket: it holds the very backup to restore."""
    new = template("ec2")
    del new["Resources"]["StorageBucket5CB7C8EA"]
    del new["Resources"]["ClickHouseBackupsBucketA1B2C3D4"]
    flags = ("--clickhouse-restore-from", NEWEST)
    assert planned(tmp_path, template("fargate"), new, *flags) == 1
    out = capsys.readouterr().out
    assert f"DATA LOSS: {STACK}/StorageBucket5CB7C8EA (AWS::S3::Bucket) deleted" in out
    assert f"DATA LOSS: {STACK}/ClickHouseBackupsBucketA1B2C3D4 (AWS::S3::Bucket) deleted" in out


def test_without_the_backup_bucket_output_there_is_nothing_to_restore(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=STACK,
            TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
        )
        flags = ("--clickhouse-restore-from", NEWEST)
        assert planned(tmp_path, template("fargate"), template("ec2"), *flags) == 1
    assert "has no ClickHouseBackupBucket output" in capsys.readouterr().err


@pytest.mark.usefixtures("no_aws_credentials")
def test_leaving_an_external_clickhouse_needs_no_aws_to_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The external service's backups are not the stack's: nothing to check in AWS."""
    flags = ("--clickhouse-restore-from", "cloud-backup-7")
    assert planned(tmp_path, template("external"), template("fargate"), *flags) == 0
    assert "Not checked: cloud-backup-7 is a backup of the external ClickHouse" in (
        capsys.readouterr().out
    )


@pytest.mark.usefixtures("no_aws_credentials")
def test_checking_the_backup_without_credentials_says_how_to_log_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ("--clickhouse-restore-from", NEWEST)
    assert planned(tmp_path, template("fargate"), template("ec2"), *flags) == 2
    assert "Log in first" in capsys.readouterr().err


# `langfuse-aws plan` and `deploy`: the same judgement, through the command line. A stand-in
# CDK CLI writes the new template where `synth --output` says and records `deploy`; the deploy
# record (the state directory's deployed/) holds the template that runs now.
FAKE_CDK = f"""#!{sys.executable}
import json, os, pathlib, sys
args = sys.argv[1:]
with open(os.environ["FAKE_CDK_CALLS"], "a") as calls:
    calls.write(json.dumps(args) + "\\n")
if args[0] == "synth":
    out = pathlib.Path(args[args.index("--output") + 1])
    out.mkdir(parents=True)
    (out / "{STACK}.template.json").write_text(os.environ["FAKE_CDK_TEMPLATE"])
    (out / "manifest.json").write_text(json.dumps({{"artifacts": {{"{STACK}": {{
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/{REGION}",
        "properties": {{"templateFile": "{STACK}.template.json"}}}}}}}}))
    if "validate=true" in args:
        (out / "validation-report.json").write_text('{{"pluginReports": []}}')
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment tt deployed with ClickHouse on fargate; its YAML now synthesizes ec2.
    Returns the file of the stand-in CDK CLI's calls."""
    fake = tmp_path / "cdk"
    fake.write_text(FAKE_CDK)
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    monkeypatch.setenv("FAKE_CDK_CALLS", str(calls))
    monkeypatch.setenv("FAKE_CDK_TEMPLATE", json.dumps(template("ec2")))
    monkeypatch.setattr(target, "cdk_executable", lambda: fake)
    monkeypatch.setattr(lifecycle, "cdk_executable", lambda: fake)
    (tmp_path / "tt.yaml").write_text(f"name: tt\nregion: {REGION}\n")
    assembly(tmp_path / ".langfuse-aws" / "tt" / "deployed", template("fargate"))
    monkeypatch.chdir(tmp_path)
    return calls


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app_module.app, list(args), terminal_width=200)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def deployed_by_cdk(calls: Path) -> bool:
    lines = calls.read_text().splitlines() if calls.exists() else []
    return any(json.loads(line)[0] == "deploy" for line in lines)


def test_the_command_line_plan_refuses_a_move_with_the_steps(cli: Path) -> None:
    code, output = invoke("plan", "tt")
    assert code == 1
    assert f"CLICKHOUSE MOVE: {STACK} moves ClickHouse from fargate" in output
    assert "3. Deploy the new mode: langfuse-aws deploy tt --clickhouse-restore-from" in output
    assert "ClickHouse would start empty" in output


def test_deploy_refuses_a_move_until_the_backup_is_named(cli: Path, deployed: Any) -> None:
    code, output = invoke("deploy", "tt")
    assert code == 1
    assert "Not deployed" in output
    assert not deployed_by_cdk(cli)
    code, output = invoke("deploy", "tt", "--clickhouse-restore-from", FULL)
    assert code == 1  # not the newest backup
    assert f"the newest is {NEWEST}" in output
    assert not deployed_by_cdk(cli)
    code, output = invoke("deploy", "tt", "--clickhouse-restore-from", NEWEST)
    assert code == 0, output
    assert f"Checked: {NEWEST} is the newest complete ClickHouse backup" in output
    assert deployed_by_cdk(cli)


def test_deploy_with_allow_data_loss_starts_clickhouse_empty_on_purpose(cli: Path) -> None:
    code, output = invoke("deploy", "tt", "--allow-data-loss")
    assert code == 0, output
    assert "CLICKHOUSE MOVE" in output
    assert deployed_by_cdk(cli)
