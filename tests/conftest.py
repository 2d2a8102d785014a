"""Test-session set-up: the fast/slow split, and each environment synthesized once per run.

A test is ``slow`` when it needs a synthesized environment: it requests one of the environment
fixtures below (directly or through another fixture), or it or one of its fixtures calls
``synthesized(...)``/``synthesize(...)``. Those are marked here, at collection, so that a new
test is classified without anyone remembering to; tests that are slow for another reason (a
subprocess synth, checkov, a wheel build, the docs build) carry an explicit
``@pytest.mark.slow``. `make test-fast` (``pytest -m "not slow"``) runs the rest; a test that
reaches ``synthesized(...)`` without the mark fails with the fix, so the split cannot rot.

Each environment is synthesized once per run, also under pytest-xdist (`make unit`): every
process reads it from one folder of the run, where the first process to need it writes it
under a file lock while the others wait for it.
"""

from __future__ import annotations

import ast
import fcntl
import inspect
import os
import pickle
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import EXAMPLE_CONFIGS, FIXTURE_CONFIGS, SynthesizedEnvironment, synthesize

EXAMPLE_NAMES = [p.stem for p in EXAMPLE_CONFIGS]
ALL_NAMES = EXAMPLE_NAMES + [p.stem for p in FIXTURE_CONFIGS]

SLOW = "slow"
# The fixtures that return one synthesized environment, and the environment each one is.
NAMED_ENVIRONMENTS = {
    "example": "example",
    "dev": "dev",
    "prod": "prod",
    "alb_domain": "alb-domain",
    "v3": "v3",
    "upgrade": "v3-upgrade",
    "federated": "federated",
    "direct": "direct-providers",
    "headless": "headless",
    "internal": "internal",
    "images": "images",
}
PARAMETRIZED_ENVIRONMENTS = ("example_env", "any_env")
ENVIRONMENT_FIXTURES = frozenset(NAMED_ENVIRONMENTS) | frozenset(PARAMETRIZED_ENVIRONMENTS)
# What a test's or a fixture's own code calls to get a synthesized environment.
SYNTHESIZE_CALLS = frozenset({"synthesized", "synthesize"})
# A whole-suite run needs every environment: it synthesizes them all ahead, two at a time.
PREFETCH_ABOVE_ITEMS = 200
PARALLEL_SYNTHS = 2

_CACHE: dict[str, SynthesizedEnvironment] = {}
_RUNNING: list[pytest.Item] = []
# The run's folder of synthesized environments; xdist workers inherit it from the controller.
SHARED_FOLDER = "LANGFUSE_AWS_TEST_ENVIRONMENTS"
NO_PREFETCH = "LANGFUSE_AWS_TEST_NO_PREFETCH"
"""Set to 1 (as `make mutate` does, with ``-x``): synthesize an environment only when a test
needs it, so that a run stopped at its first failure does not wait for the others."""


def _path(name: str) -> Path:
    return next(p for p in (*EXAMPLE_CONFIGS, *FIXTURE_CONFIGS) if p.stem == name)


@contextmanager
def _locked(name: str) -> Iterator[Path]:
    """Holds the run-wide lock of environment ``name``; yields where its pickle is kept."""
    folder = Path(os.environ[SHARED_FOLDER])
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder / f"{name}.pickle"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _load_or_synthesize(name: str) -> SynthesizedEnvironment:
    """The environment from this run's folder, synthesizing it first if no process has."""
    if name in _CACHE:
        return _CACHE[name]
    with _locked(name) as stored:
        if stored.exists():
            env: SynthesizedEnvironment = pickle.loads(stored.read_bytes())
        else:
            env = synthesize(_path(name))
            stored.write_bytes(pickle.dumps(env))
    _CACHE[name] = env
    return env


def synthesized(name: str) -> SynthesizedEnvironment:
    """The environment ``name`` (a config/ or tests/fixtures/ file stem), synthesized once per
    run. Only a test marked slow may ask for one: `make test-fast` must not synthesize."""
    if _RUNNING and _RUNNING[-1].get_closest_marker(SLOW) is None:
        pytest.fail(
            f"{_RUNNING[-1].nodeid} synthesizes the environment {name!r} but is not marked "
            "slow: add @pytest.mark.slow to it (tests/conftest.py marks only tests that request "
            "an environment fixture or call synthesized(...) in their own code)",
            pytrace=False,
        )
    return _load_or_synthesize(name)


