"""ClickHouse's own daily backup to S3: where it runs, where it writes, what it may touch, how
long the backups are kept, and the alarms when one fails or none succeeded in time.

Rules the expected values come from:

- Containers of an awsvpc task share one network namespace and reach each other on
  127.0.0.1 / localhost (ECS Developer Guide, "Amazon ECS task networking options for
  Fargate": the task's containers share its elastic network interface); Service Connect
  names resolve only in tasks that ECS services create (ECS API Reference,
  ServiceConnectConfiguration), hence a sidecar rather than a scheduled task.
- A container with ``essential: false`` may stop without stopping the task; ``dependsOn``
  with condition HEALTHY starts it once the named container passes its health check;
  ``memory`` is a container's hard limit, and the memory reserved for all containers of a
  task (``memoryReservation``, else ``memory``) must fit in the task's memory; ``user`` runs the container as that uid;
  ``readonlyRootFilesystem`` mounts its root read-only; ``secrets`` hands it a Secrets
  Manager value as an environment variable, which the task execution role must be allowed to
  read (ECS Developer Guide, task definition parameters; "Pass Secrets Manager secrets
  through Amazon ECS environment variables").
- ClickHouse's BACKUP ... TO S3 is written by the server with its own credentials; for the
  files of a backup it calls PutObject (multipart for large files, aborted on error),
  GetObject (the lock file before finishing, the base backup's .backup for an incremental,
  every file on RESTORE), ListObjects with the file's key as prefix (does a file exist), and
  DeleteObject (the .lock file once the backup is finished, every file of a failed backup):
  ClickHouse/ClickHouse src/Backups/BackupIO_S3.cpp (BackupWriterS3::writeFile, readFile,
  fileExists via listObjects, removeFile/removeFiles) and src/Backups/BackupImpl.cpp
  (finalizeWriting -> removeLockFile, tryRemoveAllFiles). With S3's IAM actions
  (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html):
  ListObjects is s3:ListBucket on the bucket, narrowed by the ``s3:prefix`` condition key.
  The loop's choice of a base lists the prefix itself through the server's s3() table
  function; IAM's ``*`` also matches an empty string (IAM User Guide, "IAM JSON policy
  elements: Condition operators", StringLike).
- CloudWatch Logs filter patterns (User Guide, "Filter pattern syntax for metric filters,
  subscription filters, filter log events, and Live Tail"): case sensitive; exact phrases in
  double quotes; the awslogs driver sends each line a container writes as one event
  (tests/backup_loop.py evaluates that subset).
- The result lines are the issue's contract for the loop, which an EC2 host's container
  prints too: ``LANGFUSE_CLICKHOUSE_BACKUP result=succeeded name=<backup>`` and
  ``LANGFUSE_CLICKHOUSE_BACKUP result=failed ...``.
- An alarm's period times its evaluation periods is at most seven days for periods of an hour
  or more (CloudWatch API Reference, PutMetricAlarm, Period).
- docs/data.md: data_protection retain keeps stateful resources when the stack is deleted;
  disposable deletes them, S3 buckets emptied first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Aspects, Duration, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from alarm_eval import ALARM, OK, Alarm, Series, run, states
from backup_loop import Plan, filter_matches, run_command, utc
from cfn_eval import evaluate, pseudo_parameters
from construct_stack import ACCOUNT, REGION, bare_stack
from langfuse_aws import clickhouse_backups
from langfuse_aws.compliance import acknowledge, add_compliance_checks
from langfuse_aws.compliance.function_logs import FunctionLogRetention
from langfuse_aws.constructs.compute.fargate import (
    HealthProbe,
    arm64_task_definition,
    container_log_group,
)
from langfuse_aws.constructs.data.clickhouse_backup import (
    ClickHouseBackups,
    ClickHouseBackupsProps,
)
from langfuse_aws.constructs.data.protection import DataProtection
from langfuse_aws.validation_report import violations

ENV = "test"
NATIVE_PORT = 9000  # ClickHouse's native protocol, which clickhouse-client speaks
USER = "langfuse"
PASSWORD_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:clickhouse-AbCdEf"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:langfuse-test-alarms"
IMAGE = "clickhouse/clickhouse-server:25.8.2.29"
BUCKET_NAME = "langfuse-test-backups-abc"  # what CloudFormation names the bucket, say
BUCKET_ARN = f"arn:aws:s3:::{BUCKET_NAME}"
PREFIX = "clickhouse-backups/"
NAMESPACE = "LangfuseAws"
TASK_MEMORY = 2048
SIDECAR_MEMORY = 256


@dataclass
class Built:
    """One synthesized construct with the server task it was added to."""

    stack: Stack
    template: Template
    backups: ClickHouseBackups
    task: ecs.TaskDefinition

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {key: dict(value) for key, value in self.template.find_resources(kind).items()}

    def known(self) -> dict[str, str]:
        """Deploy-time values the assertions assume."""
        groups = {
            f"{group}.Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"
            for group in self.resources("AWS::Logs::LogGroup")
        }
        return (
            pseudo_parameters("Test", "uuid")
            | groups
            | {
                self.logical_id(self.backups.bucket): BUCKET_NAME,
                f"{self.logical_id(self.backups.bucket)}.Arn": BUCKET_ARN,
            }
        )

    def containers(self) -> dict[str, dict[str, Any]]:
        """The server task's container definitions by name."""
        task = self.resources("AWS::ECS::TaskDefinition")[self.logical_id(self.task)]
        return {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}


