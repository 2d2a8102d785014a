"""Print the cdk-nag findings of the last synth compactly (developer aid)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    """List rule id and construct path of every violation in cdk.out/validation-report.json."""
    report = Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out/validation-report.json")
    data = json.loads(report.read_text())
    for plugin in data["pluginReports"]:
        for violation in plugin["violations"]:
            for construct in violation["violatingConstructs"]:
                print(f"{violation['ruleName']}  {construct['constructPath']}")


if __name__ == "__main__":
    main()
