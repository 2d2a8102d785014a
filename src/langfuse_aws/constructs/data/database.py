"""Aurora PostgreSQL Serverless v2: Langfuse's transactional database."""

from __future__ import annotations

import string
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ...compliance import acknowledge, control_tower
from ...compliance.custom_resources import acknowledge_log_retention_provider
from .protection import DataProtection

DATABASE_NAME = "langfuse"
DATABASE_USER = "langfuse"
# The Langfuse entrypoint pastes the password into DATABASE_URL without URL-encoding it.
URL_UNSAFE_CHARACTERS = string.punctuation + " "


@dataclass(frozen=True)
class DatabaseProps:
    """The cluster's network, protection, engine, capacity and backups."""

    vpc: ec2.IVpc
    protection: DataProtection
    engine_version: str
    """Aurora PostgreSQL version, e.g. 17.9."""
    min_acu: float
    max_acu: float
    backup_retention_days: int
    reader: bool = False
    """A reader instance in another zone for fast failover."""
    auto_pause_minutes: int | None = None
    """Idle minutes before Aurora pauses (min_acu 0); None never pauses."""


class Database(Construct):
    """An encrypted Aurora PostgreSQL Serverless v2 cluster in the isolated subnets.

    The generated password uses letters and digits only (URL-safe). In environments that keep
    data the cluster has deletion protection and is retained, with its subnet group, parameter
    group and secret, when the stack is deleted; its instances are deleted.
    """

    def __init__(self, scope: Construct, id_: str, *, props: DatabaseProps) -> None:
        super().__init__(scope, id_)
        protection = props.protection
        major = props.engine_version.split(".")[0]
        engine = rds.DatabaseClusterEngine.aurora_postgres(
            version=rds.AuroraPostgresEngineVersion.of(props.engine_version, major)
        )
        self.secret = rds.DatabaseSecret(
            self,
            "Secret",
            username=DATABASE_USER,
            exclude_characters=URL_UNSAFE_CHARACTERS,
        )
        self.secret.apply_removal_policy(protection.removal_policy)
        parameters = rds.ParameterGroup(
            self,
            "Parameters",
            engine=engine,
            description="Langfuse: TLS required, UTC",
            parameters={"rds.force_ssl": "1", "timezone": "UTC"},
            # RDS refuses to delete a parameter group that a kept cluster still uses.
            removal_policy=protection.removal_policy,
        )
        readers = (
            [rds.ClusterInstance.serverless_v2("Reader", scale_with_writer=True)]
            if props.reader
            else []
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            engine=engine,
            vpc=props.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            credentials=rds.Credentials.from_secret(self.secret),
            default_database_name=DATABASE_NAME,
            parameter_group=parameters,
            writer=rds.ClusterInstance.serverless_v2("Writer"),
            readers=readers,
            serverless_v2_min_capacity=props.min_acu,
            serverless_v2_max_capacity=props.max_acu,
            serverless_v2_auto_pause_duration=(
                Duration.minutes(props.auto_pause_minutes)
                if props.auto_pause_minutes is not None
                else None
            ),
            storage_encrypted=True,
            iam_authentication=True,
            deletion_protection=protection.retain,
            # Kept clusters are retained as they are (deletion protection on): CloudFormation
            # cannot delete a protected cluster, so a final-snapshot policy would fail destroy.
            removal_policy=protection.removal_policy,
            backup=rds.BackupProps(retention=Duration.days(props.backup_retention_days)),
            copy_tags_to_snapshot=True,
            cloudwatch_logs_exports=["postgresql"],
            cloudwatch_logs_retention=protection.log_retention,
            monitoring_interval=Duration.seconds(60),
        )
        # The data lives in the cluster's storage, not in its instances. Deleting the instances
        # on stack deletion leaves no network interface in the VPC, so the VPC can be deleted
        # while the cluster, protected and without compute, stays and costs storage only.
        self.instances = [
            instance.node.default_child
            for instance in self.cluster.node.children
            if isinstance(instance.node.default_child, rds.CfnDBInstance)
        ]
        for instance in self.instances:
            instance.apply_removal_policy(RemovalPolicy.DESTROY)
        self.writer = self.cluster.node.find_child("Writer")
        # Containers read the attached secret: its Ref waits for the attachment, which adds
        # the cluster's host and port to the secret that Langfuse builds DATABASE_URL from.
        attached = self.cluster.secret
        if attached is None:  # pragma: no cover - from_secret credentials always attach
            raise RuntimeError("the database secret was not attached to the cluster")
        self.client_secret: secretsmanager.ISecret = attached
        acknowledge_log_retention_provider(Stack.of(self))
        monitoring_role = self.cluster.node.try_find_child("MonitoringRole")
        if monitoring_role is not None:
            acknowledge(
                monitoring_role,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonRDSEnhancedMonitoringRole]",
                "RDS enhanced monitoring requires this AWS-maintained role policy, which only "
                "lets RDS publish operating-system metrics to CloudWatch Logs.",
            )
        acknowledge(
            self.cluster,
            "AwsSolutions-RDS11",
            "The default port 5432 is kept because only the Langfuse tasks' security group may "
            "reach the isolated subnets, so a non-standard port adds no protection.",
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "Langfuse reads the database password once at task start, so automatic rotation "
            "would break running tasks; rotate by updating the secret and redeploying.",
        )
        if not protection.retain:
            acknowledge(
                self.cluster,
                control_tower.GUARD + "rds_cluster_deletion_protection_enabled_check",
                "This environment's YAML declares it disposable (data_protection: disposable), "
                "so the database is meant to be deleted with the stack.",
            )
            acknowledge(
                self.cluster,
                "AwsSolutions-RDS10",
                "This environment's YAML declares it disposable (data_protection: disposable), "
                "so the database is meant to be deleted with the stack.",
            )

    @property
    def connections(self) -> ec2.Connections:
        """Network access to the cluster (allow from the Langfuse services only)."""
        return self.cluster.connections
