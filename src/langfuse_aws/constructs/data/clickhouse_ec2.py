"""ClickHouse on one Graviton EC2 instance with its data on a gp3 volume (clickhouse.mode ec2).

Design, and why:

- One writer. An Auto Scaling group of exactly one instance (min = max = 1, desired never
  set) in ONE private subnet, the fixed zone of the data volume. The volume is a separate
  gp3 ``AWS::EC2::Volume`` (not Multi-Attach), which EBS attaches to one instance at a time:
  a new instance's first boot waits until the old one has released the volume before it
  attaches it. Updates replace the instance with a rolling update of at most one instance
  and none kept in service (MinInstancesInService 0, MaxBatchSize 1), so CloudFormation
  terminates the old instance before it launches the new one; the instance maintenance policy
  (min 0 %, max 100 % healthy) makes the group terminate before it launches when it replaces
  an unhealthy instance too. An image tag, instance type or AMI change is such an update;
  the data stays on the volume.
- Automatic recovery. The group's EC2 health checks replace an instance that fails its status
  checks or stops running; the replacement re-attaches the volume and the address. Each
  instance signals CloudFormation once ClickHouse answers /ping (CreationPolicy and
  WaitOnResourceSignals), so web, which runs the ClickHouse migrations at start, waits for it,
  and a release that does not start rolls back.
- A fixed address. A network interface of its own (``AWS::EC2::NetworkInterface`` in the same
  subnet) carries ClickHouse's private IP; each instance attaches it as its second interface,
  the same way as the volume. Langfuse's URLs name that IP, which CloudFormation knows, so
  there is no DNS record to update, no TTL to wait out and no Route 53 permission to give the
  instance (Cloud Map's RegisterInstance needs Route 53 record and health-check rights).
- Least privilege. The instance role may attach and detach only this volume and this
  interface, and only to instances that carry this server's tag (``SERVER_TAG``, whose value
  is the volume id; the launch template tags each instance with it at launch). It reads the
  password secret, writes its log group, publishes only to its metric namespace, and signals
  only its stack. The AMI (Amazon Linux 2023, ARM64) comes from AWS's public SSM parameter,
  resolved by CloudFormation at deploy time: synth never calls AWS, and a deploy after AWS
  published a newer AMI replaces the instance (a few minutes without ClickHouse; that is how
  the host is patched). IMDSv2 only, hop limit 1: ClickHouse
  runs in Docker with the host's network, so it reaches the metadata service for the
  instance role (S3 backups) without an extra hop. No public address, encrypted root and data
  volumes, EBS-optimized, SSM Session Manager for a shell instead of SSH.
- Reachable only from the peers given to ``allow_clients`` (web and worker), on 8123 (HTTP)
  and 9000 (native, migrations).

The first boot (``clickhouse_ec2_user_data.sh``) installs Docker and the CloudWatch agent,
claims the volume and the address, formats the volume only when it has no file system, mounts
it at /var/lib/clickhouse, and runs clickhouse/clickhouse-server under systemd with the same
settings as the Fargate server (user, time zone, config.d without unbounded system logs).
With ``add_backup_loop`` it then starts ClickHouse's daily backup loop in a second container
of the same image on the host's network, before it signals CloudFormation. The boot script is
put together when the template is written, so a loop added after the server is in it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import jsii
from aws_cdk import CfnElement, Duration, IStableStringProducer, Lazy, Size, Stack, Tags, Token
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from ...compliance import acknowledge, control_tower
from ..compute.fargate import container_log_group
from ..compute.images import CACHE_PULL_ACTIONS, ImageRef, ImageSource
from ..operations.alarms import AlarmSpec, aws_metric, notifying_alarm
from .clickhouse import (
    CLICKHOUSE_IMAGE,
    CLICKHOUSE_USER,
    DATA_PATH,
    HTTP_PORT,
    NATIVE_PORT,
    ClickHouseEndpoint,
    server_config_xml,
)
from .protection import DataProtection
from .secrets import unrotated_secret

AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
"""AWS's public SSM parameter with the newest Amazon Linux 2023 AMI for ARM64 (Graviton)."""
ROOT_DEVICE = "/dev/xvda"
"""The root device name of Amazon Linux 2023 AMIs."""
ROOT_VOLUME_GIB = 30
SERVER_TAG = "langfuse-aws:clickhouse-server"
"""Tag on each instance the launch template starts; the role's attach rights require it."""
METRIC_NAMESPACE = "Langfuse/ClickHouse"
DISK_METRIC = "disk_used_percent"
"""The CloudWatch agent names its disk metrics disk_<measurement>."""
FILE_SYSTEM = "ext4"
BOOT_TIMEOUT = Duration.minutes(30)
"""How long a new instance may take to claim the volume, start ClickHouse and signal."""
HEALTH_CHECK_GRACE = Duration.minutes(10)
DISK_USED_ALARM_PERCENT = 80
IOPS_ALARM_SHARE = 0.9
USER_DATA = Path(__file__).with_name("clickhouse_ec2_user_data.sh")
HEREDOC_END = "LANGFUSE_USER_DATA_WORD_END"
"""Ends the here-document that carries one word of an array setting into the boot script."""


