"""ClickHouse's own backups of the Langfuse database: a daily ``BACKUP DATABASE ... TO S3``
taken by a container next to the server, the bucket it writes, and alarms when a backup fails
or none succeeded in time.

Why next to the server: the server is reached through Service Connect, whose names only tasks
that ECS services create resolve (ECS API Reference, ServiceConnectConfiguration), and a
service cannot also register in Cloud Map service discovery (aws/aws-cdk#26524), so a task
started on a schedule could not find it. A sidecar container in the server's own task shares
its network namespace (awsvpc: the task's containers share one interface and reach each other
on 127.0.0.1) and runs ``clickhouse_backups.scheduled_backup_loop``: it sleeps until the hour,
asks the server for a backup, prints one result line and sleeps again. On EC2 the same loop
runs in a second docker container on the host's network.

The ClickHouse server writes the backup itself (ClickHouse's BACKUP ... TO S3 is run by the
server, with its own credentials: the ECS task role through the container credentials
endpoint), so the server's role is the one allowed into the bucket, and only below the backup
prefix.

Outcome: two metric filters on the loop's log group count its succeeded and failed lines. A
loop that is not running (ClickHouse stopped, the sidecar exited) prints nothing and the late
alarm fires.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct, IValidation

from ... import clickhouse_backups
from ...compliance import acknowledge
from ..compute.fargate import container_log_group
from ..operations.alarms import AlarmSpec, aws_metric, notifying_alarm
from ..operations.task_stops import METRIC_NAMESPACE
from .buckets import hardened_bucket
from .clickhouse import CLICKHOUSE_UID
from .protection import DataProtection

# What ClickHouse's BACKUP/RESTORE ... S3 does with the objects under the backup's path
# (src/Backups/BackupIO_S3.cpp, BackupImpl.cpp): writes each file (PutObject, multipart for
# large parts, aborted on error), reads files back (the lock file before finishing, the .backup
# of an incremental's base, every file on RESTORE), lists keys to see whether a file exists
# (ListObjects with the file's key as prefix), and deletes the .lock file when a backup is
# finished and every file of a backup that failed. The loop's choice of a base reads the
# .backup files through the server's s3() table function: a listing of the prefix itself,
# which the ``<prefix>*`` condition admits (IAM's * also matches nothing).
OBJECT_ACTIONS = ("s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
CONTAINER_NAME = "backup"
LOCAL_HOST = "127.0.0.1"
"""The server as the loop reaches it: the task's (or host's) own loopback, IPv4 because
``localhost`` may resolve to ::1 first."""
SIDECAR_MEMORY_MIB = 256
"""The sidecar's hard memory limit: a shell and clickhouse-client, idle but for a few short
queries a day. The server's container leaves it this much of the task, so that the two
limits share the task's memory and neither can push the task past it (where the kernel's
OOM killer would pick the biggest process: the server)."""
LATE_AFTER = Duration.hours(26)
"""A daily backup that has not succeeded for this long is late: a day and two hours' grace."""
LONGEST_LATE_AFTER = Duration.days(7)
"""CloudWatch's limit: an alarm's period times its evaluation periods is at most seven days
for periods of an hour or more (CloudWatch API Reference, PutMetricAlarm, Period)."""
FAILED_WINDOW = Duration.hours(1)
NONCURRENT_VERSION_DAYS = 7
"""Deleted or replaced backup files stay recoverable this long as noncurrent versions."""
INCOMPLETE_UPLOAD_DAYS = 1


@dataclass(frozen=True)
class ClickHouseBackupsProps:
    """What the daily backup of a ClickHouse server needs.

    ``late_after``: how long without a successful backup is late. A day and two hours when the
    server runs every day; with office hours on some days only, the longest stretch between
    two office days plus two hours (MON to FRI: Friday's backup to Monday's, 74 hours).
    """

    environment_name: str
    server_role: iam.IRole
    """The role the ClickHouse server runs with: it writes the backup to S3."""
    server_port: int
    """The server's native-protocol port, which clickhouse-client speaks."""
    hour_utc: int
    retention_days: int
    protection: DataProtection
    """retain keeps the bucket and its backups when the stack is deleted; log retention."""
    access_logs: s3.IBucket
    alarm_topic: sns.ITopic | None = None
    """Where the failed and late alarms notify; None (monitoring off) creates no alarms."""
    late_after: Duration = LATE_AFTER


