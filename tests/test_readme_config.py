"""Every YAML example in the README is a valid config, so a reader who copies one gets no error.

A block may be a fragment: it is checked on top of a minimal file (name and region). The
README writes `sha256:...` where the reader puts the digest of their image; the test puts a
well-formed one there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from langfuse_aws.config.loader import build_config

README = Path(__file__).resolve().parents[1] / "README.md"
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
DIGEST = "sha256:" + "0" * 64


def readme_blocks() -> list[str]:
    return YAML_BLOCK.findall(README.read_text(encoding="utf-8"))


def test_the_readme_has_config_examples() -> None:
    assert len(readme_blocks()) >= 8


@pytest.mark.parametrize("block", readme_blocks(), ids=lambda b: b.splitlines()[0][:40])
def test_readme_yaml_example_is_a_valid_config(block: str) -> None:
    document: dict[str, Any] = yaml.safe_load(block.replace("sha256:...", DIGEST))
    build_config({"name": "readme", "region": "eu-west-1", **document}, "README.md")
