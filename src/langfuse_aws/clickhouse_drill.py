"""The ClickHouse part of the restore drill: the newest ClickHouse backup, restored into a
scratch server that runs once as a Fargate task, and the row count of every restored table.

The scratch task runs in the environment's private subnets, so the operator's machine cannot
reach it (no public address, no route in). It therefore does everything itself: its command
starts clickhouse-server in the background, runs the backup's ``RESTORE DATABASE default AS
drill FROM S3(...)`` with clickhouse-client, then prints one marked line per restored table
(``SELECT name, total_rows FROM system.tables WHERE database = 'drill'``). The drill reads those
lines back from the task's CloudWatch log stream and the container's exit code from ECS.

The task definition is registered by the drill from the ClickHouse server's own (same image,
roles, log group, ARM64 size and ClickHouse settings; no data volume, the scratch disk is the
task's ephemeral storage) and run with the server service's subnets and security group, which
already reach S3, the image registry and CloudWatch Logs. Whatever happens, the drill stops the
task and deletes the task definition it registered: nothing of it stays behind.
"""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import clickhouse_backups
from .clickhouse_backups import BackupLocation, BackupRef

BACKUP_BUCKET_OUTPUT = "ClickHouseBackupBucket"
"""Main-stack output: the bucket the scheduled ClickHouse backups go to."""

DRILL_DATABASE = "drill"
"""The database the scratch server restores the backup into."""

LOG_STREAM_PREFIX = "restore-drill"
"""awslogs stream prefix of the scratch task: its stream is ``restore-drill/<container>/<task
id>`` (Amazon ECS developer guide, "Using the awslogs log driver")."""

STARTED_BY = "langfuse-restore-drill"
SCRATCH_STORAGE_GIB = 200
"""Ephemeral storage of the scratch task: Fargate's maximum (21 to 200 GiB, task definition
parameter ephemeralStorage), so that a backup of up to about that size fits."""

ROWS_MARK = "DRILL-ROWS"
DONE_MARK = "DRILL-DONE"
ERROR_MARK = "DRILL-ERROR"
SERVER_START_SECONDS = 300
STATUS_POLL_SECONDS = 10

# Server settings the scratch server must not copy: it keeps the image's local default user.
USER_VARIABLES = {
    "CLICKHOUSE_USER",
    "CLICKHOUSE_PASSWORD",
    "CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT",
    "CLICKHOUSE_DO_NOT_CHOWN",
}


class ClickHouseDrillError(Exception):
    """The ClickHouse drill cannot run or failed; the message says why and what to do."""


def scratch_script() -> str:
    """The scratch container's shell command: config, server, RESTORE, row counts.

    clickhouse-client talks to the server on localhost as the image's ``default`` user, which
    the image keeps when no CLICKHOUSE_USER/PASSWORD is set (docker/server/entrypoint.sh of
    ClickHouse). The restore runs ASYNC and is polled in ``system.backups`` (status RESTORING,
    then RESTORED or RESTORE_FAILED: https://clickhouse.com/docs/operations/system-tables/backups)
    because clickhouse-client gives up on a long synchronous BACKUP or RESTORE while the server
    carries on (ClickHouse issue #61871). Exit 0 only when the restore and the count succeeded.
    """
    rows = (
        f"SELECT '{ROWS_MARK}', name, total_rows FROM system.tables "
        f"WHERE database = '{DRILL_DATABASE}' ORDER BY name FORMAT TabSeparated"
    )
    error = f"sed 's/^/{ERROR_MARK} /'"
    return "\n".join(
        [
            "set -u",
            'if [ -n "${LANGFUSE_CLICKHOUSE_CONFIG:-}" ]; then',
            "  printf '%s' \"$LANGFUSE_CLICKHOUSE_CONFIG\" > "
            "/etc/clickhouse-server/config.d/langfuse.xml",
            "fi",
            "/entrypoint.sh &",
            "tries=0",
            "until clickhouse-client --query 'SELECT 1' > /dev/null 2>&1; do",
            "  tries=$((tries + 1))",
            f'  if [ "$tries" -ge {SERVER_START_SECONDS} ]; then',
            f"    echo '{ERROR_MARK} clickhouse-server did not start in {SERVER_START_SECONDS} s'",
            "    exit 2",
            "  fi",
            "  sleep 1",
            "done",
            'if ! started=$(clickhouse-client --query "$DRILL_RESTORE_SQL ASYNC" 2>&1); then',
            f'  echo "$started" | {error}',
            "  exit 1",
            "fi",
            "id=${started%%[!0-9a-f-]*}",
            f'[ -n "$id" ] || {{ echo "{ERROR_MARK} no restore id in: $started"; exit 1; }}',
            "while :; do",
            '  status=$(clickhouse-client --param_id="$id" --query '
            f"{shlex.quote(clickhouse_backups.STATUS_SQL)}) || exit 1",
            '  case "$status" in',
            f"    RESTORING) sleep {STATUS_POLL_SECONDS} ;;",
            "    RESTORED) break ;;",
            f'    *) echo "{ERROR_MARK} restore $status"',
            '       clickhouse-client --param_id="$id" --query '
            f"{shlex.quote(clickhouse_backups.ERROR_SQL)} | {error}",
            "       exit 1 ;;",
            "  esac",
            "done",
            f'clickhouse-client --query "{rows}" || exit 1',
            f"echo {DONE_MARK}",
        ]
    )


