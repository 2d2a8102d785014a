"""The order CloudFormation creates resources in, read from a template.

CloudFormation creates a resource only after every resource it names through Ref, Fn::GetAtt,
Fn::Sub or DependsOn; that relation, followed transitively, is all the ordering there is.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def _named(value: Any, resources: set[str]) -> set[str]:
    """Logical ids of ``resources`` that ``value`` refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and inner in resources:
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else inner.split(".")[0]
                if target in resources:
                    found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {n for n in SUB_NAME.findall(text) if n in resources}
                if isinstance(inner, list):
                    found |= _named(inner[1], resources)
            else:
                found |= _named(inner, resources)
    elif isinstance(value, list):
        for inner in value:
            found |= _named(inner, resources)
    return found


class DependencyGraph:
    """Direct and transitive creation-order dependencies between a template's resources."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.resources: dict[str, dict[str, Any]] = template["Resources"]
        ids = set(self.resources)
        self.direct: dict[str, set[str]] = {}
        for logical_id, resource in self.resources.items():
            depends_on = resource.get("DependsOn", [])
            depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
            self.direct[logical_id] = set(depends_on) | _named(
                {k: v for k, v in resource.items() if k != "DependsOn"}, ids
            )

    @cache  # noqa: B019 - one graph per synthesized template, kept for the session
    def waits_for(self, logical_id: str) -> frozenset[str]:
        """Every resource created before ``logical_id`` (transitively)."""
        seen: set[str] = set()
        stack = list(self.direct[logical_id])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.direct[current])
        return frozenset(seen)

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        """Resources of CloudFormation type ``kind`` by logical id."""
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}
