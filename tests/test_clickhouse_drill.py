"""The ClickHouse part of the restore drill: the newest backup restored into a scratch server
that runs once as a Fargate task, its row counts read back from CloudWatch Logs, and nothing
left behind.

ECS, CloudWatch Logs and CloudFormation are botocore Stubbers: each response has the shape of
the API reference (and botocore validates it against the service model), and each request the
drill sends is checked exactly:
- ECS DescribeServices, DescribeTaskDefinition, RegisterTaskDefinition, RunTask, DescribeTasks,
  StopTask, DeregisterTaskDefinition, DeleteTaskDefinitions
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Operations.html);
- CloudWatch Logs GetLogEvents: "If you have reached the end of the stream, it returns the
  same token you passed in" (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html);
- CloudFormation ListStackResources and DescribeStacks (outputs).
The backups are objects in a moto S3 bucket, laid out as ClickHouse writes them: a backup is
complete once its ``.backup`` file exists (``clickhouse_backups``).
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from typer.testing import CliRunner

from langfuse_aws import clickhouse_drill, restore_drill
from langfuse_aws.cli import app as app_module
from langfuse_aws.clickhouse_backups import BackupRef
from langfuse_aws.clickhouse_drill import Poll, scratch_script, scratch_task_definition
from langfuse_aws.naming import main_stack_name
from langfuse_aws.restore_drill import DrillError, run

REGION = "eu-west-1"
STACK = main_stack_name("tt")
ACCOUNT = "123456789012"
BUCKET = "langfuse-tt-clickhousebackups-1a2b3c"
CLUSTER = "Langfuse-tt-ClusterEB0386A7-abc"
SERVICE = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{CLUSTER}/Langfuse-tt-ClickHouseService-x"
SERVER_TASK = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/LangfusettClickHouseTask:7"
SCRATCH_TASK_DEF = (
    f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/LangfusettClickHouseTask-restore-drill:1"
)
TASK = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{CLUSTER}/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
LOG_GROUP = "Langfuse-tt-ClickHouseLogsA4F01CF0-xyz"
SUBNETS = ["subnet-0aaa", "subnet-0bbb"]
SECURITY_GROUP = "sg-0clickhouse"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BACKUP = BackupRef("20261130T020000Z-full", "full", datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
SERVER_CONFIG = "<clickhouse><timezone>UTC</timezone></clickhouse>"

# The ClickHouse server's task definition as DescribeTaskDefinition returns it: the synthesized
# ClickHouse task of config/example.yaml (constructs/data/clickhouse.py), in the API's shape.
SERVER_DEFINITION: dict[str, Any] = {
    "taskDefinitionArn": SERVER_TASK,
    "family": "LangfusettClickHouseTask",
    "revision": 7,
    "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/Langfuse-tt-ClickHouseTaskTaskRole",
    "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/Langfuse-tt-ClickHouseTaskExecutionRole",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "2048",
    "memory": "8192",
    "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
    "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-0123"}}],
    "containerDefinitions": [
        {
            "name": "clickhouse",
            "image": "clickhouse/clickhouse-server:26.4.4.38",
            "essential": True,
            "memory": 8192,
            "entryPoint": ["/bin/sh", "-c"],
            "command": ["printf ... && exec /entrypoint.sh"],
            "environment": [
                {"name": "CLICKHOUSE_USER", "value": "langfuse"},
                {"name": "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT", "value": "1"},
                {"name": "CLICKHOUSE_DO_NOT_CHOWN", "value": "1"},
                {"name": "TZ", "value": "UTC"},
                {"name": "LANGFUSE_CLICKHOUSE_CONFIG", "value": SERVER_CONFIG},
            ],
            "secrets": [{"name": "CLICKHOUSE_PASSWORD", "valueFrom": "arn:secret"}],
            "mountPoints": [{"sourceVolume": "data", "containerPath": "/var/lib/clickhouse"}],
            "ulimits": [{"name": "nofile", "softLimit": 262144, "hardLimit": 262144}],
            "healthCheck": {
                "command": ["CMD-SHELL", "wget -q --spider http://127.0.0.1:8123/ping"]
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": LOG_GROUP,
                    "awslogs-stream-prefix": "clickhouse",
                    "awslogs-region": REGION,
                },
            },
        }
    ],
}


RESTORE_SQL = (
    "RESTORE DATABASE default AS drill FROM S3('https://langfuse-tt-clickhousebackups-1a2b3c"
    ".s3.eu-west-1.amazonaws.com/clickhouse-backups/20261130T020000Z-full/')"
)
"""The backup's whole database, restored as database drill (ClickHouse docs, backup and
restore: RESTORE DATABASE db AS other FROM S3('<url>'))."""


def put_backup(s3: Any, name: str, *, complete: bool) -> None:
    """A backup's files; ``.backup`` is written last, so only a complete backup has it."""
    s3.put_object(
        Bucket=BUCKET, Key=f"clickhouse-backups/{name}/data/default/traces/a.bin", Body=b"x"
    )
    if complete:
        s3.put_object(
            Bucket=BUCKET, Key=f"clickhouse-backups/{name}/.backup", Body=b"<config></config>"
        )