def scratch_task_definition(server: dict[str, Any], restore_sql: str) -> dict[str, Any]:
    """RegisterTaskDefinition arguments of the scratch server, from the server's task
    definition ``server`` (a DescribeTaskDefinition ``taskDefinition``)."""
    container = next(c for c in server["containerDefinitions"] if c.get("essential", True))
    options = dict(container["logConfiguration"]["options"])
    options["awslogs-stream-prefix"] = LOG_STREAM_PREFIX
    environment = [
        variable
        for variable in container.get("environment", [])
        if variable["name"] not in USER_VARIABLES
    ]
    scratch: dict[str, Any] = {
        "name": container["name"],
        "image": container["image"],
        "essential": True,
        "entryPoint": ["/bin/sh", "-c"],
        "command": [scratch_script()],
        "environment": [*environment, {"name": "DRILL_RESTORE_SQL", "value": restore_sql}],
        "logConfiguration": {"logDriver": "awslogs", "options": options},
    }
    for key in ("ulimits", "repositoryCredentials"):
        if key in container:
            scratch[key] = container[key]
    definition: dict[str, Any] = {
        "family": f"{server['family']}-{LOG_STREAM_PREFIX}"[:255],
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": server.get("cpu", "2048"),
        "memory": server.get("memory", "8192"),
        "executionRoleArn": server["executionRoleArn"],
        "taskRoleArn": server["taskRoleArn"],
        "containerDefinitions": [scratch],
        "ephemeralStorage": {"sizeInGiB": SCRATCH_STORAGE_GIB},
        "tags": [{"key": "langfuse-restore-drill", "value": "true"}],
    }
    if "runtimePlatform" in server:
        definition["runtimePlatform"] = server["runtimePlatform"]
    return definition


@dataclass(frozen=True)
class TableRows:
    """One restored table and its row count (None: the engine keeps no count, e.g. a view)."""

    name: str
    rows: int | None


def restored_tables(lines: Iterable[str]) -> list[TableRows]:
    """The tables the scratch task reported (TabSeparated; NULL is ``\\N``)."""
    tables = []
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 3 and parts[0] == ROWS_MARK:
            tables.append(TableRows(parts[1], None if parts[2] == "\\N" else int(parts[2])))
    return tables


@dataclass(frozen=True)
class Poll:
    """How the drill waits for the scratch task: every ``interval`` seconds, at most
    ``timeout`` seconds (then it stops the task)."""

    interval: float = 15.0
    timeout: float = 4 * 3600.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)


@dataclass(frozen=True)
class ScratchPlace:
    """Where the scratch task runs: the server service's cluster, task definition and network."""

    cluster: str
    server_task_definition: dict[str, Any]
    subnets: list[str]
    security_groups: list[str]


