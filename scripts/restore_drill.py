"""Restore drill in a checkout: the entry to ``langfuse_aws.restore_drill``.

    python scripts/restore_drill.py Langfuse-prod --region eu-west-1 [--dry-run]

The logic lives in the package; operators run ``langfuse-aws restore-drill ENV``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from langfuse_aws.restore_drill import (
    DrillError,
    StackStores,
    find_stores,
    latest_cluster_snapshot,
    latest_recovery_point,
    main,
    restore_aurora,
    restore_efs,
    run,
)

__all__ = [
    "DrillError",
    "StackStores",
    "find_stores",
    "latest_cluster_snapshot",
    "latest_recovery_point",
    "main",
    "restore_aurora",
    "restore_efs",
    "run",
]

if __name__ == "__main__":
    sys.exit(main())
