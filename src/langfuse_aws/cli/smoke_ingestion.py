"""The ingestion round trip of ``langfuse-aws smoke``: one trace sent with a project's API keys,
then read back, on the path the running Langfuse accepts.

Which path depends on the Langfuse version and its v4 migration mode (langfuse.version and
langfuse.migration_mode in the YAML):

- **otlp**, Langfuse v4 without migration variables (its default ``events_only`` write mode):
  one span over OTLP/HTTP JSON (``POST /api/public/otel/v1/traces``), read back through the v2
  observations API (``GET /api/public/v2/observations?traceId=...``). In this mode Langfuse
  refuses ``trace-create`` on ``/api/public/ingestion`` (207 with a per-event 400 "Event type
  not accepted") and answers 404 on ``GET /api/public/traces/{id}``
  (langfuse/langfuse web/src/pages/api/public/ingestion.ts, createAuthedProjectAPIRoute.ts).
- **legacy**, Langfuse v3, or v4 in the legacy or dual migration mode: ``trace-create`` on
  ``/api/public/ingestion``, read back with ``GET /api/public/traces/{id}``. In legacy mode the
  v2 observations API answers 404 (LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN is false).

Every refusal names its cause as far as Langfuse's answer tells it: the API keys only on
401/403, PostgreSQL on the 503 of the API-key check, ClickHouse on a failed read (both read
APIs query only ClickHouse for this trace), the migration mode on the answers above.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlencode

from .smoke_http import HttpClient, SmokeInputError, excerpt, json_body

IngestionPath = Literal["otlp", "legacy"]
MIGRATION_MODES = ("none", "legacy", "dual")
OTLP_TRACES = "/api/public/otel/v1/traces"
OBSERVATIONS_V2 = "/api/public/v2/observations"
INGESTION = "/api/public/ingestion"
TRACES = "/api/public/traces"
CLICKHOUSE_FIX = (
    "ClickHouse is down, restarting or unreachable from web: see `langfuse-aws status` (the "
    "clickhouse service), the clickhouse-task-stopped alarm and the ClickHouse logs"
)
POSTGRES_FIX = (
    "web cannot reach PostgreSQL (Aurora): see the Aurora cluster's state, the "
    "aurora alarms and the web logs"
)
EVENTS_ONLY_FIX = (
    "this Langfuse runs v4's default events-only ingestion: with a URL run smoke with "
    "--migration-mode none (the default); with an environment, its YAML's "
    "langfuse.migration_mode is not what is deployed: deploy it or match it"
)
LEGACY_MODE_FIX = (
    "this Langfuse runs the legacy migration mode: run smoke with --migration-mode legacy, or "
    "deploy the environment's langfuse.migration_mode"
)


def ingestion_path(version: str, migration_mode: str) -> IngestionPath:
    """The round trip a Langfuse ``version`` in ``migration_mode`` accepts (see the module)."""
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise SmokeInputError(
            f"--langfuse-version {version!r}: expected the exact release the environment runs, "
            "e.g. 4.38.0 or 3.150.0 (its langfuse.version)."
        )
    major = int(version.split(".")[0])
    if major not in (3, 4):
        raise SmokeInputError(
            f"--langfuse-version {version}: only Langfuse 3.x and 4.x releases are supported; "
            "give the release the environment runs, e.g. 4.38.0."
        )
    if migration_mode not in MIGRATION_MODES:
        raise SmokeInputError(
            f"--migration-mode {migration_mode!r}: expected one of {', '.join(MIGRATION_MODES)} "
            "(the environment's langfuse.migration_mode; none for a fresh v4)."
        )
    if major == 3 and migration_mode != "none":
        raise SmokeInputError(
            f"--migration-mode {migration_mode}: migration modes exist in Langfuse v4 only, and "
            f"--langfuse-version is {version}; leave --migration-mode out."
        )
    return "otlp" if major == 4 and migration_mode == "none" else "legacy"


@dataclass(frozen=True)
class Outcome:
    """The verdict of the round trip: what was found and, on failure, the fix."""

    ok: bool
    detail: str
    fix: str = ""


Poll = Callable[[], Outcome | None]
"""One read attempt: an Outcome when it decides, None while the data is not visible yet."""


class RoundTrip:
    """Sends one trace with the project's keys and reads it back within ``wait`` seconds."""

    def __init__(self, client: HttpClient, base: str, keys: tuple[str, str], wait: float) -> None:
        self.client = client
        self.base = base
        self.wait = wait
        public, secret = keys
        self.auth = {
            "Authorization": "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()
        }

    def run(self, path: IngestionPath) -> Outcome:
        """The round trip on ``path``."""
        return self.otlp() if path == "otlp" else self.legacy()

    def otlp(self) -> Outcome:
        """One span over OTLP/HTTP JSON, read back through the v2 observations API."""
        trace_id, span_id = uuid.uuid4().hex, secrets.token_hex(8)
        now = time.time_ns()
        span = {
            "traceId": trace_id,  # OTLP/JSON: ids are lowercase hex strings
            "spanId": span_id,
            "name": "langfuse-aws smoke",
            "kind": 1,
            "startTimeUnixNano": str(now),
            "endTimeUnixNano": str(now + 1_000_000),
            "attributes": [],
        }
        export = {
            "resourceSpans": [
                {
                    "resource": {
                        "attributes": [
                            {"key": "service.name", "value": {"stringValue": "langfuse-aws"}}
                        ]
                    },
                    "scopeSpans": [{"scope": {"name": "langfuse-aws-smoke"}, "spans": [span]}],
                }
            ]
        }
        status, body = self.client.request(
            self.base + OTLP_TRACES,
            data=json.dumps(export).encode(),
            headers={"Content-Type": "application/json", **self.auth},
        )
        if not 200 <= status < 300:
            return _refused(f"POST {OTLP_TRACES}", status, body)
        query = urlencode({"traceId": trace_id, "fields": "core"})

        def read() -> Outcome | None:
            status, body = self.client.request(
                f"{self.base}{OBSERVATIONS_V2}?{query}", headers=self.auth
            )
            found = json_body(body)
            if status == 200 and isinstance(found, dict):
                items = found.get("data") or []
                if any(isinstance(i, dict) and i.get("id") == span_id for i in items):
                    return Outcome(
                        True,
                        f"span {span_id} of trace {trace_id} sent over OTLP and read back "
                        "through the v2 observations API",
                    )
                return None
            if status == 404 and "write mode" in _message(found):
                return Outcome(
                    False,
                    f"GET {OBSERVATIONS_V2}: 404 {_message(found)}",
                    LEGACY_MODE_FIX,
                )
            return _read_failed(f"GET {OBSERVATIONS_V2}", status, body)

        return self._poll(read, f"trace {trace_id}")

    def legacy(self) -> Outcome:
        """``trace-create`` on the ingestion API, read back with the traces API."""
        trace_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        batch = {
            "batch": [
                {
                    "id": str(uuid.uuid4()),
                    "timestamp": now,
                    "type": "trace-create",
                    "body": {"id": trace_id, "name": "langfuse-aws smoke", "timestamp": now},
                }
            ]
        }
        status, body = self.client.request(
            self.base + INGESTION,
            data=json.dumps(batch).encode(),
            headers={"Content-Type": "application/json", **self.auth},
        )
        if status not in (200, 207):
            return _refused(f"POST {INGESTION}", status, body)
        answer = json_body(body)
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            return _event_refused(errors[0])

        def read() -> Outcome | None:
            status, body = self.client.request(f"{self.base}{TRACES}/{trace_id}", headers=self.auth)
            found = json_body(body)
            if status == 200 and isinstance(found, dict) and found.get("id") == trace_id:
                return Outcome(True, f"trace {trace_id} sent and read back")
            if status == 404 and "events_only" in _message(found):
                return Outcome(
                    False, f"GET {TRACES}/{{id}}: 404 {_message(found)}", EVENTS_ONLY_FIX
                )
            if status in (200, 404):
                return None
            return _read_failed(f"GET {TRACES}/{{id}}", status, body)

        return self._poll(read, f"trace {trace_id}")

    def _poll(self, read: Poll, what: str) -> Outcome:
        """``read`` until it decides or ``wait`` seconds pass (ingestion is asynchronous:
        web queues the data, the worker writes it to ClickHouse)."""
        deadline = time.monotonic() + self.wait
        while True:
            outcome = read()
            if outcome is not None:
                return outcome
            if time.monotonic() >= deadline:
                return Outcome(
                    False,
                    f"{what} accepted but not readable after {self.wait:g} s",
                    "the worker or ClickHouse is behind or down: see `status` and the alarms",
                )
            time.sleep(min(2.0, self.wait / 10))


