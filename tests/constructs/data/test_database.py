"""Aurora PostgreSQL Serverless v2: encrypted, TLS-only, reachable only from the given peers,
kept (protected, retained) where the environment keeps data and deleted where it is disposable.

Rules the expected values come from:
- Aurora Serverless v2 writers and readers are instances of class ``db.serverless``
  (Aurora User Guide, "Using Aurora Serverless v2": DB instance class db.serverless).
- ``rds.force_ssl = 1`` makes the cluster refuse connections without TLS; it is 0 by default
  (Aurora User Guide, "Securing Aurora PostgreSQL data with SSL/TLS").
- Readers in promotion tier 0 or 1 scale with the writer (Aurora User Guide, "Choosing the
  promotion tier for an Aurora Serverless v2 reader").
- ``SecondsUntilAutoPause`` is in seconds (CloudFormation, AWS::RDS::DBCluster
  ServerlessV2ScalingConfiguration).
- Langfuse's entrypoint builds DATABASE_URL from the password without URL-encoding it
  (langfuse/langfuse web/entrypoint.sh; ../shared/reference/langfuse.md), so the password must
  hold none of RFC 3986's reserved characters, ``%`` or a space.
- docs/data.md: with ``data_protection: retain`` the cluster has deletion protection and is
  kept with its subnet and parameter groups and its secret; only its instances are deleted.
  ``disposable`` deletes everything. docs/security.md: Postgres 5432 only from web and worker;
  Aurora exports its PostgreSQL log to CloudWatch.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from construct_stack import (
    ISOLATED_SUBNETS,
    acknowledged,
    bare_stack,
    imported_vpc,
    only,
    peer_group,
    protection,
    resources,
)
from langfuse_aws.constructs.data.database import Database, DatabaseProps

POSTGRES_PORT = 5432  # PostgreSQL's and Aurora PostgreSQL's default port
# RFC 3986 section 2.2 reserved characters (gen-delims, sub-delims), the escape and a space.
URL_UNSAFE = set(":/?#[]@" + "!$&'()*+,;=" + "%" + " ")
DEFAULTS: dict[str, Any] = {
    "engine_version": "17.9",
    "min_acu": 0.5,
    "max_acu": 4,
    "backup_retention_days": 7,
}


def build_database(stack: Stack, *, retain: bool, **settings: Any) -> Database:
    """The one place this file builds the construct (``settings`` override DEFAULTS)."""
    return Database(
        stack,
        "Database",
        props=DatabaseProps(
            vpc=imported_vpc(stack),
            protection=protection(retain=retain),
            **{**DEFAULTS, **settings},
        ),
    )


class Built(NamedTuple):
    template: Template
    database: Database
    peer: ec2.SecurityGroup


def synth(*, retain: bool, **settings: Any) -> Built:
    """The database in a bare stack, its port opened to one peer security group."""
    stack = bare_stack()
    database = build_database(stack, retain=retain, **settings)
    peer = peer_group(stack, database.cluster.vpc)
    database.connections.allow_default_port_from(peer)
    return Built(Template.from_stack(stack), database, peer)


@pytest.fixture(scope="module")
def kept() -> Built:
    return synth(
        retain=True, engine_version="17.9", min_acu=0.5, max_acu=4, backup_retention_days=14
    )


@pytest.fixture(scope="module")
def disposable() -> Built:
    """Disposable, with a reader and scale-to-zero after 30 idle minutes."""
    return synth(retain=False, min_acu=0, auto_pause_minutes=30, reader=True)


def test_an_encrypted_aurora_postgresql_serverless_v2_cluster(
    kept: Built,
) -> None:
    template = kept.template
    _, cluster = only(template, "AWS::RDS::DBCluster")
    properties = cluster["Properties"]
    assert properties["Engine"] == "aurora-postgresql"
    assert properties["EngineVersion"] == "17.9"
    assert properties["StorageEncrypted"] is True
    assert properties["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4}
    instances = resources(template, "AWS::RDS::DBInstance").values()
    assert [i["Properties"]["DBInstanceClass"] for i in instances] == ["db.serverless"]


def test_connections_without_tls_are_refused(
    kept: Built,
) -> None:
    template = kept.template
    group_id, group = only(template, "AWS::RDS::DBClusterParameterGroup")
    assert group["Properties"]["Family"] == "aurora-postgresql17"
    assert group["Properties"]["Parameters"]["rds.force_ssl"] == "1"
    _, cluster = only(template, "AWS::RDS::DBCluster")
    assert cluster["Properties"]["DBClusterParameterGroupName"] == {"Ref": group_id}


def test_kept_data_survives_stack_deletion_and_only_the_instances_go(
    kept: Built,
) -> None:
    template = kept.template
    _, cluster = only(template, "AWS::RDS::DBCluster")
    assert cluster["Properties"]["DeletionProtection"] is True
    for kind in (
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBClusterParameterGroup",
        "AWS::RDS::DBSubnetGroup",
        "AWS::SecretsManager::Secret",
    ):
        _, resource = only(template, kind)
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == (
            "Retain",
            "Retain",
        ), kind
    for instance in resources(template, "AWS::RDS::DBInstance").values():
        assert instance["DeletionPolicy"] == "Delete"


def test_a_disposable_database_is_deleted_with_the_stack(disposable: Built) -> None:
    template = disposable.template
    _, cluster = only(template, "AWS::RDS::DBCluster")
    assert cluster["Properties"]["DeletionProtection"] is False
    for kind in (
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBClusterParameterGroup",
        "AWS::RDS::DBSubnetGroup",
        "AWS::SecretsManager::Secret",
        "AWS::RDS::DBInstance",
    ):
        for logical_id, resource in resources(template, kind).items():
            assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id


def test_only_a_disposable_database_acknowledges_missing_deletion_protection(
    kept: Built, disposable: Built
) -> None:
    assert "AwsSolutions-RDS10" not in acknowledged(kept.database.cluster)
    assert "disposable" in acknowledged(disposable.database.cluster)["AwsSolutions-RDS10"]


def test_postgres_is_open_to_the_given_peers_only(
    kept: Built,
) -> None:
    template, database, peer = kept
    stack = Stack.of(database)
    cluster_id, cluster = only(template, "AWS::RDS::DBCluster")
    assert cluster["Properties"]["Port"] == POSTGRES_PORT
    database_group = stack.resolve(database.connections.security_groups[0].security_group_id)
    (rule,) = [
        r["Properties"]
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == database_group
    ]
    cluster_port = {"Fn::GetAtt": [cluster_id, "Endpoint.Port"]}
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == (
        "tcp",
        cluster_port,
        cluster_port,
    )
    assert rule["SourceSecurityGroupId"] == stack.resolve(peer.security_group_id)
    for group in resources(template, "AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group["Properties"]


def test_the_cluster_lives_in_the_isolated_subnets(
    kept: Built,
) -> None:
    _, group = only(kept.template, "AWS::RDS::DBSubnetGroup")
    assert group["Properties"]["SubnetIds"] == ISOLATED_SUBNETS


def test_the_generated_password_is_safe_in_a_url(
    kept: Built,
) -> None:
    _, secret = only(kept.template, "AWS::SecretsManager::Secret")
    generator = secret["Properties"]["GenerateSecretString"]
    assert set(generator["ExcludeCharacters"]) >= URL_UNSAFE
    assert generator["SecretStringTemplate"] == '{"username":"langfuse"}'


def test_containers_read_the_secret_that_carries_host_and_port(
    kept: Built,
) -> None:
    """The attachment adds host and port to the secret: its Ref waits for it."""
    template, database, _ = kept
    attachment_id, _ = only(template, "AWS::SecretsManager::SecretTargetAttachment")
    assert Stack.of(database).resolve(database.client_secret.secret_arn) == {"Ref": attachment_id}


def test_scale_to_zero_pauses_after_the_configured_idle_minutes(disposable: Built) -> None:
    _, cluster = only(disposable.template, "AWS::RDS::DBCluster")
    scaling = cluster["Properties"]["ServerlessV2ScalingConfiguration"]
    assert scaling["MinCapacity"] == 0
    assert scaling["SecondsUntilAutoPause"] == 30 * 60


def test_a_reader_scales_with_the_writer(kept: Built, disposable: Built) -> None:
    def tiers(built: Built) -> list[int]:
        instances = resources(built.template, "AWS::RDS::DBInstance").values()
        return sorted(i["Properties"]["PromotionTier"] for i in instances)

    assert tiers(kept) == [0]
    assert tiers(disposable) == [0, 1]


def test_backups_and_logs_follow_the_settings(kept: Built) -> None:
    template = kept.template
    _, cluster = only(template, "AWS::RDS::DBCluster")
    assert cluster["Properties"]["BackupRetentionPeriod"] == 14
    assert cluster["Properties"]["EnableCloudwatchLogsExports"] == ["postgresql"]
    _, retention = only(template, "Custom::LogRetention")
    assert retention["Properties"]["RetentionInDays"] == 30
