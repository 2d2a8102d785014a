"""AWS Backup: a daily plan over Aurora and ClickHouse's file system into a vault that is kept
with the data and named uniquely per deployment, and a role the restore drill restores with.

Rules the expected values come from:
- AWS Backup schedules are cron expressions in UTC with six fields, ``cron(minutes hours
  day-of-month month day-of-week year)`` (AWS Backup Developer Guide, "Creating a backup
  plan": Cron expressions).
- A stack id is ``arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`` and is new
  for every creation of the stack (CloudFormation User Guide, pseudo parameter AWS::StackId);
  vault names are unique in an account and region (AWS Backup API, CreateBackupVault).
- A selection role needs AWSBackupServiceRolePolicyForBackup to back up and
  AWSBackupServiceRolePolicyForRestores to restore (AWS Backup Developer Guide, "Managed
  policies for AWS Backup").
- docs/data.md: the backup vault survives a retaining environment's deletion and is named
  ``Langfuse-<env>-<first 8 hex digits of the deleted stack's id>``; the restore drill uses
  the role the stack outputs as BackupRestoreRoleArn (read by langfuse_aws.restore_drill).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template

from cfn_eval import evaluate, pseudo_parameters
from construct_stack import acknowledged, bare_stack, imported_vpc, only, protection, resources
from langfuse_aws.constructs.data.backup import Backups, BackupsProps
from langfuse_aws.restore_drill import RESTORE_ROLE_OUTPUT

STACK_UUID = "51af3dc0-da77-11e4-872e-1234567db123"
FILE_SYSTEM_ID = "fs-0123456789abcdef0"
MANAGED = "arn:aws:iam::aws:policy/service-role/"


class Built(NamedTuple):
    template: Template
    backups: Backups
    database: rds.DatabaseCluster


def build_backups(
    stack: Stack,
    database: rds.DatabaseCluster,
    *,
    retain: bool,
    file_systems: list[efs.IFileSystem],
) -> Backups:
    """The one place this file builds the construct: daily at 03:00 UTC, kept 35 days."""
    return Backups(
        stack,
        "Backup",
        props=BackupsProps(
            protection=protection(retain=retain),
            database=database,
            hour_utc=3,
            retention_days=35,
            file_systems=file_systems,
        ),
    )


def synth(*, retain: bool, with_file_system: bool) -> Built:
    stack = bare_stack()
    database = rds.DatabaseCluster(
        stack,
        "Cluster",
        engine=rds.DatabaseClusterEngine.aurora_postgres(
            version=rds.AuroraPostgresEngineVersion.of("17.9", "17")
        ),
        vpc=imported_vpc(stack),
        writer=rds.ClusterInstance.serverless_v2("Writer"),
    )
    file_systems = (
        [
            efs.FileSystem.from_file_system_attributes(
                stack,
                "Fs",
                file_system_id=FILE_SYSTEM_ID,
                security_group=ec2.SecurityGroup.from_security_group_id(
                    stack, "FsGroup", "sg-0123456789abcdef0"
                ),
            )
        ]
        if with_file_system
        else []
    )
    backups = build_backups(stack, database, retain=retain, file_systems=file_systems)
    return Built(Template.from_stack(stack), backups, database)


@pytest.fixture(scope="module")
def kept() -> Built:
    return synth(retain=True, with_file_system=True)


@pytest.fixture(scope="module")
def disposable() -> Built:
    return synth(retain=False, with_file_system=False)


def deployed(value: Any) -> Any:
    return evaluate(value, pseudo_parameters("Test", STACK_UUID))


def test_the_vault_name_is_unique_to_this_creation_of_the_stack(kept: Built) -> None:
    _, vault = only(kept.template, "AWS::Backup::BackupVault")
    assert deployed(vault["Properties"]["BackupVaultName"]) == "Test-51af3dc0"
    again = evaluate(
        vault["Properties"]["BackupVaultName"],
        pseudo_parameters("Test", "0f1e2d3c-0000-4000-8000-000000000000"),
    )
    assert again == "Test-0f1e2d3c"


def test_a_kept_vault_survives_stack_deletion(kept: Built, disposable: Built) -> None:
    _, vault = only(kept.template, "AWS::Backup::BackupVault")
    assert (vault["DeletionPolicy"], vault["UpdateReplacePolicy"]) == ("Retain", "Retain")
    _, vault = only(disposable.template, "AWS::Backup::BackupVault")
    assert vault.get("DeletionPolicy", "Delete") == "Delete"


def test_a_daily_backup_at_the_configured_hour_kept_the_configured_days(kept: Built) -> None:
    _, plan = only(kept.template, "AWS::Backup::BackupPlan")
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": 35}
    assert plan["Properties"]["BackupPlan"]["BackupPlanName"] == "Test-daily"


def test_aurora_and_the_file_system_are_selected(kept: Built, disposable: Built) -> None:
    cluster_id = Stack.of(kept.database).resolve(kept.database.cluster_identifier)["Ref"]
    _, selection = only(kept.template, "AWS::Backup::BackupSelection")
    selected = [deployed_arn(r) for r in selection["Properties"]["BackupSelection"]["Resources"]]
    assert selected == [
        f"arn:aws:rds:eu-west-1:111122223333:cluster:<{cluster_id}>",
        f"arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/{FILE_SYSTEM_ID}",
    ]
    _, selection = only(disposable.template, "AWS::Backup::BackupSelection")
    assert len(selection["Properties"]["BackupSelection"]["Resources"]) == 1


def deployed_arn(value: Any) -> str:
    """An ARN with the selected cluster's name shown as <logical id>."""
    pseudo = pseudo_parameters("Test", STACK_UUID)

    def fill(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Ref"} and not node["Ref"].startswith("AWS::"):
            return f"<{node['Ref']}>"
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return str(evaluate(fill(value), pseudo))


def test_the_selection_role_backs_up_and_restores(kept: Built) -> None:
    _, selection = only(kept.template, "AWS::Backup::BackupSelection")
    role_id = selection["Properties"]["BackupSelection"]["IamRoleArn"]["Fn::GetAtt"][0]
    role = resources(kept.template, "AWS::IAM::Role")[role_id]
    managed = {deployed(p) for p in role["Properties"]["ManagedPolicyArns"]}
    assert managed == {
        MANAGED + "AWSBackupServiceRolePolicyForBackup",
        MANAGED + "AWSBackupServiceRolePolicyForRestores",
    }
    outputs = kept.template.find_outputs(RESTORE_ROLE_OUTPUT)
    assert outputs[RESTORE_ROLE_OUTPUT]["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_the_aws_managed_policies_are_acknowledged_on_the_selection_only(kept: Built) -> None:
    selection = kept.backups.plan.node.find_child("Stateful")
    found = acknowledged(selection)
    assert {rule.split("/")[-1] for rule in found} == {
        "AWSBackupServiceRolePolicyForBackup]",
        "AWSBackupServiceRolePolicyForRestores]",
    }