class ClickHouseBackups(Construct):
    """Bucket ``Bucket``, the loop's log group ``Logs`` with its succeeded and failed counts,
    and alarms ``langfuse-<env>-clickhouse-backup-failed`` and ``-late``. ``add_sidecar`` puts
    the loop into the Fargate server's task; on EC2, run ``loop_command`` in a container on
    the host's network that logs to ``log_group``."""

    def __init__(self, scope: Construct, id_: str, *, props: ClickHouseBackupsProps) -> None:
        super().__init__(scope, id_)
        if props.late_after.to_seconds() > LONGEST_LATE_AFTER.to_seconds():
            raise ValueError(
                f"late_after is {props.late_after.to_seconds()} seconds: CloudWatch alarms "
                "look back at most 7 days"
            )
        self._props = props
        self.bucket = self._bucket(props)
        self.location = clickhouse_backups.BackupLocation(
            bucket=self.bucket.bucket_name, region=Stack.of(self).region
        )
        grant_backup_access(self.bucket, props.server_role, self.location.prefix)
        self.log_group = container_log_group(self, props.protection.log_retention)
        env = props.environment_name
        self.succeeded_metric_name = self._count(
            "Succeeded", clickhouse_backups.SUCCEEDED_LINE, f"ClickHouseBackupsSucceeded-{env}"
        )
        self.failed_metric_name = self._count(
            "Failed", clickhouse_backups.FAILED_LINE, f"ClickHouseBackupsFailed-{env}"
        )
        if props.alarm_topic is not None:
            self._alarms(props, props.alarm_topic)

    @property
    def loop_command(self) -> list[str]:
        """The daily loop, for a container beside the server that reaches it on 127.0.0.1:
        ``["/bin/sh", "-c", script]``, run as the container's entry point in the server's
        image, with CLICKHOUSE_USER and CLICKHOUSE_PASSWORD in its environment."""
        return clickhouse_backups.scheduled_backup_loop(
            self.location, LOCAL_HOST, self._props.server_port, self._props.hour_utc
        )

    def add_sidecar(
        self,
        server: ecs.ContainerDefinition,
        *,
        image: ecs.ContainerImage,
        user: str,
        password: ecs.Secret,
    ) -> ecs.ContainerDefinition:
        """Adds the loop to ``server``'s task: a non-essential container (its end never stops
        the server), started once the server is healthy, as the image's clickhouse user on a
        read-only root file system (the loop writes no file: clickhouse-client keeps a
        history only in interactive mode, ClickHouse src/Client/ClientBase.cpp), logging into
        ``log_group``. ``image`` is the server's own, so its clickhouse-client speaks the
        server's version; ``user`` and ``password`` are the server's ClickHouse user.

        No CPU units: a container's units are its relative share of the task's CPU, and the
        server's container has none, so any would let the sidecar outweigh the server.
        """
        task = server.task_definition
        container = task.add_container(
            CONTAINER_NAME,
            image=image,
            essential=False,
            memory_limit_mib=SIDECAR_MEMORY_MIB,
            entry_point=self.loop_command,
            user=CLICKHOUSE_UID,
            readonly_root_filesystem=True,
            environment={"CLICKHOUSE_USER": user},
            secrets={"CLICKHOUSE_PASSWORD": password},
            logging=ecs.LogDriver.aws_logs(stream_prefix=CONTAINER_NAME, log_group=self.log_group),
        )
        container.add_container_dependencies(
            ecs.ContainerDependency(
                container=server, condition=ecs.ContainerDependencyCondition.HEALTHY
            )
        )
        task.node.add_validation(_MemoryFits(task))
        return container

    def _bucket(self, props: ClickHouseBackupsProps) -> s3.Bucket:
        """The backups' own bucket: backups expire after the retention plus the chain they
        belong to (``clickhouse_backups.lifecycle_days``), old versions a week later."""
        return hardened_bucket(
            self,
            retain=props.protection.retain,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireBackups",
                    prefix=clickhouse_backups.BACKUP_PREFIX,
                    expiration=Duration.days(
                        clickhouse_backups.lifecycle_days(props.retention_days)
                    ),
                    noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS),
                )
            ],
            access_logs=props.access_logs,
            access_logs_prefix="s3/clickhouse-backups/",
        )

    def _count(self, id_: str, line: str, metric_name: str) -> str:
        """A metric filter that counts the loop's lines containing ``line``: a quoted exact
        phrase (CloudWatch Logs User Guide, filter pattern syntax: exact phrases and terms with
        non-alphanumeric characters go in double quotes)."""
        logs.MetricFilter(
            self,
            f"{id_}Count",
            log_group=self.log_group,
            filter_pattern=logs.FilterPattern.literal(f'"{line}"'),
            metric_namespace=METRIC_NAMESPACE,
            metric_name=metric_name,
            metric_value="1",
        )
        return metric_name

    def _alarms(self, props: ClickHouseBackupsProps, topic: sns.ITopic) -> None:
        name = f"langfuse-{props.environment_name}-clickhouse-backup"
        notifying_alarm(
            self,
            "FailedAlarm",
            AlarmSpec(
                name=f"{name}-failed",
                description="A ClickHouse backup failed in the last hour; the backup "
                "container's lines before its result line say why.",
                metric=_zero_filled(
                    aws_metric(METRIC_NAMESPACE, self.failed_metric_name, "Sum", FAILED_WINDOW),
                    "Failed ClickHouse backups",
                ),
                threshold=0,
            ),
            topic,
        )
        hours = int(props.late_after.to_hours())
        late = notifying_alarm(
            self,
            "LateAlarm",
            AlarmSpec(
                name=f"{name}-late",
                description=f"No ClickHouse backup succeeded in the last {hours} hours: "
                "backups failed, or the backup container or ClickHouse was not running.",
                metric=_zero_filled(
                    aws_metric(
                        METRIC_NAMESPACE, self.succeeded_metric_name, "Sum", props.late_after
                    ),
                    "Succeeded ClickHouse backups",
                ),
                threshold=1,
                below=True,
            ),
            topic,
        )
        # No success metric at all (no backup ever succeeded) is late too.
        cfn_late = late.node.default_child
        assert isinstance(cfn_late, cloudwatch.CfnAlarm)
        cfn_late.treat_missing_data = "breaching"


