"""Every YAML example in the README and docs/ is a valid config, so a reader who copies one
gets no error.

A block may be a fragment: it is checked on top of a minimal file (name and region). The
pages write `sha256:...` where the reader puts the digest of their image; the test puts a
well-formed one there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from langfuse_aws.config.loader import build_config
from langfuse_aws.langfuse.auth_variables import access_environment

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
DIGEST = "sha256:" + "0" * 64


def readme_blocks() -> list[str]:
    return [block for page in PAGES for block in YAML_BLOCK.findall(page.read_text("utf-8"))]


def test_the_readme_has_config_examples() -> None:
    assert len(readme_blocks()) >= 8


@pytest.mark.parametrize("block", readme_blocks(), ids=lambda b: b.splitlines()[0][:40])
def test_readme_yaml_example_is_a_valid_config(block: str) -> None:
    document: dict[str, Any] = yaml.safe_load(block.replace("sha256:...", DIGEST))
    build_config({"name": "readme", "region": "eu-west-1", **document}, "README.md")


@pytest.mark.parametrize("block", readme_blocks(), ids=lambda b: b.splitlines()[0][:40])
def test_readme_yaml_example_opens_signup_only_where_it_says_so(block: str) -> None:
    """A reader who copies an example never gets open sign-up without reading `signup: open`.

    Langfuse accepts a password sign-up from anyone who reaches it unless AUTH_DISABLE_SIGNUP or
    AUTH_DISABLE_USERNAME_PASSWORD is "true" (web/src/features/auth-credentials/server/
    signupApiHandler.ts:28-37, langfuse/langfuse @62751446).
    """
    document: dict[str, Any] = yaml.safe_load(block.replace("sha256:...", DIGEST))
    config = build_config({"name": "readme", "region": "eu-west-1", **document}, "README.md")
    variables = access_environment(config.auth)
    anyone = (
        variables["AUTH_DISABLE_SIGNUP"] == "false"
        and variables["AUTH_DISABLE_USERNAME_PASSWORD"] == "false"
    )
    assert not anyone or "signup: open" in block
