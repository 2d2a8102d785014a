"""ClickHouse's own consistent backups of the Langfuse database: names, chains, SQL, and the
commands that take backups (one now, or one every day next to the server).

What ClickHouse does, and where that is written (repository ClickHouse/ClickHouse unless said):

* Syntax: ``BACKUP DATABASE db TO S3('<endpoint>/<path>'[, key, secret]) [SETTINGS base_backup =
  S3(...)] [ASYNC]`` and ``RESTORE DATABASE db [AS other] FROM S3(...)``
  (docs/en/operations/backup_restore/00_overview.md "General syntax"; 02_s3_endpoint.md "Take an
  incremental backup", "Restore from the incremental backup": restore names only the newest
  backup, ClickHouse reads its bases itself).
* Credentials: with no key in ``S3(...)`` the *server* signs its requests with its environment's
  credentials, ``s3.use_environment_credentials`` defaulting to true (src/Backups/BackupIO_S3.cpp,
  makeS3Client), and that chain includes the ECS task role through
  ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` (src/IO/S3/Credentials.cpp,
  S3CredentialsProviderChain). So no key is ever written into SQL, and it is the ClickHouse
  server's role that reads and writes the bucket; the backup commands only talk to the server.
* Completeness: a backup's ``.backup`` metadata file, at the root of its destination, is written
  last, when the backup is finalized; a failed backup removes what it wrote; a backup without
  ``.backup`` cannot be read (BACKUP_NOT_FOUND) (src/Backups/BackupImpl.cpp:
  writeBackupMetadata, removeAllFilesAfterFailure, readBackupMetadata). A server killed
  mid-backup leaves files without ``.backup``: such a backup is incomplete and ignored here.
* Chains: an incremental backup stores only what changed since its base and names the base in
  its ``.backup`` (``<base_backup>S3('...')</base_backup>``); restoring it reads the base, and the
  base's base (BackupImpl::open). Every backup of a chain must exist. ClickHouse does not check a
  base's own chain when it writes an incremental backup (chdb-core 26.9 creates an incremental on
  a backup whose base was deleted, and that backup cannot be restored), so the task checks it.
* Long backups: clickhouse-client gives up on a synchronous BACKUP after its receive timeout
  while the server carries on (ClickHouse issues #61871, #73981), so the task starts the backup
  ASYNC and polls ``system.backups`` (docs/en/operations/backup.md, checking a backup's status:
  CREATING_BACKUP, then BACKUP_CREATED or BACKUP_FAILED).

What Langfuse keeps in ClickHouse (langfuse/langfuse packages/shared/clickhouse/scripts/up.sh and
migrations/unclustered): every table, view and materialized view is in one database,
CLICKHOUSE_DB (default ``default``), and golang-migrate records the schema version in
``schema_migrations`` in that same database (a MergeTree: ``x-migrations-table-engine=MergeTree``).
A ``BACKUP DATABASE`` therefore carries the migration state with the data: a restored database
neither re-runs nor skips a migration.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import ClientError

LANGFUSE_DATABASE = "default"
"""The ClickHouse database Langfuse writes (CLICKHOUSE_DB, default ``default``)."""

BACKUP_PREFIX = "clickhouse-backups/"
"""Key prefix of ClickHouse backups in their bucket."""

FULL_BACKUP_EVERY_DAYS = 7
"""A full backup is taken when the newest complete full backup is this many days old or older,
so a chain (one full backup and the incremental ones on it) spans less than this many days."""

POLL_SECONDS = 60
"""How often the backup task asks the server whether its backup has finished."""

RESULT_MARKER = "LANGFUSE_CLICKHOUSE_BACKUP"
"""The first word of the line the scheduled loop prints after each backup."""

SUCCEEDED_LINE = f"{RESULT_MARKER} result=succeeded"
"""How the line of a backup ClickHouse made starts (`` name=<backup name>`` follows)."""

FAILED_LINE = f"{RESULT_MARKER} result=failed"
"""How the line of a backup that was not made starts (`` code=<status>`` follows)."""

METADATA_FILE = ".backup"
"""The file ClickHouse writes last at the root of a backup: there only when it is complete."""

STATUS_SQL = "SELECT status FROM system.backups WHERE id = {id:String}"
"""The status of the backup with id ``{id}`` (a query parameter: clickhouse-client --param_id)."""

ERROR_SQL = "SELECT error FROM system.backups WHERE id = {id:String}"
"""Why the backup with id ``{id}`` failed."""

_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"(\d{8}T\d{6}Z)-(full|incr)")
# The same pattern for ClickHouse's re2 without backslashes (they would need escaping in SQL).
_SQL_NAME = "[0-9]{8}T[0-9]{6}Z-(?:full|incr)"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BASE_ELEMENT = re.compile(r"<base_backup>(.*?)</base_backup>", re.DOTALL)
_S3_URL = re.compile(r"S3\('([^']*)'")
_HEAD_BYTES = 65536
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


class BackupChainBrokenError(LookupError):
    """A backup, or a backup it is incremental on, is not (completely) in the bucket."""


@dataclass(frozen=True)
class BackupLocation:
    """Where backups go: a bucket, its region and the key prefix.

    ``bucket`` and ``region`` may be CDK tokens: they are only ever placed inside quoted strings.
    ``endpoint`` is for an S3-compatible server (path-style URLs, e.g. a local test server);
    None means AWS's own virtual-hosted URL.
    """

    bucket: str
    region: str
    prefix: str = BACKUP_PREFIX
    endpoint: str | None = None

    def __post_init__(self) -> None:
        if self.prefix and (self.prefix.startswith("/") or not self.prefix.endswith("/")):
            raise ValueError(
                f"a key prefix ends with '/' and does not start with one: {self.prefix!r}"
            )
        if "'" in self.prefix or "\\" in self.prefix:
            raise ValueError(f"a key prefix has no quote or backslash: {self.prefix!r}")

    @property
    def root(self) -> str:
        """The URL every backup's URL starts with."""
        if self.endpoint is None:
            return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{self.prefix}"
        return f"{self.endpoint.rstrip('/')}/{self.bucket}/{self.prefix}"

    def url(self, name: str) -> str:
        """The S3 URL ClickHouse writes backup ``name`` to."""
        return f"{self.root}{name}/"

    def key(self, name: str, file: str = METADATA_FILE) -> str:
        """The object key of ``file`` in backup ``name``."""
        return f"{self.prefix}{name}/{file}"


