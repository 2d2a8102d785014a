"""Physical names: none that another team's deployment of the same config would also claim.

AWS scopes names differently. Some are unique across every account (S3 buckets, Cognito prefix
domains): any literal there clashes with every other adopter of the same YAML. Others are unique
in one account and region: a literal there must carry the environment's name, so two
environments side by side in one account never collide.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from conftest import ALL_NAMES, synthesized
from synth import SynthesizedEnvironment

# Unique across all AWS accounts (in a region for Cognito, everywhere for S3).
GLOBAL_NAMES = {
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::Cognito::UserPoolDomain", "Domain"),
}
# Unique within one account and region (IAM: within the account).
ACCOUNT_NAMES = {
    ("AWS::Backup::BackupVault", "BackupVaultName"),
    ("AWS::Logs::LogGroup", "LogGroupName"),
    ("AWS::SecretsManager::Secret", "Name"),
    ("AWS::IAM::Role", "RoleName"),
    ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
    ("AWS::Lambda::Function", "FunctionName"),
    ("AWS::ECS::Cluster", "ClusterName"),
    ("AWS::ECS::Service", "ServiceName"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Name"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Name"),
    ("AWS::RDS::DBCluster", "DBClusterIdentifier"),
    ("AWS::RDS::DBInstance", "DBInstanceIdentifier"),
    ("AWS::RDS::DBSubnetGroup", "DBSubnetGroupName"),
    ("AWS::RDS::DBClusterParameterGroup", "DBClusterParameterGroupName"),
    ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"),
    ("AWS::ElastiCache::SubnetGroup", "CacheSubnetGroupName"),
    ("AWS::ElastiCache::ParameterGroup", "CacheParameterGroupName"),
    ("AWS::WAFv2::WebACL", "Name"),
    ("AWS::WAFv2::IPSet", "Name"),
    ("AWS::SSM::Parameter", "Name"),
    ("AWS::KMS::Alias", "AliasName"),
    ("AWS::SNS::Topic", "TopicName"),
    ("AWS::Events::Rule", "Name"),
    ("AWS::EFS::AccessPoint", "AccessPointTags"),
    ("AWS::ECR::PullThroughCacheRule", "EcrRepositoryPrefix"),
    ("AWS::Backup::BackupPlan", "BackupPlan.BackupPlanName"),
    ("AWS::Budgets::Budget", "Budget.BudgetName"),
}


def named(env: SynthesizedEnvironment, kinds: set[tuple[str, str]]) -> list[tuple[str, str, Any]]:
    """(logical id, property, value) of every resource of ``kinds`` that sets the name."""
    found = []
    for template in env.templates.values():
        for logical_id, resource in template["Resources"].items():
            for kind, path in kinds:
                if resource["Type"] != kind:
                    continue
                value: Any = resource.get("Properties", {})
                for part in path.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if value is not None:
                    found.append((logical_id, path, value))
    return found


def test_no_literal_global_name(any_env: SynthesizedEnvironment) -> None:
    """A literal global name is claimed by the first adopter only; everyone else's deploy fails."""
    for template in any_env.templates.values():
        for logical_id, resource in template["Resources"].items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Cognito::UserPoolDomain" and (
                "CustomDomainConfig" in properties
            ):
                continue  # the adopter's own domain name
            for kind, prop in GLOBAL_NAMES:
                if resource["Type"] == kind and isinstance(properties.get(prop), str):
                    explicit = any_env.config.auth.cognito and (
                        any_env.config.auth.cognito.domain_prefix == properties[prop]
                    )
                    assert explicit, f"{logical_id}.{prop} is the literal {properties[prop]!r}"


def test_account_scoped_literals_carry_the_environment_name(
    any_env: SynthesizedEnvironment,
) -> None:
    name = any_env.config.name
    squashed = f"Langfuse{name}".replace("-", "")
    for logical_id, prop, value in named(any_env, ACCOUNT_NAMES):
        if isinstance(value, str):
            assert name in value or squashed in value, f"{logical_id}.{prop} = {value!r}"


def test_no_two_environments_share_an_account_scoped_literal() -> None:
    literals = {
        env_name: {
            (prop, value)
            for _, prop, value in named(synthesized(env_name), ACCOUNT_NAMES)
            if isinstance(value, str)
        }
        for env_name in ALL_NAMES
    }
    for first, second in combinations(ALL_NAMES, 2):
        assert not literals[first] & literals[second], (first, second)


def test_private_namespace_is_scoped_to_the_environments_own_vpc(
    any_env: SynthesizedEnvironment,
) -> None:
    """Cloud Map private namespaces clash only within one VPC, and each environment makes its own."""
    namespaces = any_env.resources("AWS::ServiceDiscovery::PrivateDnsNamespace")
    vpcs = any_env.resources("AWS::EC2::VPC")
    existing = any_env.config.network.existing
    assert namespaces
    for namespace in namespaces.values():
        if existing is not None:
            # A shared VPC may hold other environments' namespaces: the name carries ours.
            assert namespace["Properties"]["Vpc"] == existing.vpc_id
            assert namespace["Properties"]["Name"] == f"langfuse-{any_env.config.name}.internal"
        else:
            assert namespace["Properties"]["Vpc"]["Ref"] in vpcs
