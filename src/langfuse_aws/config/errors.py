"""The one exception a bad environment file produces, with messages a person can act on."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_PLAIN_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")


def format_segment(part: object) -> str:
    """One path segment; keys with dots, spaces or nothing in them are quoted to stay readable."""
    text = str(part)
    return text if _PLAIN_SEGMENT.match(text) else repr(text)


def format_path(parts: Iterable[object]) -> str:
    """A dotted field path such as ``edge.domain.zone_id`` or ``auth.providers.0.issuer``."""
    return ".".join(format_segment(part) for part in parts)


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file: the dotted field path and what to do about it."""

    path: str
    message: str

    def render(self, source: str) -> str:
        """Format as `<file>: <path> <message>`, the form every config error takes."""
        where = f"{source}: {self.path}" if self.path else source
        return f"{where} {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(Exception):
    """Raised for any invalid environment configuration, before any construct is built.

    ``str(error)`` lists every issue, one per line, each naming the file, the field and the fix.
    """

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__("\n".join(issue.render(source) for issue in issues))
