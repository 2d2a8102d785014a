"""ClickHouse on EC2 (clickhouse.mode ec2): one writer, a volume that outlives the instance,
and a host that only web and worker reach. In-process templates of a bare stack.

What the assertions rest on:

- EBS attaches a volume that is not Multi-Attach to one instance at a time, in the volume's
  own zone (Amazon EBS User Guide, "Attach an Amazon EBS volume to an instance"), so the
  volume, the subnet and the group share one zone.
- CloudFormation's AutoScalingRollingUpdate with MinInstancesInService 0 and MaxBatchSize 1
  replaces the one instance without keeping an old one in service; WaitOnResourceSignals
  waits for the new instance's cfn signal (CloudFormation User Guide, "UpdatePolicy
  attribute"). An instance maintenance policy of 0 % / 100 % healthy terminates before it
  launches (EC2 Auto Scaling User Guide, "Instance maintenance policies").
- IMDSv2 only is HttpTokens required in the launch template's MetadataOptions (EC2 User Guide,
  "Configure the instance metadata options").
- gp3 without Iops or Throughput gets 3,000 IOPS and 125 MiB/s (CreateVolume).
- The CloudWatch agent publishes disk used_percent as disk_used_percent with the dimensions
  path and fstype (device dropped by drop_device, host by omit_hostname) and any
  append_dimensions (CloudWatch User Guide, "Metrics collected by the CloudWatch agent").
- AWS/EBS VolumeReadOps and VolumeWriteOps are operation counts per period (Sum); AWS/EC2
  StatusCheckFailed is 0 or 1 and has an AutoScalingGroupName dimension (EBS and EC2
  CloudWatch metrics pages).
- Docker's awslogs log driver writes with logs:CreateLogStream and logs:PutLogEvents (Docker
  docs, "Amazon CloudWatch Logs logging driver", Credentials).
- A quoted here-document delimiter leaves its lines unexpanded; ``read -r -d ''`` with an
  empty IFS reads them verbatim up to the end (bash manual, "Here Documents", "read").
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from langfuse_aws.compliance import add_compliance_checks
from langfuse_aws.constructs.compute.images import ImageSource
from langfuse_aws.constructs.data.clickhouse_ec2 import (
    HEREDOC_END,
    ClickHouseEc2Props,
    ClickHouseEc2Server,
    array_lines,
    subnet_in_zone,
)
from langfuse_aws.constructs.data.protection import DataProtection

ACCOUNT, REGION = "111122223333", "eu-west-1"
ZONES = ["eu-west-1a", "eu-west-1b"]
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
AL2023_ARM64 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
DOCKER_HUB_SECRET = (
    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
)
# Logical ids of the stateful resources for construct id ClickHouse at the stack's root: a
# changed id replaces the volume (new, empty data) or the interface (new address).
VOLUME_ID = "ClickHouseVolume6F76EB54"
ADDRESS_ID = "ClickHouseAddressDA7EB96B"


class Built:
    """One synthesized bare stack with a ClickHouse server and two client security groups."""

    def __init__(
        self,
        *,
        retain: bool = True,
        agnostic: bool = False,
        extra: Callable[[Built], None] | None = None,
        **sizes: Any,
    ) -> None:
        self.app = App()
        env = None if agnostic else Environment(account=ACCOUNT, region=REGION)
        self.stack = Stack(self.app, "S", env=env)
        if agnostic:
            self.vpc: ec2.IVpc = ec2.Vpc(self.stack, "Vpc", max_azs=2, nat_gateways=1)
        else:
            self.vpc = ec2.Vpc.from_vpc_attributes(
                self.stack,
                "Vpc",
                vpc_id="vpc-0a1b2c3d4e5f60718",
                availability_zones=ZONES,
                private_subnet_ids=SUBNETS,
                vpc_cidr_block="10.20.0.0/16",
            )
        cache = sizes.pop("cache", None)
        images = ImageSource(
            self.stack,
            "Images",
            environment_name="tt",
            cache_credentials={"dockerhub": cache} if cache else None,
        )
        props = ClickHouseEc2Props(
            vpc=self.vpc,
            subnet=self.vpc.private_subnets[-1],
            images=images,
            protection=DataProtection(retain=retain, log_retention=logs.RetentionDays.ONE_MONTH),
            instance_type="r7g.large",
            image_tag="26.4.4.38",
            volume_size_gib=100,
            volume_iops=3000,
            volume_throughput_mibps=125,
        )
        self.server = ClickHouseEc2Server(self.stack, "ClickHouse", props=replace(props, **sizes))
        self.web = ec2.SecurityGroup(self.stack, "Web", vpc=self.vpc)
        self.worker = ec2.SecurityGroup(self.stack, "Worker", vpc=self.vpc)
        self.server.allow_clients(self.web, self.worker)
        self.topic = sns.Topic(self.stack, "Topic")
        self.server.add_alarms(
            topic=self.topic, name_prefix="langfuse-tt", provisioned_iops=props.volume_iops
        )
        if extra is not None:
            extra(self)
        self.template = Template.from_stack(self.stack).to_json()

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def one(self, kind: str) -> tuple[str, dict[str, Any]]:
        (found,) = self.resources(kind).items()
        return found

    def ref(self, kind: str) -> dict[str, str]:
        return {"Ref": self.one(kind)[0]}

    def resolve(self, value: Any) -> Any:
        return self.stack.resolve(value)

    def user_data(self) -> list[Any]:
        data = self.one("AWS::EC2::LaunchTemplate")[1]["Properties"]["LaunchTemplateData"]
        parts: list[Any] = data["UserData"]["Fn::Base64"]["Fn::Join"][1]
        return parts


@cache
def default() -> Built:
    return Built()


def launch_data() -> dict[str, Any]:
    data: dict[str, Any] = default().one("AWS::EC2::LaunchTemplate")[1]["Properties"][
        "LaunchTemplateData"
    ]
    return data


def test_imdsv2_only_and_no_public_address() -> None:
    data = launch_data()
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    (interface,) = data["NetworkInterfaces"]
    assert interface["AssociatePublicIpAddress"] is False


def test_graviton_instance_ebs_optimised_with_an_encrypted_root() -> None:
    data = launch_data()
    assert data["InstanceType"] == "r7g.large"
    assert data["EbsOptimized"] is True
    (root,) = data["BlockDeviceMappings"]
    assert root["DeviceName"] == "/dev/xvda"
    assert root["Ebs"]["Encrypted"] is True


def test_ami_comes_from_the_public_ssm_parameter_at_deploy_time() -> None:
    """AL2023 ARM64's parameter becomes a template parameter CloudFormation resolves; synth
    asks nothing of AWS (no missing context, which a lookup would leave)."""
    built = default()
    image = launch_data()["ImageId"]
    parameter = built.template["Parameters"][image["Ref"]]
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        "Default": AL2023_ARM64,
    }
    assembly = built.app.synth()
    manifest = json.loads((Path(assembly.directory) / "manifest.json").read_text())
    assert "missing" not in manifest


def test_data_volume_is_encrypted_gp3_single_attach_in_the_subnets_zone() -> None:
    built = default()
    logical_id, volume = built.one("AWS::EC2::Volume")
    assert logical_id == VOLUME_ID
    props = volume["Properties"]
    assert props["Encrypted"] is True
    assert props["VolumeType"] == "gp3"
    assert props["MultiAttachEnabled"] is False
    assert props["Size"] == 100
    assert props["AvailabilityZone"] == "eu-west-1b"
    (_, group) = built.one("AWS::AutoScaling::AutoScalingGroup")
    assert group["Properties"]["VPCZoneIdentifier"] == [SUBNETS[1]]
    address_id, address = built.one("AWS::EC2::NetworkInterface")
    assert address_id == ADDRESS_ID
    assert address["Properties"]["SubnetId"] == SUBNETS[1]


def test_volume_follows_the_zone_of_a_new_vpcs_subnet() -> None:
    """Without an account the zone is a template expression; the volume uses the subnet's."""
    built = Built(agnostic=True)
    volume = built.one("AWS::EC2::Volume")[1]["Properties"]
    (_, group) = built.one("AWS::AutoScaling::AutoScalingGroup")
    (subnet_ref,) = group["Properties"]["VPCZoneIdentifier"]
    subnet = built.template["Resources"][subnet_ref["Ref"]]["Properties"]
    assert volume["AvailabilityZone"] == subnet["AvailabilityZone"]


