"""Fail when the assembly's policy validation report lists any unacknowledged finding.

`cdk synth` exits 0 once any cfn-guard finding has been acknowledged, even when other findings
remain, so the exit code alone does not tell. This reads every plugin's report instead.

    python scripts/check_validation_report.py cdk.out
"""

from __future__ import annotations

import sys
from pathlib import Path

from langfuse_aws.validation_report import violations


def main(argv: list[str]) -> int:
    """Print the findings and exit 1, or exit 0 on a clean report."""
    assembly = Path(argv[1] if len(argv) > 1 else "cdk.out")
    found = violations(assembly)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(
            f"{len(found)} unacknowledged compliance findings: fix them or acknowledge each "
            "with a reason (src/langfuse_aws/compliance/)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
