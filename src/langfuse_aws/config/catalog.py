"""What AWS offers, as CloudFormation's own data says (aws_catalog.json, from cfn-lint)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _catalog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(__file__).with_name("aws_catalog.json")).read_text())
    return data


def regions() -> list[str]:
    """Every AWS region CloudFormation knows."""
    return list(_catalog()["regions"])


def aurora_postgresql_versions() -> list[str]:
    """Aurora PostgreSQL versions a new cluster can still be created with."""
    return list(_catalog()["aurora_postgresql_versions"])


def cache_node_types(region: str) -> list[str]:
    """ElastiCache node types offered in ``region`` (empty when the region is unknown)."""
    return list(_catalog()["cache_node_types"].get(region, []))


@cache
def _zones() -> dict[str, list[str]]:
    data: dict[str, Any] = json.loads(
        (Path(__file__).with_name("availability_zones.json")).read_text()
    )
    return {region: list(letters) for region, letters in data["zones"].items()}


def availability_zones(region: str) -> list[str] | None:
    """Zone names of ``region`` (None when this package has no list for the region)."""
    letters = _zones().get(region)
    return [f"{region}{letter}" for letter in letters] if letters is not None else None