@jsii.implements(IValidation)
class _MemoryFits:
    """Fails the synth when the containers' memory limits add up to more than the task has.

    ECS itself requires the memory reserved for all containers of a task (a container's
    ``memoryReservation``, else its ``memory``) to fit in the task's memory (ECS Developer
    Guide, task definition parameters, container ``memory``). The hard limits fitting too
    keeps the sidecar from ever taking the memory the server's limit promised it.
    """

    def __init__(self, task: ecs.TaskDefinition) -> None:
        self._task = task

    def validate(self) -> list[str]:
        cfn = self._task.node.default_child
        assert isinstance(cfn, ecs.CfnTaskDefinition)
        stack = Stack.of(self._task)
        memory = stack.resolve(cfn.memory)
        if memory is None:
            return []
        limits = sum(
            int(c.get("memory") or c.get("memoryReservation") or 0)
            for c in stack.resolve(cfn.container_definitions)
        )
        if limits <= int(memory):
            return []
        return [
            f"the containers of this task may use {limits} MiB of its {memory} MiB: give the "
            f"ClickHouse server's container a hard limit {SIDECAR_MEMORY_MIB} MiB below the "
            "task's memory so the backup sidecar fits"
        ]


def _zero_filled(metric: cloudwatch.Metric, label: str) -> cloudwatch.MathExpression:
    """``metric`` with 0 for each period without events.

    The metric filters publish only when an event arrives. An alarm evaluates the most recent
    real datapoints of its evaluation range when some are missing (CloudWatch User Guide,
    "Configuring how CloudWatch alarms treat missing data"), so without the zeros an alarm
    of one period would judge the last period that had an event, hours or days old.
    """
    return cloudwatch.MathExpression(
        expression="FILL(m, 0)",
        using_metrics={"m": metric},
        period=metric.period,
        label=label,
    )


def grant_backup_access(bucket: s3.IBucket, role: iam.IRole, prefix: str) -> None:
    """Let ``role`` (the ClickHouse server) write, read, list and delete backups below
    ``prefix`` of ``bucket``, and nothing else in it."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(OBJECT_ACTIONS), resources=[bucket.arn_for_objects(f"{prefix}*")]
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        )
    )
    bucket_id = Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]",
        "ClickHouse names every file of a backup itself at run time, so the server may use "
        "any key below the backup prefix rather than named objects.",
    )
