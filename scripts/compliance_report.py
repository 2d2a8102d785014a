"""Write compliance/REPORT.md: per example environment, every acknowledged cdk-nag finding."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml
from aws_cdk import App

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from langfuse_aws import FEATURE_FLAGS, LangfuseEnvironment, add_compliance_checks, load_config  # noqa: E402
from langfuse_aws.compliance.report import acknowledgements, render_report  # noqa: E402


def main() -> None:
    """Synthesize every config/*.yaml with cdk-nag and write the report."""
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "compliance/REPORT.md")
    found = {}
    for config in sorted((REPO / "config").glob("*.yaml")):
        outdir = Path(tempfile.mkdtemp(prefix="compliance-"))
        app = App(outdir=str(outdir), context=FEATURE_FLAGS)
        LangfuseEnvironment(app, load_config(config))
        add_compliance_checks(app)
        app.synth()
        found[config.stem] = acknowledgements(outdir)
    accepted = yaml.safe_load((REPO / "compliance" / "checkov-accepted.yaml").read_text())
    target.write_text(render_report(found, accepted))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
