"""The first run's set-up: it says what it downloads and how long that takes, installs exactly
the pinned versions with a pinned uv, and leaves bytecode that Python will use.

`make -n -W <file>` prints the commands make would run if <file> had just changed, without
running them (GNU make manual, "Instead of Executing Recipes":
https://www.gnu.org/software/make/manual/html_node/Instead-of-Execution.html); a recursive
`$(MAKE)` line still runs, with -n, so the uv bootstrap shows too when its venv is absent.
"""

from __future__ import annotations

import re
import shlex
import struct
import subprocess
import sys
from importlib.util import MAGIC_NUMBER, cache_from_source
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPILE = REPO / "scripts" / "compile_bytecode.py"
# A duration the way a person states it: "1-2 minutes", "under a minute", "up to 4 minutes".
DURATION = re.compile(r"\b(\d+(-\d+)?|a) minutes?\b")


def planned_setup(target: str, changed: str, tmp_path: Path) -> list[str]:
    """The commands `make <target>` would run after `changed` changed, on a machine without uv
    yet (its venv is pointed at an empty folder)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-W", changed, target,
         f"UV_VENV={tmp_path / 'no-uv-yet'}"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_first_setup_says_what_it_downloads_and_how_long(tmp_path: Path) -> None:
    """Issue 18: set-up says the first run downloads a lot and how long it usually takes, in
    one line before it starts (before the first venv is made), not after minutes of silence."""
    for target, changed, venv in (
        ("setup-synth", "pyproject.toml", ".venv"),
        ("setup-checkov", "constraints-checkov.txt", ".venv-checkov"),
    ):
        lines = planned_setup(target, changed, tmp_path)
        first_venv = next(i for i, line in enumerate(lines) if "-m venv" in line)
        notices = [line for line in lines[:first_venv] if line.startswith("echo ")]
        assert notices, f"{target}: nothing said before the first venv is made: {lines}"
        notice = notices[0]
        assert venv in notice and "first run downloads" in notice, notice
        assert re.search(r"\d+ MB", notice), f"{target}: the download's size is missing: {notice}"
        assert DURATION.search(notice), f"{target}: how long it takes is missing: {notice}"


def test_setup_installs_exactly_the_pins_with_a_pinned_uv(tmp_path: Path) -> None:
    """Every install names an exact version or the constraints file: uv itself as uv==X.Y.Z
    (CI starts from a machine with only python3, node and npm, so set-up bootstraps it from
    PyPI), the app and its dev tools with constraints.txt, checkov with its own file."""
    synth = planned_setup("setup-synth", "pyproject.toml", tmp_path)
    checkov = planned_setup("setup-checkov", "constraints-checkov.txt", tmp_path)
    installs = [shlex.split(line) for line in synth + checkov if " install " in line]
    bootstrap = [args for args in installs if "pip" in args and "uv" not in Path(args[0]).name]
    assert bootstrap, f"uv is not bootstrapped from PyPI: {synth}"
    for args in bootstrap:
        assert any(re.fullmatch(r"uv==\d+\.\d+\.\d+", arg) for arg in args), args
    by_uv = [args for args in installs if Path(args[0]).name == "uv"]
    assert [args[args.index("-c") + 1] for args in by_uv] == [
        "constraints.txt",
        "constraints-checkov.txt",
    ], by_uv
    assert "-e" in by_uv[0] and by_uv[0][by_uv[0].index("-e") + 1] == ".[dev]", by_uv[0]
    assert by_uv[1][-1] == "checkov", by_uv[1]
    assert len(installs) == len(bootstrap) + len(by_uv), installs  # no unpinned pip install


def test_compiled_bytecode_is_what_python_loads(tmp_path: Path) -> None:
    """Each source gets a .pyc where the import system looks for it (PEP 3147,
    importlib.util.cache_from_source) whose header Python accepts for that source (PEP 552:
    magic number of this Python, flags 0 = checked by timestamp, then the source's mtime and
    size); a file that does not compile is skipped, as pip does, and the run still succeeds."""
    package = tmp_path / "site-packages" / "pkg"
    (package / "sub").mkdir(parents=True)
    good = [package / "__init__.py", package / "sub" / "mod.py"]
    good[0].write_text("VALUE = 1\n")
    good[1].write_text("def f() -> int:\n    return 2\n")
    broken = package / "broken.py"
    broken.write_text("def (:\n")
    result = subprocess.run(
        [sys.executable, str(COMPILE), str(tmp_path / "site-packages")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for source in good:
        header = Path(cache_from_source(str(source))).read_bytes()[:16]
        magic, flags, mtime, size = header[:4], *struct.unpack("<III", header[4:16])
        stat = source.stat()
        assert (magic, flags, mtime, size) == (MAGIC_NUMBER, 0, int(stat.st_mtime), stat.st_size)
    assert not Path(cache_from_source(str(broken))).exists()
    assert "100 %" in result.stdout and "1 files do not compile" in result.stdout, result.stdout


def test_compile_of_a_missing_folder_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(COMPILE), str(tmp_path / "nowhere")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"compile_bytecode.py: {tmp_path / 'nowhere'}: no such folder; give a venv's site-packages."
    ]
