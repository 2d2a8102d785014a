"""AWS Backup for the stores whose loss is data loss: Aurora and the ClickHouse file system."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_efs as efs
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from constructs import Construct

from ...compliance import acknowledge
from .deployment_names import deployment_name
from .protection import DataProtection

RESTORE_ROLE_OUTPUT = "BackupRestoreRoleArn"


@dataclass(frozen=True)
class BackupsProps:
    """What is backed up, when, for how long, and whether the vault outlives the stack."""

    protection: DataProtection
    database: rds.DatabaseCluster
    hour_utc: int
    """Hour (UTC) the daily backup starts."""
    retention_days: int
    """How long each recovery point is kept."""
    file_systems: list[efs.IFileSystem] = field(default_factory=list)
    """EFS file systems backed up with the database (ClickHouse's data, when it runs here)."""


class Backups(Construct):
    """A dedicated vault and a daily plan covering Aurora and the given EFS file systems.

    The vault is kept when a retaining environment is destroyed (its recovery points are the
    backups) and CloudFormation requires it to have a name, unique in the account and region.
    The name is ``Langfuse-<env>-<8 hex digits of the stack id>``: it says which environment
    the vault belongs to, and deploying the same environment again creates a new vault next to
    the kept one instead of failing on its name.
    """

    def __init__(self, scope: Construct, id_: str, *, props: BackupsProps) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=deployment_name(stack, stack.stack_name),
            removal_policy=props.protection.removal_policy,
        )
        # Plan names are unique in an account and region: carry the stack (environment) name.
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_vault=self.vault,
            backup_plan_name=f"{Stack.of(self).stack_name}-daily",
        )
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="Daily",
                schedule_expression=events.Schedule.cron(hour=str(props.hour_utc), minute="0"),
                delete_after=Duration.days(props.retention_days),
            )
        )
        resources = [backup.BackupResource.from_rds_database_cluster(props.database)]
        resources += [backup.BackupResource.from_efs_file_system(fs) for fs in props.file_systems]
        # The same role restores: scripts/restore_drill.py passes it to StartRestoreJob.
        selection = self.plan.add_selection("Stateful", resources=resources, allow_restores=True)
        acknowledge(
            selection,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
            "AWS Backup's own service-role policy is the documented, AWS-maintained permission "
            "set for taking backups of the selected resources.",
        )
        acknowledge(
            selection,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForRestores]",
            "AWS Backup's own restore policy is the documented, AWS-maintained permission set "
            "for restoring recovery points into new resources, which the restore drill does.",
        )
        restore_role = CfnOutput(
            self,
            "RestoreRoleArn",
            value=cast(iam.IRole, selection.grant_principal).role_arn,
            description="Role AWS Backup restores with (scripts/restore_drill.py)",
        )
        restore_role.override_logical_id(RESTORE_ROLE_OUTPUT)