def test_volume_is_kept_when_the_environment_keeps_data() -> None:
    volume = default().one("AWS::EC2::Volume")[1]
    assert volume["DeletionPolicy"] == volume["UpdateReplacePolicy"] == "Retain"
    disposable = Built(retain=False).one("AWS::EC2::Volume")[1]
    assert disposable["DeletionPolicy"] == "Delete"


def test_gp3_baseline_is_left_to_aws_and_more_is_provisioned() -> None:
    baseline = default().one("AWS::EC2::Volume")[1]["Properties"]
    assert "Iops" not in baseline and "Throughput" not in baseline
    more = Built(volume_iops=6000, volume_throughput_mibps=500).one("AWS::EC2::Volume")[1]
    assert (more["Properties"]["Iops"], more["Properties"]["Throughput"]) == (6000, 500)


def statements(built: Built) -> list[dict[str, Any]]:
    (_, policy) = built.one("AWS::IAM::Policy")
    found: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


CLAIMS = {
    "ec2:AttachVolume",
    "ec2:DetachVolume",
    "ec2:AttachNetworkInterface",
    "ec2:DetachNetworkInterface",
}


def test_role_claims_only_this_volume_and_address_for_its_own_instances() -> None:
    built = default()
    volume = built.ref("AWS::EC2::Volume")
    address = built.ref("AWS::EC2::NetworkInterface")
    claiming = [s for s in statements(built) if set(as_list(s["Action"])) & CLAIMS]
    assert len(claiming) == 2
    by_resource, by_tag = sorted(claiming, key=lambda s: "Condition" in s)
    joined = [r["Fn::Join"][1] for r in by_resource["Resource"]]
    assert joined == [
        ["arn:", {"Ref": "AWS::Partition"}, f":ec2:{REGION}:{ACCOUNT}:volume/", volume],
        ["arn:", {"Ref": "AWS::Partition"}, f":ec2:{REGION}:{ACCOUNT}:network-interface/", address],
    ]
    assert by_tag["Resource"]["Fn::Join"][1] == [
        "arn:",
        {"Ref": "AWS::Partition"},
        f":ec2:{REGION}:{ACCOUNT}:instance/*",
    ]
    assert by_tag["Condition"] == {
        "StringEquals": {"aws:ResourceTag/langfuse-aws:clickhouse-server": volume}
    }
    for statement in statements(built):
        if statement["Resource"] == "*":
            assert not set(as_list(statement["Action"])) & CLAIMS


