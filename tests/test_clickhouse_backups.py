"""ClickHouse's own consistent backups of the Langfuse database: names, the full/incremental
rule, the SQL, the one-shot backup script and the daily loop around it, and a round trip on a
real ClickHouse engine.

Rules the expected values come from:

- ClickHouse's syntax: ``BACKUP DATABASE db TO S3('<endpoint>/<path>')``, ``SETTINGS base_backup
  = S3(...)`` for an incremental backup, ``ASYNC`` last, and ``RESTORE DATABASE db AS other FROM
  S3(...)`` naming only the newest backup of a chain (ClickHouse/ClickHouse
  docs/en/operations/backup_restore/00_overview.md, 02_s3_endpoint.md). No key in the statement:
  the server signs with its environment's credentials, the ECS task role among them
  (src/Backups/BackupIO_S3.cpp makeS3Client, src/IO/S3/Credentials.cpp).
- A backup is complete when its ``.backup`` file exists; an incremental backup's ``.backup``
  names its base in ``<base_backup>S3('<url>')</base_backup>`` before ``<contents>``
  (src/Backups/BackupImpl.cpp writeBackupMetadata).
- The status of an ASYNC backup is in system.backups: CREATING_BACKUP, then BACKUP_CREATED or
  BACKUP_FAILED (docs/en/operations/backup.md).
- clickhouse-client: ``--host``, ``--port``, ``--user``, ``--password``, ``--query``,
  ``--param_<name>``; batch output is TabSeparated (docs/en/interfaces/cli.md). A BACKUP ...
  ASYNC answers ``<id>\\t<status>``.
- The issue's naming and chain rule: ``<YYYYMMDDTHHMMSSZ>-full|incr``; full when no full backup
  is younger than 7 days or the chain is broken, else incremental on the newest backup.
- The issue's daily loop: a backup at ``hour_utc``:00 UTC each day, then one line
  ``LANGFUSE_CLICKHOUSE_BACKUP result=succeeded name=<backup>`` or
  ``LANGFUSE_CLICKHOUSE_BACKUP result=failed code=<status>``. On SIGTERM (15), the signal
  ``docker stop`` and ECS send first, it ends at once with 143 (128 + 15, the status a shell
  gives a command that signal ended).
- S3 lifecycle expiration adds the rule's days to the object's creation and rounds up to the
  next midnight UTC (S3 User Guide, "Lifecycle configuration elements").
- Langfuse's ClickHouse schema (langfuse/langfuse packages/shared/clickhouse/migrations/
  unclustered): traces, observations and scores are ReplacingMergeTree(event_ts, is_deleted)
  partitioned by month with bloom-filter indexes; events_core is filled from events_full by a
  materialized view (0041); analytics_* are views; golang-migrate keeps ``schema_migrations``
  (version Int64, dirty UInt8, sequence UInt64) as a MergeTree ORDER BY sequence in the same
  database (scripts/up.sh: x-migrations-table-engine=MergeTree). The tables below are shorter
  versions of those, with the same engines, keys, partitions and index kinds.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws

from backup_loop import Plan, Run, run_command, utc
from clickhouse_engine import ClickHouseEngine, S3Server, clickhouse, s3_server
from langfuse_aws.clickhouse_backups import (
    ERROR_SQL,
    STATUS_SQL,
    BackupChainBrokenError,
    BackupLocation,
    BackupRef,
    backup_name,
    backup_sql,
    base_choice_sql,
    choose_base,
    container_command,
    lifecycle_days,
    list_backups,
    newest_backup,
    next_backup,
    parse_backup_name,
    read_base,
    restore_chain,
    restore_sql,
    scheduled_backup_loop,
)

BUCKET = "lf-backups"
AWS = BackupLocation(BUCKET, "eu-west-1")
ROOT = "https://lf-backups.s3.eu-west-1.amazonaws.com/clickhouse-backups/"
NOW = datetime(2026, 12, 6, 3, 0, 0, tzinfo=UTC)


def at(days: float, kind: str = "incr") -> str:
    """The name of a backup taken ``days`` before NOW."""
    return backup_name(NOW - timedelta(days=days), "full" if kind == "full" else "incremental")


# --- names and the full/incremental rule -------------------------------------------------------


def test_names_are_the_utc_time_and_the_kind() -> None:
    taken = datetime(2026, 12, 6, 4, 30, 5, tzinfo=UTC)
    assert backup_name(taken, "full") == "20261206T043005Z-full"
    assert backup_name(taken, "incremental") == "20261206T043005Z-incr"
    in_paris = taken.astimezone(ZoneInfo("Europe/Paris"))
    assert backup_name(in_paris, "full") == "20261206T043005Z-full"
    assert parse_backup_name("20261206T043005Z-incr") == BackupRef(
        "20261206T043005Z-incr", "incremental", taken
    )
    with pytest.raises(ValueError, match="timezone"):
        backup_name(datetime(2026, 12, 6), "full")


@pytest.mark.parametrize(
    "name",
    [
        "20261206T043005Z",
        "20261206T043005Z-diff",
        "x20261206T043005Z-full",
        "20261399T000000Z-full",
    ],
)
def test_other_folders_are_not_backups(name: str) -> None:
    assert parse_backup_name(name) is None


@dataclass(frozen=True)
class Case:
    """Complete backups (name -> the base its .backup names) and the expected base."""

    backups: dict[str, str | None]
    base: str | None


RULE_CASES = {
    "nothing yet: full": Case({}, None),
    "full 2 days old: incremental on it": Case({at(2, "full"): None}, at(2, "full")),
    "incremental on the newest backup of the chain": Case(
        {at(3, "full"): None, at(2): at(3, "full"), at(1): at(2)}, at(1)
    ),
    "newest full 7 days old: full": Case({at(7, "full"): None, at(1): at(7, "full")}, None),
    "newest full 6.9 days old: incremental": Case(
        {at(6.9, "full"): None, at(1): at(6.9, "full")}, at(1)
    ),
    "a backup of the chain is gone: full": Case({at(3, "full"): None, at(1): at(2)}, None),
    "based on a backup before the newest full: full": Case(
        {at(5, "full"): None, at(4, "full"): None, at(1): at(5, "full")}, None
    ),
    "an older chain ending in the window does not matter": Case(
        {at(9, "full"): None, at(6.5): at(9, "full"), at(5, "full"): None, at(1): at(5, "full")},
        at(1),
    ),
    "an incremental backup that needed no base stands alone": Case(
        {at(3, "full"): None, at(1): None}, at(1)
    ),
}


@pytest.mark.parametrize("case", RULE_CASES.values(), ids=RULE_CASES.keys())
def test_full_weekly_else_incremental_on_the_newest_unbroken_backup(case: Case) -> None:
    assert choose_base(case.backups, NOW) == case.base
    name, base = next_backup(case.backups, NOW)
    assert (name, base) == (
        "20261206T030000Z-" + ("full" if case.base is None else "incr"),
        case.base,
    )


# --- SQL ------------------------------------------------------------------------------------------


def test_backup_sql_is_the_documented_syntax_without_keys() -> None:
    assert backup_sql(AWS, "20261206T030000Z-full", None) == (
        f"BACKUP DATABASE default TO S3('{ROOT}20261206T030000Z-full/')"
    )
    assert backup_sql(AWS, "20261206T030000Z-incr", "20261205T030000Z-full", run_async=True) == (
        f"BACKUP DATABASE default TO S3('{ROOT}20261206T030000Z-incr/') "
        f"SETTINGS base_backup = S3('{ROOT}20261205T030000Z-full/') ASYNC"
    )
    with pytest.raises(ValueError, match="not a backup name"):
        backup_sql(AWS, "latest", None)
    with pytest.raises(ValueError, match="database name"):
        backup_sql(AWS, "20261206T030000Z-full", None, database="default; DROP TABLE traces")


def test_restore_sql_restores_the_database_under_another_name() -> None:
    assert restore_sql(AWS, "20261206T030000Z-incr", "langfuse_drill") == (
        f"RESTORE DATABASE default AS langfuse_drill FROM S3('{ROOT}20261206T030000Z-incr/')"
    )
    assert restore_sql(AWS, "20261206T030000Z-incr", "default") == (
        f"RESTORE DATABASE default FROM S3('{ROOT}20261206T030000Z-incr/')"
    )
    # A template for people, and a name that would end the string: quoted, never executed as SQL.
    assert restore_sql(AWS, "<backup name>", "default").endswith("/<backup name>/')")
    assert restore_sql(AWS, "x') --", "default").endswith("/x\\') --/')")


def test_a_test_endpoint_uses_path_style_urls() -> None:
    local = BackupLocation(BUCKET, "us-east-1", prefix="p/", endpoint="http://127.0.0.1:5000/")
    assert (
        local.url("20261206T030000Z-full")
        == "http://127.0.0.1:5000/lf-backups/p/20261206T030000Z-full/"
    )
    with pytest.raises(ValueError, match="prefix"):
        BackupLocation(BUCKET, "us-east-1", prefix="no-slash")


def test_lifecycle_keeps_the_full_backup_of_every_backup_in_retention() -> None:
    """A backup in retention is at most retention days old and its full backup less than 7
    days older still; S3 deletes an object no sooner than the rule's days after creation."""
    assert lifecycle_days(30) == 37
    assert lifecycle_days(1) == 8
    with pytest.raises(ValueError):
        lifecycle_days(0)