@dataclass(frozen=True)
class BackupRef:
    """One backup found in the bucket."""

    name: str
    kind: Literal["full", "incremental"]
    taken_at: datetime


def backup_name(taken_at: datetime, kind: Literal["full", "incremental"]) -> str:
    """``<YYYYMMDDTHHMMSSZ>-full`` or ``-incr``: names sort by the time they were taken (UTC)."""
    if taken_at.tzinfo is None:
        raise ValueError("a backup's time is timezone-aware")
    suffix = "full" if kind == "full" else "incr"
    return f"{taken_at.astimezone(UTC).strftime(_STAMP)}-{suffix}"


def parse_backup_name(name: str) -> BackupRef | None:
    """The backup a name stands for, or None when it is not a backup name."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        taken_at = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    kind: Literal["full", "incremental"] = "full" if match.group(2) == "full" else "incremental"
    return BackupRef(name=name, kind=kind, taken_at=taken_at)


def choose_base(backups: Mapping[str, str | None], now: datetime) -> str | None:
    """The backup the next one is incremental on, or None when the next one is full.

    ``backups`` maps each complete backup's name to the base its ``.backup`` names (None: none).
    Full when no full backup is younger than FULL_BACKUP_EVERY_DAYS days, or when a backup
    taken since the newest full one is based on a backup that is gone or older than that full
    one (its chain is broken); otherwise incremental on the newest backup. Names compare as
    times (their first 16 characters are the UTC time). The backup task runs
    this same rule in ClickHouse (base_choice_sql).
    """
    cutoff = backup_name(now - timedelta(days=FULL_BACKUP_EVERY_DAYS), "full")[:16]
    recent = {name: base for name, base in backups.items() if name[:16] > cutoff}
    fulls = [name for name in recent if name.endswith("-full")]
    if not fulls:
        return None
    full = max(fulls)
    for name, base in recent.items():
        after_full = name > full and name.endswith("-incr") and base is not None
        if after_full and (base not in recent or str(base) < full):
            return None
    return max(recent)


def next_backup(backups: Mapping[str, str | None], now: datetime) -> tuple[str, str | None]:
    """The name of the backup to take at ``now`` and its base (None: a full backup)."""
    base = choose_base(backups, now)
    return backup_name(now, "full" if base is None else "incremental"), base


def _checked_name(name: str) -> str:
    if parse_backup_name(name) is None:
        raise ValueError(f"not a backup name (<YYYYMMDDTHHMMSSZ>-full|incr): {name!r}")
    return name


def _identifier(name: str) -> str:
    if _IDENTIFIER.fullmatch(name) is None:
        raise ValueError(f"not a plain ClickHouse database name: {name!r}")
    return name


def _literal(value: str) -> str:
    """A ClickHouse string literal (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _backup_statement(
    location: BackupLocation, name: str, base: str | None, database: str, run_async: bool
) -> str:
    sql = f"BACKUP DATABASE {_identifier(database)} TO S3({_literal(location.url(name))})"
    if base is not None:
        sql += f" SETTINGS base_backup = S3({_literal(location.url(base))})"
    return sql + (" ASYNC" if run_async else "")


def backup_sql(
    location: BackupLocation,
    name: str,
    base: str | None,
    *,
    database: str = LANGFUSE_DATABASE,
    run_async: bool = False,
) -> str:
    """``BACKUP DATABASE ... TO S3(...)``, incremental on ``base`` when given; ``run_async``
    returns at once with the backup's id (the task polls ``system.backups``)."""
    if base is not None:
        _checked_name(base)
    return _backup_statement(location, _checked_name(name), base, database, run_async)


def restore_sql(
    location: BackupLocation,
    name: str,
    target_database: str,
    *,
    database: str = LANGFUSE_DATABASE,
) -> str:
    """``RESTORE DATABASE ... AS target FROM S3(...)``: the whole database of backup ``name``
    (ClickHouse reads the backups it is incremental on itself) into ``target_database``, whose
    tables must be missing or empty (RESTORE refuses a table that has rows). ``name`` is not
    checked, only quoted, so a template such as ``<backup name>`` can be shown to a person."""
    source = _identifier(database)
    target = _identifier(target_database)
    rename = "" if target == source else f" AS {target}"
    return f"RESTORE DATABASE {source}{rename} FROM S3({_literal(location.url(name))})"


def base_choice_sql(location: BackupLocation) -> str:
    """The query the backup task sends to choose its base: the name of the backup to be
    incremental on, or an empty string for a full backup (choose_base's rule, run in ClickHouse
    on the ``.backup`` files of the last FULL_BACKUP_EVERY_DAYS days).

    The ``s3`` table function lists the keys matching ``*/.backup`` and reads the files as
    RawBLOB (one ``raw_blob`` String per file); the filter on ``_path`` keeps ClickHouse from
    reading older files. No match gives no rows, and then an empty answer.
    """
    glob = _literal(f"{location.root}*/{METADATA_FILE}")
    name_of_path = _literal(f"/({_SQL_NAME})/[.]backup$")
    base_in_file = _literal(f"<base_backup>[^<]*/({_SQL_NAME})/[^<]*</base_backup>")
    stamp = _literal(_STAMP.replace("%M", "%i"))
    return (
        "SELECT if(full != '' AND broken = 0, newest, '') FROM ("
        "SELECT max(name) AS newest, maxIf(name, endsWith(name, '-full')) AS full, "
        "groupArray((name, base)) AS links, "
        "arrayCount(l -> endsWith(l.1, '-incr') AND l.1 > full AND l.2 != '' "
        "AND (NOT has(arrayMap(k -> k.1, links), l.2) OR l.2 < full), links) AS broken "
        "FROM (SELECT "
        f"extract(_path, {name_of_path}) AS name, extract(raw_blob, {base_in_file}) AS base "
        f"FROM s3({glob}, 'RawBLOB') "
        "WHERE substring(name, 1, 16) > formatDateTime("
        f"now() - INTERVAL {FULL_BACKUP_EVERY_DAYS} DAY, {stamp}, 'UTC')))"
    )


def _sh_words(sql: str, **variables: str) -> str:
    """``sql`` as one shell word, each ``@@name@@`` in it replaced by ``"$name"``."""
    word = shlex.quote(sql)
    for placeholder in variables:
        word = word.replace(f"@@{placeholder}@@", f"'\"${placeholder}\"'")
    return word


def _backup_function(location: BackupLocation, host: str, port: int, database: str) -> list[str]:
    """Shell functions ``ch`` (clickhouse-client to the server), ``start NAME [BASE]`` and
    ``backup``: one backup, status 0 with its name in ``$created`` when ClickHouse made it,
    non-zero otherwise. Every failure returns explicitly, so ``backup`` behaves the same as a
    plain command under ``set -e`` (the one-shot command) and as an ``if`` condition, where
    ``set -e`` does not apply (the loop)."""
    _identifier(database)
    full = _backup_statement(location, "@@name@@", None, database, True)
    incremental = _backup_statement(location, "@@name@@", "@@base@@", database, True)
    client = (
        f"clickhouse-client --host {shlex.quote(host)} --port {int(port)} "
        '--user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD"'
    )
    return [
        f'ch() {{ {client} "$@"; }}',
        "# start NAME [BASE]: 0 created, 1 failed, 2 unknown (the server could not be asked).",
        "start() {",
        "  name=$1 base=${2:-}",
        '  if [ -n "$base" ]; then',
        f"    started=$(ch --query {_sh_words(incremental, name='', base='')}) || return 1",
        "  else",
        f"    started=$(ch --query {_sh_words(full, name='')}) || return 1",
        "  fi",
        "  id=${started%%[!0-9a-f-]*}",
        '  [ -n "$id" ] || { echo "No backup id in: $started" >&2; return 1; }',
        '  echo "ClickHouse backup $name started (id $id)"',
        "  while :; do",
        f'    status=$(ch --param_id="$id" --query {shlex.quote(STATUS_SQL)}) || return 2',
        '    case "$status" in',
        f"      CREATING_BACKUP) sleep {POLL_SECONDS} ;;",
        '      BACKUP_CREATED) echo "ClickHouse backup $name created"; created=$name; return 0 ;;',
        "      '') echo \"ClickHouse backup $name is no longer in system.backups\" >&2; return 2 ;;",
        '      *) echo "ClickHouse backup $name: $status" >&2',
        f'         ch --param_id="$id" --query {shlex.quote(ERROR_SQL)} >&2 || true',
        "         return 1 ;;",
        "    esac",
        "  done",
        "}",
        "backup() {",
        "  created=",
        "  now=$(date -u +%Y%m%dT%H%M%SZ) || return 1",
        f"  base=$(ch --query {shlex.quote(base_choice_sql(location))}) || return 1",
        '  case "$base" in',
        '    "") start "$now-full" ;;',
        "    [0-9]*Z-full | [0-9]*Z-incr)",
        '      code=0; start "$now-incr" "$base" || code=$?',
        '      if [ "$code" -eq 1 ]; then',
        '        echo "Incremental backup on $base failed: taking a full backup" >&2',
        '        start "$now-full"',
        '      else return "$code"; fi ;;',
        '    *) echo "Unexpected base backup name: $base" >&2; return 1 ;;',
        "  esac",
        "}",
    ]


def container_command(
    location: BackupLocation,
    host: str,
    port: int,
    *,
    database: str = LANGFUSE_DATABASE,
) -> list[str]:
    """One backup, then exit: ``["/bin/sh", "-c", script]``, run in the clickhouse-server
    image with CLICKHOUSE_USER and CLICKHOUSE_PASSWORD in its environment. As the container's
    command, the image's /entrypoint.sh prepares its (unused) server directories and then execs
    it (docker/server/entrypoint.sh: ``exec "$@"`` for a first argument not starting with
    ``--``); as its entry point, it runs directly.

    The script asks the server which backup to be incremental on (base_choice_sql), starts
    ``BACKUP ... ASYNC`` named ``<now>-full|incr`` and polls ``system.backups`` every
    POLL_SECONDS until the backup is created (exit 0) or failed (exit 1). When an incremental
    backup fails, it takes a full one at once, so a broken chain heals the same night; when that
    fails too, or the server cannot be asked, it exits non-zero for the alarm.
    clickhouse-client's flags (--host, --port, --user, --password, --query, --param_<name>) are
    those of docs/en/interfaces/cli.md; its batch output is TabSeparated.
    """
    lines = ["set -eu", *_backup_function(location, host, port, database), "backup"]
    return ["/bin/sh", "-c", "\n".join(lines) + "\n"]


def scheduled_backup_loop(
    location: BackupLocation,
    host: str,
    port: int,
    hour_utc: int,
    *,
    database: str = LANGFUSE_DATABASE,
) -> list[str]:
    """A backup every day at ``hour_utc``:00 UTC, forever: ``["/bin/sh", "-c", script]`` for a
    container next to the ClickHouse server (a sidecar in its task, or a second container on
    its host's network), with CLICKHOUSE_USER and CLICKHOUSE_PASSWORD in its environment.

    The script sleeps until the next ``hour_utc``:00 UTC (a full day when started on the
    second), takes one backup as container_command does, and prints one result line, the
    line the alarms count:
    ``LANGFUSE_CLICKHOUSE_BACKUP result=succeeded name=<backup name>`` or
    ``LANGFUSE_CLICKHOUSE_BACKUP result=failed code=<status>``. Seconds since the epoch modulo
    86400 are the seconds since midnight UTC (POSIX "Seconds Since the Epoch": every day has
    86400 of them). It ends at once on SIGTERM (exit 143): a shell without a trap that runs as
    a container's process 1 ignores the signal, and ECS would wait for the stop timeout.
    """
    if not 0 <= hour_utc <= 23:
        raise ValueError(f"the backup hour is 0 to 23 (UTC): {hour_utc}")
    lines = [
        "set -u",
        *_backup_function(location, host, port, database),
        "trap 'exit 143' TERM",
        "trap 'exit 130' INT",
        "while :; do",
        "  now=$(date -u +%s) || exit 1",
        f"  seconds=$(( ({hour_utc * 3600} - now % 86400 + 86399) % 86400 + 1 ))",
        f'  echo "Next ClickHouse backup at {hour_utc:02d}:00 UTC, in $seconds seconds"',
        "  # In the background: the shell runs its TERM trap while it waits, not after a sleep.",
        '  sleep "$seconds" & wait $!',
        "  if backup; then",
        f'    echo "{SUCCEEDED_LINE} name=$created"',
        "  else",
        f'    echo "{FAILED_LINE} code=$?"',
        "  fi",
        "done",
    ]
    return ["/bin/sh", "-c", "\n".join(lines) + "\n"]


def _names(s3: Any, location: BackupLocation) -> Iterator[str]:
    """Backup names under the prefix (one level of "folders"), complete or not."""
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=location.bucket, Prefix=location.prefix, Delimiter="/"
    )
    for page in pages:
        for common in page.get("CommonPrefixes", []):
            name = common["Prefix"][len(location.prefix) :].rstrip("/")
            if parse_backup_name(name) is not None:
                yield name


