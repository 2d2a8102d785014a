"""A stand-in Langfuse web on 127.0.0.1 for the smoke tests, modelled on Langfuse's own source.

Every answer below is what the real route does, checked in langfuse/langfuse at main
62751446 (and unchanged in v4.16.0 @12453aab35d4 for these routes). Paths are relative to
that repository; "L" gives the lines.

- Defaults of a fresh v4 (no migration variables): LANGFUSE_MIGRATION_V4_WRITE_MODE
  events_only (web/src/env.mjs L508-512, worker/src/env.ts L562-564), OTLP written directly to
  the events tables (worker/src/env.ts L565-567), v2 read APIs on
  (LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN default true, web/src/env.mjs L494-498). This
  project's legacy mode sets the opt-in to false (langfuse/contract.py); dual sets it true.
- ``GET /api/public/health``: 200 {"status": "OK"}; with ``failIfDatabaseUnavailable=true`` a
  PostgreSQL ``SELECT 1``, failing 503 "Database not available"; with
  ``failIfNoRecentEvents=true`` a ClickHouse query, failing 503 "Couldn't fetch recent events",
  or 503 "No events within the last 3 minutes" (events_only) / "No traces ..." when ClickHouse
  answers but holds nothing recent (web/src/pages/api/public/health.ts L28-39,
  web/src/features/public-api/server/health-service.ts L30-41, L48-72, L100-116).
- ``GET /api/public/ready``: 500 after SIGTERM (web/src/pages/api/public/ready.ts L16-24).
- ``POST /api/public/ingestion``: 401 on bad keys (ingestion.ts L88-90); 500 "Internal Server
  Error" on a PostgreSQL error (L230-234); otherwise 207 {successes, errors}, and in
  events_only every event but score-create / sdk-log is refused per event with 400 "Event type
  not accepted" (L150-182, L248-251, L296-305).
- ``POST /api/public/otel/v1/traces``: 401 on bad keys, 503 "Service Unavailable" when
  PostgreSQL fails the key check (createAuthedProjectAPIRoute.ts L128-130, L353-367); 400
  unless the content type is application/json or application/x-protobuf (otel/v1/traces/
  index.ts L72-82); the export goes to S3 and the Redis queue, not ClickHouse (L311-312,
  packages/shared/src/server/otel/OtelIngestionProcessor.ts L302-339); 200 otherwise
  (createAuthedProjectAPIRoute.ts L474-482). OTLP/JSON ids are hex strings
  (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding), kept as the
  observation's id and traceId (OtelIngestionProcessor.ts L3428-3432).
- ``GET /api/public/v2/observations``: 404 "only available in a Langfuse v4 write mode" unless
  the preview opt-in is on (v2/observations/index.ts L21-25); reads the events table in
  ClickHouse (L54-55); {data, meta} (L87-90), "core" fields id and traceId
  (packages/shared/src/domain/observation-field-groups.ts L35). A ClickHouse that does not
  answer is an error the middleware turns into 500 {"message": "Internal Server Error",
  "error": <the error>} (web/src/features/public-api/server/withMiddlewares.ts L194-202).
- ``GET /api/public/traces/{id}``: 404 before authentication in events_only
  (traces/[traceId].ts L42, createAuthedProjectAPIRoute.ts L324-338); reads ClickHouse, 404
  "Trace ... not found within authorized project" until the worker wrote it ([traceId].ts
  L65-77).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

KEYS = ("pk-lf-test", "sk-lf-test")
CSRF = "csrf-token-1"
VERSION = "4.38.0"
CLICKHOUSE_DOWN = "connect ECONNREFUSED 10.0.2.15:8123"
EVENTS_ONLY_ENDPOINT = (
    "This endpoint is not available on deployments running in Langfuse v4 events_only mode. "
    "Learn more about Langfuse v4 at: https://langfuse.com/docs/v4"
)


@dataclass
class FakeLangfuse:
    """What the stand-in answers; tests change it to break one thing at a time."""

    base: str = ""
    write_mode: Literal["events_only", "legacy", "dual"] = "events_only"
    web_up: bool = True
    database_up: bool = True
    clickhouse_up: bool = True
    redirect_to: str | None = None  # None: Langfuse's own callback URL
    sign_in_page: str = "<html><body>Sign in</body></html>"
    reads_before_visible: int = 1
    """Reads that find nothing before the worker has written what was sent."""
    traces: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Legacy traces table: trace id -> {"name", "reads"}."""
    spans: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Events table: span id -> {"traceId", "name"}; read counts per trace in span_reads."""
    span_reads: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path, content type) of every request, in order."""

    @property
    def preview_opt_in(self) -> bool:
        """LANGFUSE_MIGRATION_V4_ALLOW_PREVIEW_OPT_IN as this project sets it per mode."""
        return self.write_mode != "legacy"