# --- the bucket, read with boto3 -------------------------------------------------------------


def dot_backup(location: BackupLocation, base: str | None) -> bytes:
    """A .backup file as ClickHouse writes it (BackupImpl::writeBackupMetadata), shortened."""
    base_element = (
        f"<base_backup>S3('{location.url(base)}')</base_backup>"
        "<base_backup_uuid>d56fbb16-b136-4036-ab41-9eef578f61ee</base_backup_uuid>"
        if base
        else ""
    )
    return (
        "<config><version>1</version><deduplicate_files>1</deduplicate_files>"
        "<timestamp>2026-12-06 03:00:00</timestamp>"
        "<uuid>17549732-bcfc-449f-b650-20b5c5f5b09a</uuid>"
        f"{base_element}<contents><file><name>data/default/traces/all_1_1_0/checksums.txt</name>"
        "<size>267</size><use_base>true</use_base></file></contents></config>"
    ).encode()


def put_backup(
    s3: Any, location: BackupLocation, name: str, base: str | None, complete: bool = True
) -> None:
    """A backup's objects: a data file, and its .backup when it is complete."""
    s3.put_object(
        Bucket=location.bucket, Key=location.key(name, "data/default/traces/x.bin"), Body=b"x"
    )
    if complete:
        s3.put_object(
            Bucket=location.bucket, Key=location.key(name), Body=dot_backup(location, base)
        )


