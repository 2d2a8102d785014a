"""The record that the validators passed on a cloud assembly (see src/langfuse_aws/validated_assembly.py).

python scripts/validated.py check cdk.out        # exit 0 when they passed on this content
python scripts/validated.py mark cdk.out         # record it (after a validating synth)
python scripts/validated.py carry OLD NEW        # keep OLD's record if NEW is the same
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from langfuse_aws.validated_assembly import (
    carry_record,
    content_hash,
    is_validated,
    mark_validated,
)

USAGE = "usage: validated.py check|mark ASSEMBLY, or validated.py carry OLD NEW"


def main(argv: list[str]) -> int:
    """Run one subcommand; exit 2 with the usage on anything else."""
    command, *paths = argv[1:] or [""]
    assemblies = [Path(p) for p in paths]
    if command in ("check", "mark") and len(assemblies) == 1:
        (assembly,) = assemblies
        if not (assembly / "manifest.json").is_file():
            print(f"{assembly}: no manifest.json; synthesize first (make synth).", file=sys.stderr)
            return 2
        short = content_hash(assembly)[:12]
        if command == "mark":
            mark_validated(assembly)
            return 0
        if is_validated(assembly):
            print(f"Validators passed on this assembly before ({short}): not running them again.")
            return 0
        print(
            f"Assembly {short} not validated yet: running cdk-nag, the Control Tower rules and "
            "CloudFormation validation on it once."
        )
        return 1
    if command == "carry" and len(assemblies) == 2:
        old, new = assemblies
        if old.is_dir():
            carry_record(old, new)
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
