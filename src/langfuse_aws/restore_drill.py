"""Restore drill: a stack's newest Aurora, EFS and ClickHouse backups, restored into new resources.

    python scripts/restore_drill.py Langfuse-prod --region eu-west-1 [--dry-run]
        [--only aurora|efs|clickhouse ...]

Finds the stack's Aurora cluster, ClickHouse file system and AWS Backup restore role (stack
output BackupRestoreRoleArn), then
- Aurora: restores the newest available cluster snapshot (AWS Backup's daily recovery point,
  or an automated or manual snapshot, whichever is newest) into a new cluster
  ``<cluster>-drill-<time>`` with one Serverless v2 instance, in the same subnet group and
  security groups, encrypted like the source;
- EFS: starts an AWS Backup restore job of the newest completed recovery point into a new,
  encrypted file system;
- ClickHouse (when the stack has ClickHouse backups, output ClickHouseBackupBucket): restores
  the newest complete backup into a scratch ClickHouse that runs once as a Fargate task and
  reports each table's row count, then removes the task and its task definition
  (``clickhouse_drill``).
Nothing in the stack changes. It prints the steps left: wait, check the data, delete the copies.
--dry-run only prints what it would restore. Needs credentials for the stack's account.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .clickhouse_drill import BACKUP_BUCKET_OUTPUT, ClickHouseDrillError, Poll, drill_clickhouse

RESTORE_ROLE_OUTPUT = "BackupRestoreRoleArn"
DRILL_TAG = {"Key": "langfuse-restore-drill", "Value": "true"}
PARTS = ("aurora", "efs", "clickhouse")
"""What the drill can restore; ``--only`` picks some, by default every one the stack has."""
CLICKHOUSE_SERVER_ID = "ClickHouse"
"""Construct id of the ClickHouse server: its resources' logical ids start with it."""


@dataclass(frozen=True)
class StackStores:
    """The stack's stores and the role AWS Backup restores with."""

    cluster_id: str | None
    file_system_id: str | None
    restore_role_arn: str | None
    ecs_cluster: str | None = None
    clickhouse_service: str | None = None
    """ARN of the ClickHouse server's ECS service (the scratch server copies it)."""
    clickhouse_backup_bucket: str | None = None
    """Bucket of the ClickHouse backups (stack output ClickHouseBackupBucket), if any."""


class DrillError(Exception):
    """Something the drill cannot do; the message says why and what to do."""


def find_stores(cloudformation: Any, stack: str) -> StackStores:
    """Physical ids of the Aurora cluster, EFS file system, ECS cluster and ClickHouse server
    service, and the restore role and ClickHouse backup bucket outputs."""
    found: dict[str, str] = {}
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            kind, physical = resource["ResourceType"], resource.get("PhysicalResourceId")
            if physical is None:
                continue
            if kind == "AWS::ECS::Service":
                if resource["LogicalResourceId"].startswith(CLICKHOUSE_SERVER_ID):
                    found["clickhouse_service"] = physical
            else:
                found[kind] = physical
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return StackStores(
        found.get("AWS::RDS::DBCluster"),
        found.get("AWS::EFS::FileSystem"),
        outputs.get(RESTORE_ROLE_OUTPUT),
        ecs_cluster=found.get("AWS::ECS::Cluster"),
        clickhouse_service=found.get("clickhouse_service"),
        clickhouse_backup_bucket=outputs.get(BACKUP_BUCKET_OUTPUT),
    )


def parts_to_drill(stores: StackStores, only: Iterable[str] | None, stack: str) -> list[str]:
    """The parts ``only`` names (all the stack has, when None); a named part the stack lacks
    is an error."""
    backups = stores.clickhouse_backup_bucket is not None
    server = stores.clickhouse_service is not None and stores.ecs_cluster is not None
    present = {
        "aurora": stores.cluster_id is not None,
        "efs": stores.file_system_id is not None,
        "clickhouse": backups and server,
    }
    missing = {
        "aurora": f"Stack {stack} has no Aurora cluster.",
        "efs": f"Stack {stack} has no EFS file system (ClickHouse is not in mode fargate).",
        "clickhouse": f"Stack {stack} has no ClickHouse server service: the scratch server "
        "copies that ECS service's task definition and network, and ClickHouse in mode ec2 "
        "runs on an EC2 instance instead."
        if backups
        else f"Stack {stack} has no ClickHouse backups (no {BACKUP_BUCKET_OUTPUT} output): "
        "its ClickHouse is external, or the stack predates ClickHouse backups.",
    }
    if only is None:
        if backups and not server:
            print(f"ClickHouse: not drilled. {missing['clickhouse']}")
        chosen = [part for part in PARTS if present[part]]
        if not chosen:
            raise DrillError(
                f"Stack {stack} has no Aurora cluster, no EFS file system and no ClickHouse "
                f"backups to drill ({BACKUP_BUCKET_OUTPUT} output and ClickHouse service)."
            )
        return chosen
    chosen = [part for part in PARTS if part in set(only)]
    for part in chosen:
        if not present[part]:
            raise DrillError(missing[part])
    return chosen


