"""Runs the backup commands of ``langfuse_aws.clickhouse_backups`` in ``sh`` as a container
would, with clickhouse-client, ``date`` and ``sleep`` stood in, and a small evaluator of the
CloudWatch Logs filter patterns that count their result lines.

The stand-ins share a clock: ``date -u`` reads it, ``sleep N`` moves it N seconds on (and, once
it reaches the run's end, sends SIGTERM to the shell that called it, as ``docker stop`` and
ECS do, which ends the loop). The stand-in clickhouse-client records its arguments and answers
each kind of query with the next reply planned for that kind
(ClickHouse docs/en/interfaces/cli.md: --query, TabSeparated output, exit code).

Filter patterns (CloudWatch Logs User Guide, "Filter pattern syntax for metric filters,
subscription filters, filter log events, and Live Tail", matching terms in unstructured log
events): "Filter patterns are case sensitive"; "Enclose exact phrases and terms that include
non-alphanumeric characters in double quotation marks"; an event matches a pattern of several
terms when it contains every one of them. Only that subset is evaluated here, quoted exact
phrases; any other pattern raises rather than guess.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

Plan = dict[str, list[tuple[str, int]]]

FAKE_CLIENT = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
query = args[args.index("--query") + 1]
kinds = {{"SELECT if(": "choose", "BACKUP ": "backup", "SELECT status": "status", "SELECT error": "error"}}
kind = next((k for prefix, k in kinds.items() if query.startswith(prefix)), "other")
with open(os.environ["FAKE_PLAN"]) as f:
    plan = json.load(f)
if not plan.get(kind):
    sys.exit(99)
out, code = plan[kind].pop(0)
with open(os.environ["FAKE_PLAN"], "w") as f:
    json.dump(plan, f)
sys.stdout.write(out)
sys.stderr.write("Code: 1. DB::Exception: planned failure\\n" if code else "")
sys.exit(code)
"""
FAKE_DATE = """#!{python}
import os, sys
from datetime import UTC, datetime
now = int(open(os.environ["FAKE_CLOCK"]).read())
formats = {{"+%s": "%s", "+%Y%m%dT%H%M%SZ": "%Y%m%dT%H%M%SZ"}}
if len(sys.argv) != 3 or sys.argv[1] != "-u" or sys.argv[2] not in formats:
    sys.exit(98)
fmt = formats[sys.argv[2]]
print(now if fmt == "%s" else datetime.fromtimestamp(now, UTC).strftime(fmt))
"""
FAKE_SLEEP = """#!{python}
import json, os, signal, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["sleep", sys.argv[1]]) + "\\n")
clock = int(open(os.environ["FAKE_CLOCK"]).read()) + int(sys.argv[1])
open(os.environ["FAKE_CLOCK"], "w").write(str(clock))
end = os.environ.get("FAKE_END")
if end and clock >= int(end):
    os.kill(os.getppid(), signal.SIGTERM)
"""


@dataclass(frozen=True)
class Run:
    """What one run of a command did: exit code, the stand-ins' calls, and its output."""

    code: int
    calls: list[list[str]]
    stdout: str
    stderr: str

    def queries(self) -> list[str]:
        """Each client call's query, and ``sleep N`` for each sleep, in order."""
        return [c[c.index("--query") + 1] if "--query" in c else " ".join(c) for c in self.calls]

    def sleeps(self) -> list[int]:
        return [int(c[1]) for c in self.calls if c[0] == "sleep"]

    def lines(self) -> list[str]:
        """Every line the container wrote, stdout's and stderr's: each is one log event of
        the awslogs driver."""
        return self.stdout.splitlines() + self.stderr.splitlines()


def run_command(
    tmp_path: Path,
    command: list[str],
    plan: Plan,
    *,
    clock: datetime,
    until: datetime | None = None,
) -> Run:
    """Runs ``command`` as its container would, from ``clock``; a sleep that reaches ``until``
    stops it with SIGTERM."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (
        ("clickhouse-client", FAKE_CLIENT),
        ("date", FAKE_DATE),
        ("sleep", FAKE_SLEEP),
    ):
        (bin_dir / name).write_text(text.format(python=sys.executable))
        (bin_dir / name).chmod(0o755)
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "clock").write_text(str(int(clock.timestamp())))
    log = tmp_path / "calls.jsonl"
    log.touch()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "CLICKHOUSE_USER": "langfuse",
        "CLICKHOUSE_PASSWORD": "pass word",
        "FAKE_LOG": str(log),
        "FAKE_PLAN": str(tmp_path / "plan.json"),
        "FAKE_CLOCK": str(tmp_path / "clock"),
    }
    if until is not None:
        env["FAKE_END"] = str(int(until.timestamp()))
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return Run(result.returncode, calls, result.stdout, result.stderr)


def utc(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


_PHRASE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def filter_matches(pattern: str, message: str) -> bool:
    """Whether a log event ``message`` matches ``pattern``, a metric filter's pattern made of
    quoted exact phrases separated by spaces: it must contain every phrase, case-sensitively."""
    phrases = []
    rest = pattern.strip()
    while rest:
        found = _PHRASE.match(rest)
        if found is None:
            raise ValueError(f"only quoted phrases are evaluated here: {pattern!r}")
        phrases.append(re.sub(r"\\(.)", r"\1", found.group(1)))
        rest = rest[found.end() :].lstrip(" ")
    if not phrases:
        raise ValueError("an empty pattern matches every event; not evaluated here")
    return all(phrase in message for phrase in phrases)