@pytest.fixture
def backups(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The backup bucket in moto: an older backup, BACKUP, and a newer one still being
    written (no .backup yet), so the newest complete one is BACKUP."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        put_backup(s3, "20261129T020000Z-full", complete=True)
        put_backup(s3, BACKUP.name, complete=True)
        put_backup(s3, "20261201T020000Z-incr", complete=False)
        yield s3


class Session:
    """What the drill asks of a boto3 session: clients by service name, and the region."""

    region_name = REGION

    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients = clients

    def client(self, service: str) -> Any:
        return self.clients[service]


def summary(logical: str, physical: str, kind: str) -> dict[str, Any]:
    return {
        "LogicalResourceId": logical,
        "PhysicalResourceId": physical,
        "ResourceType": kind,
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": "CREATE_COMPLETE",
    }


def stack_listing(client: Any, *, with_backups: bool = True, mode: str = "fargate") -> Stubber:
    """A main stack with ClickHouse in ``mode`` (fargate: an ECS service; ec2: an instance
    and its volume), with the backup bucket output or without."""
    server = (
        [summary("ClickHouseServiceCD2B94F8", SERVICE, "AWS::ECS::Service")]
        if mode == "fargate"
        else [
            summary("ClickHouseDataA1B2C3D4", "vol-0123", "AWS::EC2::Volume"),
            summary(
                "ClickHouseGroupE5F6A7B8",
                "Langfuse-tt-ClickHouseGroup",
                "AWS::AutoScaling::AutoScalingGroup",
            ),
        ]
    )
    stubber = Stubber(client)
    stubber.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                summary("Cluster", CLUSTER, "AWS::ECS::Cluster"),
                summary("WebServiceD04B5F3E", "arn:web", "AWS::ECS::Service"),
                *server,
                summary("ClickHouseBackupsBucket", BUCKET, "AWS::S3::Bucket"),
            ]
        },
        {"StackName": STACK},
    )
    outputs = [{"OutputKey": "ClickHouseBackupBucket", "OutputValue": BUCKET}]
    stubber.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": STACK,
                    "CreationTime": NOW,
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": outputs if with_backups else [],
                }
            ]
        },
        {"StackName": STACK},
    )
    return stubber


def task(status: str, *, exit_code: int | None = None, reason: str | None = None) -> dict[str, Any]:
    """A DescribeTasks task (API reference, Task and Container data types)."""
    container: dict[str, Any] = {"name": "clickhouse", "lastStatus": status, "taskArn": TASK}
    body: dict[str, Any] = {
        "taskArn": TASK,
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER}",
        "lastStatus": status,
        "desiredStatus": "STOPPED" if status == "STOPPED" else "RUNNING",
        "launchType": "FARGATE",
        "containers": [container],
    }
    if exit_code is not None:
        container["exitCode"] = exit_code
    if status == "STOPPED":
        body["stopCode"] = "EssentialContainerExited"
        body["stoppedReason"] = reason or "Essential container in task exited"
    return body


