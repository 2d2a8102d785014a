"""Property: any YAML document is either a valid environment or the project's ConfigError."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langfuse_aws.config import ConfigError, EnvironmentConfig, parse_config
from langfuse_aws.config.errors import format_segment
from synth import REPO

CONFIG_DIR = REPO / "config"
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


@FUZZ
@given(major=st.integers(min_value=10, max_value=20), minor=st.integers(min_value=0, max_value=99))
def test_any_well_formed_engine_version(major: int, minor: int) -> None:
    """Issue 17 point 9: a well-formed version Aurora does not know (16.0) crashed the rules."""
    outcome(f"name: tt\nregion: eu-west-1\ndatabase:\n  engine_version: '{major}.{minor}'\n")


# Settings whose pattern admits values AWS or Langfuse do not have: any well-formed value must
# give a config or a ConfigError, never a traceback.
WELL_FORMED = [
    ("database:\n  engine_version: '@@'\n", r"1[5-8]\.\d{1,2}"),
    ("cache:\n  engine_version: '@@'\n", r"\d{1,2}\.\d{1,2}"),
    ("cache:\n  node_type: '@@'\n", r"cache\.[a-z0-9]{1,6}\.[a-z0-9]{1,8}"),
    ("langfuse:\n  version: '@@'\n", r"\d{1,2}\.\d{1,3}\.\d{1,2}"),
    ("clickhouse:\n  image_tag: '@@'\n", r"\d{1,2}\.\d{1,2}\.\d{1,2}\.\d{1,3}"),
    ("network:\n  availability_zones: ['@@', eu-west-1b]\n", r"eu-west-1[a-z]"),
    (
        "data_protection: disposable\nschedule: {timezone: '@@'}\n",
        r"[A-Za-z_]{1,10}/[A-Za-z_]{1,12}",
    ),
]


@FUZZ
@given(data=st.data(), case=st.sampled_from(WELL_FORMED))
def test_any_well_formed_value(data: st.DataObject, case: tuple[str, str]) -> None:
    template, pattern = case
    value = data.draw(st.from_regex(pattern, fullmatch=True))
    outcome("name: tt\nregion: eu-west-1\n" + template.replace("@@", value))
