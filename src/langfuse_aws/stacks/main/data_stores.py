"""The main stack's network and data stores: VPC, log buckets, the Langfuse bucket, Langfuse's
keys, Aurora, Valkey, and the backup plan over them."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs

from ...config.models import EnvironmentConfig, NetworkConfig
from ...constructs.data.backup import Backups, BackupsProps
from ...constructs.data.buckets import LogBucket
from ...constructs.data.cache import Cache, CacheProps
from ...constructs.data.database import Database, DatabaseProps
from ...constructs.data.protection import DataProtection
from ...constructs.data.secrets import AppSecrets
from ...constructs.data.storage import Storage, StorageProps
from ...constructs.network.network import ExistingVpc, Network, NetworkProps


def build_network(stack: Stack, config: NetworkConfig, protection: DataProtection) -> Network:
    """``Network``: a new VPC, or the existing one the YAML describes."""
    existing = config.existing
    return Network(
        stack,
        "Network",
        props=NetworkProps(
            protection=protection,
            existing=ExistingVpc(
                vpc_id=existing.vpc_id,
                cidr=str(existing.cidr),
                availability_zones=list(existing.availability_zones),
                private_subnet_ids=list(existing.private_subnet_ids),
                data_subnet_ids=list(existing.data_subnet_ids),
                public_subnet_ids=list(existing.public_subnet_ids),
            )
            if existing is not None
            else None,
            cidr=str(config.cidr),
            max_azs=config.max_azs,
            availability_zones=list(config.availability_zones),
            nat=config.nat,
            nat_gateways=config.nat_gateways,
            flow_logs=config.flow_logs,
        ),
    )


@dataclass(frozen=True)
class DataStores:
    """Resources out: the stores Langfuse is wired to, and the load balancer's log bucket."""

    access_logs: LogBucket
    storage: Storage
    secrets: AppSecrets
    database: Database
    cache: Cache


def build_data_stores(
    stack: Stack, config: EnvironmentConfig, vpc: ec2.IVpc, protection: DataProtection
) -> DataStores:
    """``AccessLogs``, ``DataAccessLogs``, ``Storage``, ``Secrets``, ``Database``, ``Cache``."""
    access_logs = LogBucket(stack, "AccessLogs", protection=protection)
    # The data bucket logs into a bucket of its own: its CORS rule names the CloudFront
    # URL, and CloudFront (through the load balancer's access logs) already depends on the
    # shared log bucket's policy, which would otherwise name the data bucket: a cycle.
    data_access_logs = LogBucket(stack, "DataAccessLogs", protection=protection)
    storage = Storage(
        stack,
        "Storage",
        props=StorageProps(
            protection=protection,
            access_logs=data_access_logs.bucket,
            noncurrent_version_expiry_days=config.storage.noncurrent_version_expiry_days,
            events_expiry_days=config.storage.events_expiry_days,
        ),
    )
    secrets = AppSecrets(stack, "Secrets", protection=protection)
    db = config.database
    database = Database(
        stack,
        "Database",
        props=DatabaseProps(
            vpc=vpc,
            protection=protection,
            engine_version=db.engine_version,
            min_acu=db.min_acu,
            max_acu=db.max_acu,
            backup_retention_days=db.backup_retention_days,
            reader=db.reader,
            auto_pause_minutes=db.auto_pause_minutes if db.scale_to_zero else None,
        ),
    )
    valkey = config.cache
    cache = Cache(
        stack,
        "Cache",
        props=CacheProps(
            vpc=vpc,
            protection=protection,
            engine_version=valkey.engine_version,
            node_type=valkey.node_type,
            replicas=valkey.replicas,
            multi_az=valkey.multi_az,
        ),
    )
    return DataStores(access_logs, storage, secrets, database, cache)


def build_backups(
    stack: Stack,
    config: EnvironmentConfig,
    database: Database,
    file_systems: list[efs.IFileSystem],
    protection: DataProtection,
) -> None:
    """``Backup``, when the YAML keeps backups: Aurora and ``file_systems`` daily."""
    backup = config.backup
    if not backup.enabled:
        return
    Backups(
        stack,
        "Backup",
        props=BackupsProps(
            protection=protection,
            database=database.cluster,
            hour_utc=backup.hour_utc,
            retention_days=backup.retention_days,
            file_systems=file_systems,
        ),
    )