class Ecs:
    """The ECS calls of one drill, in order; what each returns is the test's choice."""

    def __init__(self) -> None:
        self.client = boto3.client("ecs", region_name=REGION)
        self.stubber = Stubber(self.client)
        self.registered: dict[str, Any] = {}

    def finds_the_server(self) -> Ecs:
        self.stubber.add_response(
            "describe_services",
            {
                "services": [
                    {
                        "serviceArn": SERVICE,
                        "taskDefinition": SERVER_TASK,
                        "networkConfiguration": {
                            "awsvpcConfiguration": {
                                "subnets": SUBNETS,
                                "securityGroups": [SECURITY_GROUP],
                                "assignPublicIp": "DISABLED",
                            }
                        },
                    }
                ],
                "failures": [],
            },
            {"cluster": CLUSTER, "services": [SERVICE]},
        )
        self.stubber.add_response(
            "describe_task_definition",
            {"taskDefinition": SERVER_DEFINITION},
            {"taskDefinition": SERVER_TASK},
        )
        return self

    def registers(self) -> Ecs:
        expected = scratch_task_definition(SERVER_DEFINITION, RESTORE_SQL)
        self.stubber.add_response(
            "register_task_definition",
            {"taskDefinition": {"taskDefinitionArn": SCRATCH_TASK_DEF}},
            expected,
        )
        return self

    def runs(self, *statuses: dict[str, Any]) -> Ecs:
        self.stubber.add_response(
            "run_task",
            {"tasks": [{"taskArn": TASK, "lastStatus": "PROVISIONING"}], "failures": []},
            {
                "cluster": CLUSTER,
                "taskDefinition": SCRATCH_TASK_DEF,
                "count": 1,
                "launchType": "FARGATE",
                "startedBy": "langfuse-restore-drill",
                "networkConfiguration": {
                    "awsvpcConfiguration": {
                        "subnets": SUBNETS,
                        "securityGroups": [SECURITY_GROUP],
                        "assignPublicIp": "DISABLED",
                    }
                },
            },
        )
        for status in statuses:
            self.stubber.add_response(
                "describe_tasks",
                {"tasks": [status], "failures": []},
                {"cluster": CLUSTER, "tasks": [TASK]},
            )
        return self

    def stops(self) -> Ecs:
        self.stubber.add_response(
            "stop_task",
            {"task": task("STOPPED", reason="restore drill ended")},
            {"cluster": CLUSTER, "task": TASK, "reason": "restore drill ended"},
        )
        return self

    def cleans_up(self) -> Ecs:
        self.stubber.add_response(
            "deregister_task_definition",
            {"taskDefinition": {"taskDefinitionArn": SCRATCH_TASK_DEF, "status": "INACTIVE"}},
            {"taskDefinition": SCRATCH_TASK_DEF},
        )
        self.stubber.add_response(
            "delete_task_definitions",
            {"taskDefinitions": [{"taskDefinitionArn": SCRATCH_TASK_DEF}], "failures": []},
            {"taskDefinitions": [SCRATCH_TASK_DEF]},
        )
        return self


STREAM = "restore-drill/clickhouse/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
"""awslogs names the stream prefix/container/task id (Amazon ECS developer guide, "Using the
awslogs log driver": awslogs-stream-prefix)."""


