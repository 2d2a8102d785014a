"""checkov over every synthesized template: only the committed, reasoned exceptions may fail."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ALL_NAMES, synthesized

REPO = Path(__file__).resolve().parents[1]
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
ACCEPTED: dict[str, str] = yaml.safe_load(
    (REPO / "compliance" / "checkov-accepted.yaml").read_text()
)


@pytest.fixture(scope="module")
def checkov_results() -> list[dict[str, Any]]:
    """One checkov run over the templates of every example and fixture environment."""
    assert CHECKOV.exists(), "checkov is missing: run `make setup` (it installs .venv-checkov)"
    folder = Path(tempfile.mkdtemp(prefix="checkov-"))
    for name in ALL_NAMES:
        env = synthesized(name)
        for stack, template in env.templates.items():
            (folder / f"{stack}.template.json").write_text(json.dumps(template))
    result = subprocess.run(
        [str(CHECKOV), "-d", str(folder), "--framework", "cloudformation", "--quiet", "--compact",
         "-o", "json", "--skip-download"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def failed_checks(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for r in results for f in r["results"]["failed_checks"]]


def test_checkov_finds_nothing_outside_the_accepted_list(
    checkov_results: list[dict[str, Any]],
) -> None:
    unexpected = sorted(
        {
            f"{f['check_id']} {f['resource']} ({f['file_path']})"
            for f in failed_checks(checkov_results)
            if f["check_id"] not in ACCEPTED
        }
    )
    assert unexpected == []


def test_checkov_really_ran(checkov_results: list[dict[str, Any]]) -> None:
    summary = checkov_results[0]["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 200


def test_every_accepted_check_has_a_reason_and_still_applies(
    checkov_results: list[dict[str, Any]],
) -> None:
    failing = {f["check_id"] for f in failed_checks(checkov_results)}
    for check_id, reason in ACCEPTED.items():
        assert len(reason.split()) >= 8, check_id
        assert check_id in failing, f"{check_id} no longer fails: remove it from the accepted list"