def scratch_place(ecs: Any, cluster: str, service: str) -> ScratchPlace:
    """The ClickHouse server service's task definition, subnets and security groups."""
    described = ecs.describe_services(cluster=cluster, services=[service])["services"]
    if not described:
        raise ClickHouseDrillError(f"ECS service {service} is not in cluster {cluster}.")
    network = described[0].get("networkConfiguration", {}).get("awsvpcConfiguration")
    if not network:
        raise ClickHouseDrillError(
            f"ECS service {service} has no awsvpc network configuration to run the scratch "
            "server in."
        )
    definition = ecs.describe_task_definition(taskDefinition=described[0]["taskDefinition"])
    return ScratchPlace(
        cluster,
        definition["taskDefinition"],
        list(network["subnets"]),
        list(network.get("securityGroups", [])),
    )


def log_lines(logs: Any, group: str, stream: str) -> list[str]:
    """Every message of ``stream``, oldest first; none when the stream was never created (the
    task stopped before its container started)."""
    lines: list[str] = []
    token = None
    while True:
        request: dict[str, Any] = {
            "logGroupName": group,
            "logStreamName": stream,
            "startFromHead": True,
        }
        if token:
            request["nextToken"] = token
        try:
            page = logs.get_log_events(**request)
        except logs.exceptions.ResourceNotFoundException:
            return lines
        lines += [event["message"] for event in page["events"]]
        # GetLogEvents returns the token it was given once the end of the stream is reached.
        if not page["events"] or page.get("nextForwardToken") in (None, token):
            return lines
        token = page["nextForwardToken"]


def wait_stopped(ecs: Any, cluster: str, task_arn: str, poll: Poll) -> dict[str, Any]:
    """The task once its lastStatus is STOPPED; stops it and fails after ``poll.timeout``."""
    deadline = poll.clock() + poll.timeout
    while True:
        (task,) = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"]
        if task["lastStatus"] == "STOPPED":
            return dict(task)
        if poll.clock() >= deadline:
            raise ClickHouseDrillError(
                f"The scratch task {task_arn} did not finish in {poll.timeout / 60:.0f} min; "
                "it is stopped now. Its log stream says how far the restore got."
            )
        poll.sleep(poll.interval)


@dataclass(frozen=True)
class ClickHouseDrillResult:
    """What the drill restored: the backup and the row count of each table."""

    backup: BackupRef
    tables: list[TableRows]
    minutes: float

    def report(self) -> list[str]:
        """The lines the drill prints."""
        width = max((len(t.name) for t in self.tables), default=0)
        counted = [t.rows for t in self.tables if t.rows is not None]
        return [
            f"ClickHouse: RESTORE of backup {self.backup.name} into a scratch server succeeded "
            f"in {self.minutes:.0f} min; rows per table (database {DRILL_DATABASE}):",
            *(f"  {t.name.ljust(width)}  {'-' if t.rows is None else t.rows}" for t in self.tables),
            f"  {len(self.tables)} tables, {sum(counted)} rows. The scratch task is stopped "
            "and its task definition deleted.",
        ]


def age(taken_at: datetime, now: datetime) -> str:
    """How old a backup is, in hours (days past two days)."""
    hours = (now - taken_at).total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} h"


def newest(s3: Any, location: BackupLocation) -> BackupRef:
    """The newest complete backup at ``location``, or a clear error when there is none."""
    found = clickhouse_backups.newest_backup(s3, location)
    if found is None:
        raise ClickHouseDrillError(
            f"No complete ClickHouse backup in s3://{location.bucket}/{location.prefix} yet: "
            "the scheduled backup task writes the first one at its next run (run its task "
            "definition once by hand to have one now)."
        )
    return found