def _is_complete(s3: Any, location: BackupLocation, name: str) -> bool:
    try:
        s3.head_object(Bucket=location.bucket, Key=location.key(name))
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) in _NOT_FOUND:
            return False
        raise
    return True


def list_backups(s3: Any, location: BackupLocation) -> list[BackupRef]:
    """The complete backups (those with their ``.backup`` file), oldest first. ``s3`` is a
    boto3 S3 client; it needs s3:ListBucket and s3:GetObject."""
    refs = [parse_backup_name(name) for name in sorted(set(_names(s3, location)))]
    return [ref for ref in refs if ref is not None and _is_complete(s3, location, ref.name)]


def newest_backup(s3: Any, location: BackupLocation) -> BackupRef | None:
    """The newest complete backup under the prefix, or None."""
    for name in sorted(set(_names(s3, location)), reverse=True):
        if _is_complete(s3, location, name):
            return parse_backup_name(name)
    return None


def read_base(s3: Any, location: BackupLocation, name: str) -> str | None:
    """The backup that backup ``name`` is incremental on, from its ``.backup``; None for a
    backup that needs no other. Only the file's head is read: ClickHouse writes
    ``<base_backup>`` before the (long) list of files."""
    try:
        response = s3.get_object(
            Bucket=location.bucket, Key=location.key(_checked_name(name)),
            Range=f"bytes=0-{_HEAD_BYTES - 1}",
        )  # fmt: skip
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) in _NOT_FOUND:
            raise BackupChainBrokenError(
                f"backup {name} is not complete: it has no {METADATA_FILE}"
            ) from None
        raise
    head = response["Body"].read().decode("utf-8", errors="replace")
    element = _BASE_ELEMENT.search(head.split("<contents>", 1)[0])
    if element is None:
        return None
    url = _S3_URL.match(html.unescape(element.group(1)).strip())
    base = url.group(1)[len(location.root) :].rstrip("/") if url else ""
    if url is None or not url.group(1).startswith(location.root) or parse_backup_name(base) is None:
        raise BackupChainBrokenError(
            f"backup {name} is based on a backup elsewhere: {element.group(1)}"
        )
    return base


