"""A ClickHouse that changes where it runs: what the deployed and the new templates say, and the
path that moves the data (BACKUP/RESTORE) instead of losing it.

Where ClickHouse runs is read from each template, not from the YAML, so that ``plan`` judges
what CloudFormation will really do: an ``AWS::EFS::FileSystem`` is the store of ``mode:
fargate``, an ``AWS::EC2::Volume`` the store of ``mode: ec2`` (no other part of the stack makes
either), and a Langfuse stack with neither uses an external ClickHouse (its task definitions set
CLICKHOUSE_URL). When the mode changes, the old store leaves the stack (kept or deleted as its
DeletionPolicy says) and the new server starts empty: the plan refuses until the operator names
the backup the data comes back from (``--clickhouse-restore-from``), which is checked to be the
newest complete backup in the bucket, so that no newer data is left behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from . import clickhouse_backups
from .clickhouse_backups import LANGFUSE_DATABASE, BackupLocation
from .clickhouse_drill import BACKUP_BUCKET_OUTPUT, age

Mode = Literal["fargate", "ec2", "external"]
STORES: dict[str, Mode] = {"AWS::EFS::FileSystem": "fargate", "AWS::EC2::Volume": "ec2"}
STORE_NAMES = {"AWS::EFS::FileSystem": "EFS file system", "AWS::EC2::Volume": "EBS volume"}
EC2_SERVER_TYPES = {
    "AWS::EC2::Instance",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::AutoScalingGroup",
}
"""An EC2 server of ClickHouse whose data volume is not a resource of its own."""
SERVER_ID = "ClickHouse"
"""Construct id of the ClickHouse server: the logical ids of its resources start with it."""
SERVER_TYPES = {
    "AWS::EFS::FileSystem",
    "AWS::EC2::Volume",
    "AWS::SecretsManager::Secret",
    "AWS::Logs::LogGroup",
}
"""Stateful resources of the old server that a stated move covers: its store, its password and
its logs. Never a bucket or a key: those may hold or decrypt the backup being restored."""
RETAINING = {"Retain", "RetainExceptOnCreate"}
URL_VARIABLE = "CLICKHOUSE_URL"
"""The variable Langfuse reads ClickHouse's HTTP endpoint from (langfuse/contract.py)."""


class MoveError(ValueError):
    """The named backup cannot be checked or is not the one to restore; the message says why."""


@dataclass(frozen=True)
class ClickHouseSide:
    """Where one template runs ClickHouse, and the resource that holds its data."""

    mode: Mode
    store_id: str | None = None
    store_type: str | None = None
    deletion_policy: str | None = None

    def __str__(self) -> str:
        if self.store_id is None or self.store_type is None:
            return self.mode
        return f"{self.mode} ({STORE_NAMES[self.store_type]} {self.store_id})"


def clickhouse_side(template: dict[str, Any]) -> ClickHouseSide | None:
    """Where ``template`` runs ClickHouse; None for a stack without Langfuse (e.g. -Global)."""
    resources: dict[str, Any] = template.get("Resources", {})
    for logical_id, resource in sorted(resources.items()):
        mode = STORES.get(resource.get("Type", ""))
        if mode is not None:
            return ClickHouseSide(
                mode, logical_id, resource["Type"], resource.get("DeletionPolicy")
            )
    for logical_id, resource in resources.items():
        if logical_id.startswith(SERVER_ID) and resource.get("Type") in EC2_SERVER_TYPES:
            return ClickHouseSide("ec2")
    for resource in resources.values():
        if resource.get("Type") == "AWS::ECS::TaskDefinition" and URL_VARIABLE in json.dumps(
            resource.get("Properties", {}).get("ContainerDefinitions", [])
        ):
            return ClickHouseSide("external")
    return None


