"""ElastiCache for Valkey: Langfuse's queue and cache (node-based, TLS, AUTH, noeviction)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ...compliance import acknowledge
from .protection import DataProtection
from .secrets import unrotated_secret

VALKEY_PORT = 6379


@dataclass(frozen=True)
class CacheProps:
    """The replication group's network, protection, engine and nodes."""

    vpc: ec2.IVpc
    protection: DataProtection
    engine_version: str
    """Valkey version, e.g. 8.1."""
    node_type: str
    """ElastiCache node type, e.g. cache.t4g.small."""
    replicas: int = 0
    multi_az: bool = False
    """Automatic failover to a replica in another zone (needs a replica)."""


class Cache(Construct):
    """A Valkey replication group Langfuse can rely on.

    ``maxmemory-policy noeviction`` (queues must never lose jobs; ElastiCache's default
    volatile-lru would), TLS required, an AUTH token from Secrets Manager and encryption at
    rest. Serverless ElastiCache is not used: Langfuse's multi-key commands fail there with
    CROSSSLOT errors.
    """

    def __init__(self, scope: Construct, id_: str, *, props: CacheProps) -> None:
        super().__init__(scope, id_)
        vpc, protection = props.vpc, props.protection
        self.port = VALKEY_PORT
        self.auth_token = unrotated_secret(
            self,
            "AuthToken",
            description="Valkey AUTH token for Langfuse",
            generator=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=64
            ),
            why_not_rotated="ElastiCache only accepts a new AUTH token through a coordinated "
            "ROTATE/SET modification, which secret rotation cannot perform; rotate it by "
            "redeploying.",
        )
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description="Langfuse Valkey", allow_all_outbound=False
        )
        subnets = elasticache.CfnSubnetGroup(
            self,
            "Subnets",
            description="Langfuse Valkey subnets",
            subnet_ids=vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids,
        )
        major = props.engine_version.split(".")[0]
        parameters = elasticache.CfnParameterGroup(
            self,
            "Parameters",
            cache_parameter_group_family=f"valkey{major}",
            description="Langfuse: never evict queue keys",
            properties={"maxmemory-policy": "noeviction"},
        )
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_description="Langfuse queue and cache",
            engine="valkey",
            engine_version=props.engine_version,
            cache_node_type=props.node_type,
            num_cache_clusters=1 + props.replicas,
            automatic_failover_enabled=props.multi_az,
            multi_az_enabled=props.multi_az,
            cache_parameter_group_name=parameters.ref,
            cache_subnet_group_name=subnets.ref,
            security_group_ids=[self.security_group.security_group_id],
            port=VALKEY_PORT,
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=self.auth_token.secret_value.unsafe_unwrap(),
            # Daily snapshots, a week of them where the environment keeps its data.
            snapshot_retention_limit=7 if protection.retain else 1,
            auto_minor_version_upgrade=True,
        )
        # Keep a final snapshot of queued jobs when the environment keeps its data.
        self.replication_group.apply_removal_policy(protection.snapshot_removal_policy)
        self.connections = ec2.Connections(
            security_groups=[self.security_group],
            default_port=ec2.Port.tcp(VALKEY_PORT),
        )
        acknowledge(
            self.replication_group,
            "AwsSolutions-AEC5",
            "Port 6379 is kept because only the Langfuse tasks' security group may reach the "
            "isolated subnets, so a non-standard port adds no protection.",
        )
        if not props.multi_az:
            acknowledge(
                self.replication_group,
                "AwsSolutions-AEC4",
                "This environment's YAML keeps a single Valkey node (cache.multi_az: false) to "
                "save cost; production configs turn Multi-AZ on.",
            )

    @property
    def host(self) -> str:
        """Primary endpoint host name (REDIS_HOST)."""
        return self.replication_group.attr_primary_end_point_address