def test_each_launched_instance_carries_the_tag_the_role_requires() -> None:
    built = default()
    volume = built.ref("AWS::EC2::Volume")
    specs = launch_data()["TagSpecifications"]
    (instance,) = [s for s in specs if s["ResourceType"] == "instance"]
    assert {"Key": "langfuse-aws:clickhouse-server", "Value": volume} in instance["Tags"]


def test_exactly_one_instance_replaced_old_first_and_waited_for() -> None:
    built = default()
    logical_id, group = built.one("AWS::AutoScaling::AutoScalingGroup")
    props = group["Properties"]
    assert (props["MinSize"], props["MaxSize"]) == ("1", "1")
    assert "DesiredCapacity" not in props
    assert props["HealthCheckType"] == "EC2"
    assert props["InstanceMaintenancePolicy"] == {
        "MinHealthyPercentage": 0,
        "MaxHealthyPercentage": 100,
    }
    rolling = group["UpdatePolicy"]["AutoScalingRollingUpdate"]
    assert rolling["MinInstancesInService"] == 0
    assert rolling["MaxBatchSize"] == 1
    assert rolling["WaitOnResourceSignals"] is True
    assert group["CreationPolicy"]["ResourceSignal"]["Count"] == 1
    # The instance signals the group by its logical id, and may find its rights at first boot.
    assert settings(built)["SIGNAL_RESOURCE"] == logical_id
    (policy_id, _) = built.one("AWS::IAM::Policy")
    assert policy_id in group["DependsOn"]