@dataclass(frozen=True)
class BackupLoop:
    """The daily backup loop as the boot script starts it: its command (entry point first),
    the log group it writes, and its memory limit."""

    command: list[str]
    log_group_name: str
    memory_mib: int


@dataclass(frozen=True)
class ClickHouseEc2Props:
    """Where the server runs, its size, image and volume, and how its data is protected."""

    vpc: ec2.IVpc
    subnet: ec2.ISubnet
    """A private subnet with a route out (packages, image, AWS APIs); its zone is the
    volume's zone for good."""
    images: ImageSource
    protection: DataProtection
    instance_type: str
    image_tag: str
    volume_size_gib: int
    volume_iops: int
    volume_throughput_mibps: int
    image_digest: str | None = None
    """Pins the exact image bytes (sha256:...)."""


def subnet_in_zone(subnets: Sequence[ec2.ISubnet], zone: str | None) -> ec2.ISubnet:
    """The subnet of ``zone`` (clickhouse.availability_zone), or the first when it is None."""
    if zone is None:
        return subnets[0]
    for subnet in subnets:
        if subnet.availability_zone == zone:
            return subnet
    raise ValueError(f"no subnet in {zone}: the config rules allow only the network's zones")


def cloudwatch_agent_config(volume_id: str) -> str:
    """The CloudWatch agent's settings: the data volume's used percentage every minute, with
    the volume id as a dimension instead of the host name (which changes with the instance)."""
    return json.dumps(
        {
            "agent": {"metrics_collection_interval": 60, "omit_hostname": True},
            "metrics": {
                "namespace": METRIC_NAMESPACE,
                "metrics_collected": {
                    "disk": {
                        "resources": [DATA_PATH],
                        "measurement": ["used_percent"],
                        "drop_device": True,
                        "append_dimensions": {"VolumeId": volume_id},
                    }
                },
            },
        },
        separators=(",", ":"),
    )


