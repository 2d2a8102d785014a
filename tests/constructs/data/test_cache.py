"""ElastiCache for Valkey as Langfuse's queue: never evicts, TLS and AUTH required, reachable
only from the given peers, its snapshots kept where the environment keeps data.

Rules the expected values come from:
- Langfuse needs ``maxmemory-policy noeviction`` (ElastiCache's default is volatile-lru) and
  talks TLS (REDIS_TLS_ENABLED=true) with REDIS_AUTH (../shared/reference/langfuse.md, from
  Langfuse's self-hosting docs).
- AUTH works only with encryption in transit; tokens are 16 to 128 printable characters and
  the only non-alphanumeric characters allowed are ``! & # $ ^ < > -`` (ElastiCache User Guide,
  "Authenticating with the Valkey and Redis OSS AUTH command").
- ``TransitEncryptionMode: required`` accepts encrypted connections only; ``preferred`` also
  accepts plain ones (CloudFormation, AWS::ElastiCache::ReplicationGroup).
- Valkey 8 parameter groups are of family ``valkey8`` (ElastiCache User Guide, "Valkey 8
  parameter changes").
- Multi-AZ needs automatic failover and a replica in another zone (ElastiCache User Guide,
  "Minimizing downtime in ElastiCache by using Multi-AZ").
- docs/security.md: Valkey 6379 only from web and worker; a week of Valkey snapshots where data
  is kept. docs/data.md: the Valkey final snapshot survives a retaining environment's deletion.
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
from langfuse_aws.constructs.data.cache import Cache, CacheProps

VALKEY_PORT = 6379  # Valkey's and Redis's default port
AUTH_TOKEN_LENGTH = range(16, 129)
DAYS_OF_SNAPSHOTS_KEPT = 7


def build_cache(stack: Stack, vpc: ec2.IVpc, *, retain: bool, **settings: Any) -> Cache:
    """The one place this file builds the construct (``settings``: replicas, multi_az)."""
    return Cache(
        stack,
        "Cache",
        props=CacheProps(
            vpc=vpc,
            protection=protection(retain=retain),
            engine_version="8.1",
            node_type="cache.t4g.small",
            **settings,
        ),
    )


class Built(NamedTuple):
    template: Template
    cache: Cache
    peer: ec2.SecurityGroup


def synth(*, retain: bool, **settings: Any) -> Built:
    """The cache in a bare stack, its port opened to one peer security group."""
    stack = bare_stack()
    vpc = imported_vpc(stack)
    cache = build_cache(stack, vpc, retain=retain, **settings)
    peer = peer_group(stack, vpc)
    cache.connections.allow_default_port_from(peer)
    return Built(Template.from_stack(stack), cache, peer)


@pytest.fixture(scope="module")
def kept() -> Built:
    return synth(retain=True)


@pytest.fixture(scope="module")
def disposable() -> Built:
    """Disposable, with one replica and Multi-AZ."""
    return synth(retain=False, replicas=1, multi_az=True)


def group(built: Built) -> dict[str, Any]:
    properties: dict[str, Any] = only(built.template, "AWS::ElastiCache::ReplicationGroup")[1][
        "Properties"
    ]
    return properties


def test_valkey_never_evicts_queue_keys(kept: Built) -> None:
    parameters_id, parameters = only(kept.template, "AWS::ElastiCache::ParameterGroup")
    assert parameters["Properties"]["CacheParameterGroupFamily"] == "valkey8"
    assert parameters["Properties"]["Properties"] == {"maxmemory-policy": "noeviction"}
    assert group(kept)["CacheParameterGroupName"] == {"Ref": parameters_id}
    assert group(kept)["Engine"] == "valkey"


def test_tls_is_required_and_data_is_encrypted_at_rest(kept: Built) -> None:
    properties = group(kept)
    assert properties["TransitEncryptionEnabled"] is True
    assert properties["TransitEncryptionMode"] == "required"
    assert properties["AtRestEncryptionEnabled"] is True


def test_the_auth_token_comes_from_a_generated_secret_valkey_accepts(kept: Built) -> None:
    secret_id, secret = only(kept.template, "AWS::SecretsManager::Secret")
    generator = secret["Properties"]["GenerateSecretString"]
    assert generator["ExcludePunctuation"] is True
    assert generator["PasswordLength"] in AUTH_TOKEN_LENGTH
    token = group(kept)["AuthToken"]
    assert token == {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]
    }
    assert "rotat" in acknowledged(kept.cache.auth_token)["AwsSolutions-SMG4"]


def test_valkey_is_open_to_the_given_peers_only(kept: Built) -> None:
    stack = Stack.of(kept.cache)
    cache_group = stack.resolve(kept.cache.security_group.security_group_id)
    assert group(kept)["Port"] == VALKEY_PORT
    assert group(kept)["SecurityGroupIds"] == [cache_group]
    rules = [
        r["Properties"]
        for r in resources(kept.template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == cache_group
    ]
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"]) for r in rules
    ] == [("tcp", VALKEY_PORT, VALKEY_PORT, stack.resolve(kept.peer.security_group_id))]
    (cache_sg,) = [
        g["Properties"]
        for k, g in resources(kept.template, "AWS::EC2::SecurityGroup").items()
        if {"Fn::GetAtt": [k, "GroupId"]} == cache_group
    ]
    assert "SecurityGroupIngress" not in cache_sg
    assert all(rule.get("CidrIp") != "0.0.0.0/0" for rule in cache_sg["SecurityGroupEgress"])


def test_the_cache_lives_in_the_isolated_subnets(kept: Built) -> None:
    subnets_id, subnets = only(kept.template, "AWS::ElastiCache::SubnetGroup")
    assert subnets["Properties"]["SubnetIds"] == ISOLATED_SUBNETS
    assert group(kept)["CacheSubnetGroupName"] == {"Ref": subnets_id}


def test_kept_queues_get_a_week_of_snapshots_and_a_final_one(kept: Built) -> None:
    assert group(kept)["SnapshotRetentionLimit"] == DAYS_OF_SNAPSHOTS_KEPT
    _, resource = only(kept.template, "AWS::ElastiCache::ReplicationGroup")
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Snapshot", "Snapshot")


def test_a_disposable_cache_is_deleted_without_a_final_snapshot(disposable: Built) -> None:
    _, resource = only(disposable.template, "AWS::ElastiCache::ReplicationGroup")
    assert resource.get("DeletionPolicy", "Delete") == "Delete"
    assert group(disposable)["SnapshotRetentionLimit"] < DAYS_OF_SNAPSHOTS_KEPT


def test_multi_az_fails_over_to_a_replica(kept: Built, disposable: Built) -> None:
    single = group(kept)
    assert (single["NumCacheClusters"], single["MultiAZEnabled"]) == (1, False)
    assert single["AutomaticFailoverEnabled"] is False
    assert "AwsSolutions-AEC4" in acknowledged(kept.cache.replication_group)
    multi = group(disposable)
    assert (multi["NumCacheClusters"], multi["MultiAZEnabled"]) == (2, True)
    assert multi["AutomaticFailoverEnabled"] is True
    assert "AwsSolutions-AEC4" not in acknowledged(disposable.cache.replication_group)


def test_the_host_is_the_primary_endpoint(kept: Built) -> None:
    group_id, _ = only(kept.template, "AWS::ElastiCache::ReplicationGroup")
    assert Stack.of(kept.cache).resolve(kept.cache.host) == {
        "Fn::GetAtt": [group_id, "PrimaryEndPoint.Address"]
    }
