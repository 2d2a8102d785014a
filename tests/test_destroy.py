"""What `make destroy` does, simulated with CloudFormation's and the services' deletion rules.

CloudFormation deletes a stack's resources in reverse creation order: DeletionPolicy Retain
keeps a resource, Snapshot takes a final snapshot and deletes, Delete deletes. The deletion
fails, and the stack is stuck in DELETE_FAILED, when a service refuses a delete:
- RDS refuses to delete a cluster or instance with deletion protection ("Cannot delete
  protected Cluster"); ELB the same for a load balancer with deletion protection.
- RDS and ElastiCache refuse to delete a subnet group or parameter group that a database still
  uses (InvalidDBSubnetGroupStateFault, InvalidDBParameterGroupState); KMS would schedule a key
  for deletion that a kept resource still needs to decrypt its data.
- EC2 refuses to delete a subnet, security group or VPC while a network interface is in it, so
  nothing kept may hold an interface in the environment's VPC.

What is kept must then not be in the way of deploying the same environment again: a kept
resource keeps its physical name (cfn_names simulates create, delete, create).
"""

from __future__ import annotations

from typing import Any

from cfn_eval import evaluate, pseudo_parameters
from cfn_graph import DependencyGraph
from cfn_names import US_EAST_1, kept_resources, recreate_collisions, tags_of
from langfuse_aws.naming import main_stack_name
from synth import SynthesizedEnvironment

IN_USE_REFUSED = {
    "AWS::RDS::DBSubnetGroup",
    "AWS::RDS::DBClusterParameterGroup",
    "AWS::RDS::DBParameterGroup",
    "AWS::RDS::OptionGroup",
    "AWS::ElastiCache::SubnetGroup",
    "AWS::ElastiCache::ParameterGroup",
    "AWS::KMS::Key",
}
# Resources that place network interfaces in the VPC while they exist.
HOLDS_NETWORK_INTERFACES = {
    "AWS::RDS::DBInstance",
    "AWS::EFS::MountTarget",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ECS::Service",
    "AWS::EC2::Instance",
    "AWS::EC2::NatGateway",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::Lambda::Function",
}


def kept(resource: dict[str, Any]) -> bool:
    return bool(resource.get("DeletionPolicy", "Delete") == "Retain")


def deletion_protected(resource: dict[str, Any]) -> bool:
    properties = resource.get("Properties", {})
    if properties.get("DeletionProtection") in (True, "true"):
        return True
    attributes = properties.get("LoadBalancerAttributes", [])
    return any(
        a["Key"] == "deletion_protection.enabled" and a["Value"] == "true" for a in attributes
    )


def deletion_failures(template: dict[str, Any]) -> list[str]:
    """Why CloudFormation's deletion of this stack would fail (empty: it ends cleanly)."""
    graph = DependencyGraph(template)
    resources = graph.resources
    failures = []
    for logical_id, resource in resources.items():
        if deletion_protected(resource) and not kept(resource):
            failures.append(f"{logical_id}: deletion protection refuses the delete")
        if kept(resource):
            for used in graph.direct[logical_id]:
                if resources[used]["Type"] in IN_USE_REFUSED and not kept(resources[used]):
                    failures.append(f"{used}: still in use by the kept {logical_id}")
    vpc_deleted = any(not kept(r) for r in graph.of_type("AWS::EC2::VPC").values())
    if vpc_deleted:
        for logical_id, resource in resources.items():
            if resource["Type"] in HOLDS_NETWORK_INTERFACES and kept(resource):
                failures.append(f"{logical_id}: keeps network interfaces in the deleted VPC")
    return failures


def test_destroy_ends_cleanly(any_env: SynthesizedEnvironment) -> None:
    for name, template in any_env.templates.items():
        assert deletion_failures(template) == [], name


def test_retaining_environment_keeps_the_database_without_its_instances(
    any_env: SynthesizedEnvironment,
) -> None:
    resources = any_env.main["Resources"]
    graph = DependencyGraph(any_env.main)
    (cluster_id, cluster) = next(iter(graph.of_type("AWS::RDS::DBCluster").items()))
    retain = any_env.config.retains_data
    assert kept(cluster) is retain
    assert cluster["Properties"]["DeletionProtection"] is retain
    for used in graph.direct[cluster_id]:
        if resources[used]["Type"] in IN_USE_REFUSED:
            assert kept(resources[used]) is retain, used
    instances = graph.of_type("AWS::RDS::DBInstance")
    assert instances
    for logical_id, instance in instances.items():
        assert instance.get("DeletionPolicy", "Delete") == "Delete", logical_id