def _message(answer: object) -> str:
    """Langfuse's error message in a JSON answer ("" when there is none)."""
    if isinstance(answer, dict):
        return str(answer.get("message") or answer.get("error") or "")
    return ""


def _event_refused(error: object) -> Outcome:
    """A 207 whose event was refused: Langfuse's reason, and the events-only case named."""
    entry = error if isinstance(error, dict) else {}
    message = str(entry.get("message", "refused"))
    reason = str(entry.get("error", "")).split(". ")[0]
    detail = f"Langfuse refused trace-create ({entry.get('status', '?')}): {message}"
    if message == "Event type not accepted":
        detail += ": this Langfuse runs events-only ingestion"
        return Outcome(False, detail, EVENTS_ONLY_FIX)
    return Outcome(False, f"{detail}: {reason}" if reason else detail, "see the web logs")


def _refused(request: str, status: int, body: bytes) -> Outcome:
    """A send that was not accepted, with the cause its status and body show."""
    answer = json_body(body)
    detail = f"{request}: {status} {excerpt(body)}"
    if status == 401:
        fix = "the API keys are wrong or from another Langfuse: copy them from the project's "
        fix += "Settings > API Keys"
    elif status == 403 and answer is None:
        fix = "not Langfuse's answer (it answers JSON): the web ACL (WAF) blocked the request; "
        fix += "see its sampled requests"
    elif status == 403:
        fix = "Langfuse refused these keys here: use a project's keys, not an organization's"
    elif status == 503 and _message(answer) == "Service Unavailable":
        fix = POSTGRES_FIX + " (Langfuse looks up the project's keys there)"
    elif status == 404:
        fix = "this Langfuse has no such route: give smoke the release it runs (--langfuse-version)"
    elif status == 429:
        fix = "Langfuse's or the WAF's rate limit: try again in a minute"
    else:
        fix = "web failed: see the web logs and the health check above"
    return Outcome(False, detail, fix)


def _read_failed(request: str, status: int, body: bytes) -> Outcome:
    """A read that failed: for this trace the read APIs query only ClickHouse, so a 500 (or
    the 422 of ClickHouse's resource limits) means ClickHouse."""
    if status in (500, 422):
        return Outcome(
            False,
            f"{request}: {status} {excerpt(body)}: Langfuse could not read from ClickHouse",
            CLICKHOUSE_FIX,
        )
    return _refused(request, status, body)
