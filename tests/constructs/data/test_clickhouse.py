"""ClickHouse on Fargate: one server, never two on one volume, its data on encrypted EFS
mounted through an IAM-authorised access point, reachable only from its clients.

Rules the expected values come from:
- ECS rolling deployments: ``maximumPercent`` caps the tasks RUNNING or PENDING during a
  deployment as a percentage of the desired count, ``minimumHealthyPercent`` is the floor that
  must stay RUNNING (ECS API Reference, DeploymentConfiguration). With one task, 100 / 0 means
  the old task stops before the new one starts: never two servers writing one EFS volume.
- An ECS EFS volume with IAM authorization or an access point needs transit encryption
  (CloudFormation, AWS::ECS::TaskDefinition AuthorizationConfig).
- NFS, hence EFS mount targets, listens on TCP 2049 (Amazon EFS User Guide, "Using VPC security
  groups").
- The ClickHouse image runs the server as user and group 101 ("The same uid / gid (101) is used
  both for alpine and ubuntu", ClickHouse docker/server/Dockerfile.ubuntu and
  Dockerfile.alpine); its data path is /var/lib/clickhouse (ClickHouse server setting ``path``).
- ClickHouse's HTTP interface is on 8123 and the native protocol on 9000 (ClickHouse docs,
  "Network ports"). Langfuse reads CLICKHOUSE_URL http://host:8123, CLICKHOUSE_MIGRATION_URL
  clickhouse://host:9000, and CLICKHOUSE_CLUSTER_ENABLED=false for a single node; the password
  is pasted into a URL unencoded (../shared/reference/langfuse.md).
- Langfuse's ClickHouse guidance: UTC, and the system log tables trace_log, text_log,
  metric_log, asynchronous_metric_log, opentelemetry_span_log and latency_log disabled, query_log
  kept (../shared/reference/langfuse.md, Sizing).
- ECS: a container's ``memory`` is its hard limit, and the memory of all containers of a task
  must fit in the task's (ECS Developer Guide, task definition parameters); the backup
  sidecar's limit is clickhouse_backup.SIDECAR_MEMORY_MIB, 256 MiB.
- docs/data.md: the ClickHouse EFS survives a retaining environment's deletion.
  docs/security.md: ClickHouse 8123/9000 only from web and worker; EFS only from ClickHouse.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_s3 as s3
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
from langfuse_aws.constructs.compute.cluster import ServiceCluster
from langfuse_aws.constructs.compute.images import ImageSource
from langfuse_aws.constructs.data.clickhouse import ClickHouseServer, ClickHouseServerProps
from langfuse_aws.constructs.data.clickhouse_backup import ClickHouseBackups, ClickHouseBackupsProps

HTTP_PORT, NATIVE_PORT, NFS_PORT = 8123, 9000, 2049
TASK_MEMORY_MIB, SIDECAR_MEMORY_MIB = 8192, 256
CLICKHOUSE_UID = "101"
DATA_PATH = "/var/lib/clickhouse"
UNBOUNDED_SYSTEM_LOGS = (
    "trace_log",
    "text_log",
    "metric_log",
    "asynchronous_metric_log",
    "opentelemetry_span_log",
    "latency_log",
)
EFS_ACKNOWLEDGEMENT = "cdk-validator-cfnguard::efs_automatic_backups_enabled_check"


def build_clickhouse(
    stack: Stack, vpc: ec2.IVpc, *, retain: bool, backed_up: bool, sidecar_memory_mib: int = 0
) -> ClickHouseServer:
    """The one place this file builds the construct, with the cluster and images it needs."""
    cluster = ServiceCluster(stack, "Cluster", vpc=vpc, namespace="langfuse.internal")
    images = ImageSource(stack, "Images", environment_name="test")
    return ClickHouseServer(
        stack,
        "ClickHouse",
        props=ClickHouseServerProps(
            cluster=cluster,
            images=images,
            protection=protection(retain=retain),
            backed_up=backed_up,
            image_tag="26.4.4.38",
            cpu=2048,
            memory_mib=TASK_MEMORY_MIB,
            sidecar_memory_mib=sidecar_memory_mib,
        ),
    )


class Built(NamedTuple):
    template: Template
    server: ClickHouseServer
    peer: ec2.SecurityGroup


def synth(*, retain: bool, backed_up: bool) -> Built:
    """The server in a bare stack, opened to one client security group."""
    stack = bare_stack()
    vpc = imported_vpc(stack)
    server = build_clickhouse(stack, vpc, retain=retain, backed_up=backed_up)
    peer = peer_group(stack, vpc)
    server.allow_clients(peer)
    return Built(Template.from_stack(stack), server, peer)


@pytest.fixture(scope="module")
def kept() -> Built:
    return synth(retain=True, backed_up=True)


@pytest.fixture(scope="module")
def disposable() -> Built:
    return synth(retain=False, backed_up=False)


def container(built: Built) -> dict[str, Any]:
    _, task = only(built.template, "AWS::ECS::TaskDefinition")
    (definition,) = task["Properties"]["ContainerDefinitions"]
    found: dict[str, Any] = definition
    return found


def ingress_of(built: Built, group: ec2.ISecurityGroup) -> list[tuple[Any, ...]]:
    stack = Stack.of(built.server)
    group_id = stack.resolve(group.security_group_id)
    return sorted(
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"]["Fn::GetAtt"][0])
        for r in (
            rule["Properties"]
            for rule in resources(built.template, "AWS::EC2::SecurityGroupIngress").values()
        )
        if r["GroupId"] == group_id
    )


def test_one_server_never_two_and_never_on_spot(kept: Built) -> None:
    _, service = only(kept.template, "AWS::ECS::Service")
    properties = service["Properties"]
    assert properties["DesiredCount"] == 1
    deployment = properties["DeploymentConfiguration"]
    assert (deployment["MaximumPercent"], deployment["MinimumHealthyPercent"]) == (100, 0)
    assert properties["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE", "Weight": 1}]


def test_data_is_on_an_encrypted_file_system_kept_with_the_environment(kept: Built) -> None:
    _, file_system = only(kept.template, "AWS::EFS::FileSystem")
    assert file_system["Properties"]["Encrypted"] is True
    assert (file_system["DeletionPolicy"], file_system["UpdateReplacePolicy"]) == (
        "Retain",
        "Retain",
    )
    # No Infrequent-Access tiering: ClickHouse reads its parts constantly.
    assert "LifecyclePolicies" not in file_system["Properties"]
    targets = resources(kept.template, "AWS::EFS::MountTarget").values()
    assert sorted(t["Properties"]["SubnetId"] for t in targets) == ISOLATED_SUBNETS


def test_a_disposable_file_system_is_deleted_with_the_stack(disposable: Built) -> None:
    _, file_system = only(disposable.template, "AWS::EFS::FileSystem")
    assert file_system.get("DeletionPolicy", "Delete") == "Delete"
    _, password = only(disposable.template, "AWS::SecretsManager::Secret")
    assert password.get("DeletionPolicy", "Delete") == "Delete"


def test_the_volume_is_mounted_with_tls_and_the_task_role_through_the_access_point(
    kept: Built,
) -> None:
    access_point_id, access_point = only(kept.template, "AWS::EFS::AccessPoint")
    assert access_point["Properties"]["PosixUser"] == {"Uid": CLICKHOUSE_UID, "Gid": CLICKHOUSE_UID}
    creation = access_point["Properties"]["RootDirectory"]["CreationInfo"]
    assert (creation["OwnerUid"], creation["OwnerGid"]) == (CLICKHOUSE_UID, CLICKHOUSE_UID)
    _, task = only(kept.template, "AWS::ECS::TaskDefinition")
    (volume,) = task["Properties"]["Volumes"]
    efs = volume["EFSVolumeConfiguration"]
    assert efs["TransitEncryption"] == "ENABLED"
    assert efs["AuthorizationConfig"] == {
        "AccessPointId": {"Ref": access_point_id},
        "IAM": "ENABLED",
    }
    assert container(kept)["MountPoints"] == [
        {"ContainerPath": DATA_PATH, "ReadOnly": False, "SourceVolume": volume["Name"]}
    ]


def test_clickhouse_ports_are_open_to_its_clients_only(kept: Built) -> None:
    peer = Stack.of(kept.server).resolve(kept.peer.security_group_id)["Fn::GetAtt"][0]
    assert ingress_of(kept, kept.server.security_group) == [
        ("tcp", HTTP_PORT, HTTP_PORT, peer),
        ("tcp", NATIVE_PORT, NATIVE_PORT, peer),
    ]
    server = Stack.of(kept.server).resolve(kept.server.security_group.security_group_id)
    (efs_group,) = kept.server.file_system.connections.security_groups
    assert ingress_of(kept, efs_group) == [
        ("tcp", NFS_PORT, NFS_PORT, server["Fn::GetAtt"][0]),
    ]
    for group in resources(kept.template, "AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group["Properties"]


def test_the_password_reaches_the_container_as_a_secret(kept: Built) -> None:
    password_id, password = only(kept.template, "AWS::SecretsManager::Secret")
    assert password["Properties"]["GenerateSecretString"]["ExcludePunctuation"] is True
    definition = container(kept)
    assert definition["Secrets"] == [
        {"Name": "CLICKHOUSE_PASSWORD", "ValueFrom": {"Ref": password_id}}
    ]
    assert "CLICKHOUSE_PASSWORD" not in {e["Name"] for e in definition["Environment"]}


def test_the_server_starts_only_once_every_mount_target_is_available(kept: Built) -> None:
    _, service = only(kept.template, "AWS::ECS::Service")
    targets = resources(kept.template, "AWS::EFS::MountTarget")
    assert len(targets) == len(ISOLATED_SUBNETS)
    assert set(targets) <= set(service["DependsOn"])


def test_langfuse_reaches_one_node_over_service_connect(kept: Built) -> None:
    endpoint = kept.server.endpoint
    assert endpoint.url == f"http://clickhouse-http:{HTTP_PORT}"
    assert endpoint.migration_url == f"clickhouse://clickhouse-native:{NATIVE_PORT}"
    assert endpoint.cluster_enabled is False
    _, service = only(kept.template, "AWS::ECS::Service")
    aliases = {
        alias["DnsName"]: alias["Port"]
        for entry in service["Properties"]["ServiceConnectConfiguration"]["Services"]
        for alias in entry["ClientAliases"]
    }
    assert aliases == {"clickhouse-http": HTTP_PORT, "clickhouse-native": NATIVE_PORT}


def test_the_server_runs_in_utc_without_unbounded_system_logs(kept: Built) -> None:
    environment = {e["Name"]: e["Value"] for e in container(kept)["Environment"]}
    config = environment["LANGFUSE_CLICKHOUSE_CONFIG"]
    assert "<timezone>UTC</timezone>" in config
    for table in UNBOUNDED_SYSTEM_LOGS:
        assert f'<{table} remove="1"/>' in config
    assert "query_log" not in config


def test_efs_automatic_backups_are_acknowledged_with_the_environment_s_reason(
    kept: Built, disposable: Built
) -> None:
    assert "AWS Backup plan" in acknowledged(kept.server.file_system)[EFS_ACKNOWLEDGEMENT]
    assert "backups off" in acknowledged(disposable.server.file_system)[EFS_ACKNOWLEDGEMENT]


def with_backup_sidecar(sidecar_memory_mib: int) -> dict[str, dict[str, Any]]:
    """The server with ClickHouse's backup loop added to its task, as the main stack does;
    the task's containers by name."""
    stack = bare_stack()
    server = build_clickhouse(
        stack,
        imported_vpc(stack),
        retain=True,
        backed_up=True,
        sidecar_memory_mib=sidecar_memory_mib,
    )
    backups = ClickHouseBackups(
        stack,
        "Backups",
        props=ClickHouseBackupsProps(
            environment_name="test",
            server_role=server.service.task_definition.task_role,
            server_port=NATIVE_PORT,
            hour_utc=3,
            retention_days=35,
            protection=protection(retain=True),
            access_logs=s3.Bucket.from_bucket_name(stack, "AccessLogs", "test-access-logs"),
        ),
    )
    backups.add_sidecar(
        server.container,
        image=server.image,
        user="langfuse",
        password=ecs.Secret.from_secrets_manager(server.password),
    )
    _, task = only(Template.from_stack(stack), "AWS::ECS::TaskDefinition")
    assert task["Properties"]["Memory"] == str(TASK_MEMORY_MIB)
    return {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}