def test_the_rules_catch_a_protected_cluster_with_a_snapshot_policy() -> None:
    """The simulation fails on the template shape that made destroy fail before."""
    template = {
        "Resources": {
            "Subnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {}},
            "Cluster": {
                "Type": "AWS::RDS::DBCluster",
                "DeletionPolicy": "Snapshot",
                "Properties": {"DeletionProtection": True, "DBSubnetGroupName": {"Ref": "Subnets"}},
            },
        }
    }
    assert deletion_failures(template) == ["Cluster: deletion protection refuses the delete"]
    template["Resources"]["Cluster"]["DeletionPolicy"] = "Retain"
    assert deletion_failures(template) == ["Subnets: still in use by the kept Cluster"]


def stacks_by_region(env: SynthesizedEnvironment) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each stack of ``env`` with the region it is deployed to."""
    us_east_1 = {env.global_stack, env.edge_alarms_stack}
    return {
        name: (US_EAST_1 if name in us_east_1 else env.config.region, template)
        for name, template in env.templates.items()
    }


def test_destroy_then_deploy_again_finds_the_kept_data_and_creates_anew(
    any_env: SynthesizedEnvironment,
) -> None:
    """`make destroy` then `make deploy` of the same environment name works, and what the
    destroy kept is found by the environment's tags (the README's *What happens to my data*).

    Every template is created, deleted by its DeletionPolicy and created again (cfn_names):
    no new resource may ask for a name that a kept one still holds.
    """
    assert recreate_collisions(stacks_by_region(any_env)) == []
    for name, template in any_env.templates.items():
        for logical_id, resource in kept_resources(template).items():
            tags = tags_of(resource)
            assert tags.get("environment") == any_env.config.name, (name, logical_id)
            assert tags.get("project") == "langfuse-aws", (name, logical_id)


def test_the_recreate_simulation_catches_a_kept_name_taken_again() -> None:
    """A kept vault with a fixed name blocks the next creation; one named from the stack id,
    or a fixed name whose resource is deleted with the stack, does not."""
    stack_uuid = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
    template = {
        "Resources": {
            "Vault": {
                "Type": "AWS::Backup::BackupVault",
                "DeletionPolicy": "Retain",
                "Properties": {"BackupVaultName": "LangfuseexampleBackupVault2261AE39"},
            },
            "Secret": {
                "Type": "AWS::SecretsManager::Secret",
                "DeletionPolicy": "RetainExceptOnCreate",
                "Properties": {"Name": "langfuse-example-salt"},
            },
            "Stops": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": "/aws/events/langfuse-example-clickhouse-stops"},
            },
            "Logs": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"},
        }
    }
    stack = main_stack_name("example")
    stacks = {stack: ("eu-west-1", template)}
    assert recreate_collisions(stacks) == [
        f"{stack}/Vault: ('BackupVaultName',) = ('LangfuseexampleBackupVault2261AE39',)"
        f" is still held by the kept {stack}/Vault",
        f"{stack}/Secret: ('Name',) = ('langfuse-example-salt',) is still held by the "
        f"kept {stack}/Secret",
    ]
    resources: dict[str, Any] = template["Resources"]
    resources["Vault"]["Properties"]["BackupVaultName"] = {
        "Fn::Join": ["-", ["Langfuse-example", stack_uuid]]
    }
    del resources["Secret"]["Properties"]["Name"]
    assert recreate_collisions(stacks) == []


def test_the_kept_vault_is_named_after_its_environment_and_deployment(
    example: SynthesizedEnvironment,
) -> None:
    """README: the vault is `Langfuse-<env>-<first 8 hex digits of the stack id>`. AWS Backup
    vault names are unique in an account and region and CloudFormation requires one
    (AWS::Backup::BackupVault BackupVaultName: required, create-only)."""
    (vault,) = example.resources("AWS::Backup::BackupVault").values()
    assert vault["DeletionPolicy"] == "Retain"
    known = pseudo_parameters(example.main_stack, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
    name = evaluate(vault["Properties"]["BackupVaultName"], known)
    assert name == "Langfuse-example-1a2b3c4d"