@jsii.implements(ec2.IConnectable)
class ClickHouseEc2Server(Construct):
    """A single ClickHouse server on EC2 whose data volume survives the instance (see the
    module docstring for the design). Exposes ``endpoint`` for Langfuse, ``role``,
    ``connections``, ``host`` and ``native_port`` for the backups, ``volume`` and ``group``;
    ``add_backup_loop`` runs the backups' loop beside the server."""

    def __init__(self, scope: Construct, id_: str, *, props: ClickHouseEc2Props) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        protection = props.protection
        self.password: secretsmanager.ISecret = unrotated_secret(
            self,
            "Password",
            description="ClickHouse password of the langfuse user",
            generator=secretsmanager.SecretStringGenerator(
                password_length=40, exclude_punctuation=True
            ),
            retain=protection.retain,
            why_not_rotated="Each new ClickHouse instance reads the secret once, at its first "
            "boot, and Langfuse only when its tasks start, so a rotation would lock Langfuse "
            "out until both are replaced; change it in the secret, then replace both.",
        )
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=props.vpc, description="Langfuse ClickHouse on EC2"
        )
        self._connections = ec2.Connections(
            security_groups=[self.security_group], default_port=ec2.Port.tcp(NATIVE_PORT)
        )
        zone = props.subnet.availability_zone
        self.volume = ec2.Volume(
            self,
            # Not "Data", the id of the Fargate server's EFS file system: CloudFormation refuses
            # an update that changes a resource's type, as a move between the modes would.
            "Volume",
            availability_zone=zone,
            size=Size.gibibytes(props.volume_size_gib),
            volume_type=ec2.EbsDeviceVolumeType.GP3,
            # gp3's baseline (3000 IOPS, 125 MiB/s) comes with every size; only more is set.
            iops=props.volume_iops if props.volume_iops > 3000 else None,
            throughput=props.volume_throughput_mibps
            if props.volume_throughput_mibps > 125
            else None,
            encrypted=True,
            removal_policy=protection.removal_policy,
        )
        if not Token.is_unresolved(zone):
            acknowledge(
                self.volume,
                "CloudFormation-Validate::W3010",
                "The volume must stay in the zone of the subnet named in the YAML, so that "
                "every replacement instance can attach it; that zone is written on purpose.",
            )
        self.address = ec2.CfnNetworkInterface(
            self,
            "Address",
            subnet_id=props.subnet.subnet_id,
            group_set=[self.security_group.security_group_id],
            description="Fixed address of Langfuse's ClickHouse",
        )
        self.host = self.address.attr_primary_private_ip_address
        self.http_port = HTTP_PORT
        self.native_port = NATIVE_PORT
        self.log_group = container_log_group(self, protection.log_retention)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="Langfuse ClickHouse server on EC2",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore")
            ],
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "AmazonSSMManagedInstanceCore]",
            "Operators reach the ClickHouse host through Session Manager instead of SSH, and "
            "AWS keeps this policy at exactly what the SSM agent needs.",
        )
        image = ImageRef("dockerhub", CLICKHOUSE_IMAGE, props.image_tag, props.image_digest)
        registry = self._grant_image_pull(props.images, image)

        self.group = self._group(props)
        # On the instance from its launch (the launch template's tag specifications).
        Tags.of(self.launch_template).add(SERVER_TAG, self.volume.volume_id)
        self._grant_claims(stack)
        self.password.grant_read(self.role)
        self.log_group.grant_write(self.role)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudformation:SignalResource"], resources=[stack.stack_id]
            )
        )
        # The instance must find its permissions in place at first boot.
        self.group.node.add_dependency(self.role)
        # The group's logical id as the template ends up with it (a lazy token).
        signal_resource = cast(CfnElement, self.group.node.default_child).logical_id
        self._backup_loop: BackupLoop | None = None
        self._settings = {
            "VOLUME_ID": self.volume.volume_id,
            "ADDRESS_ID": self.address.ref,
            "REGION": stack.region,
            "STACK_NAME": stack.stack_name,
            "SIGNAL_RESOURCE": signal_resource,
            "IMAGE": props.images.uri(image),
            "REGISTRY": registry or "",
            "PASSWORD_SECRET": self.password.secret_arn,
            "LOG_GROUP": self.log_group.log_group_name,
            "CLICKHOUSE_USER": CLICKHOUSE_USER,
            "CONFIG_XML": server_config_xml(),
            "AGENT_CONFIG": cloudwatch_agent_config(self.volume.volume_id),
        }
        self.user_data.add_commands(Lazy.string(_BootScript(self)))

        self.endpoint = ClickHouseEndpoint(
            url=f"http://{self.host}:{HTTP_PORT}",
            migration_url=f"clickhouse://{self.host}:{NATIVE_PORT}",
            user=CLICKHOUSE_USER,
            password=self.password,
            cluster_enabled=False,
            migration_ssl=False,
        )

    def _group(self, props: ClickHouseEc2Props) -> autoscaling.AutoScalingGroup:
        """The launch template and the Auto Scaling group of exactly one instance."""
        self.user_data = ec2.UserData.for_linux()
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=ec2.MachineImage.from_ssm_parameter(
                AMI_PARAMETER, os=ec2.OperatingSystemType.LINUX
            ),
            instance_type=ec2.InstanceType(props.instance_type),
            role=self.role,
            security_group=self.security_group,
            user_data=self.user_data,
            require_imdsv2=True,
            http_tokens=ec2.LaunchTemplateHttpTokens.REQUIRED,
            http_put_response_hop_limit=1,
            associate_public_ip_address=False,
            ebs_optimized=True,
            # One-minute EC2 metrics (Control Tower CT.EC2.PR.10), about 2 USD a month.
            detailed_monitoring=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name=ROOT_DEVICE,
                    volume=ec2.BlockDeviceVolume.ebs(
                        ROOT_VOLUME_GIB,
                        volume_type=ec2.EbsDeviceVolumeType.GP3,
                        encrypted=True,
                        delete_on_termination=True,
                    ),
                )
            ],
        )
        group = autoscaling.AutoScalingGroup(
            self,
            "Group",
            vpc=props.vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=[props.subnet]),
            launch_template=self.launch_template,
            min_capacity=1,
            max_capacity=1,
            health_checks=autoscaling.HealthChecks.ec2(grace_period=HEALTH_CHECK_GRACE),
            min_healthy_percentage=0,
            max_healthy_percentage=100,
            signals=autoscaling.Signals.wait_for_count(1, timeout=BOOT_TIMEOUT),
            update_policy=autoscaling.UpdatePolicy.rolling_update(
                min_instances_in_service=0, max_batch_size=1
            ),
        )
        acknowledge(
            group,
            control_tower.GUARD + "autoscaling_multiple_az_check",
            "The group holds the one ClickHouse server, which must run in the zone of its data "
            "volume (an EBS volume attaches only in its own zone); a second zone would only "
            "start instances that can never reach the data.",
        )
        acknowledge(
            group,
            control_tower.GUARD
            + "autoscaling_mixed_instances_policy_multiple_instance_types_check",
            "The one server runs on the instance type the YAML names, whose EBS limits the "
            "config rules checked the volume against; another type could not drive the volume.",
        )
        acknowledge(
            group,
            "AwsSolutions-AS3",
            "The group only ever replaces its one instance; the status-check alarm and the "
            "CloudFormation signal already report a failed or replaced server, so scaling "
            "notices would only repeat every deploy.",
        )
        return group

    def _grant_claims(self, stack: Stack) -> None:
        """Attach and detach this volume and this interface, to this server's instances only;
        describe calls have no resource-level permissions."""
        volume_arn = stack.format_arn(
            service="ec2", resource="volume", resource_name=self.volume.volume_id
        )
        address_arn = stack.format_arn(
            service="ec2", resource="network-interface", resource_name=self.address.ref
        )
        own_instances = stack.format_arn(service="ec2", resource="instance", resource_name="*")
        claims = [
            "ec2:AttachVolume",
            "ec2:DetachVolume",
            "ec2:AttachNetworkInterface",
            "ec2:DetachNetworkInterface",
        ]
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=claims, resources=[volume_arn, address_arn])
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=claims,
                resources=[own_instances],
                conditions={
                    "StringEquals": {f"aws:ResourceTag/{SERVER_TAG}": self.volume.volume_id}
                },
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:DescribeVolumes",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeInstances",
                ],
                resources=["*"],
            )
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{_nag_text(stack, own_instances)}]",
            "An instance id is known only once the group launches it, so attach and detach "
            "name every instance but require this server's tag, which only its launch "
            "template sets.",
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "EC2's describe calls and CloudWatch's PutMetricData support no resource-level "
            "permissions; PutMetricData is limited to this server's namespace by condition.",
        )

    def _grant_image_pull(self, images: ImageSource, image: ImageRef) -> str | None:
        """With an ECR pull-through cache for Docker Hub: let the instance pull through it and
        return the registry to log in to; None for a direct pull."""
        rule = images.rules.get(image.registry)
        if rule is None:
            return None
        stack = Stack.of(self)
        repository_arn = stack.format_arn(
            service="ecr",
            resource="repository",
            resource_name=f"{rule.ecr_repository_prefix}/{image.repository}",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=CACHE_PULL_ACTIONS, resources=[repository_arn])
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        self.node.add_dependency(rule)
        return f"{stack.account}.dkr.ecr.{stack.region}.{stack.url_suffix}"

    def add_backup_loop(
        self, *, command: Sequence[str], log_group: logs.ILogGroup, memory_mib: int
    ) -> None:
        """Run ``command`` (``ClickHouseBackups.loop_command``: entry point, then arguments) at
        each first boot, once ClickHouse answers: a container of the server's image named
        clickhouse-backup, on the host's network (it reaches the server on 127.0.0.1), as the
        clickhouse user (101) on a read-only root, with at most ``memory_mib``, restarted by
        Docker unless stopped, with the server's user and password, logging into
        ``log_group``, which the instance may write."""
        if self._backup_loop is not None:
            raise ValueError("the server already runs a backup loop")
        if not command:
            raise ValueError("the backup loop needs a command")
        log_group.grant_write(self.role)
        self._backup_loop = BackupLoop(list(command), log_group.log_group_name, memory_mib)

    def boot_script_lines(self) -> list[str]:
        """The first-boot script's lines: the settings, the backup loop if any, the script."""
        loop = self._backup_loop
        if loop is None:
            return user_data_lines(self._settings)
        settings = {
            **self._settings,
            "BACKUP_LOG_GROUP": loop.log_group_name,
            "BACKUP_MEMORY_MIB": str(loop.memory_mib),
        }
        return user_data_lines(settings, {"BACKUP_COMMAND": loop.command})

    @property
    def connections(self) -> ec2.Connections:
        """The server's security group, with the native port (9000) as its default port."""
        return self._connections

    def allow_clients(self, *peers: ec2.IConnectable) -> None:
        """Open 8123 and 9000 to the Langfuse services only."""
        for peer in peers:
            self.connections.allow_from(peer, ec2.Port.tcp(HTTP_PORT), "ClickHouse HTTP")
            self.connections.allow_from(peer, ec2.Port.tcp(NATIVE_PORT), "ClickHouse native")

    def disk_used_metric(self) -> cloudwatch.Metric:
        """Used share of the data volume's file system (CloudWatch agent), in percent."""
        return aws_metric(
            METRIC_NAMESPACE,
            DISK_METRIC,
            "Maximum",
            Duration.minutes(5),
            {"VolumeId": self.volume.volume_id, "path": DATA_PATH, "fstype": FILE_SYSTEM},
        )

    def iops_metric(self) -> cloudwatch.MathExpression:
        """Read and write operations per second on the data volume."""
        dimensions = {"VolumeId": self.volume.volume_id}
        period = Duration.minutes(5)
        return cloudwatch.MathExpression(
            expression="(reads + writes) / PERIOD(reads)",
            using_metrics={
                "reads": aws_metric("AWS/EBS", "VolumeReadOps", "Sum", period, dimensions),
                "writes": aws_metric("AWS/EBS", "VolumeWriteOps", "Sum", period, dimensions),
            },
            label="ClickHouse volume IOPS",
            period=period,
        )

    def status_check_metric(self) -> cloudwatch.Metric:
        """Failed EC2 status checks of the group's instance (1 while it fails)."""
        return aws_metric(
            "AWS/EC2",
            "StatusCheckFailed",
            "Maximum",
            Duration.minutes(1),
            {"AutoScalingGroupName": self.group.auto_scaling_group_name},
        )

    def add_alarms(
        self, *, topic: sns.ITopic, name_prefix: str, provisioned_iops: int
    ) -> list[cloudwatch.Alarm]:
        """Disk nearly full, IOPS near what the volume provides, failed status checks; each
        notifies ``topic`` and is named ``<name_prefix>-clickhouse-...``."""
        specs = {
            "DiskUsedAlarm": AlarmSpec(
                name=f"{name_prefix}-clickhouse-disk-used",
                description=f"ClickHouse's data volume is more than {DISK_USED_ALARM_PERCENT} % "
                "full: raise clickhouse.volume_size_gib (a volume grows, never shrinks).",
                metric=self.disk_used_metric(),
                threshold=DISK_USED_ALARM_PERCENT,
                periods=2,
            ),
            "IopsAlarm": AlarmSpec(
                name=f"{name_prefix}-clickhouse-volume-iops",
                description="ClickHouse's data volume has run near its provisioned IOPS "
                f"({provisioned_iops}) for 15 minutes: raise clickhouse.volume_iops.",
                metric=self.iops_metric(),
                threshold=round(provisioned_iops * IOPS_ALARM_SHARE),
                periods=3,
            ),
            "StatusCheckAlarm": AlarmSpec(
                name=f"{name_prefix}-clickhouse-status-check",
                description="ClickHouse's instance fails an EC2 status check; the Auto Scaling "
                "group replaces it, and the new one takes over the volume.",
                metric=self.status_check_metric(),
                threshold=0,
                periods=2,
            ),
        }
        return [notifying_alarm(self, id_, spec, topic) for id_, spec in specs.items()]