def handler(state: FakeLangfuse) -> type[BaseHTTPRequestHandler]:
    """The request handler of one stand-in."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorized(self) -> bool:
            expected = base64.b64encode(f"{KEYS[0]}:{KEYS[1]}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"

        def api_auth(self) -> bool:
            """createAuthedProjectAPIRoute's key check: False when it has answered."""
            if not self.authorized():
                self.reply(401, {"message": "Invalid credentials"})
                return False
            if not state.database_up:
                self.reply(503, {"message": "Service Unavailable"})
                return False
            return True

        def record(self, method: str) -> tuple[str, dict[str, list[str]]]:
            parts = urlsplit(self.path)
            state.requests.append((method, parts.path, self.headers.get("Content-Type", "")))
            return parts.path, parse_qs(parts.query)

        def health(self, query: dict[str, list[str]]) -> None:
            if not state.web_up:
                self.reply(503, {"status": "Health check failed", "version": VERSION})
            elif query.get("failIfDatabaseUnavailable") == ["true"] and not state.database_up:
                self.reply(503, {"status": "Database not available", "version": VERSION})
            elif query.get("failIfNoRecentEvents") == ["true"]:
                if not state.clickhouse_up:
                    status = "Couldn't fetch recent events"
                elif state.write_mode == "events_only":
                    status = "No events within the last 3 minutes"
                else:
                    status = "No traces within the last 3 minutes"
                self.reply(503, {"status": status, "version": VERSION})
            else:
                self.reply(200, {"status": "OK", "version": VERSION})

        def observations(self, query: dict[str, list[str]]) -> None:
            if not self.api_auth():
                return
            if not state.preview_opt_in:
                self.reply(
                    404,
                    {
                        "message": "The observations v2 API is only available in a Langfuse "
                        "v4 write mode. Learn more at: https://langfuse.com/docs/v4",
                        "error": "LangfuseNotFoundError",
                    },
                )
                return
            if not state.clickhouse_up:
                self.reply(500, {"message": "Internal Server Error", "error": CLICKHOUSE_DOWN})
                return
            trace_id = query.get("traceId", [""])[0]
            reads = state.span_reads.get(trace_id, 0)
            state.span_reads[trace_id] = reads + 1
            data = [
                {"id": span_id, "traceId": span["traceId"], "type": "SPAN"}
                for span_id, span in state.spans.items()
                if span["traceId"] == trace_id and reads >= state.reads_before_visible
            ]
            self.reply(200, {"data": data, "meta": {}})

        def trace(self, trace_id: str) -> None:
            if state.write_mode == "events_only":
                self.reply(404, {"message": EVENTS_ONLY_ENDPOINT})
                return
            if not self.api_auth():
                return
            if not state.clickhouse_up:
                self.reply(500, {"message": "Internal Server Error", "error": CLICKHOUSE_DOWN})
                return
            trace = state.traces.get(trace_id)
            if trace is None or trace["reads"] < state.reads_before_visible:
                if trace is not None:
                    trace["reads"] += 1
                self.reply(
                    404,
                    {
                        "message": f"Trace {trace_id} not found within authorized project",
                        "error": "LangfuseNotFoundError",
                    },
                )
                return
            self.reply(200, {"id": trace_id, "name": trace["name"]})

        def do_GET(self) -> None:
            path, query = self.record("GET")
            if path == "/api/public/health":
                self.health(query)
            elif path == "/api/public/ready":
                ok = state.web_up
                self.reply(200 if ok else 500, {"status": "OK" if ok else "SIGTERM"})
            elif path == "/auth/sign-in":
                self.reply(200, state.sign_in_page)
            elif path == "/api/auth/csrf":
                self.reply(
                    200,
                    {"csrfToken": CSRF},
                    {"Set-Cookie": f"next-auth.csrf-token={CSRF}%7Chash; Path=/"},
                )
            elif path == "/idp/.well-known/openid-configuration":
                self.reply(
                    200,
                    {
                        "issuer": f"{state.base}/idp",
                        "authorization_endpoint": f"{state.base}/idp/auth",
                    },
                )
            elif path == "/api/public/v2/observations":
                self.observations(query)
            elif path.startswith("/api/public/traces/"):
                self.trace(path.rsplit("/", 1)[-1])
            else:
                self.reply(404, {"message": "not found"})

        def otlp(self, body: bytes) -> None:
            if not self.api_auth():
                return
            content_type = self.headers.get("Content-Type", "").lower()
            if "application/json" not in content_type:
                # protobuf is accepted too, but these tests send and model JSON only
                self.reply(400, {"error": "Invalid content type"})
                return
            for resource in json.loads(body)["resourceSpans"]:
                for scope in resource["scopeSpans"]:
                    for span in scope["spans"]:
                        trace_id, span_id = span["traceId"], span["spanId"]
                        if not (
                            re.fullmatch("[0-9a-f]{32}", trace_id)
                            and re.fullmatch("[0-9a-f]{16}", span_id)
                        ):
                            self.reply(400, {"error": "Invalid OTLP trace export"})
                            return
                        if state.write_mode != "legacy":
                            state.spans[span_id] = {"traceId": trace_id, "name": span["name"]}
            self.reply(200, {"id": "job-1", "name": "OtelIngestionJob"})

        def ingestion(self, body: bytes) -> None:
            if not self.authorized():
                self.reply(401, {"error": "UnauthorizedError", "message": "Invalid credentials"})
                return
            if not state.database_up:
                self.reply(500, {"error": "Internal Server Error"})
                return
            successes, errors = [], []
            for event in json.loads(body)["batch"]:
                if state.write_mode == "events_only" and event["type"] not in (
                    "score-create",
                    "sdk-log",
                ):
                    errors.append(
                        {
                            "id": event["id"],
                            "status": 400,
                            "message": "Event type not accepted",
                            "error": f'Event type "{event["type"]}" is not accepted by '
                            "/api/public/ingestion when LANGFUSE_MIGRATION_V4_WRITE_MODE is "
                            "events_only. This endpoint only accepts score and log events.",
                        }
                    )
                    continue
                if event["type"] == "trace-create":
                    state.traces[event["body"]["id"]] = {"name": event["body"]["name"], "reads": 0}
                successes.append({"id": event["id"], "status": 201})
            self.reply(207, {"successes": successes, "errors": errors})

        def do_POST(self) -> None:
            path, _ = self.record("POST")
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if path == "/api/auth/signin/cognito":
                form = parse_qs(body.decode())
                cookie_ok = f"next-auth.csrf-token={CSRF}" in self.headers.get("Cookie", "")
                if form.get("csrfToken") != [CSRF] or not cookie_ok:
                    self.reply(302, "", {"Location": "/api/auth/signin?csrf=true"})
                    return
                callback = state.redirect_to or f"{state.base}/api/auth/callback/cognito"
                query = urlencode({"client_id": "abc", "redirect_uri": callback})
                self.reply(
                    200,
                    {
                        "url": f"https://tt.auth.eu-west-1.amazoncognito.com/oauth2/authorize?{query}"
                    },
                )
            elif path == "/api/public/otel/v1/traces":
                self.otlp(body)
            elif path == "/api/public/ingestion":
                self.ingestion(body)
            else:
                self.reply(404, {"message": "not found"})

    return Handler


def serve(state: FakeLangfuse, context: Any = None) -> Iterator[FakeLangfuse]:
    """Runs the stand-in (HTTPS with ``context``) while the caller uses it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    scheme = "https" if context else "http"
    state.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    # shutdown() waits for serve_forever's next poll: 0.5 s by default, on every test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
