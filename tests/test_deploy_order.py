"""Nothing starts before what it needs, computed from each template's dependency graph.

Langfuse web runs the Postgres and ClickHouse migrations at start and exits when they fail; a
service whose tasks keep failing trips the deployment circuit breaker, which rolls the whole
stack back. So the order below is what makes a first deploy succeed.
"""

from __future__ import annotations

from typing import Any

from cfn_graph import DependencyGraph
from synth import SynthesizedEnvironment


def graph(env: SynthesizedEnvironment) -> DependencyGraph:
    return DependencyGraph(env.main)


def service(g: DependencyGraph, prefix: str) -> str:
    (logical_id,) = [k for k in g.of_type("AWS::ECS::Service") if k.startswith(prefix)]
    return logical_id


def refers_to(value: Any, logical_id: str) -> bool:
    return logical_id in repr(value)


def test_web_waits_for_database_writer_secret_attachment_and_clickhouse(
    any_env: SynthesizedEnvironment,
) -> None:
    g = graph(any_env)
    web = g.waits_for(service(g, "WebService"))
    writers = [k for k in g.of_type("AWS::RDS::DBInstance") if "Writer" in k]
    assert len(writers) == 1
    assert set(writers) <= web
    attachments = set(g.of_type("AWS::SecretsManager::SecretTargetAttachment"))
    assert attachments and attachments <= web
    if any_env.config.clickhouse.mode == "fargate":
        assert service(g, "ClickHouseService") in web
    if any_env.config.clickhouse.mode == "ec2":
        # The group is created once its instance signalled that ClickHouse answers.
        (group,) = g.of_type("AWS::AutoScaling::AutoScalingGroup")
        assert group in web


def test_web_reads_the_database_secret_through_its_attachment(
    any_env: SynthesizedEnvironment,
) -> None:
    """The attachment adds host and port to the secret; DATABASE_HOST is read from it."""
    g = graph(any_env)
    (attachment,) = g.of_type("AWS::SecretsManager::SecretTargetAttachment")
    for task in g.of_type("AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            for secret in container.get("Secrets", []):
                if secret["Name"] == "DATABASE_HOST":
                    assert refers_to(secret["ValueFrom"], attachment)


def test_worker_waits_for_web(any_env: SynthesizedEnvironment) -> None:
    g = graph(any_env)
    assert service(g, "WebService") in g.waits_for(service(g, "WorkerService"))


def test_clickhouse_waits_for_every_mount_target_of_its_file_system(
    any_env: SynthesizedEnvironment,
) -> None:
    g = graph(any_env)
    file_systems = g.of_type("AWS::EFS::FileSystem")
    if any_env.config.clickhouse.mode != "fargate":
        assert file_systems == {}
    else:
        (file_system,) = file_systems
        mount_targets = {
            k
            for k, v in g.of_type("AWS::EFS::MountTarget").items()
            if v["Properties"]["FileSystemId"] == {"Ref": file_system}
        }
        network = any_env.config.network
        assert len(mount_targets) == (len(network.availability_zones) or network.max_azs)
        assert mount_targets <= g.waits_for(service(g, "ClickHouseService"))


def test_services_with_capacity_providers_wait_for_the_association(
    any_env: SynthesizedEnvironment,
) -> None:
    g = graph(any_env)
    associations = g.of_type("AWS::ECS::ClusterCapacityProviderAssociations")
    with_strategy = {
        k: v
        for k, v in g.of_type("AWS::ECS::Service").items()
        if v["Properties"].get("CapacityProviderStrategy")
    }
    assert with_strategy, "every service names its capacity providers"
    for logical_id, resource in with_strategy.items():
        cluster = resource["Properties"]["Cluster"]
        named = {p["CapacityProvider"] for p in resource["Properties"]["CapacityProviderStrategy"]}
        (association,) = [
            k for k, v in associations.items() if v["Properties"]["Cluster"] == cluster
        ]
        assert named <= set(associations[association]["Properties"]["CapacityProviders"])
        assert association in g.waits_for(logical_id), logical_id
