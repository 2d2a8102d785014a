"""Print a short summary of a synthesized cloud assembly: stacks, resources, URL, auth.

Usage: python scripts/summarize.py [cdk.out]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def render(value: Any) -> str:
    """A CloudFormation value as a readable string (intrinsics shown as <Resource.Attr>)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return str(sep).join(render(p) for p in parts)
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{resource}.{attribute}>"
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetStackOutput" in value:
            ref = value["Fn::GetStackOutput"]
            return f"<{ref['StackName']}.{ref['OutputName']}>"
        if "Fn::ImportValue" in value:
            return f"<import {render(value['Fn::ImportValue'])}>"
    return json.dumps(value)


def summarize(assembly: Path) -> str:
    """Summary lines for every stack in ``assembly``."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    lines = []
    for name, artifact in manifest["artifacts"].items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        resources = template.get("Resources", {})
        kinds = Counter(r["Type"] for r in resources.values())
        region = artifact.get("environment", "").rsplit("/", 1)[-1]
        lines.append(f"Stack {name} ({region}): {len(resources)} resources")
        top = ", ".join(f"{kind.split('::', 1)[1]} x{n}" for kind, n in kinds.most_common(6))
        lines.append(f"  most common: {top}")
        outputs = template.get("Outputs", {})
        for key in ("LangfuseUrl", "LoginUrl", "AuthMode", "WhoCanSignIn", "AlarmDestination"):
            if key in outputs:
                lines.append(f"  {key}: {render(outputs[key]['Value'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")))
