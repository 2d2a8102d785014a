"""List the AWS environments (account/region) an assembly's stacks need bootstrapped, and why.

Every stack synthesized with CDK's default synthesizer needs its region bootstrapped: the
template and its assets (Lambda code) are uploaded to the bootstrap bucket, and deploy checks
the bootstrap version. An environment with a us-east-1 stack (CloudFront with a domain, WAF or
alarms, or a Cognito custom domain: see langfuse_aws.naming) needs us-east-1 bootstrapped too.

    python scripts/bootstrap_targets.py cdk.out
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

STACK = "aws:cloudformation:stack"


def bootstrap_targets(assembly: Path) -> dict[str, list[str]]:
    """``aws://<account>/<region>`` -> the stacks deployed there, for every stack of the assembly.

    An environment-agnostic account appears as ``unknown-account``: ``cdk bootstrap`` resolves
    it to the account of the credentials in use.
    """
    manifest = json.loads((assembly / "manifest.json").read_text())
    targets: dict[str, list[str]] = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] == STACK:
            targets.setdefault(artifact["environment"], []).append(name)
    return dict(sorted(targets.items()))


def main(argv: list[str]) -> int:
    """Print each environment and the stacks that need it."""
    assembly = Path(argv[1] if len(argv) > 1 else "cdk.out")
    for environment, stacks in bootstrap_targets(assembly).items():
        print(f"{environment}  ({', '.join(stacks)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
