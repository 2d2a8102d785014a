"""The committed JSON Schema matches the config models (run `make schema` after a change)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    subprocess.run([sys.executable, "scripts/write_schema.py", str(target)], cwd=REPO, check=True)
    committed = json.loads((REPO / "schema" / "environment.schema.json").read_text())
    assert json.loads(target.read_text()) == committed, "run `make schema` and commit the result"