@dataclass(frozen=True)
class ClickHouseMove:
    """One stack whose ClickHouse moves: from where, to where."""

    stack: str
    region: str
    before: ClickHouseSide
    after: ClickHouseSide

    @property
    def store_fate(self) -> str:
        """What CloudFormation does to the old store when the stack no longer has it."""
        if self.before.store_id is None:
            return "The old ClickHouse is outside the stack: the stack changes nothing there."
        store = f"The old {STORE_NAMES[str(self.before.store_type)]} {self.before.store_id}"
        if self.before.deletion_policy in RETAINING:
            return (
                f"{store} leaves the stack and is KEPT (DeletionPolicy "
                f"{self.before.deletion_policy}): delete it yourself once the move is verified."
            )
        if self.before.deletion_policy == "Snapshot":
            return f"{store} is DELETED after a final snapshot (DeletionPolicy Snapshot)."
        return (
            f"WARNING: {store} is DELETED with its data during the deploy (DeletionPolicy "
            "Delete: this environment's data_protection is disposable). Only the backup keeps "
            "the data."
        )

    @property
    def backed_up_here(self) -> bool:
        """Whether the old ClickHouse is one the stack backs up (fargate or ec2)."""
        return self.before.mode != "external"

    def summary(self) -> list[str]:
        """What the move does to the data."""
        return [
            f"CLICKHOUSE MOVE: {self.stack} moves ClickHouse from {self.before} to {self.after}.",
            "  The new ClickHouse starts EMPTY: traces, observations and scores stay behind "
            "unless they are restored from a ClickHouse backup.",
            f"  {self.store_fate}",
        ]

    def steps(self, env: str) -> list[str]:
        """The path that moves the data (BACKUP/RESTORE), numbered."""
        hold = (
            "hold web and worker at 0 tasks: for each of the two services (aws ecs "
            "list-services --cluster <ClusterName output>), aws application-autoscaling "
            "register-scalable-target --service-namespace ecs --scalable-dimension "
            "ecs:service:DesiredCount --resource-id service/<cluster>/<service> "
            "--min-capacity 0 --max-capacity 0, then aws ecs update-service --cluster "
            "<cluster> --service <service> --desired-count 0"
        )
        backup = (
            f"Take a backup now: run the scheduled ClickHouse backup task once (its task "
            f"definition, in cluster <ClusterName output>), then langfuse-aws restore-drill {env} "
            "--only clickhouse restores the newest backup into a scratch server: note its "
            "name and its row counts."
            if self.backed_up_here
            else "Take a backup of the external ClickHouse now (BACKUP DATABASE default TO "
            "S3(...), or your provider's backup) and count its rows: SELECT name, total_rows "
            "FROM system.tables WHERE database = 'default'."
        )
        lines = [
            f"Stop writes so that the backup has everything: {hold}.",
            backup,
            f"Deploy the new mode: langfuse-aws deploy {env} --clickhouse-restore-from "
            "<backup name>. The deploy starts web and worker again (CloudFormation sets the "
            "services' DesiredCount) and their start-up migrations create Langfuse's tables, "
            "empty, in the new ClickHouse: hold web and worker at 0 again at once (step 1).",
            "Restore into the new ClickHouse with clickhouse-client (ECS Exec into its task, "
            "SSM Session Manager on its instance, or the provider's SQL console): "
            f"{restore_statement(self.region)} then SELECT status, error FROM system.backups "
            "WHERE id = '<the id it printed>' until RESTORED (ASYNC: clickhouse-client gives "
            "up on a long restore; allow_non_empty_tables: Langfuse's start-up migrations have "
            "written schema_migrations, and rows that arrived since the deploy stay beside the "
            "restored ones).",
            "Verify: SELECT name, total_rows FROM system.tables WHERE database = 'default' "
            "gives at least the counts noted in step 2 (schema_migrations more: the start-up "
            "migrations' own rows).",
            "Scale up: register the scalable targets back with the YAML's min_tasks and "
            "max_tasks and set each service's desired count to min_tasks (or deploy again "
            "after a change to web or worker).",
        ]
        return [f"  {number}. {line}" for number, line in enumerate(lines, 1)]


EXAMPLE_NAME = "20000101T000000Z-full"
NON_EMPTY = "allow_non_empty_tables = true"
"""RESTORE setting: restore into tables that already have rows, beside them. Without it
ClickHouse refuses such a table ("Cannot restore the table ... because it already contains some
data": src/Backups/RestorerFromBackup.cpp), and Langfuse's start-up migrations have written
their version rows into schema_migrations by then."""