def server_container(stack: Stack, server_memory: int) -> ecs.ContainerDefinition:
    """Stands for ClickHouseServer's task: ARM64 Fargate, one server container with its
    health check, as uid 101, logging with retention. (The real server also runs with a
    writable root and starts as root, which it acknowledges itself.)"""
    scope = Construct(stack, "Server")
    task = arm64_task_definition(scope, cpu=1024, memory_mib=TASK_MEMORY)
    container = task.add_container(
        "clickhouse",
        image=ecs.ContainerImage.from_registry(IMAGE),
        memory_limit_mib=server_memory,
        user="101",
        readonly_root_filesystem=True,
        port_mappings=[ecs.PortMapping(container_port=NATIVE_PORT, name="native")],
        health_check=HealthProbe(8123, "/ping", 15, 5, 60).health_check(),
        logging=ecs.LogDriver.aws_logs(
            stream_prefix="clickhouse",
            log_group=container_log_group(scope, logs.RetentionDays.ONE_MONTH),
        ),
    )
    acknowledge(
        task,
        "AwsSolutions-ECS2",
        "As on the ClickHouse server's task: the environment holds only the ClickHouse user "
        "name, and the password arrives as an ECS secret.",
    )
    return container


def build(
    *,
    retain: bool = True,
    hour: int = 3,
    retention: int = 35,
    topic: bool = True,
    late_after: Duration | None = None,
    server_memory: int = TASK_MEMORY - SIDECAR_MEMORY,
    stack: Stack | None = None,
) -> Built:
    """The construct on a bare stack with its sidecar in a stand-in server task."""
    stack = stack or bare_stack()
    server = server_container(stack, server_memory)
    extra = {} if late_after is None else {"late_after": late_after}
    props = ClickHouseBackupsProps(
        environment_name=ENV,
        server_role=server.task_definition.task_role,
        server_port=NATIVE_PORT,
        hour_utc=hour,
        retention_days=retention,
        protection=DataProtection(retain=retain, log_retention=logs.RetentionDays.ONE_MONTH),
        access_logs=s3.Bucket.from_bucket_name(stack, "AccessLogs", "langfuse-test-access-logs"),
        alarm_topic=sns.Topic.from_topic_arn(stack, "Topic", TOPIC_ARN) if topic else None,
        **extra,
    )
    backups = ClickHouseBackups(stack, "Backups", props=props)
    backups.add_sidecar(
        server,
        image=ecs.ContainerImage.from_registry(IMAGE),
        user=USER,
        password=ecs.Secret.from_secrets_manager(
            secretsmanager.Secret.from_secret_complete_arn(stack, "Password", PASSWORD_ARN)
        ),
    )
    return Built(stack, Template.from_stack(stack), backups, server.task_definition)


@pytest.fixture(scope="module")
def kept() -> Built:
    return build(retain=True)


@pytest.fixture(scope="module")
def disposable() -> Built:
    return build(retain=False)


# --- the sidecar ----------------------------------------------------------------------------