@pytest.fixture
def bucket() -> Iterator[Any]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield s3


def test_newest_backup_is_the_newest_complete_one(bucket: Any) -> None:
    assert newest_backup(bucket, AWS) is None
    put_backup(bucket, AWS, "20261204T030000Z-full", None)
    put_backup(bucket, AWS, "20261205T030000Z-incr", "20261204T030000Z-full")
    put_backup(bucket, AWS, "20261206T030000Z-incr", "20261205T030000Z-incr", complete=False)
    bucket.put_object(Bucket=BUCKET, Key="clickhouse-backups/notes/.backup", Body=b"x")
    bucket.put_object(Bucket=BUCKET, Key="elsewhere/20261207T030000Z-full/.backup", Body=b"x")
    assert newest_backup(bucket, AWS) == BackupRef(
        "20261205T030000Z-incr", "incremental", datetime(2026, 12, 5, 3, tzinfo=UTC)
    )
    assert [b.name for b in list_backups(bucket, AWS)] == [
        "20261204T030000Z-full",
        "20261205T030000Z-incr",
    ]


def test_restore_chain_follows_the_bases_back_to_the_full_backup(bucket: Any) -> None:
    put_backup(bucket, AWS, "20261204T030000Z-full", None)
    put_backup(bucket, AWS, "20261205T030000Z-incr", "20261204T030000Z-full")
    put_backup(bucket, AWS, "20261206T030000Z-incr", "20261205T030000Z-incr")
    assert read_base(bucket, AWS, "20261206T030000Z-incr") == "20261205T030000Z-incr"
    assert read_base(bucket, AWS, "20261204T030000Z-full") is None
    assert [b.name for b in restore_chain(bucket, AWS, "20261206T030000Z-incr")] == [
        "20261204T030000Z-full",
        "20261205T030000Z-incr",
        "20261206T030000Z-incr",
    ]