def test_without_a_sidecar_the_server_may_use_the_whole_task(kept: Built) -> None:
    assert container(kept)["Memory"] == TASK_MEMORY_MIB


def test_the_server_leaves_the_backup_sidecar_its_memory_and_shares_its_image() -> None:
    """The server's hard limit is the task's memory less the sidecar's, so both limits fit in
    the task; the sidecar runs the server's own image (its clickhouse-client speaks the
    server's version)."""
    containers = with_backup_sidecar(SIDECAR_MEMORY_MIB)
    assert set(containers) == {"clickhouse", "backup"}
    assert containers["clickhouse"]["Memory"] == TASK_MEMORY_MIB - SIDECAR_MEMORY_MIB
    assert containers["backup"]["Memory"] == SIDECAR_MEMORY_MIB
    assert containers["backup"]["Image"] == containers["clickhouse"]["Image"]
    assert containers["clickhouse"]["Image"] == "clickhouse/clickhouse-server:26.4.4.38"


def test_a_server_without_headroom_leaves_the_sidecar_no_room() -> None:
    with pytest.raises(Exception, match="256 MiB below the task's memory"):
        with_backup_sidecar(0)


def test_headroom_that_leaves_the_server_nothing_is_refused() -> None:
    stack = bare_stack()
    with pytest.raises(ValueError, match="leaves the server none"):
        build_clickhouse(
            stack,
            imported_vpc(stack),
            retain=True,
            backed_up=True,
            sidecar_memory_mib=TASK_MEMORY_MIB,
        )
