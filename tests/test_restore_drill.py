"""scripts/restore_drill.py: restores the newest recovery points into new resources.

RDS runs on moto; CloudFormation's stack listing and AWS Backup (which moto does not restore)
are botocore Stubbers that also check the exact requests the script sends.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from langfuse_aws.naming import main_stack_name
from synth import REPO, SynthesizedEnvironment

sys.path.insert(0, str(REPO / "scripts"))

from restore_drill import DrillError, find_stores, latest_cluster_snapshot, main, run

REGION = "eu-west-1"
STACK = main_stack_name("tt")
CLUSTER = "langfuse-tt-database"
FILE_SYSTEM = "fs-0123456789abcdef0"
ROLE = "arn:aws:iam::123456789012:role/Langfuse-tt-BackupRole"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def stack_listing(client: Any, *, with_role: bool = True) -> Stubber:
    stubber = Stubber(client)
    stubber.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                summary("DatabaseCluster", CLUSTER, "AWS::RDS::DBCluster"),
                summary("ClickHouseData", FILE_SYSTEM, "AWS::EFS::FileSystem"),
                summary("Bucket", "langfuse-tt-bucket", "AWS::S3::Bucket"),
            ]
        },
        {"StackName": STACK},
    )
    outputs = [{"OutputKey": "BackupRestoreRoleArn", "OutputValue": ROLE}] if with_role else []
    stubber.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": STACK,
                    "CreationTime": NOW,
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": outputs,
                }
            ]
        },
        {"StackName": STACK},
    )
    return stubber


def summary(logical: str, physical: str, kind: str) -> dict[str, Any]:
    return {
        "LogicalResourceId": logical,
        "PhysicalResourceId": physical,
        "ResourceType": kind,
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": "CREATE_COMPLETE",
    }


def point(arn: str, status: str, day: int) -> dict[str, Any]:
    return {
        "RecoveryPointArn": arn,
        "Status": status,
        "CreationDate": datetime(2026, 11, day, tzinfo=UTC),
    }


class Session:
    """What run() asks of a boto3 session: clients by service name, and the region."""

    region_name = REGION

    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients = clients

    def client(self, service: str) -> Any:
        return self.clients[service]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        rds = boto3.client("rds", region_name=REGION)
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}"
            )["Subnet"]["SubnetId"]
            for i, z in enumerate("ab")
        ]
        group = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
        rds.create_db_subnet_group(
            DBSubnetGroupName="langfuse-data", DBSubnetGroupDescription="data", SubnetIds=subnets
        )
        rds.create_db_cluster(
            DBClusterIdentifier=CLUSTER,
            Engine="aurora-postgresql",
            EngineVersion="16.6",
            MasterUsername="langfuse",
            MasterUserPassword="a-long-password",
            DBSubnetGroupName="langfuse-data",
            VpcSecurityGroupIds=[group],
            StorageEncrypted=True,
            ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4},
        )
        yield {"rds": rds, "sts": boto3.client("sts", region_name=REGION), "group": group}


def backup_stub(expect_restore: bool = True) -> tuple[Any, Stubber]:
    client = boto3.client("backup", region_name=REGION)
    stubber = Stubber(client)
    arn = f"arn:aws:elasticfilesystem:{REGION}:123456789012:file-system/{FILE_SYSTEM}"
    stubber.add_response(
        "list_recovery_points_by_resource",
        {
            "RecoveryPoints": [
                point("arn:rp:older", "COMPLETED", 28),
                point("arn:rp:newest-complete", "COMPLETED", 30),
                point("arn:rp:partial", "PARTIAL", 30),
            ]
        },
        {"ResourceArn": arn},
    )
    if expect_restore:
        stubber.add_response(
            "start_restore_job",
            {"RestoreJobId": "job-1"},
            {
                "RecoveryPointArn": "arn:rp:newest-complete",
                "IamRoleArn": ROLE,
                "ResourceType": "EFS",
                "Metadata": {
                    "file-system-id": FILE_SYSTEM,
                    "newFileSystem": "true",
                    "Encrypted": "true",
                    "PerformanceMode": "generalPurpose",
                    "CreationToken": "langfuse-drill-202612011200",
                },
            },
        )
    return client, stubber


def test_finds_the_stores_and_the_restore_role() -> None:
    client = boto3.client("cloudformation", region_name=REGION)
    with stack_listing(client):
        stores = find_stores(client, STACK)
    assert (stores.cluster_id, stores.file_system_id, stores.restore_role_arn) == (
        CLUSTER,
        FILE_SYSTEM,
        ROLE,
    )


def test_drill_restores_both_into_new_resources(aws: dict[str, Any]) -> None:
    rds = aws["rds"]
    rds.create_db_cluster_snapshot(DBClusterIdentifier=CLUSTER, DBClusterSnapshotIdentifier="daily")
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    backup, backup_stubber = backup_stub()
    session = Session(
        {"cloudformation": cloudformation, "rds": rds, "sts": aws["sts"], "backup": backup}
    )
    with stack_listing(cloudformation), backup_stubber:
        steps = run(session, STACK, dry_run=False, now=NOW)
        backup_stubber.assert_no_pending_responses()
    copy = f"{CLUSTER}-drill-202612011200"
    (restored,) = rds.describe_db_clusters(DBClusterIdentifier=copy)["DBClusters"]
    assert restored["DBSubnetGroup"] == "langfuse-data"
    assert [g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]] == [aws["group"]]
    assert restored["Engine"] == "aurora-postgresql"
    assert {"Key": "langfuse-restore-drill", "Value": "true"} in restored["TagList"]
    (instance,) = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [copy]}])[
        "DBInstances"
    ]
    assert instance["DBInstanceClass"] == "db.serverless"
    (source,) = rds.describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"]
    assert source["Status"] == "available"  # the stack's own cluster is left alone
    assert any(copy in step and "delete-db-cluster" in step for step in steps)
    assert any("describe-restore-job --restore-job-id job-1" in step for step in steps)


def test_dry_run_restores_nothing(aws: dict[str, Any]) -> None:
    rds = aws["rds"]
    rds.create_db_cluster_snapshot(DBClusterIdentifier=CLUSTER, DBClusterSnapshotIdentifier="daily")
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    backup, backup_stubber = backup_stub(expect_restore=False)
    session = Session(
        {"cloudformation": cloudformation, "rds": rds, "sts": aws["sts"], "backup": backup}
    )
    with stack_listing(cloudformation), backup_stubber:
        assert run(session, STACK, dry_run=True, now=NOW) == []
    assert len(rds.describe_db_clusters()["DBClusters"]) == 1


def cluster_snapshot(name: str, status: str, day: int) -> dict[str, Any]:
    return {
        "DBClusterSnapshotIdentifier": name,
        "Status": status,
        "SnapshotCreateTime": datetime(2026, 11, day, tzinfo=UTC),
    }


def test_newest_available_snapshot_of_any_type_is_chosen() -> None:
    rds = boto3.client("rds", region_name=REGION)
    with Stubber(rds) as stubber:
        stubber.add_response(
            "describe_db_cluster_snapshots",
            {
                "DBClusterSnapshots": [
                    cluster_snapshot("rds:automated", "available", 29),
                    cluster_snapshot("awsbackup:job-1", "available", 30),
                    cluster_snapshot("manual-in-progress", "creating", 30),
                ]
            },
            {"DBClusterIdentifier": CLUSTER},
        )
        chosen = latest_cluster_snapshot(rds, CLUSTER)
    assert chosen["DBClusterSnapshotIdentifier"] == "awsbackup:job-1"


def test_no_snapshot_yet_says_when_there_will_be() -> None:
    rds = boto3.client("rds", region_name=REGION)
    with Stubber(rds) as stubber:
        stubber.add_response(
            "describe_db_cluster_snapshots",
            {"DBClusterSnapshots": [cluster_snapshot("manual", "creating", 30)]},
            {"DBClusterIdentifier": CLUSTER},
        )
        with pytest.raises(DrillError, match="no available snapshot yet"):
            latest_cluster_snapshot(rds, CLUSTER)


def test_without_backups_the_efs_restore_is_refused(aws: dict[str, Any]) -> None:
    aws["rds"].create_db_cluster_snapshot(
        DBClusterIdentifier=CLUSTER, DBClusterSnapshotIdentifier="d"
    )
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    session = Session({"cloudformation": cloudformation, "rds": aws["rds"]})
    with (
        stack_listing(cloudformation, with_role=False),
        pytest.raises(DrillError, match=r"backup\.enabled: false"),
    ):
        run(session, STACK, dry_run=True, now=NOW)


@pytest.mark.usefixtures("no_aws_credentials")
def test_without_credentials_says_how_to_log_in(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([STACK, "--region", REGION]) == 1
    assert "Log in first" in capsys.readouterr().err


def test_stack_outputs_the_role_that_may_restore(example: SynthesizedEnvironment) -> None:
    output = example.main["Outputs"]["BackupRestoreRoleArn"]["Value"]
    role_id = output["Fn::GetAtt"][0]
    (selection,) = example.resources("AWS::Backup::BackupSelection").values()
    assert selection["Properties"]["BackupSelection"]["IamRoleArn"] == output
    policies = json.dumps(example.resources("AWS::IAM::Role")[role_id]["Properties"])
    assert "AWSBackupServiceRolePolicyForBackup" in policies
    assert "AWSBackupServiceRolePolicyForRestores" in policies