def ingress_rules(built: Built) -> list[dict[str, Any]]:
    own = built.resolve(built.server.security_group.security_group_id)
    rules = [
        r["Properties"]
        for r in built.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == own
    ]
    (group,) = [
        v
        for k, v in built.resources("AWS::EC2::SecurityGroup").items()
        if {"Fn::GetAtt": [k, "GroupId"]} == own
    ]
    rules += group["Properties"].get("SecurityGroupIngress", [])
    return rules


def test_only_web_and_worker_reach_8123_and_9000() -> None:
    built = default()
    peers = {json.dumps(built.resolve(sg.security_group_id)) for sg in (built.web, built.worker)}
    rules = ingress_rules(built)
    assert {(json.dumps(r["SourceSecurityGroupId"]), r["FromPort"]) for r in rules} == {
        (peer, port) for peer in peers for port in (8123, 9000)
    }
    for rule in rules:
        assert rule["FromPort"] == rule["ToPort"]
        assert "CidrIp" not in rule and "CidrIpv6" not in rule
    address = built.one("AWS::EC2::NetworkInterface")[1]["Properties"]
    assert address["GroupSet"] == [built.resolve(built.server.security_group.security_group_id)]


def test_server_is_a_connectable_peer() -> None:
    """Backups (another construct) open their own port through ``connections``."""

    def backup(built: Built) -> None:
        other = ec2.SecurityGroup(built.stack, "Backup", vpc=built.vpc)
        other.connections.allow_to(built.server, ec2.Port.tcp(9000), "backup")

    built = Built(extra=backup)
    own = built.resolve(built.server.security_group.security_group_id)
    rules = [
        r["Properties"]
        for r in built.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["Description"] == "backup"
    ]
    assert [(r["GroupId"], r["FromPort"]) for r in rules] == [(own, 9000)]


def test_endpoint_names_the_fixed_address() -> None:
    built = default()
    server = built.server
    address = {"Fn::GetAtt": [ADDRESS_ID, "PrimaryPrivateIpAddress"]}
    assert built.resolve(server.host) == address
    assert built.resolve(server.endpoint.url) == {"Fn::Join": ["", ["http://", address, ":8123"]]}
    assert built.resolve(server.endpoint.migration_url) == {
        "Fn::Join": ["", ["clickhouse://", address, ":9000"]]
    }
    endpoint = server.endpoint
    assert (endpoint.user, endpoint.cluster_enabled, endpoint.migration_ssl) == (
        "langfuse",
        False,
        False,
    )
    assert server.native_port == 9000 and server.http_port == 8123
    assert isinstance(server.role, iam.Role)


def script(built: Built) -> str:
    """The user data as text, each reference to another resource written as its JSON."""
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in built.user_data())


def settings(built: Built) -> dict[str, str]:
    """The NAME='value' lines above the script."""
    found: dict[str, str] = {}
    for line in script(built).split("\n"):
        name, quote, value = line.partition("='")
        if quote and name.isupper() and value.endswith("'"):
            found[name] = value[:-1]
    return found


def test_first_boot_gets_the_volume_address_image_and_settings() -> None:
    built = default()
    found = settings(built)
    assert found["VOLUME_ID"] == json.dumps(built.ref("AWS::EC2::Volume"))
    assert found["ADDRESS_ID"] == json.dumps(built.ref("AWS::EC2::NetworkInterface"))
    assert found["PASSWORD_SECRET"] == json.dumps(built.ref("AWS::SecretsManager::Secret"))
    assert found["IMAGE"] == "clickhouse/clickhouse-server:26.4.4.38"
    assert found["REGISTRY"] == ""
    assert found["CLICKHOUSE_USER"] == "langfuse"
    assert "<timezone>UTC</timezone>" in found["CONFIG_XML"]
    assert '<trace_log remove="1"/>' in found["CONFIG_XML"]
    assert "<query_log" not in found["CONFIG_XML"]
    text = script(built)
    assert text.startswith("#!/bin/bash\n")
    assert text.count("#!/bin/bash") == 1