def restore_chain(s3: Any, location: BackupLocation, name: str) -> list[BackupRef]:
    """The backups a restore of ``name`` reads, oldest (the full one) first; raises
    BackupChainBrokenError when one of them is gone or incomplete."""
    chain: list[str] = []
    current: str | None = _checked_name(name)
    while current is not None:
        if current in chain or (chain and current >= chain[-1]):
            raise BackupChainBrokenError(
                f"backup {chain[-1]} is based on {current}, not an older one"
            )
        chain.append(current)
        current = read_base(s3, location, current)
    refs = [parse_backup_name(member) for member in reversed(chain)]
    return [ref for ref in refs if ref is not None]


def lifecycle_days(retention_days: int) -> int:
    """Days the bucket's lifecycle rule keeps backup objects so that every backup taken in the
    last ``retention_days`` days can still be restored.

    Restoring a backup reads its whole chain, back to the full backup it started from, and a
    full backup is taken once the newest one is FULL_BACKUP_EVERY_DAYS days old: the full
    backup under a backup is less than FULL_BACKUP_EVERY_DAYS days older than it. S3 expires an
    object no sooner than the rule's days after its creation (it adds the days, then rounds up
    to the next midnight UTC: S3 User Guide, "Lifecycle configuration elements"). Keeping objects
    retention_days + FULL_BACKUP_EVERY_DAYS days keeps the full backup of every backup still in
    retention. Backups older than retention_days may have lost theirs.
    """
    if retention_days < 1:
        raise ValueError(f"backups are kept at least a day: {retention_days}")
    return retention_days + FULL_BACKUP_EVERY_DAYS