def log_stub(*pages: list[str]) -> tuple[Any, Stubber]:
    """CloudWatch Logs with the scratch task's stream in ``pages``, then the end of the stream:
    no events and the token it was asked with."""
    client = boto3.client("logs", region_name=REGION)
    stubber = Stubber(client)
    token = None
    for number, messages in enumerate([*pages, []]):
        request: dict[str, Any] = {
            "logGroupName": LOG_GROUP,
            "logStreamName": STREAM,
            "startFromHead": True,
        }
        if token:
            request["nextToken"] = token
        forward = token if number == len(pages) and token else f"f/{number}"
        stubber.add_response(
            "get_log_events",
            {
                "events": [{"timestamp": 1, "message": m, "ingestionTime": 2} for m in messages],
                "nextForwardToken": forward,
                "nextBackwardToken": "b/0",
            },
            request,
        )
        token = forward
    return client, stubber


def no_logs() -> tuple[Any, Stubber]:
    """CloudWatch Logs that nobody may read (a read finds no stubbed response)."""
    client = boto3.client("logs", region_name=REGION)
    return client, Stubber(client)


RESTORED = [
    "ClickHouse server version 26.4.4.38 started",  # the server's own lines come first
    "f7a1c2d3-0000-4000-8000-000000000001\tRESTORED",
    "DRILL-ROWS\tobservations\t1250000",
    "DRILL-ROWS\tschema_migrations\t31",
    "DRILL-ROWS\tscores\t4200",
    "DRILL-ROWS\ttraces\t98000",
    "DRILL-ROWS\tevent_log_view\t\\N",
]


def no_wait() -> Poll:
    clock = iter(range(0, 10_000, 15))
    return Poll(interval=15, timeout=600, sleep=lambda seconds: None, clock=lambda: next(clock))


@pytest.fixture
def cloudformation() -> Iterator[Any]:
    yield boto3.client("cloudformation", region_name=REGION)


def drill(
    cloudformation: Any, ecs: Ecs, logs: tuple[Any, Stubber], poll: Poll | None = None
) -> list[str]:
    """The drill, ClickHouse only, with every stub checked to be used up."""
    session = Session(
        {
            "cloudformation": cloudformation,
            "s3": boto3.client("s3", region_name=REGION),
            "ecs": ecs.client,
            "logs": logs[0],
        }
    )
    with stack_listing(cloudformation), ecs.stubber, logs[1]:
        try:
            return run(
                session, STACK, dry_run=False, now=NOW, only=["clickhouse"], poll=poll or no_wait()
            )
        finally:
            ecs.stubber.assert_no_pending_responses()
            logs[1].assert_no_pending_responses()