def test_disk_metric_comes_from_the_agent_with_the_volume_as_dimension() -> None:
    built = default()
    volume = json.dumps(built.ref("AWS::EC2::Volume"))
    agent = json.loads(settings(built)["AGENT_CONFIG"].replace(volume, "VOLUME"))
    assert agent["agent"]["omit_hostname"] is True
    disk = agent["metrics"]["metrics_collected"]["disk"]
    assert agent["metrics"]["namespace"] == "Langfuse/ClickHouse"
    assert disk["resources"] == ["/var/lib/clickhouse"]
    assert disk["measurement"] == ["used_percent"]
    assert disk["drop_device"] is True
    assert disk["append_dimensions"] == {"VolumeId": "VOLUME"}


def alarms(built: Built) -> dict[str, dict[str, Any]]:
    return {
        v["Properties"]["AlarmName"]: v["Properties"]
        for v in built.resources("AWS::CloudWatch::Alarm").values()
    }


def dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}


def test_alarms_watch_disk_iops_and_status_checks() -> None:
    built = default()
    volume = built.ref("AWS::EC2::Volume")
    found = alarms(built)
    assert set(found) == {
        "langfuse-tt-clickhouse-disk-used",
        "langfuse-tt-clickhouse-volume-iops",
        "langfuse-tt-clickhouse-status-check",
    }
    disk = found["langfuse-tt-clickhouse-disk-used"]
    assert (disk["Namespace"], disk["MetricName"]) == ("Langfuse/ClickHouse", "disk_used_percent")
    assert dimensions(disk) == {"VolumeId": volume, "path": "/var/lib/clickhouse", "fstype": "ext4"}
    assert disk["Threshold"] == 80
    iops = found["langfuse-tt-clickhouse-volume-iops"]
    metrics = {m["Id"]: m for m in iops["Metrics"]}
    (expression,) = [m for m in iops["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "(reads + writes) / PERIOD(reads)"
    assert expression["ReturnData"] is True
    for name, metric_name in (("reads", "VolumeReadOps"), ("writes", "VolumeWriteOps")):
        stat = metrics[name]["MetricStat"]
        assert stat["Metric"]["Namespace"] == "AWS/EBS"
        assert stat["Metric"]["MetricName"] == metric_name
        assert dimensions(stat["Metric"]) == {"VolumeId": volume}
        assert stat["Stat"] == "Sum"
    assert iops["Threshold"] == 2700  # 90 % of the 3000 provisioned IOPS
    status = found["langfuse-tt-clickhouse-status-check"]
    assert (status["Namespace"], status["MetricName"]) == ("AWS/EC2", "StatusCheckFailed")
    assert dimensions(status) == {
        "AutoScalingGroupName": built.ref("AWS::AutoScaling::AutoScalingGroup")
    }
    topic = built.ref("AWS::SNS::Topic")
    for alarm in found.values():
        assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic]


def test_pull_through_cache_is_logged_in_to_and_granted() -> None:
    built = Built(cache=DOCKER_HUB_SECRET)
    found = settings(built)
    registry = '111122223333.dkr.ecr.eu-west-1.{"Ref": "AWS::URLSuffix"}'
    assert found["REGISTRY"] == registry
    assert found["IMAGE"] == registry + "/tt/docker/clickhouse/clickhouse-server:26.4.4.38"
    pulls = [s for s in statements(built) if "ecr:BatchImportUpstreamImage" in as_list(s["Action"])]
    assert len(pulls) == 1
    assert "tt/docker/clickhouse/clickhouse-server" in json.dumps(pulls[0]["Resource"])


def test_subnet_in_zone_picks_the_configured_zone_or_the_first() -> None:
    stack = Stack(App(), "S", env=Environment(account=ACCOUNT, region=REGION))
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=ZONES, private_subnet_ids=SUBNETS
    )
    subnets = vpc.private_subnets
    assert subnet_in_zone(subnets, None).subnet_id == SUBNETS[0]
    assert subnet_in_zone(subnets, "eu-west-1b").subnet_id == SUBNETS[1]
    with pytest.raises(ValueError, match="no subnet in eu-west-1c"):
        subnet_in_zone(subnets, "eu-west-1c")


