"""The one exception a bad environment file produces, with messages a person can act on."""

from __future__ import annotations

from dataclasses import dataclass


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
