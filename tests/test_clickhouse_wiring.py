"""ClickHouse as the main stack wires it in each mode: what web waits for, who reaches the
server, which alarms watch it, where ClickHouse's own backups run and how operators find them.

Environments: config/example.yaml (fargate, backups on, monitoring on), config/dev.yaml
(fargate, backups off), tests/fixtures/alb-domain.yaml (external ClickHouse) and
tests/fixtures/clickhouse-ec2.yaml (ec2 in eu-west-1b, volume_iops 6000, backups at 02:00 UTC,
monitoring with an e-mail).

Rules the expected values come from:

- ``DependsOn`` makes CloudFormation create a resource only after the named one is created, and
  an Auto Scaling group with a CreationPolicy is created only once its instances signalled
  success (CloudFormation User Guide, "DependsOn attribute", "CreationPolicy attribute"). Web
  runs the ClickHouse migrations at start (../shared/reference/langfuse.md), so it waits for
  the group.
- ClickHouse's HTTP interface is on 8123, the native protocol on 9000 (ClickHouse docs,
  "Network ports"); only Langfuse web and worker reach them (docs/security.md).
- ECS: the memory limits of a task's containers must fit in the task's memory (ECS Developer
  Guide, task definition parameters); the backup sidecar's limit is 256 MiB.
- The backup-late alarm looks back a day and two hours when ClickHouse always runs
  (EnvironmentConfig.clickhouse_backup_late_hours: 24 + 2 = 26 hours, 93600 seconds).
- `restore-drill` and `plan --clickhouse-restore-from` read the deployed stack's output
  ``ClickHouseBackupBucket`` (clickhouse_drill.BACKUP_BUCKET_OUTPUT, clickhouse_move.py).
- CloudFormation refuses a stack update that gives an existing logical id another resource
  type ("Update of resource type is not permitted", e.g. aws/aws-sam-cli#6786), so moving
  ClickHouse between modes needs every logical id the modes share to keep its type.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from conftest import synthesized
from synth import SynthesizedEnvironment

EC2 = "clickhouse-ec2"
BACKED_UP = ["example", EC2]
NOT_BACKED_UP = ["dev", "alb-domain"]
SIDECAR_MEMORY_MIB = 256
BACKUP_OUTPUT = "ClickHouseBackupBucket"


def one(env: SynthesizedEnvironment, kind: str, prefix: str = "") -> tuple[str, dict[str, Any]]:
    (found,) = [(k, v) for k, v in env.resources(kind).items() if k.startswith(prefix)]
    return found


def ref(env: SynthesizedEnvironment, kind: str, prefix: str = "") -> dict[str, str]:
    return {"Ref": one(env, kind, prefix)[0]}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def user_data(env: SynthesizedEnvironment) -> str:
    """The ClickHouse instance's first-boot script, each reference as its JSON."""
    _, template = one(env, "AWS::EC2::LaunchTemplate", "ClickHouse")
    parts = template["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in parts)


def policy_statements(env: SynthesizedEnvironment, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in env.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def alarms(env: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in env.resources("AWS::CloudWatch::Alarm").values()
        if "AlarmName" in a["Properties"]
    }


# --- ClickHouse on EC2 ----------------------------------------------------------------------


@pytest.mark.slow
def test_web_starts_only_once_the_ec2_server_has_signalled() -> None:
    env = synthesized(EC2)
    group_id, group = one(env, "AWS::AutoScaling::AutoScalingGroup", "ClickHouse")
    assert group["CreationPolicy"]["ResourceSignal"]["Count"] == 1
    _, web = one(env, "AWS::ECS::Service", "Web")
    assert group_id in web["DependsOn"]


@pytest.mark.slow
def test_the_ec2_server_runs_in_the_yaml_s_zone() -> None:
    env = synthesized(EC2)
    _, volume = one(env, "AWS::EC2::Volume")
    assert volume["Properties"]["AvailabilityZone"] == "eu-west-1b"
    _, group = one(env, "AWS::AutoScaling::AutoScalingGroup", "ClickHouse")
    (subnet,) = group["Properties"]["VPCZoneIdentifier"]
    _, subnet_resource = one(env, "AWS::EC2::Subnet", subnet["Ref"])
    assert subnet_resource["Properties"]["AvailabilityZone"] == "eu-west-1b"
    assert subnet_resource["Properties"]["MapPublicIpOnLaunch"] is False


@pytest.mark.slow
def test_only_web_and_worker_reach_the_ec2_server() -> None:
    env = synthesized(EC2)
    server_group = {"Fn::GetAtt": [one(env, "AWS::EC2::SecurityGroup", "ClickHouse")[0], "GroupId"]}
    opened = {
        (rule["SourceSecurityGroupId"]["Fn::GetAtt"][0], rule["FromPort"], rule["ToPort"])
        for rule in (
            r["Properties"] for r in env.resources("AWS::EC2::SecurityGroupIngress").values()
        )
        if rule["GroupId"] == server_group
    }
    clients = {
        name: one(env, "AWS::ECS::Service", name)[1]["Properties"]["NetworkConfiguration"][
            "AwsvpcConfiguration"
        ]["SecurityGroups"][0]["Fn::GetAtt"][0]
        for name in ("Web", "Worker")
    }
    assert opened == {(group, port, port) for group in clients.values() for port in (8123, 9000)}


@pytest.mark.slow
def test_the_ec2_server_alarms_notify_the_monitoring_topic() -> None:
    """Disk, IOPS (90 % of the YAML's 6000 provisioned IOPS) and status checks."""
    env = synthesized(EC2)
    topic = [ref(env, "AWS::SNS::Topic", "Monitoring")]
    found = alarms(env)
    prefix = "langfuse-clickhouse-ec2-clickhouse"
    for suffix in ("disk-used", "volume-iops", "status-check"):
        assert found[f"{prefix}-{suffix}"]["AlarmActions"] == topic, suffix
    assert found[f"{prefix}-volume-iops"]["Threshold"] == 5400


@pytest.mark.slow
def test_the_ec2_instance_runs_the_backup_loop_into_the_backup_bucket() -> None:
    """The boot script starts the loop (its log group, its 256 MiB, its script with the
    bucket's S3 URL and the YAML's 02:00 UTC), and the instance's role may write the backups
    below their prefix and the loop's log lines."""
    env = synthesized(EC2)
    script = user_data(env)
    logs = ref(env, "AWS::Logs::LogGroup", "ClickHouseBackups")
    bucket = ref(env, "AWS::S3::Bucket", "ClickHouseBackups")
    assert f"\nBACKUP_LOG_GROUP='{json.dumps(logs)}'\n" in script
    assert "\nBACKUP_MEMORY_MIB='256'\n" in script
    assert f"https://{json.dumps(bucket)}.s3.eu-west-1.amazonaws.com/clickhouse-backups/" in script
    assert "Next ClickHouse backup at 02:00 UTC" in script
    role_id, _ = one(env, "AWS::IAM::Role", "ClickHouseRole")
    statements = policy_statements(env, role_id)
    bucket_arn = {"Fn::GetAtt": [bucket["Ref"], "Arn"]}
    writes = [
        s
        for s in statements
        if "s3:PutObject" in as_list(s["Action"])
        and s["Resource"] == {"Fn::Join": ["", [bucket_arn, "/clickhouse-backups/*"]]}
    ]
    assert len(writes) == 1
    log_writes = [
        s
        for s in statements
        if {"Fn::GetAtt": [logs["Ref"], "Arn"]} in as_list(s["Resource"])
        and "logs:PutLogEvents" in as_list(s["Action"])
    ]
    assert len(log_writes) == 1


@pytest.mark.slow
def test_aws_backup_keeps_aurora_and_leaves_the_ec2_volume_to_clickhouse() -> None:
    env = synthesized(EC2)
    _, selection = one(env, "AWS::Backup::BackupSelection")
    selected = json.dumps(selection["Properties"]["BackupSelection"]["Resources"])
    assert "DatabaseCluster5B53A178" in selected
    assert one(env, "AWS::EC2::Volume")[0] not in selected


# --- ClickHouse on Fargate ------------------------------------------------------------------


def clickhouse_task(env: SynthesizedEnvironment) -> tuple[int, dict[str, dict[str, Any]]]:
    _, task = one(env, "AWS::ECS::TaskDefinition", "ClickHouseTask")
    containers = {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}
    return int(task["Properties"]["Memory"]), containers


@pytest.mark.slow
def test_the_fargate_server_leaves_its_backup_sidecar_memory() -> None:
    memory, containers = clickhouse_task(synthesized("example"))
    assert set(containers) == {"clickhouse", "backup"}
    assert containers["clickhouse"]["Memory"] == memory - SIDECAR_MEMORY_MIB
    assert containers["backup"]["Memory"] == SIDECAR_MEMORY_MIB
    assert containers["backup"]["Essential"] is False


@pytest.mark.slow
def test_without_backups_the_fargate_server_has_its_whole_task() -> None:
    memory, containers = clickhouse_task(synthesized("dev"))
    assert list(containers) == ["clickhouse"]
    assert containers["clickhouse"]["Memory"] == memory


@pytest.mark.slow
def test_the_fargate_sidecar_writes_into_the_backup_bucket() -> None:
    env = synthesized("example")
    _, containers = clickhouse_task(env)
    bucket = ref(env, "AWS::S3::Bucket", "ClickHouseBackups")
    script = json.dumps(containers["backup"]["EntryPoint"])
    assert json.dumps(bucket) in script
    assert "Next ClickHouse backup at 03:00 UTC" in script


# --- ClickHouse's own backups in every mode that runs ClickHouse here -----------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", BACKED_UP)
def test_backup_bucket_is_an_output_and_the_alarms_notify_the_topic(name: str) -> None:
    env = synthesized(name)
    bucket = ref(env, "AWS::S3::Bucket", "ClickHouseBackups")
    assert env.main["Outputs"][BACKUP_OUTPUT]["Value"] == bucket
    topic = [ref(env, "AWS::SNS::Topic", "Monitoring")]
    found = alarms(env)
    prefix = f"langfuse-{env.config.name}-clickhouse-backup"
    assert found[f"{prefix}-failed"]["AlarmActions"] == topic
    late = found[f"{prefix}-late"]
    assert late["AlarmActions"] == topic
    periods = [m["MetricStat"]["Period"] for m in late["Metrics"] if "MetricStat" in m]
    assert periods == [26 * 3600]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOT_BACKED_UP)
def test_no_backups_no_output_where_none_are_taken(name: str) -> None:
    """dev turns backups off; alb-domain's ClickHouse is external (its owner backs it up)."""
    env = synthesized(name)
    assert BACKUP_OUTPUT not in env.main.get("Outputs", {})
    assert not [k for k in env.main["Resources"] if k.startswith("ClickHouseBackups")]


@pytest.mark.slow
def test_moving_between_modes_changes_no_resource_s_type() -> None:
    templates = {
        name: synthesized(name).main["Resources"] for name in ("example", EC2, "alb-domain")
    }
    for (a, first), (b, second) in itertools.combinations(templates.items(), 2):
        clashes = {
            k: (first[k]["Type"], second[k]["Type"])
            for k in first.keys() & second.keys()
            if first[k]["Type"] != second[k]["Type"]
        }
        assert clashes == {}, (a, b)