@cache
def _calls_synthesize(function: Callable[..., Any]) -> bool:
    """Whether the code of ``function`` calls synthesized(...) or synthesize(...) (under any
    module prefix); its docstring and comments do not count."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    return any(
        isinstance(node, ast.Call) and _name(node.func) in SYNTHESIZE_CALLS
        for node in ast.walk(tree)
    )


def _name(called: ast.expr) -> str | None:
    if isinstance(called, ast.Name):
        return called.id
    return called.attr if isinstance(called, ast.Attribute) else None


def needs_an_environment(item: pytest.Item) -> bool:
    """Whether ``item`` requests an environment fixture (at any depth) or its test function or
    one of its fixtures calls synthesized(...)/synthesize(...) itself."""
    if not isinstance(item, pytest.Function):
        return False
    if ENVIRONMENT_FIXTURES & set(item.fixturenames):
        return True
    fixtures = [d.func for defs in item._fixtureinfo.name2fixturedefs.values() for d in defs]
    return any(_calls_synthesize(f) for f in (item.function, *fixtures))


def pytest_configure(config: pytest.Config) -> None:
    """In the controlling process, makes the run's folder of synthesized environments."""
    if not hasattr(config, "workerinput"):
        os.environ[SHARED_FOLDER] = tempfile.mkdtemp(prefix="langfuse-aws-envs-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(SHARED_FOLDER), ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks every test that needs a synthesized environment ``slow`` (first, so that
    ``-m "not slow"`` sees the marks)."""
    for item in items:
        if needs_an_environment(item):
            item.add_marker(SLOW)


def _needed(items: list[pytest.Item]) -> list[str]:
    """The environments ``items`` request through the environment fixtures, in suite order."""
    found: set[str] = set()
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        for fixture in PARAMETRIZED_ENVIRONMENTS:
            if fixture in names and callspec is not None:
                found.add(callspec.params[fixture])
        found |= {NAMED_ENVIRONMENTS[n] for n in names & NAMED_ENVIRONMENTS.keys()}
    return [n for n in ALL_NAMES if n in found]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Synthesizes ahead, in the background, the environments the selected tests need (all of
    them on a whole-suite run), two at a time over the whole run: under xdist each worker
    takes its share, and a test that needs one waits for it."""
    if session.config.option.collectonly or os.environ.get(NO_PREFETCH) == "1":
        return
    slow = [item for item in session.items if item.get_closest_marker(SLOW)]
    names = ALL_NAMES if len(slow) > PREFETCH_ABOVE_ITEMS else _needed(slow)
    xdist = getattr(session.config, "workerinput", {"workerid": "gw0", "workercount": 1})
    worker, workers = int(xdist["workerid"].removeprefix("gw")), int(xdist["workercount"])
    share = names[worker::workers]
    if not share:
        return
    pool = ThreadPoolExecutor(max_workers=max(1, PARALLEL_SYNTHS // workers))
    for name in share:
        pool.submit(_load_or_synthesize, name)
    pool.shutdown(wait=False)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _RUNNING.append(item)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    _RUNNING.remove(item)


@pytest.fixture(scope="session", params=EXAMPLE_NAMES)
def example_env(request: pytest.FixtureRequest) -> SynthesizedEnvironment:
    """Each shipped example environment (config/*.yaml)."""
    return synthesized(request.param)


@pytest.fixture(scope="session", params=ALL_NAMES)
def any_env(request: pytest.FixtureRequest) -> SynthesizedEnvironment:
    """Each example and each test fixture environment."""
    return synthesized(request.param)


@pytest.fixture(scope="session")
def example() -> SynthesizedEnvironment:
    """config/example.yaml."""
    return synthesized("example")


@pytest.fixture(scope="session")
def dev() -> SynthesizedEnvironment:
    """config/dev.yaml."""
    return synthesized("dev")


@pytest.fixture(scope="session")
def prod() -> SynthesizedEnvironment:
    """config/prod.yaml."""
    return synthesized("prod")


@pytest.fixture(scope="session")
def alb_domain() -> SynthesizedEnvironment:
    """tests/fixtures/alb-domain.yaml: alb mode, custom domain, external ClickHouse."""
    return synthesized("alb-domain")


@pytest.fixture(scope="session")
def v3() -> SynthesizedEnvironment:
    """tests/fixtures/v3.yaml: a Langfuse v3 release, an explicit Cognito domain prefix."""
    return synthesized("v3")


@pytest.fixture(scope="session")
def upgrade() -> SynthesizedEnvironment:
    """tests/fixtures/v3-upgrade.yaml: v4 in legacy migration mode."""
    return synthesized("v3-upgrade")


@pytest.fixture(scope="session")
def federated() -> SynthesizedEnvironment:
    """tests/fixtures/federated.yaml: Cognito custom domain, SAML + OIDC federation."""
    return synthesized("federated")


@pytest.fixture(scope="session")
def direct() -> SynthesizedEnvironment:
    """tests/fixtures/direct-providers.yaml: every kind of direct provider field."""
    return synthesized("direct-providers")


@pytest.fixture(scope="session")
def headless() -> SynthesizedEnvironment:
    """tests/fixtures/headless.yaml: LANGFUSE_INIT_*, SES mail for Langfuse and Cognito."""
    return synthesized("headless")


@pytest.fixture(scope="session")
def internal() -> SynthesizedEnvironment:
    """tests/fixtures/internal.yaml: existing VPC, edge.mode internal."""
    return synthesized("internal")


@pytest.fixture(scope="session")
def images() -> SynthesizedEnvironment:
    """tests/fixtures/images.yaml: ghcr.io, an ECR pull-through cache, digests everywhere."""
    return synthesized("images")


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials anywhere boto3 looks: environment, files, instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
