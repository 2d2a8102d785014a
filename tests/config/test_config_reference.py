"""The configuration reference (docs/configuration-reference.md) lists every setting, its
default and why, and is current with the config models (run `make docs` after a change).

Issue 18 asks for "a configuration reference generated from the schema (every setting, its
default and why)". What counts as a setting is read here from the pydantic models themselves
(``model_fields``), not from the generator, so a block the generator skipped is caught.
"""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from langfuse_aws.config.models import EnvironmentConfig

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "configuration-reference.md"
# A provider's `type` is the tag of its tagged union (config/providers.py): each provider
# model redeclares it as its own Literal, without a docstring of its own.
TAGS_WITHOUT_DOCSTRING = {"auth.providers[].type"}


def test_committed_reference_is_current(tmp_path: Path) -> None:
    target = tmp_path / "reference.md"
    subprocess.run(
        [sys.executable, "scripts/write_config_reference.py", str(target)], cwd=REPO, check=True
    )
    assert target.read_text() == PAGE.read_text(), "run `make docs` and commit the result"


def models_in(annotation: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """The config blocks an annotation holds, each with `[]` when it is a list's item."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, ""
        return
    origin = typing.get_origin(annotation)
    for argument in typing.get_args(annotation):
        for model, suffix in models_in(argument):
            yield model, ("[]" + suffix) if origin is list else suffix


def settings(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, docstring) of every field of ``model`` and of every block inside it."""
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        yield path, info.description or ""
        for block, suffix in models_in(info.annotation):
            yield from settings(block, path + suffix)


def rows() -> dict[str, list[str]]:
    """The page's table rows by the setting in their first column (a setting of several
    alternatives, e.g. `edge.domain`, has one row per alternative)."""
    found: dict[str, list[str]] = {}
    for line in PAGE.read_text().splitlines():
        match = re.match(r"\| `([^`]+)` \|", line)
        if match:
            found.setdefault(match.group(1), []).append(line)
    return found


def test_every_setting_has_a_row_with_its_docstring() -> None:
    page = rows()
    every = list(settings(EnvironmentConfig))
    assert len(every) > 150  # the models are walked down to the providers' settings
    for path, description in every:
        assert path in page, f"{path} is missing from {PAGE.name}"
        if not description and path in TAGS_WITHOUT_DOCSTRING:
            assert all("decides which settings" in row for row in page[path]), path
            continue
        assert description, f"{path} has no docstring: say what it is, its default and why"
        # One of its rows (a block with alternatives has one per alternative) gives the
        # docstring: every word of it, whatever the page's Markdown escaping.
        words = re.findall(r"[A-Za-z]{4,}", description)
        assert any(all(word in row for word in words) for row in page[path]), path


def test_each_row_states_a_default() -> None:
    """Third column: `required`, a value, none/empty, or the block's own settings."""
    for path, lines in rows().items():
        for line in lines:
            default = line.split(" | ")[2]
            assert default, path
            assert (
                default == "required"
                or default in ("none", "empty", "each setting's own")
                or (default.startswith("`") and default.endswith("`"))
            ), (path, default)


def test_a_setting_with_a_default_shows_that_value() -> None:
    """Spot checks against the models' defaults, written out here from models.py."""
    page = rows()
    assert "| `4.38.0` |" in page["langfuse.version"][0]
    assert "| `retain` |" in page["data_protection"][0]
    assert "| `10.40.0.0/16` |" in page["network.cidr"][0]
    assert "| required |" in page["name"][0]
    assert "| none |" in page["schedule"][0]
