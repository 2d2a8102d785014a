"""The findings of a cloud assembly's policy validation report (cdk-nag, cfn-guard and
CloudFormation validation write it when a synth validates).

`cdk synth` exits 0 once any cfn-guard finding has been acknowledged, even when other findings
remain, so the exit code alone does not tell: `make synth VALIDATE=true` and the command line's
`check` and `deploy` read every plugin's report here instead. Plain JSON, no jsii import.
"""

from __future__ import annotations

import json
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
