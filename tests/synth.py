"""Synthesize an environment the way app.py does and expose its templates to tests."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Template

from langfuse_aws import FEATURE_FLAGS, LangfuseEnvironment, add_compliance_checks, load_config
from langfuse_aws.config import EnvironmentConfig

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIGS = sorted((REPO / "config").glob("*.yaml"))
FIXTURE_CONFIGS = sorted((REPO / "tests" / "fixtures").glob("*.yaml"))


@dataclass
class SynthesizedEnvironment:
    """One synthesized environment: config, stack names and raw templates."""

    config: EnvironmentConfig
    outdir: Path
    templates: dict[str, dict[str, Any]]
    main_stack: str
    global_stack: str | None

    @property
    def main(self) -> dict[str, Any]:
        """The main stack's template as a dict."""
        return self.templates[self.main_stack]

    def template(self, stack: str | None = None) -> Template:
        """An assertions Template of ``stack`` (default: the main stack)."""
        return Template.from_json(self.templates[stack or self.main_stack])

    def resources(self, kind: str, stack: str | None = None) -> dict[str, dict[str, Any]]:
        """Resources of CloudFormation type ``kind`` by logical id."""
        template = self.templates[stack or self.main_stack]
        return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def synthesize(config_path: Path) -> SynthesizedEnvironment:
    """Build and synthesize with cdk-nag on: a finding fails here, as it does in app.py."""
    config = load_config(config_path)
    outdir = Path(tempfile.mkdtemp(prefix=f"cdk-{config.name}-"))
    app = App(outdir=str(outdir), context=FEATURE_FLAGS)
    env = LangfuseEnvironment(app, config)
    add_compliance_checks(app)
    app.synth()
    templates = {
        stack.stack_name: json.loads((outdir / stack.template_file).read_text())
        for stack in env.stacks
    }
    return SynthesizedEnvironment(
        config=config,
        outdir=outdir,
        templates=templates,
        main_stack=env.main_stack.stack_name,
        global_stack=env.global_stack.stack_name if env.global_stack else None,
    )


def task_container(env: SynthesizedEnvironment, service: str) -> dict[str, Any]:
    """The single container definition of the Web, Worker or ClickHouse task definition."""
    for logical_id, resource in env.resources("AWS::ECS::TaskDefinition").items():
        if logical_id.startswith(f"{service}Task"):
            (container,) = resource["Properties"]["ContainerDefinitions"]
            return container
    raise KeyError(service)