def _nag_text(stack: Stack, arn: str) -> str:
    """``arn`` as cdk-nag writes it in a finding id: pseudo parameters as <AWS::Name>."""
    resolved = stack.resolve(arn)
    if isinstance(resolved, str):
        return resolved
    parts = resolved["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else f"<{part['Ref']}>" for part in parts)


@jsii.implements(IStableStringProducer)
class _BootScript:
    """The server's first-boot script, produced when the template is written."""

    def __init__(self, server: ClickHouseEc2Server) -> None:
        self._server = server

    def produce(self) -> str:
        return "\n".join(self._server.boot_script_lines())


def user_data_lines(
    settings: dict[str, str], arrays: dict[str, Sequence[str]] | None = None
) -> list[str]:
    """The first-boot script: one ``NAME='value'`` line per setting, a bash array per entry of
    ``arrays`` (any text, quotes and new lines included), then the script itself (without its
    #! line, which ``UserData.for_linux`` writes)."""
    lines = []
    for name, value in settings.items():
        if "'" in value:
            raise ValueError(f"{name} has a single quote, which user data cannot carry")
        lines.append(f"{name}='{value}'")
    for name, words in (arrays or {}).items():
        lines.extend(array_lines(name, words))
    body = USER_DATA.read_text().splitlines()
    return lines + [line for line in body if not line.startswith("#!")]


def array_lines(name: str, words: Sequence[str]) -> list[str]:
    """Bash lines that set array ``name`` to ``words``, each read verbatim from a quoted
    here-document (no expansion, so any quote, $ or backslash stays as written; bash manual,
    "Here Documents"). The document ends in a new line of its own, which is cut off again."""
    lines = [f"{name}=()"]
    for word in words:
        if HEREDOC_END in word.split("\n"):
            raise ValueError(f"a word of {name} has a line {HEREDOC_END}, which ends it early")
        lines += [
            f"IFS= read -r -d '' word <<'{HEREDOC_END}' || true",
            word,
            HEREDOC_END,
            f'{name}+=("${{word%?}}")',
        ]
    return lines
