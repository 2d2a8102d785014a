"""Fail when the assembly's policy validation report lists any unacknowledged finding.

`cdk synth` exits 0 once any cfn-guard finding has been acknowledged, even when other findings
remain, so the exit code alone does not tell. This reads every plugin's report instead.

    python scripts/check_validation_report.py cdk.out
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPORT = "validation-report.json"


def violations(assembly: Path) -> list[str]:
    """One line per violating resource of every plugin (empty when the report is clean)."""
    path = assembly / REPORT
    if not path.exists():
        return [f"{path}: missing; the compliance plugins did not run"]
    report: dict[str, Any] = json.loads(path.read_text())
    lines = []
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for where in _where(violation):
                lines.append(
                    f"{violation['ruleName']}: {where} ({violation.get('description', '')})"
                )
    return lines


def _where(violation: dict[str, Any]) -> list[str]:
    """The construct path of each resource a violation names (aws-cdk-lib writes
    ``violatingConstructs``; the plugin protocol's own ``violatingResources`` name logical ids)."""
    constructs = violation.get("violatingConstructs") or []
    resources = violation.get("violatingResources") or []
    found = [c.get("constructPath", "?") for c in constructs]
    found += [r.get("resourceLogicalId", "?") for r in resources]
    return found or ["?"]


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