def _newest(
    pages: Iterable[dict[str, Any]], items: str, status: str, created: str, missing: str
) -> dict[str, Any]:
    """The newest item (by ``created``) of the paginated ``items`` whose Status is ``status``;
    ``missing`` says what to do when there is none yet."""
    ready = [item for page in pages for item in page[items] if item["Status"] == status]
    if not ready:
        raise DrillError(missing)
    return max(ready, key=lambda item: item[created])


def latest_cluster_snapshot(rds: Any, cluster_id: str) -> dict[str, Any]:
    """The newest available snapshot of ``cluster_id``, of any type (awsbackup included)."""
    return _newest(
        rds.get_paginator("describe_db_cluster_snapshots").paginate(DBClusterIdentifier=cluster_id),
        "DBClusterSnapshots",
        "available",
        "SnapshotCreateTime",
        f"Aurora cluster {cluster_id} has no available snapshot yet: the first daily backup "
        "runs at backup.hour_utc, or take one with aws rds create-db-cluster-snapshot.",
    )


def restore_aurora(rds: Any, cluster_id: str, suffix: str, dry_run: bool) -> list[str]:
    """Restores the newest snapshot into a new cluster; returns the steps left."""
    (source,) = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"]
    snapshot = latest_cluster_snapshot(rds, cluster_id)
    target = f"{cluster_id}-drill-{suffix}"[:63]
    print(
        f"Aurora: {snapshot['DBClusterSnapshotIdentifier']} "
        f"({snapshot['SnapshotCreateTime']:%Y-%m-%d %H:%M} UTC) -> new cluster {target}"
    )
    if dry_run:
        return []
    scaling = source.get("ServerlessV2ScalingConfiguration") or {
        "MinCapacity": 0.5,
        "MaxCapacity": 4,
    }
    restore: dict[str, Any] = {
        "DBClusterIdentifier": target,
        "SnapshotIdentifier": snapshot["DBClusterSnapshotIdentifier"],
        "Engine": source["Engine"],
        "EngineVersion": source["EngineVersion"],
        "DBSubnetGroupName": source["DBSubnetGroup"],
        "VpcSecurityGroupIds": [g["VpcSecurityGroupId"] for g in source["VpcSecurityGroups"]],
        "ServerlessV2ScalingConfiguration": scaling,
        "DeletionProtection": False,
        "Tags": [DRILL_TAG],
    }
    if source.get("KmsKeyId"):
        restore["KmsKeyId"] = source["KmsKeyId"]
    rds.restore_db_cluster_from_snapshot(**restore)
    rds.create_db_instance(
        DBInstanceIdentifier=f"{target}-1"[:63],
        DBClusterIdentifier=target,
        DBInstanceClass="db.serverless",
        Engine=source["Engine"],
        Tags=[DRILL_TAG],
    )
    return [
        f"aws rds wait db-instance-available --db-instance-identifier {target}-1",
        f"Check the data: connect to {target} with the stack's database secret (same user and "
        "password as at snapshot time) from a task in the VPC, e.g. ECS Exec into the web task "
        "and psql; count rows in traces, observations and users.",
        f"Delete the copy: aws rds delete-db-instance --db-instance-identifier {target}-1 && "
        f"aws rds delete-db-cluster --db-cluster-identifier {target} --skip-final-snapshot",
    ]


def latest_recovery_point(backup: Any, resource_arn: str) -> dict[str, Any]:
    """The newest completed AWS Backup recovery point of ``resource_arn``."""
    return _newest(
        backup.get_paginator("list_recovery_points_by_resource").paginate(ResourceArn=resource_arn),
        "RecoveryPoints",
        "COMPLETED",
        "CreationDate",
        f"{resource_arn} has no completed recovery point yet: the first daily backup runs "
        "at backup.hour_utc (or start one: AWS Backup console > Create on-demand backup).",
    )