def test_restore_chain_names_the_missing_backup(bucket: Any) -> None:
    put_backup(bucket, AWS, "20261205T030000Z-incr", "20261204T030000Z-full")
    put_backup(bucket, AWS, "20261204T030000Z-full", None, complete=False)
    with pytest.raises(BackupChainBrokenError, match="20261204T030000Z-full is not complete"):
        restore_chain(bucket, AWS, "20261205T030000Z-incr")
    other = BackupLocation("other-bucket", "eu-west-1")
    bucket.put_object(
        Bucket=BUCKET,
        Key=AWS.key("20261206T030000Z-incr"),
        Body=dot_backup(other, "20261205T030000Z-incr"),
    )
    with pytest.raises(BackupChainBrokenError, match="elsewhere"):
        read_base(bucket, AWS, "20261206T030000Z-incr")


# --- the one-shot backup script, with a stand-in clickhouse-client ------------------------------

ID = "0e187005-538c-4e01-8734-ba343c9da93e"
HOST, PORT = "clickhouse-native", 9000


def run_task(tmp_path: Path, plan: Plan) -> Run:
    """Runs the one-shot command as a container would, at 2026-12-06 03:00:00 UTC."""
    return run_command(tmp_path, container_command(AWS, HOST, PORT), plan, clock=NOW)


CREATED = [(f"{ID}\tCREATING_BACKUP\n", 0)]
FULL = f"BACKUP DATABASE default TO S3('{ROOT}20261206T030000Z-full/') ASYNC"
INCREMENTAL = (
    f"BACKUP DATABASE default TO S3('{ROOT}20261206T030000Z-incr/') "
    f"SETTINGS base_backup = S3('{ROOT}20261205T030000Z-incr/') ASYNC"
)


