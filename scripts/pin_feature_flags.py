"""Pin every CDK feature flag this app does not choose to the value CDK uses when it is unset.

CDK prints "N feature flags are not configured" on every synth until each flag has a value.
Pinning them at CDK's own unconfigured behaviour silences that notice without changing a single
template, and makes a later aws-cdk-lib upgrade show new flags as a diff of the pinned file.

    python scripts/pin_feature_flags.py cdk.out src/langfuse_aws/feature_flags_pinned.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPORT_TYPE = "cdk:feature-flag-report"


def unconfigured_values(assembly: Path) -> dict[str, object]:
    """Each flag of the assembly's feature-flag report that has no user value, at its default."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    (report,) = [a for a in manifest["artifacts"].values() if a["type"] == REPORT_TYPE]
    pinned: dict[str, object] = {}
    for flag, info in sorted(report["properties"]["flags"].items()):
        if "userValue" in info:
            continue
        behaves_like = info.get("unconfiguredBehavesLike", {})
        if "v2" in behaves_like:
            pinned[flag] = behaves_like["v2"]
        elif isinstance(info.get("recommendedValue"), bool):
            pinned[flag] = False
    return pinned


def main(argv: list[str]) -> int:
    """Merge the unconfigured flags of ``argv[1]`` into the JSON file ``argv[2]``."""
    assembly, target = Path(argv[1]), Path(argv[2])
    existing = json.loads(target.read_text()) if target.exists() else {}
    merged = dict(sorted({**existing, **unconfigured_values(assembly)}.items()))
    target.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"{target}: {len(merged)} flags pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