@pytest.mark.slow
def test_cdk_nag_and_control_tower_find_nothing_unacknowledged(tmp_path: Any) -> None:
    """Every finding of cdk-nag AwsSolutions, the Control Tower rules and CloudFormation's own
    validation is fixed or acknowledged with a reason, with and without a fixed account."""
    app = App(outdir=str(tmp_path))
    add_compliance_checks(app)
    for name, env in (("Fixed", Environment(account=ACCOUNT, region=REGION)), ("Agnostic", None)):
        stack = Stack(app, name, env=env)
        zones = {"availability_zones": ZONES} if env else {"max_azs": 2}
        vpc = ec2.Vpc(stack, "Vpc", nat_gateways=1, **zones)
        server = ClickHouseEc2Server(
            stack,
            "ClickHouse",
            props=ClickHouseEc2Props(
                vpc=vpc,
                subnet=vpc.private_subnets[0],
                images=ImageSource(stack, "Images", environment_name="tt"),
                protection=DataProtection(retain=True, log_retention=logs.RetentionDays.ONE_MONTH),
                instance_type="r7g.large",
                image_tag="26.4.4.38",
                volume_size_gib=100,
                volume_iops=3000,
                volume_throughput_mibps=125,
            ),
        )
        server.add_alarms(topic=sns.Topic(stack, "Topic"), name_prefix="x", provisioned_iops=3000)
    with contextlib.suppress(RuntimeError):  # findings of the bare VPC around it
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    own = [
        violation
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        if any(
            "/ClickHouse/" in (where.get("constructPath") or "")
            for where in violation.get("violatingResources", [])
        )
    ]
    assert own == [], own


# --- ClickHouse's own backups: the loop beside the server -----------------------------------

LOOP = ["/bin/sh", "-c", "set -u\necho 'it''s' \"$CLICKHOUSE_USER\" \\\n\n"]
"""A loop command with what the real one has: quotes, $, a backslash, new lines."""


def with_backup_loop(built: Built) -> None:
    group = logs.LogGroup(built.stack, "BackupLogs")
    built.server.add_backup_loop(command=LOOP, log_group=group, memory_mib=256)


@cache
def backed_up() -> Built:
    return Built(extra=with_backup_loop)


def backup_logs(built: Built) -> dict[str, str]:
    (logical_id,) = [k for k in built.resources("AWS::Logs::LogGroup") if k.startswith("Backup")]
    return {"Ref": logical_id}


def boot_array(built: Built, name: str) -> list[str]:
    """Array ``name`` as bash holds it after the settings of the deployed user data."""
    text = script(built)
    settings_part = text[: text.index("\nset -euo pipefail")]
    shown = subprocess.run(
        ["bash", "-c", settings_part + f'\nprintf "%s\\0" "${{{name}[@]}}"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return shown.split("\0")[:-1]


def test_the_boot_starts_the_backup_loop_with_its_log_group_and_memory() -> None:
    built = backed_up()
    found = settings(built)
    assert found["BACKUP_LOG_GROUP"] == json.dumps(backup_logs(built))
    assert found["BACKUP_MEMORY_MIB"] == "256"
    assert boot_array(built, "BACKUP_COMMAND") == LOOP


def test_without_backups_the_boot_starts_no_loop() -> None:
    assert not [name for name in settings(default()) if name.startswith("BACKUP_")]
    assert "BACKUP_COMMAND=" not in script(default())


def test_the_instance_may_write_the_backup_loop_logs() -> None:
    built = backed_up()
    arn = {"Fn::GetAtt": [backup_logs(built)["Ref"], "Arn"]}
    writes = [s for s in statements(built) if s["Resource"] == arn]
    assert len(writes) == 1
    assert {"logs:CreateLogStream", "logs:PutLogEvents"} <= set(as_list(writes[0]["Action"]))


def test_one_loop_per_server() -> None:
    built = Built()
    group = logs.LogGroup(built.stack, "Other")
    with pytest.raises(ValueError, match="needs a command"):
        built.server.add_backup_loop(command=[], log_group=group, memory_mib=256)
    built.server.add_backup_loop(command=LOOP, log_group=group, memory_mib=256)
    with pytest.raises(ValueError, match="already runs a backup loop"):
        built.server.add_backup_loop(command=LOOP, log_group=group, memory_mib=256)


def test_a_word_that_would_end_its_here_document_is_refused() -> None:
    with pytest.raises(ValueError, match="ends it early"):
        array_lines("X", ["a", f"b\n{HEREDOC_END}\nc"])