def test_the_sidecar_never_stops_the_server_and_starts_once_it_is_healthy(kept: Built) -> None:
    containers = kept.containers()
    assert set(containers) == {"clickhouse", "backup"}
    sidecar = containers["backup"]
    assert sidecar["Essential"] is False
    assert containers["clickhouse"]["Essential"] is True
    assert sidecar["DependsOn"] == [{"ContainerName": "clickhouse", "Condition": "HEALTHY"}]


def test_the_sidecar_runs_as_clickhouse_not_root_on_a_read_only_root(kept: Built) -> None:
    """uid 101 is the clickhouse user of the clickhouse-server image, as in the server's task."""
    sidecar = kept.containers()["backup"]
    assert sidecar["User"] == "101"
    assert sidecar["ReadonlyRootFilesystem"] is True
    assert sidecar["Image"] == IMAGE


def test_the_sidecar_has_a_little_memory_of_its_own_and_no_cpu_share(kept: Built) -> None:
    """A hard limit (Control Tower CT.ECS.PR.7 asks every container for one) that the server's
    own limit leaves free: together they fit in the task. No cpu units: they are a relative
    weight, and the server's container has none."""
    containers = kept.containers()
    sidecar = containers["backup"]
    assert sidecar["Memory"] == SIDECAR_MEMORY
    assert "MemoryReservation" not in sidecar
    assert "Cpu" not in sidecar
    assert containers["clickhouse"]["Memory"] + sidecar["Memory"] <= TASK_MEMORY


@pytest.mark.parametrize("hour", [0, 3, 23])
def test_the_sidecar_runs_the_daily_loop_against_the_server_on_loopback(hour: int) -> None:
    """The entry point is clickhouse_backups.scheduled_backup_loop for this construct's bucket
    (its name known at deploy time), the stack's region, the module's prefix, 127.0.0.1 and
    the server's native port, run directly, not through the image's server entrypoint."""
    built = build(hour=hour)
    sidecar = built.containers()["backup"]
    location = clickhouse_backups.BackupLocation(bucket=BUCKET_NAME, region=REGION)
    expected = clickhouse_backups.scheduled_backup_loop(location, "127.0.0.1", NATIVE_PORT, hour)
    assert evaluate(sidecar["EntryPoint"], built.known()) == expected
    assert "Command" not in sidecar
    script = expected[-1]
    assert f"https://{BUCKET_NAME}.s3.{REGION}.amazonaws.com/{PREFIX}" in script
    assert f"--host 127.0.0.1 --port {NATIVE_PORT} " in script
    assert f"Next ClickHouse backup at {hour:02d}:00 UTC" in script


