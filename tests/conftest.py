"""Each example and fixture environment is synthesized once per test session."""

from __future__ import annotations

import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import EXAMPLE_CONFIGS, FIXTURE_CONFIGS, SynthesizedEnvironment, synthesize

_CACHE: dict[str, SynthesizedEnvironment] = {}
_PENDING: dict[str, Future[SynthesizedEnvironment]] = {}
# A whole-suite run synthesizes every environment; doing two at a time uses both cores.
PREFETCH_ABOVE_ITEMS = 200


def _path(name: str) -> Path:
    return next(p for p in (*EXAMPLE_CONFIGS, *FIXTURE_CONFIGS) if p.stem == name)


def synthesized(name: str) -> SynthesizedEnvironment:
    """The environment ``name`` (a config/ or tests/fixtures/ file stem), synthesized once."""
    if name not in _CACHE:
        pending = _PENDING.pop(name, None)
        _CACHE[name] = pending.result() if pending else synthesize(_path(name))
    return _CACHE[name]


def pytest_collection_finish(session: pytest.Session) -> None:
    """On a whole-suite run, synthesize every environment in the background, two at a time."""
    if len(session.items) <= PREFETCH_ABOVE_ITEMS:
        return
    pool = ThreadPoolExecutor(max_workers=2)
    for name in ALL_NAMES:
        _PENDING[name] = pool.submit(synthesize, _path(name))
    pool.shutdown(wait=False)


EXAMPLE_NAMES = [p.stem for p in EXAMPLE_CONFIGS]
ALL_NAMES = EXAMPLE_NAMES + [p.stem for p in FIXTURE_CONFIGS]


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