def restore_statement(region: str, bucket: str | None = None, name: str | None = None) -> str:
    """The RESTORE statement of backup ``name`` in ``bucket`` into Langfuse's database (either
    left to fill in when None), with the setting that tolerates rows written since the deploy,
    started ASYNC (its status is then polled in system.backups)."""
    sql = clickhouse_backups.restore_sql(
        BackupLocation(bucket or f"<{BACKUP_BUCKET_OUTPUT} output>", region),
        name or EXAMPLE_NAME,
        LANGFUSE_DATABASE,
    )
    return f"{sql.replace(EXAMPLE_NAME, name or '<backup name>')} SETTINGS {NON_EMPTY} ASYNC;"


Templates = dict[str, tuple[str, dict[str, Any]]]
"""Stack name -> (region, template), as plan.Templates."""


def clickhouse_moves(old: Templates, new: Templates) -> list[ClickHouseMove]:
    """Every stack of both whose ClickHouse changes mode (fargate, ec2, external)."""
    moves = []
    for stack, (region, before_template) in old.items():
        if stack not in new:
            continue
        before = clickhouse_side(before_template)
        after = clickhouse_side(new[stack][1])
        if before is not None and after is not None and before.mode != after.mode:
            moves.append(ClickHouseMove(stack, region, before, after))
    return moves


def moved_resources(moves: Iterable[ClickHouseMove], old: Templates) -> set[tuple[str, str]]:
    """(stack, logical id) of the old servers' stateful resources a stated move covers."""
    covered = set()
    for move in moves:
        for logical_id, resource in old[move.stack][1].get("Resources", {}).items():
            if logical_id.startswith(SERVER_ID) and resource.get("Type") in SERVER_TYPES:
                covered.add((move.stack, logical_id))
    return covered


def backup_bucket(cloudformation: Any, stack: str) -> str:
    """The ClickHouseBackupBucket output of the deployed ``stack``."""
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs: dict[str, str] = {
        o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])
    }
    if BACKUP_BUCKET_OUTPUT not in outputs:
        raise MoveError(
            f"The deployed stack {stack} has no {BACKUP_BUCKET_OUTPUT} output, so it has no "
            "ClickHouse backup to restore from. Deploy the ClickHouse backups first and take "
            "one, or deploy with --allow-data-loss to start ClickHouse empty."
        )
    return outputs[BACKUP_BUCKET_OUTPUT]


def check_restore_source(
    cloudformation: Any, s3: Any, move: ClickHouseMove, name: str, now: datetime | None = None
) -> str:
    """What was checked of backup ``name``: that it is the newest complete backup of the moving
    stack (an older one lacks what was written since). Not checked when the old ClickHouse is
    external: its backups are not in the stack's bucket."""
    if not move.backed_up_here:
        return (
            f"Not checked: {name} is a backup of the external ClickHouse, outside this stack; "
            "restore it and verify the row counts (steps 4 and 5)."
        )
    location = BackupLocation(backup_bucket(cloudformation, move.stack), move.region)
    newest = clickhouse_backups.newest_backup(s3, location)
    where = f"s3://{location.bucket}/{location.prefix}"
    if newest is None:
        raise MoveError(f"No complete ClickHouse backup in {where}: take one first (step 2).")
    if newest.name != name:
        raise MoveError(
            f"{name} is not the newest complete ClickHouse backup in {where}: the newest is "
            f"{newest.name} (taken {newest.taken_at:%Y-%m-%d %H:%M} UTC). Restoring an older "
            "one loses what was written since; restore the newest."
        )
    try:
        chain = clickhouse_backups.restore_chain(s3, location, name)
    except clickhouse_backups.BackupChainBrokenError as error:
        raise MoveError(
            f"Backup {name} cannot be restored: {error}. Take a full backup now (step 2)."
        ) from error
    taken = newest.taken_at
    return (
        f"Checked: {name} is the newest complete ClickHouse backup in {where} ({newest.kind}, "
        f"taken {taken:%Y-%m-%d %H:%M} UTC, {age(taken, now or datetime.now(UTC))} old; "
        f"a restore reads {len(chain)} backup(s), all complete). Step 4 after the deploy: "
        f"{restore_statement(move.region, location.bucket, name)}"
    )