def restore_efs(
    backup: Any, file_system_arn: str, role_arn: str, suffix: str, dry_run: bool
) -> list[str]:
    """Starts a restore of the newest recovery point into a new file system."""
    point = latest_recovery_point(backup, file_system_arn)
    file_system_id = file_system_arn.rsplit("/", 1)[-1]
    print(
        f"EFS: {point['RecoveryPointArn']} ({point['CreationDate']:%Y-%m-%d %H:%M} UTC) "
        "-> new file system"
    )
    if dry_run:
        return []
    job = backup.start_restore_job(
        RecoveryPointArn=point["RecoveryPointArn"],
        IamRoleArn=role_arn,
        ResourceType="EFS",
        Metadata={
            "file-system-id": file_system_id,
            "newFileSystem": "true",
            "Encrypted": "true",
            "PerformanceMode": "generalPurpose",
            "CreationToken": f"langfuse-drill-{suffix}",
        },
    )
    job_id = job["RestoreJobId"]
    return [
        f"aws backup describe-restore-job --restore-job-id {job_id} "
        "(wait for COMPLETED; CreatedResourceArn is the new file system)",
        "Check the data: mount the new file system from a one-off task in the VPC and list "
        "/clickhouse (store/, metadata/); its size should match the source's.",
        "Delete the copy: aws efs delete-file-system --file-system-id <new id> (after deleting "
        "its mount targets, if you made any).",
    ]


def run(
    session: Any,
    stack: str,
    dry_run: bool,
    now: datetime | None = None,
    only: Iterable[str] | None = None,
    poll: Poll | None = None,
) -> list[str]:
    """The whole drill with clients from ``session``; returns the steps left. ``only`` picks
    parts (aurora, efs, clickhouse); ``poll`` is how the ClickHouse drill waits."""
    stores = find_stores(session.client("cloudformation"), stack)
    moment = now or datetime.now(UTC)
    suffix = f"{moment:%Y%m%d%H%M}"
    steps: list[str] = []
    parts = parts_to_drill(stores, only, stack)
    if "aurora" in parts and stores.cluster_id is not None:
        steps += restore_aurora(session.client("rds"), stores.cluster_id, suffix, dry_run)
    if "efs" in parts and stores.file_system_id is not None:
        if stores.restore_role_arn is None:
            raise DrillError(
                f"Stack {stack} has no {RESTORE_ROLE_OUTPUT} output: backups are off "
                "(backup.enabled: false), so there is no recovery point to restore."
            )
        identity = session.client("sts").get_caller_identity()
        arn = (
            f"arn:aws:elasticfilesystem:{session.region_name}:{identity['Account']}:"
            f"file-system/{stores.file_system_id}"
        )
        steps += restore_efs(
            session.client("backup"), arn, stores.restore_role_arn, suffix, dry_run
        )
    if "clickhouse" in parts and stores.clickhouse_backup_bucket is not None:
        try:
            drill_clickhouse(
                session,
                bucket=stores.clickhouse_backup_bucket,
                cluster=stores.ecs_cluster,
                service=stores.clickhouse_service,
                dry_run=dry_run,
                now=moment,
                poll=poll,
            )
        except ClickHouseDrillError as error:
            message = str(error)
            if steps:  # Aurora and EFS restores already run: their clean-up must not be lost
                message += "\nThe other restores were started; steps left:" + "".join(
                    f"\n  {number}. {step}" for number, step in enumerate(steps, 1)
                )
            raise DrillError(message) from error
    return steps


def main(argv: list[str] | None = None) -> int:
    """Run the drill and print the steps left; exit 1 with a reason when it cannot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("stack", help="the main stack, e.g. Langfuse-prod")
    parser.add_argument("--region", required=True, help="the environment's region")
    parser.add_argument("--dry-run", action="store_true", help="only say what would be restored")
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="restore only this part (repeatable); default: every part the stack has",
    )
    args = parser.parse_args(argv)

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    started = time.monotonic()
    try:
        steps = run(
            boto3.Session(region_name=args.region), args.stack, args.dry_run, only=args.only
        )
    except DrillError as error:
        print(f"Restore drill stopped: {error}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(
            f"Restore drill stopped: {error}\nLog in first (aws sso login, or set AWS_PROFILE) "
            "with a role that may read the stack and restore (rds, backup, ecs, logs, s3, "
            "iam:PassRole).",
            file=sys.stderr,
        )
        return 1
    if args.dry_run:
        print("Dry run: nothing was restored.")
        return 0
    if not steps:
        print(f"Done in {time.monotonic() - started:.0f} s; nothing is left to clean up.")
        return 0
    print(f"Restores started in {time.monotonic() - started:.0f} s. Steps left:")
    for number, step in enumerate(steps, 1):
        print(f"  {number}. {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
