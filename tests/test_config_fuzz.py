"""Property: any YAML document is either a valid environment or the project's ConfigError."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langfuse_aws.config import ConfigError, EnvironmentConfig, parse_config
from langfuse_aws.config.errors import format_segment

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
EXAMPLES = [yaml.safe_load(p.read_text()) for p in sorted(CONFIG_DIR.glob("*.yaml"))]
TOP_LEVEL = set(EnvironmentConfig.model_fields)

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10) | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=12,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(text: str) -> EnvironmentConfig | ConfigError:
    """Parse; only ConfigError may escape (any other exception fails the test)."""
    try:
        return parse_config(text, "fuzz.yaml")
    except ConfigError as error:
        assert error.issues, "a ConfigError always carries at least one issue"
        for issue in error.issues:
            assert issue.message.strip()
            assert str(error).startswith("fuzz.yaml")
        return error


@FUZZ
@given(st.text(max_size=200))
def test_any_text(text: str) -> None:
    outcome(text)


@FUZZ
@given(values)
def test_any_yaml_document(document: Any) -> None:
    outcome(yaml.safe_dump(document))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@FUZZ
@given(
    example=st.sampled_from(EXAMPLES),
    choice=st.integers(min_value=0, max_value=10_000),
    mutation=st.sampled_from(["replace", "delete", "add"]),
    value=values,
    key=st.text(min_size=1, max_size=12),
)
def test_mutated_examples_name_the_field(
    example: dict[str, Any], choice: int, mutation: str, value: Any, key: str
) -> None:
    document = copy.deepcopy(example)
    paths = _paths(document)
    path = paths[choice % len(paths)]
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if mutation == "replace":
        parent[last] = value
    elif mutation == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[key] = value
    result = outcome(yaml.safe_dump(document))
    if isinstance(result, ConfigError):
        for issue in result.issues:
            assert issue.path, f"an issue without a field: {issue.message}"
            known = (*TOP_LEVEL, format_segment(key), *(format_segment(k) for k in document))
            assert issue.path.startswith(known), issue
