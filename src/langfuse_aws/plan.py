"""What a deploy would replace or delete, found by comparing two cloud assemblies.

CloudFormation replaces a resource when its type changes or when a create-only property
(the resource schema's createOnlyProperties, which cfn-lint ships) gets a new value, including
a new value because a resource it refers to is itself replaced. It deletes a resource whose
logical id disappears. For a stateful resource either one is data loss.

    python scripts/plan.py OLD_ASSEMBLY NEW_ASSEMBLY   # exit 1 when data would be lost
    python scripts/plan.py --deployed NEW_ASSEMBLY      # compare with what CloudFormation runs

With --deployed, the old templates are read from CloudFormation (GetTemplate, the original
template of each stack of the new assembly, in the stack's region) with the caller's AWS
credentials; a stack that does not exist yet has nothing to lose.

A ClickHouse that changes mode (fargate, ec2, external) is a data move: the new server starts
empty. The plan refuses it and prints the BACKUP/RESTORE path until the operator names the
backup the data comes back from (checked with AWS credentials to be the newest complete one):

    python scripts/plan.py OLD NEW --clickhouse-restore-from BACKUP_NAME
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from .clickhouse_move import ClickHouseMove, MoveError, check_restore_source, moved_resources
from .clickhouse_move import clickhouse_moves as clickhouse_moves
from .naming import STACK_PREFIX

# Types that hold data whatever their policy says; anything with a Retain or Snapshot deletion
# policy in the deployed template counts as stateful too.
STATEFUL_TYPES = {
    "AWS::RDS::DBCluster",
    "AWS::EFS::FileSystem",
    "AWS::S3::Bucket",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::SecretsManager::Secret",
    "AWS::Cognito::UserPool",
    "AWS::Backup::BackupVault",
    "AWS::KMS::Key",
}
KEEPING_POLICIES = {"Retain", "Snapshot", "RetainExceptOnCreate"}


@dataclass(frozen=True)
class Change:
    """One resource a deploy would replace or delete, and why."""

    stack: str
    logical_id: str
    kind: str
    action: str
    reason: str
    stateful: bool

    def __str__(self) -> str:
        label = "DATA LOSS" if self.stateful else "stateless"
        return f"{label}: {self.stack}/{self.logical_id} ({self.kind}) {self.action}: {self.reason}"


Templates = dict[str, tuple[str, dict[str, Any]]]
"""Stack name -> (region, template)."""


class CloudFormationFactory(Protocol):
    """Makes a CloudFormation client for a region (boto3.client("cloudformation", ...))."""

    def __call__(self, region: str) -> Any: ...


def assembly_templates(assembly: Path) -> Templates:
    manifest = json.loads((assembly / "manifest.json").read_text())
    found = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] == "aws:cloudformation:stack":
            region = artifact["environment"].rsplit("/", 1)[-1]
            template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
            found[name] = (region if region != "unknown-region" else "us-east-1", template)
    return found


def _create_only(region: str, kind: str) -> list[list[str]]:
    """Create-only property paths of ``kind`` (as lists of keys below Properties)."""
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, kind).schema
    except Exception:
        return []
    return [
        path.removeprefix("/properties/").split("/")
        for path in schema.get("createOnlyProperties", [])
    ]


def _at(properties: dict[str, Any], path: list[str]) -> Any:
    value: Any = properties
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _refers_to(value: Any, ids: set[str]) -> set[str]:
    text = json.dumps(value)
    return {i for i in ids if f'"Ref": "{i}"' in text or f'["{i}", ' in text or f"${{{i}" in text}


def is_stateful(resource: dict[str, Any]) -> bool:
    """Data lives in it: a stateful type, or a Retain/Snapshot deletion policy."""
    return resource["Type"] in STATEFUL_TYPES or resource.get("DeletionPolicy") in KEEPING_POLICIES


def stack_changes(
    stack: str, region: str, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    """Replacements and deletions when ``new`` is deployed over ``old``."""
    old_resources: dict[str, Any] = old.get("Resources", {})
    new_resources: dict[str, Any] = new.get("Resources", {})
    changes: dict[str, Change] = {}

    def add(logical_id: str, action: str, reason: str) -> None:
        resource = old_resources[logical_id]
        changes[logical_id] = Change(
            stack, logical_id, resource["Type"], action, reason, is_stateful(resource)
        )

    for logical_id in old_resources:
        if logical_id not in new_resources:
            add(logical_id, "deleted", "its logical id is gone from the new template")
    growing = True
    while growing:
        growing = False
        replaced = {k for k, c in changes.items() if c.action == "replaced"}
        for logical_id, before in old_resources.items():
            after = new_resources.get(logical_id)
            if after is None or logical_id in changes:
                continue
            reason = None
            if before["Type"] != after["Type"]:
                reason = f"its type changes to {after['Type']}"
            else:
                for path in _create_only(region, before["Type"]):
                    was = _at(before.get("Properties", {}), path)
                    now = _at(after.get("Properties", {}), path)
                    name = ".".join(path)
                    if was != now:
                        reason = f"create-only property {name} changes"
                        break
                    through = _refers_to(now, replaced) if now is not None else set()
                    if through:
                        reason = f"create-only property {name} names {sorted(through)[0]}, which is replaced"
                        break
            if reason:
                add(logical_id, "replaced", reason)
                growing = True
    return sorted(changes.values(), key=lambda c: (not c.stateful, c.logical_id))


def deployed_templates(new: Templates, cloudformation: CloudFormationFactory) -> Templates:
    """The templates CloudFormation runs for the stacks of ``new`` that exist."""
    found: Templates = {}
    for stack, (region, _) in new.items():
        client = cloudformation(region)
        try:
            body = client.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
        except client.exceptions.ClientError as error:
            if "does not exist" in str(error):
                continue
            raise
        found[stack] = (region, body if isinstance(body, dict) else json.loads(body))
    return found


def plan(old_assembly: Path, new_assembly: Path) -> list[Change]:
    """Every replacement and deletion across the stacks of both assemblies."""
    return plan_templates(assembly_templates(old_assembly), assembly_templates(new_assembly))


def plan_templates(old: Templates, new: Templates) -> list[Change]:
    """Every replacement and deletion when the ``new`` stacks are deployed over ``old``."""
    changes = []
    for stack, (region, template) in old.items():
        if stack not in new:
            changes += [
                Change(stack, k, r["Type"], "deleted", "its stack is gone", is_stateful(r))
                for k, r in template.get("Resources", {}).items()
            ]
            continue
        changes += stack_changes(stack, region, template, new[stack][1])
    return changes


RESTORE_FLAG = "--clickhouse-restore-from"


@dataclass(frozen=True)
class Verdict:
    """What the plan prints, the data it would lose, and the ClickHouse moves nobody stated."""

    lines: list[str]
    lost: list[Change]
    unmoved: list[ClickHouseMove]


def verdict(
    changes: list[Change],
    moves: list[ClickHouseMove],
    old: Templates,
    restore_from: str | None,
    env: str,
    checked: list[str] | None = None,
) -> Verdict:
    """Judge ``changes``: a stated ClickHouse move (``restore_from``, the backup the data comes
    back from) covers its old server's store, password and logs; anything else stateful is
    DATA LOSS. An unstated move is refused whatever the rest."""
    covered = moved_resources(moves, old) if restore_from else set()
    lines = []
    lost = []
    for change in changes:
        if (change.stack, change.logical_id) in covered:
            lines.append(
                f"CLICKHOUSE MOVE: {change.stack}/{change.logical_id} ({change.kind}) "
                f"{change.action}: {change.reason}"
            )
            continue
        lines.append(str(change))
        if change.stateful:
            lost.append(change)
    for move in moves:
        lines += move.summary()
        if restore_from:
            lines.append(
                f"  Stated: the data comes back from ClickHouse backup {restore_from}. After "
                "the deploy, finish the move (steps 3 to 6):"
            )
        else:
            lines.append("  Nothing moves the data by itself. Move it with BACKUP/RESTORE:")
        lines += move.steps(env)
    lines += checked or []
    if restore_from and not moves:
        lines.append(f"No ClickHouse moves: {RESTORE_FLAG} {restore_from} changes nothing.")
    return Verdict(lines, lost, [] if restore_from else moves)


def no_loss_line(changes: list[Change], moves: list[ClickHouseMove]) -> str:
    """What the plan says when nothing is lost (beyond a stated ClickHouse move)."""
    if moves:
        return "No other stateful resource is replaced or deleted than the stated ClickHouse move."
    return f"No stateful resource is replaced or deleted ({len(changes)} stateless changes)."


REFUSED_MOVE = (
    "ClickHouse would start empty (CLICKHOUSE MOVE above): follow the steps, then deploy with "
    f"{RESTORE_FLAG} <backup name> (the newest complete backup), or with --allow-data-loss "
    "to start ClickHouse empty on purpose."
)


def checked_sources(
    moves: list[ClickHouseMove], restore_from: str | None, clients: Callable[[str, str], Any]
) -> list[str]:
    """The check of ``restore_from`` for each move (``clients(service, region)`` makes boto3
    clients); raises MoveError when it is not the backup to restore."""
    if not restore_from:
        return []
    return [
        check_restore_source(
            clients("cloudformation", move.region), clients("s3", move.region), move, restore_from
        )
        for move in moves
    ]


def main(argv: list[str]) -> int:
    """Print the plan; exit 1 when a stateful resource would be replaced or deleted, or
    ClickHouse would move without a backup to restore."""
    argv = list(argv)
    restore_from = None
    if RESTORE_FLAG in argv:
        at = argv.index(RESTORE_FLAG)
        restore_from = argv[at + 1] if at + 1 < len(argv) else ""
        del argv[at : at + 2]
    if len(argv) != 3 or restore_from == "":
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "--deployed":
        import boto3  # only this mode needs AWS
        from botocore.exceptions import BotoCoreError, ClientError

        new = assembly_templates(Path(argv[2]))
        try:
            old = deployed_templates(
                new, lambda region: boto3.client("cloudformation", region_name=region)
            )
        except (BotoCoreError, ClientError) as error:
            print(
                f"Cannot read the deployed templates: {error}\nLog in first (aws sso login, "
                "or set AWS_PROFILE) with a role that may call cloudformation:GetTemplate.",
                file=sys.stderr,
            )
            return 2
        print(f"Compared with the deployed stacks: {', '.join(old) or 'none exists yet'}.")
    else:
        old, new = assembly_templates(Path(argv[1])), assembly_templates(Path(argv[2]))
    changes = plan_templates(old, new)
    moves = clickhouse_moves(old, new)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        checked = checked_sources(moves, restore_from, aws_client)
    except MoveError as error:
        print(error, file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(
            f"Cannot check ClickHouse backup {restore_from}: {error}\nLog in first (aws sso "
            "login, or set AWS_PROFILE) with a role that may read the stack and list its "
            "backup bucket.",
            file=sys.stderr,
        )
        return 2
    env = next((s.removeprefix(STACK_PREFIX) for s in new if s.startswith(STACK_PREFIX)), "<env>")
    judged = verdict(changes, moves, old, restore_from, env, checked)
    for line in judged.lines:
        print(line)
    if judged.unmoved:
        print(REFUSED_MOVE, file=sys.stderr)
    lost = judged.lost
    if lost:
        print(
            f"{len(lost)} stateful resources would be replaced or deleted: their data would be "
            "lost. Undo the change, or deploy with ALLOW_DATA_LOSS=yes if that is intended.",
            file=sys.stderr,
        )
        return 1
    if judged.unmoved:
        return 1
    print(no_loss_line(changes, moves))
    return 0


def aws_client(service: str, region: str) -> Any:
    """A boto3 client of ``service`` in ``region``."""
    import boto3  # only a stated ClickHouse move needs AWS here

    return boto3.client(service, region_name=region)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
