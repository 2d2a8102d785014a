"""The fast/slow split (docs/development.md): `make test-fast` (``pytest -m "not slow"``) runs
no test that needs a synthesized environment, without anyone having to mark a new one.

Each case is a small test module run by pytest in a subprocess with this suite's conftest and
pytest settings, so the real collection hooks classify it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from synth import REPO

NEW_TESTS = """
import pytest

from conftest import synthesized


def helper():
    return synthesized("dev")


@pytest.fixture
def built():
    return synthesized("dev")


def test_plain():
    assert True


def test_requests_an_environment(dev):
    assert dev


def test_through_a_fixture_of_its_module(built):
    assert built


def test_calls_synthesized_itself():
    assert synthesized("dev")


def test_reaches_synthesized_through_a_helper():
    assert helper()
"""


def run_fast(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``pytest -m "not slow"`` on NEW_TESTS beside a copy of this suite's conftest."""
    tests = tmp_path / "tests"
    tests.mkdir()
    for helper in ("conftest.py", "synth.py"):
        shutil.copy(REPO / "tests" / helper, tests)
    (tests / "test_new.py").write_text(textwrap.dedent(NEW_TESTS))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(REPO / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-q", "-rA",
         "-m", "not slow", str(tests / "test_new.py")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_new_test_that_needs_an_environment_is_slow_without_a_mark(tmp_path: Path) -> None:
    """A test that requests an environment fixture, uses a fixture that calls synthesized(),
    or calls it itself is left out of the fast run; a plain test runs; one that reaches
    synthesized() another way fails with the fix instead of synthesizing."""
    result = run_fast(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed, 1 passed, 3 deselected" in output, output
    assert "PASSED tests/test_new.py::test_plain" in output, output
    (failure,) = [line for line in output.splitlines() if line.startswith("FAILED")]
    assert failure.startswith("FAILED tests/test_new.py::test_reaches_synthesized_through_a_helper")
    assert "add @pytest.mark.slow" in output, output
    assert "make synth" not in output, output