def test_the_sidecar_gets_the_user_and_the_password_as_a_secret(kept: Built) -> None:
    sidecar = kept.containers()["backup"]
    assert sidecar["Environment"] == [{"Name": "CLICKHOUSE_USER", "Value": USER}]
    assert sidecar["Secrets"] == [{"Name": "CLICKHOUSE_PASSWORD", "ValueFrom": PASSWORD_ARN}]
    task = kept.resources("AWS::ECS::TaskDefinition")[kept.logical_id(kept.task)]
    execution_role = task["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0]
    reads = [
        s
        for s in statements_of(kept, execution_role)
        if "secretsmanager:GetSecretValue" in as_list(s["Action"])
    ]
    assert [s["Resource"] for s in reads] == [PASSWORD_ARN]


def test_the_sidecar_logs_into_the_group_the_counts_watch(kept: Built) -> None:
    """The same group for an EC2 host's container: ``log_group``."""
    logging = kept.containers()["backup"]["LogConfiguration"]
    assert logging["LogDriver"] == "awslogs"
    group_id = logging["Options"]["awslogs-group"]["Ref"]
    assert group_id == kept.logical_id(kept.backups.log_group)
    group = kept.resources("AWS::Logs::LogGroup")[group_id]
    assert group["Properties"]["RetentionInDays"] == 30
    watched = [
        f["Properties"]["LogGroupName"] for f in kept.resources("AWS::Logs::MetricFilter").values()
    ]
    assert watched == [{"Ref": group_id}] * 2


def test_an_ec2_host_runs_the_same_loop(kept: Built) -> None:
    """loop_command is what a second container on the host's network (127.0.0.1) runs."""
    command = kept.stack.resolve(kept.backups.loop_command)
    assert command == kept.stack.resolve(kept.containers()["backup"]["EntryPoint"])
    assert evaluate(kept.stack.resolve(kept.backups.location.bucket), kept.known()) == BUCKET_NAME


def test_a_server_container_that_leaves_no_memory_fails_the_synth() -> None:
    """ECS requires the containers' reservations to fit in the task's memory: a server with
    the whole task as its hard limit leaves none for the sidecar."""
    with pytest.raises(Exception, match="256 MiB below the task's memory"):
        build(server_memory=TASK_MEMORY)


# --- permissions ----------------------------------------------------------------------------


def statements_of(built: Built, role_id: str) -> list[dict[str, Any]]:
    """Every statement of the policies attached to ``role_id``, deploy-time values resolved."""
    found = []
    for policy in built.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                found.append(evaluate(statement, built.known()))
    return found


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_the_server_may_use_only_the_backup_prefix(kept: Built) -> None:
    statements = statements_of(kept, kept.logical_id(kept.task.task_role))
    objects = [s for s in statements if s["Resource"] == f"{BUCKET_ARN}/{PREFIX}*"]
    listing = [s for s in statements if s["Resource"] == BUCKET_ARN]
    assert len(objects) == len(listing) == 1
    assert set(as_list(objects[0]["Action"])) == {
        "s3:PutObject",
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
    }
    assert "Condition" not in objects[0]
    assert as_list(listing[0]["Action"]) == ["s3:ListBucket"]
    assert listing[0]["Condition"] == {"StringLike": {"s3:prefix": [f"{PREFIX}*"]}}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            assert resource != "*"
            assert resource != f"{BUCKET_ARN}/*"
            assert resource in (BUCKET_ARN, f"{BUCKET_ARN}/{PREFIX}*")


def test_nothing_else_may_touch_the_backups(kept: Built) -> None:
    """Only the server's role names the bucket: the sidecar only talks to the server, and the
    execution role only pulls the image, reads the password and writes logs."""
    server_role = kept.logical_id(kept.task.task_role)
    for policy in kept.resources("AWS::IAM::Policy").values():
        document = json.dumps(policy["Properties"]["PolicyDocument"])
        if {"Ref": server_role} not in policy["Properties"]["Roles"]:
            assert "s3:" not in document
            assert kept.logical_id(kept.backups.bucket) not in document


# --- the bucket -----------------------------------------------------------------------------


def test_the_bucket_is_encrypted_private_versioned_and_tls_only(kept: Built) -> None:
    bucket_id = kept.logical_id(kept.backups.bucket)
    bucket = kept.resources("AWS::S3::Bucket")[bucket_id]["Properties"]
    assert bucket["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
    }
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (policy,) = [
        p
        for p in kept.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    document = evaluate(policy["Properties"]["PolicyDocument"], kept.known())
    (tls,) = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert tls["Principal"] == {"AWS": "*"}
    assert set(as_list(tls["Resource"])) == {BUCKET_ARN, f"{BUCKET_ARN}/*"}


@pytest.mark.parametrize("retention", [35, 7])
def test_backups_expire_when_the_backup_module_says(retention: int) -> None:
    """Current versions below the prefix expire after clickhouse_backups.lifecycle_days: later
    than the retention, since a backup still in it needs the older backups of its chain. What
    that removes stays a week as a noncurrent version; a multipart upload the server never
    finished is dropped the next day."""
    built = build(retention=retention)
    bucket = built.resources("AWS::S3::Bucket")[built.logical_id(built.backups.bucket)]
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Prefix"] == PREFIX
    assert rule["ExpirationInDays"] == clickhouse_backups.lifecycle_days(retention)
    assert rule["ExpirationInDays"] > retention
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_kept_environment_keeps_the_bucket(kept: Built) -> None:
    bucket = kept.resources("AWS::S3::Bucket")[kept.logical_id(kept.backups.bucket)]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert not kept.resources("Custom::S3AutoDeleteObjects")


def test_disposable_environment_empties_and_deletes_the_bucket(disposable: Built) -> None:
    bucket_id = disposable.logical_id(disposable.backups.bucket)
    bucket = disposable.resources("AWS::S3::Bucket")[bucket_id]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Delete"
    (emptying,) = disposable.resources("Custom::S3AutoDeleteObjects").values()
    assert emptying["Properties"]["BucketName"] == {"Ref": bucket_id}


# --- the result lines and what counts them ------------------------------------------------

ID = "0e187005-538c-4e01-8734-ba343c9da93e"
CREATED = [(f"{ID}\tCREATING_BACKUP\n", 0)]
NIGHT_OK: Plan = {
    "choose": [("\n", 0)],
    "backup": CREATED,
    "status": [("CREATING_BACKUP\n", 0), ("BACKUP_CREATED\n", 0)],
}
NIGHT_FAILED: Plan = {
    "choose": [("20261205T030000Z-incr\n", 0)],
    "backup": [*CREATED, ("", 1)],
    "status": [("BACKUP_FAILED\n", 0)],
    "error": [("Code: 499. DB::Exception: Access Denied. (S3_ERROR)\n", 0)],
}


def filters(built: Built) -> dict[str, str]:
    """Each metric filter's pattern by the metric it counts into."""
    found = {}
    for metric_filter in built.resources("AWS::Logs::MetricFilter").values():
        (transformation,) = metric_filter["Properties"]["MetricTransformations"]
        assert transformation["MetricNamespace"] == NAMESPACE
        assert transformation["MetricValue"] == "1"
        found[transformation["MetricName"]] = metric_filter["Properties"]["FilterPattern"]
    return found


def test_the_evaluator_follows_the_documented_phrase_matching() -> None:
    """CloudWatch Logs' own examples: an exact phrase matches only in that order; case
    sensitive."""
    assert filter_matches('"Cloud watch"', "Cloud watch logs")
    assert not filter_matches('"Cloud watch"', "Cloud logs watch")
    assert not filter_matches('"Cloud watch"', "cloud watch logs")
    with pytest.raises(ValueError):
        filter_matches("", "anything")


@pytest.mark.parametrize(
    ("plan", "line", "metric"),
    [
        (
            NIGHT_OK,
            "LANGFUSE_CLICKHOUSE_BACKUP result=succeeded name=20261206T030000Z-full",
            f"ClickHouseBackupsSucceeded-{ENV}",
        ),
        (
            NIGHT_FAILED,
            "LANGFUSE_CLICKHOUSE_BACKUP result=failed code=1",
            f"ClickHouseBackupsFailed-{ENV}",
        ),
    ],
    ids=["succeeded", "failed"],
)
def test_each_backup_counts_once_as_what_it_was(
    kept: Built, tmp_path: Path, plan: Plan, line: str, metric: str
) -> None:
    """The sidecar's real entry point, run in sh with stand-ins for clickhouse-client, date and
    sleep, through one night: of every line it writes (progress, ClickHouse's error, the next
    sleep), only its result line is counted, once, into its metric."""
    command = evaluate(kept.containers()["backup"]["EntryPoint"], kept.known())
    night = run_command(
        tmp_path, command, plan, clock=utc("2026-12-06 02:59:59"), until=utc("2026-12-07 00:00:00")
    )
    assert line in night.lines()
    assert len(night.lines()) > 2
    patterns = filters(kept)
    for written in night.lines():
        counted = [name for name, pattern in patterns.items() if filter_matches(pattern, written)]
        assert counted == ([metric] if written == line else []), written


# --- alarms ---------------------------------------------------------------------------------

SUCCEEDED = (NAMESPACE, f"ClickHouseBackupsSucceeded-{ENV}")
FAILED = (NAMESPACE, f"ClickHouseBackupsFailed-{ENV}")
DAY, HOUR = 24 * 60, 60


def props_of(built: Built, suffix: str) -> dict[str, Any]:
    (props,) = [
        r["Properties"]
        for r in built.resources("AWS::CloudWatch::Alarm").values()
        if r["Properties"]["AlarmName"] == f"langfuse-{ENV}-clickhouse-backup-{suffix}"
    ]
    return dict(props)


def alarm(built: Built, suffix: str) -> Alarm:
    return Alarm.from_template(props_of(built, suffix))


def events_at(minutes: list[int], length: int) -> Series:
    """A metric filter's samples: 1 in each minute an event arrived, nothing otherwise."""
    series: Series = [None] * length
    for minute in minutes:
        series[minute] = 1.0
    return series


# Each night the loop asks for a backup at the hour and prints its line when ClickHouse has
# written it: minutes to most of an hour, depending on how much changed (here 5 to 50).
NIGHTS = [0, DAY + 40, 2 * DAY + 5, 3 * DAY + 50, 4 * DAY + 25]


def test_daily_backups_keep_the_late_alarm_quiet(kept: Built) -> None:
    length = 5 * DAY
    series = {SUCCEEDED: events_at(NIGHTS, length)}
    assert run(alarm(kept, "late"), series) == [(1, OK)]


def test_a_missed_night_is_late_26_hours_after_the_last_success(kept: Built) -> None:
    """The second night fails: nothing succeeds after minute DAY + 40 until the third night's
    backup; the alarm fires 26 hours after the last success and clears with the next one."""
    successes = [NIGHTS[0], NIGHTS[1], NIGHTS[3]]
    length = 4 * DAY
    transitions = run(alarm(kept, "late"), {SUCCEEDED: events_at(successes, length)})
    assert transitions == [(1, OK), (NIGHTS[1] + 26 * HOUR + 1, ALARM), (NIGHTS[3] + 1, OK)]


def test_a_backup_that_never_succeeds_is_late(kept: Built) -> None:
    """No success at all, not even a published zero: the metric has no data and the alarm
    treats that as breaching (CloudWatch, alarms-and-missing-data: without data the treatment
    decides), so a new environment reports it until its first backup succeeds."""
    late = alarm(kept, "late")
    assert late.treat_missing == "breaching"
    assert states(run(late, {SUCCEEDED: [None] * (2 * DAY)})) == [ALARM]


def test_a_failure_fires_at_once_and_clears_an_hour_later(kept: Built) -> None:
    length = 2 * DAY
    failure = DAY + 10
    series = {FAILED: events_at([failure], length)}
    assert run(alarm(kept, "failed"), series) == [(1, OK), (failure + 1, ALARM), (failure + 61, OK)]


def test_nights_without_failures_keep_the_failed_alarm_quiet(kept: Built) -> None:
    assert run(alarm(kept, "failed"), {FAILED: [None] * (3 * DAY)}) == [(1, OK)]


@pytest.mark.parametrize("suffix", ["failed", "late"])
def test_alarms_notify_the_topic_when_they_fire_and_recover(kept: Built, suffix: str) -> None:
    (props,) = [
        r["Properties"]
        for r in kept.resources("AWS::CloudWatch::Alarm").values()
        if r["Properties"]["AlarmName"] == f"langfuse-{ENV}-clickhouse-backup-{suffix}"
    ]
    assert props["AlarmActions"] == props["OKActions"] == [TOPIC_ARN]


def test_the_late_window_follows_the_days_the_server_runs() -> None:
    """With office hours on weekdays, Friday's backup is followed by Monday's: 74 hours."""
    built = build(late_after=Duration.hours(74))
    late = alarm(built, "late")
    assert late.period_minutes == 74 * 60
    assert "74 hours" in props_of(built, "late")["AlarmDescription"]
    with pytest.raises(ValueError, match="7 days"):
        build(late_after=Duration.hours(7 * 24 + 1))


def test_no_alarms_without_a_topic() -> None:
    """monitoring.enabled: false gives no topic; the lines are still logged and counted."""
    built = build(topic=False)
    assert not built.resources("AWS::CloudWatch::Alarm")
    assert len(built.resources("AWS::Logs::MetricFilter")) == 2


# --- compliance -----------------------------------------------------------------------------


@pytest.mark.parametrize("retain", [True, False], ids=["retain", "disposable"])
def test_cdk_nag_and_control_tower_findings_are_fixed_or_acknowledged(retain: bool) -> None:
    """cdk-nag AwsSolutions and the AWS Control Tower proactive controls (cfn-guard) run in
    process, as a validating synth runs them, with the aspect every stack of an environment
    gets (CDK's own functions log to a group with retention). cfn-guard's findings do not
    fail the synth, so the report is read."""
    stack = bare_stack()
    app = stack.node.root
    assert isinstance(app, App)
    add_compliance_checks(app, ("cdk-nag", "cfn-guard"))
    Aspects.of(stack).add(FunctionLogRetention(logs.RetentionDays.ONE_MONTH))
    build(retain=retain, stack=stack)
    assert violations(Path(app.synth().directory)) == []
