"""Write the AWS facts config validation needs, from the data cfn-lint ships.

cfn-lint carries what CloudFormation accepts per region: the regions, the ElastiCache node types
offered in each, and the Aurora PostgreSQL versions (with the deprecated ones that can no longer
be created). Copying them into the package lets `load_config` refuse what AWS would refuse
without cfn-lint at run time; rerun after upgrading cfn-lint.

    python scripts/write_aws_catalog.py src/langfuse_aws/config/aws_catalog.json
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cfnlint
from cfnlint.helpers import REGIONS

EXTENSIONS = Path(cfnlint.__file__).parent / "data" / "schemas" / "extensions"
AURORA = "aurora-postgresql"


def _engine_versions(path: Path) -> set[str]:
    document: dict[str, Any] = json.loads(path.read_text())
    for condition in document["allOf"]:
        engine = condition["if"]["properties"].get("Engine", {})
        if engine.get("const") == AURORA:
            then = condition.get("then")
            if isinstance(then, dict) and "EngineVersion" in then.get("properties", {}):
                return set(then["properties"]["EngineVersion"]["enum"])
            return set(condition["if"]["properties"]["EngineVersion"]["enum"])
    return set()


def catalog() -> dict[str, Any]:
    """Regions, node types per region and creatable Aurora PostgreSQL versions."""
    versions = _engine_versions(EXTENSIONS / "aws_rds_dbcluster" / "engine_version.json")
    deprecated = _engine_versions(
        EXTENSIONS / "aws_rds_dbcluster" / "engine_version_deprecated.json"
    )
    node_types = json.loads(
        (EXTENSIONS / "aws_elasticache_cachecluster" / "cachenodetype_enum.json").read_text()
    )
    return {
        "source": f"cfn-lint {version('cfn-lint')}",
        "regions": sorted(REGIONS),
        "aurora_postgresql_versions": sorted(versions - deprecated),
        "cache_node_types": {
            region: sorted(entry["enum"])
            for region, entry in sorted(node_types.items())
            if isinstance(entry, dict)
        },
    }


def main(argv: list[str]) -> int:
    """Write the catalog to ``argv[1]``."""
    target = Path(argv[1])
    target.write_text(json.dumps(catalog(), indent=1, sort_keys=True) + "\n")
    print(f"{target}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