@pytest.mark.usefixtures("backups")
def test_restores_the_newest_backup_and_reports_each_tables_rows(
    cloudformation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ecs = Ecs().finds_the_server().registers()
    ecs.runs(task("PENDING"), task("RUNNING"), task("STOPPED", exit_code=0)).cleans_up()
    logs = log_stub(RESTORED[:3], [*RESTORED[3:], "DRILL-DONE"])
    assert drill(cloudformation, ecs, logs) == []
    out = capsys.readouterr().out
    assert f"backup {BACKUP.name} (full, taken 2026-11-30 02:00 UTC, 34 h old)" in out
    assert "  observations       1250000" in out
    assert "  traces             98000" in out
    assert "  event_log_view     -" in out  # a view keeps no row count (total_rows is NULL)
    assert "5 tables, 1352231 rows" in out


@pytest.mark.usefixtures("backups")
def test_a_failed_restore_says_why_and_leaves_nothing(cloudformation: Any) -> None:
    """The container exits 1 after printing ClickHouse's error; the task has stopped, so only
    the task definition is removed (deregistered, then deleted)."""
    ecs = Ecs().finds_the_server().registers()
    ecs.runs(task("RUNNING"), task("STOPPED", exit_code=1)).cleans_up()
    error = "DRILL-ERROR Code: 598. DB::Exception: Backup S3('...') not found. (BACKUP_NOT_FOUND)"
    logs = log_stub(["ClickHouse server version 26.4.4.38 started", error])
    with pytest.raises(DrillError, match=r"exit code 1\): Code: 598\..*BACKUP_NOT_FOUND"):
        drill(cloudformation, ecs, logs)


@pytest.mark.usefixtures("backups")
def test_a_task_that_never_started_reports_ecs_reason(cloudformation: Any) -> None:
    """No container ran (image pull failed): no log stream exists, the stopped reason says why."""
    ecs = Ecs().finds_the_server().registers()
    pulled = task("STOPPED", reason="CannotPullContainerError: pull access denied")
    pulled["stopCode"] = "TaskFailedToStart"
    ecs.runs(pulled).cleans_up()
    logs_client = boto3.client("logs", region_name=REGION)
    logs_stubber = Stubber(logs_client)
    logs_stubber.add_client_error(
        "get_log_events", "ResourceNotFoundException", "The specified log stream does not exist."
    )
    with pytest.raises(DrillError, match="CannotPullContainerError"):
        drill(cloudformation, ecs, (logs_client, logs_stubber))


@pytest.mark.usefixtures("backups")
def test_a_restore_that_takes_too_long_is_stopped_and_removed(cloudformation: Any) -> None:
    ecs = Ecs().finds_the_server().registers()
    running = [task("RUNNING") for _ in range(3)]
    ecs.runs(*running).stops().cleans_up()
    poll = Poll(
        interval=15,
        timeout=30,
        sleep=lambda seconds: None,
        clock=iter([0.0, 0.0, 15.0, 30.0]).__next__,
    )
    with pytest.raises(DrillError, match="did not finish in 0 min; it is stopped now"):
        drill(cloudformation, ecs, no_logs(), poll)


@pytest.mark.usefixtures("backups")
def test_ecs_refusing_to_start_the_task_still_removes_its_definition(cloudformation: Any) -> None:
    ecs = Ecs().finds_the_server().registers()
    ecs.stubber.add_response(
        "run_task",
        {"tasks": [], "failures": [{"reason": "RESOURCE:ENI", "detail": "no free addresses"}]},
        {
            "cluster": CLUSTER,
            "taskDefinition": SCRATCH_TASK_DEF,
            "count": 1,
            "launchType": "FARGATE",
            "startedBy": "langfuse-restore-drill",
            "networkConfiguration": ANY,
        },
    )
    ecs.cleans_up()
    with pytest.raises(DrillError, match="did not start the scratch task: RESOURCE:ENI"):
        drill(cloudformation, ecs, no_logs())


def test_no_backup_yet_is_a_clear_message_and_starts_nothing(
    cloudformation: Any, backups: Any
) -> None:
    for key in ("20261129T020000Z-full", BACKUP.name):  # only the unfinished one is left
        backups.delete_object(Bucket=BUCKET, Key=f"clickhouse-backups/{key}/.backup")
    with pytest.raises(DrillError, match=rf"No complete ClickHouse backup in s3://{BUCKET}/"):
        drill(cloudformation, Ecs(), no_logs())  # an ECS call would find no stubbed response


@pytest.mark.usefixtures("backups")
def test_a_restore_of_no_table_fails(cloudformation: Any) -> None:
    """Langfuse's database always has tables: a backup that restores none is no backup."""
    ecs = Ecs().finds_the_server().registers()
    ecs.runs(task("STOPPED", exit_code=0)).cleans_up()
    with pytest.raises(DrillError, match="restored no table"):
        drill(cloudformation, ecs, log_stub(["DRILL-DONE"]))


@pytest.mark.usefixtures("backups")
def test_dry_run_names_the_backup_and_runs_nothing(
    cloudformation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    session = Session(
        {"cloudformation": cloudformation, "s3": boto3.client("s3", region_name=REGION)}
    )
    with stack_listing(cloudformation):
        assert run(session, STACK, dry_run=True, now=NOW, only=["clickhouse"]) == []
    assert f"ClickHouse: backup {BACKUP.name}" in capsys.readouterr().out


def test_without_backups_only_clickhouse_says_why(cloudformation: Any) -> None:
    session = Session({"cloudformation": cloudformation})
    with (
        stack_listing(cloudformation, with_backups=False),
        pytest.raises(DrillError, match="no ClickHouse backups \\(no ClickHouseBackupBucket"),
    ):
        run(session, STACK, dry_run=True, now=NOW, only=["clickhouse"])


def test_clickhouse_is_drilled_by_default_when_the_stack_has_backups(
    cloudformation: Any,
) -> None:
    with stack_listing(cloudformation):
        stores = restore_drill.find_stores(cloudformation, STACK)
    assert restore_drill.parts_to_drill(stores, None, STACK) == ["clickhouse"]
    assert (stores.ecs_cluster, stores.clickhouse_service) == (CLUSTER, SERVICE)
    with stack_listing(cloudformation, with_backups=False):
        stores = restore_drill.find_stores(cloudformation, STACK)
    with pytest.raises(DrillError, match="no ClickHouse backups"):
        restore_drill.parts_to_drill(stores, None, STACK)


def test_mode_ec2_is_not_drilled_and_says_why(
    cloudformation: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """ClickHouse on EC2 has no ECS task definition to copy: asked for, the drill refuses;
    by default it says it skips ClickHouse rather than staying silent."""
    session = Session({"cloudformation": cloudformation})
    with (
        stack_listing(cloudformation, mode="ec2"),
        pytest.raises(DrillError, match=r"no ClickHouse server service.*mode ec2"),
    ):
        run(session, STACK, dry_run=True, now=NOW, only=["clickhouse"])
    with stack_listing(cloudformation, mode="ec2"), pytest.raises(DrillError, match="to drill"):
        run(session, STACK, dry_run=True, now=NOW)
    assert "ClickHouse: not drilled. " in capsys.readouterr().out


def test_the_scratch_server_is_the_servers_image_without_its_data_or_user() -> None:
    """Same image, roles, ARM64 size and server settings as the server; no EFS volume (its
    disk is Fargate ephemeral storage, at most 200 GiB: ECS task definition parameters,
    ephemeralStorage); the image's local default user instead of the server's langfuse user;
    its own log stream prefix in the server's log group."""
    definition = scratch_task_definition(SERVER_DEFINITION, "RESTORE ...")
    (container,) = definition["containerDefinitions"]
    assert container["image"] == "clickhouse/clickhouse-server:26.4.4.38"
    assert definition["taskRoleArn"] == SERVER_DEFINITION["taskRoleArn"]  # may read the bucket
    assert definition["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["ephemeralStorage"] == {"sizeInGiB": 200}
    assert "volumes" not in definition and "mountPoints" not in container
    assert "secrets" not in container
    variables = {v["name"]: v["value"] for v in container["environment"]}
    assert variables == {
        "TZ": "UTC",
        "LANGFUSE_CLICKHOUSE_CONFIG": SERVER_CONFIG,
        "DRILL_RESTORE_SQL": "RESTORE ...",
    }
    assert container["logConfiguration"]["options"] == {
        "awslogs-group": LOG_GROUP,
        "awslogs-stream-prefix": "restore-drill",
        "awslogs-region": REGION,
    }
    assert definition["family"] == "LangfusettClickHouseTask-restore-drill"


FAKE_CLIENT = """#!/bin/sh
# Stands in for clickhouse-client: records each --query and answers as ClickHouse does.
query=""
while [ $# -gt 0 ]; do
  case "$1" in --query) query="$2"; shift;; esac
  shift
done
printf '%s\\n' "$query" >> "$CALLS"
case "$query" in
  "SELECT 1") echo 1;;
  RESTORE*ASYNC) printf 'b0e5c1d2-0000-4000-8000-00000000000a\\tRESTORING\\n';;
  "SELECT status"*)
    polls=$(grep -c "^SELECT status" "$CALLS")
    if [ "$polls" -lt 2 ]; then echo RESTORING
    elif [ -n "${FAIL_RESTORE:-}" ]; then echo RESTORE_FAILED
    else echo RESTORED; fi;;
  "SELECT error"*) echo "Code: 598. DB::Exception: Backup not found. (BACKUP_NOT_FOUND)";;
  *system.tables*) printf 'DRILL-ROWS\\ttraces\\t3\\nDRILL-ROWS\\tscores\\t2\\n';;
esac
"""
FAKE_SLEEP = "#!/bin/sh\nexit 0\n"


def scratch(tmp_path: Path, **extra: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the scratch container's command with a stand-in clickhouse-client."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("clickhouse-client", FAKE_CLIENT), ("sleep", FAKE_SLEEP)):
        tool = bin_dir / name
        tool.write_text(body)
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls"
    environment = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "CALLS": str(calls),
        "DRILL_RESTORE_SQL": "RESTORE DATABASE default AS drill FROM S3('https://b/x/')",
        **extra,
    }
    result = subprocess.run(
        ["/bin/sh", "-c", scratch_script()],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    return result, calls.read_text().splitlines()


def test_the_scratch_command_restores_then_counts_the_drill_tables(tmp_path: Path) -> None:
    """The restore statement runs ASYNC and its status is polled until RESTORED
    (https://clickhouse.com/docs/operations/system-tables/backups); then each table's
    total_rows is read from system.tables (https://clickhouse.com/docs/operations/system-tables/tables:
    name, total_rows; NULL when the engine keeps no count)."""
    result, queries = scratch(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert queries[0] == "SELECT 1"  # waits for the server before restoring
    assert queries[1] == "RESTORE DATABASE default AS drill FROM S3('https://b/x/') ASYNC"
    assert [q for q in queries if q.startswith("SELECT status")] == [
        "SELECT status FROM system.backups WHERE id = {id:String}"
    ] * 2  # RESTORING, then RESTORED
    assert "FROM system.tables WHERE database = 'drill'" in queries[-1]
    lines = result.stdout.splitlines()
    assert lines[-3:] == ["DRILL-ROWS\ttraces\t3", "DRILL-ROWS\tscores\t2", "DRILL-DONE"]
    assert clickhouse_drill.restored_tables(lines) == [
        clickhouse_drill.TableRows("traces", 3),
        clickhouse_drill.TableRows("scores", 2),
    ]


def test_the_scratch_command_fails_with_clickhouses_error(tmp_path: Path) -> None:
    result, queries = scratch(tmp_path, FAIL_RESTORE="1")
    assert result.returncode == 1
    assert "DRILL-ERROR restore RESTORE_FAILED" in result.stdout
    assert "DRILL-ERROR Code: 598. DB::Exception: Backup not found." in result.stdout
    assert "DRILL-DONE" not in result.stdout
    assert not any("system.tables" in query for query in queries)  # nothing counted


def test_the_command_line_passes_only_to_the_drill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`langfuse-aws restore-drill tt --only clickhouse` drills ClickHouse alone, in the
    environment's main stack and region; an unknown part is refused before any AWS call."""
    asked: list[tuple[str, bool, Any]] = []

    def fake_run(session: Any, stack: str, dry_run: bool, **options: Any) -> list[str]:
        asked.append((stack, dry_run, options.get("only")))
        return []

    monkeypatch.setattr(restore_drill, "run", fake_run)
    (tmp_path / "tt.yaml").write_text(f"name: tt\nregion: {REGION}\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app_module.app, ["restore-drill", "tt", "--only", "clickhouse"])
    assert result.exit_code == 0, result.output
    assert asked == [(STACK, False, ["clickhouse"])]
    assert "Nothing is left to clean up." in result.output
    result = CliRunner().invoke(app_module.app, ["restore-drill", "tt", "--only", "redis"])
    assert result.exit_code == 1
    assert "--only redis: choose among aurora, efs, clickhouse" in result.output
    assert len(asked) == 1