def run_scratch(
    ecs: Any, logs: Any, place: ScratchPlace, restore_sql: str, poll: Poll
) -> list[str]:
    """Register, run and wait for the scratch task; return its log lines. The task is stopped
    and its task definition deleted whatever happens."""
    definition = scratch_task_definition(place.server_task_definition, restore_sql)
    registered = ecs.register_task_definition(**definition)["taskDefinition"]
    definition_arn = registered["taskDefinitionArn"]
    task_arn = None
    stopped = False
    try:
        started = ecs.run_task(
            cluster=place.cluster,
            taskDefinition=definition_arn,
            count=1,
            launchType="FARGATE",
            startedBy=STARTED_BY,
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": place.subnets,
                    "securityGroups": place.security_groups,
                    "assignPublicIp": "DISABLED",
                }
            },
        )
        if not started["tasks"]:
            reasons = "; ".join(
                f"{f.get('reason', '?')} {f.get('detail', '')}".strip() for f in started["failures"]
            )
            raise ClickHouseDrillError(f"ECS did not start the scratch task: {reasons}.")
        task_arn = started["tasks"][0]["taskArn"]
        task = wait_stopped(ecs, place.cluster, task_arn, poll)
        stopped = True
        container = definition["containerDefinitions"][0]
        options = container["logConfiguration"]["options"]
        stream = f"{LOG_STREAM_PREFIX}/{container['name']}/{task_arn.rsplit('/', 1)[-1]}"
        lines = log_lines(logs, options["awslogs-group"], stream)
        (result,) = [c for c in task["containers"] if c["name"] == container["name"]]
        if result.get("exitCode") != 0 or DONE_MARK not in lines:
            errors = [line.removeprefix(ERROR_MARK).strip() for line in lines if ERROR_MARK in line]
            why = "; ".join(errors[-5:]) or task.get("stoppedReason", "no reason given")
            raise ClickHouseDrillError(
                f"The scratch ClickHouse did not restore the backup (exit code "
                f"{result.get('exitCode')}): {why}. Log stream: "
                f"{options['awslogs-group']} {stream}."
            )
        return lines
    finally:
        clean_up(ecs, place.cluster, None if stopped else task_arn, definition_arn)


def clean_up(ecs: Any, cluster: str, running_task: str | None, definition_arn: str) -> None:
    """Stop the scratch task (when it may still run) and delete its task definition
    (DeregisterTaskDefinition, then DeleteTaskDefinitions). A step that fails is printed with
    what to delete by hand; the others still run."""
    steps: list[tuple[str, Callable[[], object]]] = []
    if running_task is not None:
        steps.append(
            (
                f"aws ecs stop-task --cluster {cluster} --task {running_task}",
                lambda: ecs.stop_task(
                    cluster=cluster, task=running_task, reason="restore drill ended"
                ),
            )
        )
    steps += [
        (
            f"aws ecs deregister-task-definition --task-definition {definition_arn}",
            lambda: ecs.deregister_task_definition(taskDefinition=definition_arn),
        ),
        (
            f"aws ecs delete-task-definitions --task-definitions {definition_arn}",
            lambda: ecs.delete_task_definitions(taskDefinitions=[definition_arn]),
        ),
    ]
    for by_hand, call in steps:
        try:
            call()
        except Exception as error:  # every clean-up step runs; say what is left by hand
            print(f"Clean-up failed ({error}); run: {by_hand}", file=sys.stderr)


def drill_clickhouse(
    session: Any,
    *,
    bucket: str,
    cluster: str | None,
    service: str | None,
    dry_run: bool,
    now: datetime | None = None,
    poll: Poll | None = None,
) -> None:
    """Restore the newest backup in ``bucket`` into a scratch server and print the counts."""
    location = BackupLocation(bucket, session.region_name)
    backup = newest(session.client("s3"), location)
    moment = now or datetime.now(UTC)
    print(
        f"ClickHouse: backup {backup.name} ({backup.kind}, taken "
        f"{backup.taken_at:%Y-%m-%d %H:%M} UTC, {age(backup.taken_at, moment)} old) "
        "-> scratch server (one Fargate task)"
    )
    if dry_run:
        return
    if cluster is None or service is None:
        raise ClickHouseDrillError(
            "The stack has no ClickHouse server service: the scratch server takes its image, "
            "roles and network from it."
        )
    ecs = session.client("ecs")
    place = scratch_place(ecs, cluster, service)
    started = time.monotonic()
    sql = clickhouse_backups.restore_sql(location, backup.name, DRILL_DATABASE)
    lines = run_scratch(ecs, session.client("logs"), place, sql, poll or Poll())
    tables = restored_tables(lines)
    if not tables:
        raise ClickHouseDrillError(
            f"RESTORE of backup {backup.name} succeeded but restored no table: the backup is "
            "empty (Langfuse always has traces, observations and scores tables)."
        )
    result = ClickHouseDrillResult(backup, tables, (time.monotonic() - started) / 60)
    for line in result.report():
        print(line)
