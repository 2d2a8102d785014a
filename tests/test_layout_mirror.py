"""Tests mirror the source tree, so that a change to a construct module has an obvious test file.

Issue 19, and DESIGN.md (Layout): ``tests/`` mirrors ``src/``; every construct module
``src/langfuse_aws/constructs/<group>/<name>.py`` has its in-process tests in
``tests/constructs/<group>/test_<name>.py``. pytest imports test modules by basename (rootdir
relative, without ``__init__.py``), so two test files with one basename cannot both run: the
mirror name gives way where the basename is taken, and EXCEPTIONS says where those tests are.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONSTRUCTS = REPO / "src" / "langfuse_aws" / "constructs"
TESTS = REPO / "tests"
# Construct modules whose mirror basename is taken elsewhere under tests/, and where their
# tests are instead (each taken basename named).
EXCEPTIONS = {
    # tests/test_protection.py (the environment-wide security checks) holds test_protection.
    "data/protection.py": "constructs/data/test_data_protection.py",
}
# The Lambda function's code is a package of its own, tested as tests/constructs/login/
# test_presignup.py; it is not a construct module.
NOT_CONSTRUCT_MODULES = ("login/presignup/",)


def construct_modules() -> list[str]:
    """Every construct module as ``<group>/<name>.py``."""
    found = []
    for path in sorted(CONSTRUCTS.glob("*/**/*.py")):
        relative = path.relative_to(CONSTRUCTS).as_posix()
        if path.name == "__init__.py" or relative.startswith(NOT_CONSTRUCT_MODULES):
            continue
        found.append(relative)
    return found


def expected_test(module: str) -> str:
    """``constructs/<group>/test_<name>.py``, or the documented exception."""
    if module in EXCEPTIONS:
        return EXCEPTIONS[module]
    group, name = module.rsplit("/", 1)
    return f"constructs/{group}/test_{name}"


def test_the_source_tree_has_construct_modules() -> None:
    """Guards the checks below against a moved source tree (they would pass vacuously)."""
    modules = construct_modules()
    assert "data/database.py" in modules
    assert {m.split("/")[0] for m in modules} >= {"compute", "data", "edge", "login"}


def test_every_construct_module_has_its_mirrored_test_file() -> None:
    missing = [
        f"{module} -> tests/{expected_test(module)}"
        for module in construct_modules()
        if not (TESTS / expected_test(module)).is_file()
    ]
    assert not missing, "construct modules without their mirrored test file:\n" + "\n".join(missing)


def test_every_exception_names_a_module_and_a_test_file_that_exist() -> None:
    for module, test_file in EXCEPTIONS.items():
        assert (CONSTRUCTS / module).is_file(), module
        assert (TESTS / test_file).is_file(), test_file
        taken = f"test_{Path(module).name}"
        assert any(p.name == taken for p in TESTS.rglob(taken)), f"{taken} is not taken"


def test_no_test_module_basename_is_used_twice() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    twice = sorted(name for name, count in names.items() if count > 1)
    assert not twice, f"test module basenames used more than once under tests/: {twice}"
