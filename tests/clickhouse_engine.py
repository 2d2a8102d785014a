"""A real ClickHouse for tests: chdb-core (ClickHouse built as a Python module, in process) and
moto's S3 server on 127.0.0.1 for BACKUP ... TO S3 to write to.

chdb is ClickHouse's own engine: BACKUP, RESTORE, the s3 table function and system.backups are
the server's code (chdb-core 26.9 reports version 26.9). Its ``default`` database is a local
"Overlay" database, so it is replaced by an Atomic one, the engine a server gives ``default``
(ClickHouse docs, database engines: Atomic is the default engine).

ClickHouse signs S3 requests with its environment's credentials when a statement names none
(src/Backups/BackupIO_S3.cpp), exactly the statements the backup task sends. Here those are
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for moto, and AWS_EC2_METADATA_DISABLED keeps its
credential chain from asking an instance-metadata address (src/IO/S3/Credentials.cpp): every
request goes to 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from chdb import session as chdb_session
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
S3_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass
class ClickHouseEngine:
    """One embedded ClickHouse session; ``query`` gives TabSeparated text without the last
    newline, as clickhouse-client prints it in batch mode."""

    session: Any

    def query(self, sql: str, params: Mapping[str, str] | None = None) -> str:
        result = self.session.query(sql, "TSV", params=dict(params or {}))
        return str(result).rstrip("\n")

    def counts(self, database: str, tables: list[str]) -> dict[str, int]:
        """Rows per table of ``database``."""
        return {t: int(self.query(f"SELECT count() FROM {database}.{t}")) for t in tables}


@dataclass(frozen=True)
class S3Server:
    """moto's S3 on 127.0.0.1: its endpoint and a boto3 client for it."""

    endpoint: str
    client: Any


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on a free port of 127.0.0.1, with the credentials ClickHouse uses."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in S3_ENVIRONMENT.items():
            patch.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            yield S3Server(endpoint, boto3.client("s3", endpoint_url=endpoint, region_name=REGION))
        finally:
            server.stop()


@contextmanager
def clickhouse(path: Path) -> Iterator[ClickHouseEngine]:
    """An embedded ClickHouse keeping its data in ``path``, with an Atomic ``default``."""
    new_session: Any = chdb_session.Session  # chdb's Session has no annotations
    session = new_session(str(path))
    try:
        engine = ClickHouseEngine(session)
        engine.query("DROP DATABASE IF EXISTS default")
        engine.query("CREATE DATABASE default ENGINE = Atomic")
        yield engine
    finally:
        session.close()