@pytest.mark.parametrize("shell", ["dash", "bash"])
@pytest.mark.parametrize("kind", ["one-shot", "loop"])
def test_task_script_is_valid_sh(shell: str, kind: str) -> None:
    """dash is /bin/sh in the clickhouse-server image (Ubuntu); bash for the hosts."""
    command = (
        container_command(AWS, HOST, PORT)
        if kind == "one-shot"
        else scheduled_backup_loop(AWS, HOST, PORT, 3)
    )
    assert command[:2] == ["/bin/sh", "-c"]
    assert shutil.which(shell), shell
    checked = subprocess.run(
        [shell, "-n", "-c", command[2]], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_task_takes_a_full_backup_when_told_no_base(tmp_path: Path) -> None:
    run = run_task(tmp_path, {
        "choose": [("\n", 0)],
        "backup": CREATED,
        "status": [("CREATING_BACKUP\n", 0), ("BACKUP_CREATED\n", 0)],
    })  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.queries() == [base_choice_sql(AWS), FULL, STATUS_SQL, "sleep 60", STATUS_SQL]
    for call in (c for c in run.calls if c[0] != "sleep"):
        assert call[:8] == [
            "--host",
            HOST,
            "--port",
            "9000",
            "--user",
            "langfuse",
            "--password",
            "pass word",
        ]
    assert run.calls[2][8] == f"--param_id={ID}"


def test_task_takes_an_incremental_backup_on_the_base_it_is_told(tmp_path: Path) -> None:
    run = run_task(tmp_path, {
        "choose": [("20261205T030000Z-incr\n", 0)],
        "backup": CREATED,
        "status": [("BACKUP_CREATED\n", 0)],
    })  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.queries() == [base_choice_sql(AWS), INCREMENTAL, STATUS_SQL]


def test_task_takes_a_full_backup_when_the_incremental_one_fails(tmp_path: Path) -> None:
    run = run_task(tmp_path, {
        "choose": [("20261205T030000Z-incr\n", 0)],
        "backup": CREATED + CREATED,
        "status": [("BACKUP_FAILED\n", 0), ("BACKUP_CREATED\n", 0)],
        "error": [("Code: 599. Backup ... not found. (BACKUP_NOT_FOUND)\n", 0)],
    })  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.queries() == [
        base_choice_sql(AWS),
        INCREMENTAL,
        STATUS_SQL,
        ERROR_SQL,
        FULL,
        STATUS_SQL,
    ]
    assert "BACKUP_NOT_FOUND" in run.stderr


FAILURES = {
    "the full backup fails": (
        {
            "choose": [("\n", 0)],
            "backup": CREATED,
            "status": [("BACKUP_FAILED\n", 0)],
            "error": [("boom\n", 0)],
        },
        ["choose", FULL, STATUS_SQL, ERROR_SQL],
    ),
    "the server refuses the BACKUP": (
        {"choose": [("\n", 0)], "backup": [("", 1)]},
        ["choose", FULL],
    ),
    "incremental and then full fail": (
        {
            "choose": [("20261205T030000Z-incr\n", 0)],
            "backup": [*CREATED, ("", 1)],
            "status": [("BACKUP_FAILED\n", 0)],
            "error": [("x\n", 0)],
        },
        ["choose", INCREMENTAL, STATUS_SQL, ERROR_SQL, FULL],
    ),
    "the backup vanished (server restarted)": (
        {"choose": [("20261205T030000Z-incr\n", 0)], "backup": CREATED, "status": [("", 0)]},
        ["choose", INCREMENTAL, STATUS_SQL],
    ),
    "the server cannot be asked for the status": (
        {"choose": [("\n", 0)], "backup": CREATED, "status": [("", 1)]},
        ["choose", FULL, STATUS_SQL],
    ),
    "the bucket cannot be listed": ({"choose": [("", 1)]}, ["choose"]),
    "a base that is no backup name": ({"choose": [("x'; DROP\n", 0)]}, ["choose"]),
}


@pytest.mark.parametrize(("plan", "queries"), FAILURES.values(), ids=FAILURES.keys())
def test_task_exits_non_zero_when_no_backup_was_made(
    tmp_path: Path, plan: dict[str, list[tuple[str, int]]], queries: list[str]
) -> None:
    """The exit code is what the alarm sees; an unknown outcome never starts a second backup."""
    run = run_task(tmp_path, plan)
    assert run.code != 0
    assert run.queries() == [base_choice_sql(AWS) if q == "choose" else q for q in queries]


# --- the daily loop next to the server ----------------------------------------------------------

SUCCEEDED = "LANGFUSE_CLICKHOUSE_BACKUP result=succeeded name="
FAILED = "LANGFUSE_CLICKHOUSE_BACKUP result=failed code="
DAY = 86400


def run_loop(tmp_path: Path, plan: Plan, hour: int, start: str, until: str) -> Run:
    """The loop from ``start`` until a sleep reaches ``until`` (then SIGTERM, as ECS stops it)."""
    command = scheduled_backup_loop(AWS, HOST, PORT, hour)
    return run_command(tmp_path, command, plan, clock=utc(start), until=utc(until))


def results(run: Run) -> list[str]:
    return [line for line in run.stdout.splitlines() if line.startswith("LANGFUSE_CLICKHOUSE")]


SLEEPS = {
    # case: (hour_utc, started at, seconds it sleeps first)
    "a second before the hour": (3, "2026-12-06 02:59:59", 1),
    "on the hour: the next day's": (3, "2026-12-06 03:00:00", DAY),
    "a second after the hour": (3, "2026-12-06 03:00:01", DAY - 1),
    "midnight, hour 23": (23, "2026-12-06 00:00:00", 23 * 3600),
    "half past eleven at night, hour 0": (0, "2026-12-06 23:30:00", 30 * 60),
}


@pytest.mark.parametrize(("hour", "start", "seconds"), SLEEPS.values(), ids=SLEEPS.keys())
def test_loop_sleeps_until_the_next_backup_hour_utc(
    tmp_path: Path, hour: int, start: str, seconds: int
) -> None:
    """Stopped during its first sleep: it asked the server nothing, reported nothing, and ends
    with 143 (128 + SIGTERM) at once rather than ignoring the signal."""
    until = (utc(start) + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    run = run_loop(tmp_path, {}, hour, start, until)
    assert run.calls == [["sleep", str(seconds)]]
    assert results(run) == []
    assert run.code == 143, run.stderr


CREATED_NOW = [("BACKUP_CREATED\n", 0)]
NIGHTS = {
    "a full backup": (
        {"choose": [("\n", 0)], "backup": CREATED, "status": CREATED_NOW},
        SUCCEEDED + "20261206T030000Z-full",
    ),
    "an incremental backup": (
        {"choose": [("20261205T030000Z-incr\n", 0)], "backup": CREATED, "status": CREATED_NOW},
        SUCCEEDED + "20261206T030000Z-incr",
    ),
    "the incremental one failed, the full one made": (
        {
            "choose": [("20261205T030000Z-incr\n", 0)],
            "backup": CREATED + CREATED,
            "status": [("BACKUP_FAILED\n", 0), ("BACKUP_CREATED\n", 0)],
            "error": [("x\n", 0)],
        },
        SUCCEEDED + "20261206T030000Z-full",
    ),
    "ClickHouse failed the backup": (
        {"choose": [("\n", 0)], "backup": CREATED, "status": [("BACKUP_FAILED\n", 0)]},
        FAILED + "1",
    ),
    "ClickHouse not answering": ({"choose": [("", 1)]}, FAILED + "1"),
    "the outcome unknown": (
        {"choose": [("\n", 0)], "backup": CREATED, "status": [("", 1)]},
        FAILED + "2",
    ),
}


@pytest.mark.parametrize(("plan", "line"), NIGHTS.values(), ids=NIGHTS.keys())
def test_loop_reports_each_backup_on_one_line(tmp_path: Path, plan: Plan, line: str) -> None:
    """One line per backup, the name of the backup made or the script's status, then a sleep
    until the next day's hour."""
    run = run_loop(tmp_path, plan, 3, "2026-12-06 02:59:59", "2026-12-07 00:00:00")
    assert results(run) == [line]
    assert run.sleeps()[0] == 1
    assert run.sleeps()[-1] == DAY - sum(run.sleeps()[1:-1])
    assert run.code == 143, run.stderr


def test_loop_carries_on_after_a_failed_night(tmp_path: Path) -> None:
    """Night one makes a full backup (polled once a minute); night two's incremental backup
    and the full one after it fail; the loop sleeps on to night three."""
    plan: Plan = {
        "choose": [("\n", 0), ("20261206T030000Z-full\n", 0)],
        "backup": [*CREATED, *CREATED, ("", 1)],
        "status": [("CREATING_BACKUP\n", 0), ("BACKUP_CREATED\n", 0), ("BACKUP_FAILED\n", 0)],
        "error": [("boom\n", 0)],
    }
    run = run_loop(tmp_path, plan, 3, "2026-12-06 02:00:00", "2026-12-08 02:00:00")
    assert results(run) == [SUCCEEDED + "20261206T030000Z-full", FAILED + "1"]
    assert run.sleeps() == [3600, 60, DAY - 60, DAY]
    night_two = (
        f"BACKUP DATABASE default TO S3('{ROOT}20261207T030000Z-incr/') "
        f"SETTINGS base_backup = S3('{ROOT}20261206T030000Z-full/') ASYNC"
    )
    assert night_two in run.queries()
    assert f"BACKUP DATABASE default TO S3('{ROOT}20261207T030000Z-full/') ASYNC" in run.queries()
    assert run.code == 143, run.stderr


@pytest.mark.parametrize("hour", [-1, 24])
def test_loop_hour_is_an_hour_of_the_day(hour: int) -> None:
    with pytest.raises(ValueError, match="0 to 23"):
        scheduled_backup_loop(AWS, HOST, PORT, hour)


# --- a real ClickHouse --------------------------------------------------------------------------

LANGFUSE_LIKE_SCHEMA = [
    """CREATE TABLE default.schema_migrations (version Int64, dirty UInt8, sequence UInt64)
    ENGINE = MergeTree ORDER BY sequence""",
    """CREATE TABLE default.traces (
        id String, timestamp DateTime64(3), name String, project_id String,
        metadata Map(LowCardinality(String), String), input Nullable(String) CODEC(ZSTD(3)),
        event_ts DateTime64(3), is_deleted UInt8,
        INDEX idx_id id TYPE bloom_filter(0.001) GRANULARITY 1
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(timestamp)
    PRIMARY KEY (project_id, toDate(timestamp)) ORDER BY (project_id, toDate(timestamp), id)""",
    """CREATE TABLE default.observations (
        id String, trace_id String, project_id String, type LowCardinality(String),
        start_time DateTime64(3), cost_details Map(LowCardinality(String), Decimal64(12)),
        event_ts DateTime64(3), is_deleted UInt8,
        INDEX idx_trace_id trace_id TYPE bloom_filter() GRANULARITY 1
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(start_time)
    PRIMARY KEY (project_id, type, toDate(start_time))
    ORDER BY (project_id, type, toDate(start_time), id)""",
    """CREATE TABLE default.scores (
        id String, timestamp DateTime64(3), project_id String, trace_id String, name String,
        value Float64, event_ts DateTime64(3), is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(timestamp)
    PRIMARY KEY (project_id, toDate(timestamp), name)
    ORDER BY (project_id, toDate(timestamp), name, id)""",
    """CREATE TABLE default.events_full (project_id String, span_id String, input String,
    start_time DateTime64(6), event_ts DateTime64(6), is_deleted UInt8)
    ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(start_time)
    ORDER BY (project_id, span_id)""",
    """CREATE TABLE default.events_core (project_id String, span_id String, input String,
    start_time DateTime64(6), event_ts DateTime64(6), is_deleted UInt8)
    ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(start_time)
    ORDER BY (project_id, span_id)""",
    """CREATE MATERIALIZED VIEW default.events_core_mv TO default.events_core AS
    SELECT project_id, span_id, leftUTF8(input, 200) AS input, start_time, event_ts, is_deleted
    FROM default.events_full""",
    """CREATE VIEW default.analytics_scores AS SELECT project_id,
    toStartOfHour(timestamp) AS hour, uniq(id) AS countScores FROM default.scores
    GROUP BY project_id, hour""",
]
TABLES = ["schema_migrations", "traces", "observations", "scores", "events_full", "events_core"]


def insert_batch(
    engine: ClickHouseEngine, batch: int, traces: int, observations: int, scores: int, events: int
) -> None:
    """Rows with ids unique to ``batch`` (so no merge folds them), over two months."""
    engine.query(f"INSERT INTO default.schema_migrations VALUES ({45 + batch}, 0, {batch})")
    engine.query(
        f"INSERT INTO default.traces SELECT 'b{batch}-t' || toString(number), "
        "toDateTime64('2026-11-30 12:00:00', 3) + number * 86400, 'chat', 'p1', map('k', 'v'), "
        f"'hello', now64(3), 0 FROM numbers({traces})"
    )
    engine.query(
        f"INSERT INTO default.observations SELECT 'b{batch}-o' || toString(number), 't1', 'p1', "
        "'GENERATION', toDateTime64('2026-12-01 00:00:00', 3), map('total', toDecimal64(0.5, 12)), "
        f"now64(3), 0 FROM numbers({observations})"
    )
    engine.query(
        f"INSERT INTO default.scores SELECT 'b{batch}-s' || toString(number), "
        f"toDateTime64('2026-12-01 00:00:00', 3), 'p1', 't1', 'quality', 1, now64(3), 0 "
        f"FROM numbers({scores})"
    )
    engine.query(
        f"INSERT INTO default.events_full SELECT 'p1', 'b{batch}-e' || toString(number), "
        f"repeat('x', 300), now64(6), now64(6), 0 FROM numbers({events})"
    )


def hours_ago(hours: int, kind: Literal["full", "incremental"]) -> str:
    return backup_name(datetime.now(UTC) - timedelta(hours=hours), kind)


def shifted(name: str, shift: timedelta) -> str:
    """Backup ``name`` as if taken ``shift`` later."""
    ref = parse_backup_name(name)
    assert ref is not None, name
    return backup_name(ref.taken_at + shift, ref.kind)


@dataclass
class Engine:
    clickhouse: ClickHouseEngine
    s3: S3Server

    def location(self, prefix: str) -> BackupLocation:
        return BackupLocation(BUCKET, "us-east-1", prefix=prefix, endpoint=self.s3.endpoint)

    def wait(self, started: str) -> str:
        """What the task does: poll system.backups for an ASYNC backup's final status."""
        backup_id = started.split("\t")[0]
        for _ in range(600):
            status = self.clickhouse.query(STATUS_SQL, {"id": backup_id})
            if status != "CREATING_BACKUP":
                return status
            time.sleep(0.05)
        raise AssertionError(f"backup {backup_id} still running")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with s3_server() as s3, clickhouse(tmp_path_factory.mktemp("clickhouse")) as ch:
        s3.client.create_bucket(Bucket=BUCKET)
        for statement in LANGFUSE_LIKE_SCHEMA:
            ch.query(statement)
        yield Engine(ch, s3)


@pytest.mark.slow
def test_round_trip_full_then_incremental_then_restore(engine: Engine) -> None:
    """Full backup, more rows, an incremental backup on the base the task's query chooses,
    then RESTORE of the newest into another database: every table has all its rows, the
    migration state came along, and the restored materialized view feeds the restored table."""
    ch, location = engine.clickhouse, engine.location("round-trip/")
    full, incremental = hours_ago(2, "full"), hours_ago(1, "incremental")
    insert_batch(ch, 1, traces=3, observations=4, scores=2, events=2)
    assert ch.query(backup_sql(location, full, None)).endswith("\tBACKUP_CREATED")
    insert_batch(ch, 2, traces=2, observations=3, scores=2, events=1)
    assert ch.query(base_choice_sql(location)) == full
    started = ch.query(backup_sql(location, incremental, full, run_async=True))
    assert started.endswith("\tCREATING_BACKUP")
    assert engine.wait(started) == "BACKUP_CREATED"
    assert ch.query(base_choice_sql(location)) == incremental

    assert ch.query(restore_sql(location, incremental, "restored")).endswith("\tRESTORED")
    assert ch.query(restore_sql(location, full, "restored_full")).endswith("\tRESTORED")
    print("restored from", incremental, ch.counts("restored", TABLES))
    print("restored from", full, ch.counts("restored_full", TABLES))
    assert ch.counts("restored", TABLES) == {
        "schema_migrations": 2, "traces": 5, "observations": 7, "scores": 4,
        "events_full": 3, "events_core": 3,
    }  # fmt: skip
    assert ch.counts("restored_full", TABLES) == {
        "schema_migrations": 1, "traces": 3, "observations": 4, "scores": 2,
        "events_full": 2, "events_core": 2,
    }  # fmt: skip
    assert ch.query("SELECT max(version) FROM restored.schema_migrations") == "47"
    assert ch.query("SELECT sum(countScores) FROM restored.analytics_scores") == "4"
    ch.query("INSERT INTO restored.events_full VALUES ('p1', 'new', 'x', now64(6), now64(6), 0)")
    assert ch.counts("restored", ["events_core"]) == {"events_core": 4}
    assert ch.counts("default", ["events_core"]) == {"events_core": 3}

    s3 = engine.s3.client
    assert newest_backup(s3, location) == parse_backup_name(incremental)
    assert [b.name for b in restore_chain(s3, location, incremental)] == [full, incremental]


@pytest.mark.slow
def test_an_incremental_backup_cannot_be_restored_without_its_full_one(engine: Engine) -> None:
    """Why the lifecycle keeps a chain whole: with the full backup's files gone, ClickHouse
    refuses the restore (BACKUP_NOT_FOUND), restore_chain says which one is missing, and the
    task's query chooses a full backup next."""
    ch, s3, location = engine.clickhouse, engine.s3.client, engine.location("broken/")
    full, incremental = hours_ago(2, "full"), hours_ago(1, "incremental")
    ch.query(backup_sql(location, full, None))
    ch.query(backup_sql(location, incremental, full))
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=location.key(full, "")
    ):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    with pytest.raises(Exception, match="BACKUP_NOT_FOUND"):
        ch.query(restore_sql(location, incremental, "never_restored"))
    with pytest.raises(BackupChainBrokenError, match=full):
        restore_chain(s3, location, incremental)
    assert ch.query(base_choice_sql(location)) == ""


@pytest.mark.slow
@pytest.mark.parametrize("case", RULE_CASES.values(), ids=RULE_CASES.keys())
def test_the_task_query_chooses_as_the_rule_does(engine: Engine, case: Case) -> None:
    """base_choice_sql, run by ClickHouse on .backup files in S3, gives choose_base's answer;
    the names are made relative to the engine's clock (now), like the task's."""
    now = datetime.now(UTC)
    names = set(case.backups) | {b for b in case.backups.values() if b}
    rename = {n: shifted(n, now - NOW) for n in names}
    backups = {rename[n]: (rename[b] if b else None) for n, b in case.backups.items()}
    location = engine.location(f"rule-{abs(hash(tuple(sorted(backups.items()))))}/")
    for name, base in backups.items():
        put_backup(engine.s3.client, location, name, base)
    put_backup(
        engine.s3.client,
        location,
        backup_name(now - timedelta(hours=1), "incremental"),
        None,
        complete=False,
    )
    expected = rename[case.base] if case.base else ""
    assert engine.clickhouse.query(base_choice_sql(location)) == expected
    assert (choose_base(backups, now) or "") == expected
