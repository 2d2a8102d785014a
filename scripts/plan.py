"""What a deploy would replace or delete: the Makefile's entry to ``langfuse_aws.plan``.

    python scripts/plan.py OLD_ASSEMBLY NEW_ASSEMBLY   # exit 1 when data would be lost
    python scripts/plan.py --deployed NEW_ASSEMBLY      # compare with what CloudFormation runs

The logic lives in the package (``langfuse-aws plan`` runs it too); this keeps ``make plan``
and ``make deploy`` working in a checkout.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from langfuse_aws.plan import (
    Change,
    assembly_templates,
    deployed_templates,
    is_stateful,
    main,
    plan,
    plan_templates,
    stack_changes,
)

__all__ = [
    "Change",
    "assembly_templates",
    "deployed_templates",
    "is_stateful",
    "main",
    "plan",
    "plan_templates",
    "stack_changes",
]

if __name__ == "__main__":
    sys.exit(main(sys.argv))
