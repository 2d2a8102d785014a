"""Synthesize an environment the way users do (`make synth`) and expose its assembly to tests."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from langfuse_aws import load_config
from langfuse_aws.config import EnvironmentConfig
from langfuse_aws.naming import edge_alarms_stack_name, global_stack_name, main_stack_name

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
    edge_alarms_stack: str | None
    manifest: dict[str, Any]
    cli_output: str

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
    """Synthesize ``config_path`` with `make synth VALIDATE=true`: the path users take (the CDK
    CLI, offline) with every validator on, so that the gate validates each shipped config and
    fixture.

    An error annotation, a finding of a validator (cdk-nag, the Control Tower rules,
    CloudFormation validation) or a context lookup makes the CLI exit non-zero, which fails
    here with its output.
    """
    config = load_config(config_path)
    outdir = Path(tempfile.mkdtemp(prefix=f"cdk-{config.name}-"))
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "synth",
            "VALIDATE=true",
            f"CONFIG={config_path}",
            f"OUT={outdir}",
        ],
        cwd=REPO,
        env=dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20"),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"make synth CONFIG={config_path} failed:\n{result.stderr}")
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = {
        artifact["displayName"]: artifact
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    templates = {
        name: json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        for name, artifact in stacks.items()
    }
    main = main_stack_name(config.name)
    global_ = global_stack_name(config.name)
    edge_alarms = edge_alarms_stack_name(config.name)
    return SynthesizedEnvironment(
        config=config,
        outdir=outdir,
        templates=templates,
        main_stack=main,
        global_stack=global_ if global_ in templates else None,
        edge_alarms_stack=edge_alarms if edge_alarms in templates else None,
        manifest=manifest,
        cli_output=result.stdout + result.stderr,
    )


def task_container(env: SynthesizedEnvironment, service: str) -> dict[str, Any]:
    """The essential container of the Web, Worker or ClickHouse task definition: its only one,
    or ClickHouse's server beside the non-essential backup sidecar (ECS: a container is
    essential unless ``Essential`` is false)."""
    for logical_id, resource in env.resources("AWS::ECS::TaskDefinition").items():
        if logical_id.startswith(f"{service}Task"):
            container: dict[str, Any]
            (container,) = [
                c
                for c in resource["Properties"]["ContainerDefinitions"]
                if c.get("Essential", True)
            ]
            return container
    raise KeyError(service)


def role_statements(
    env: SynthesizedEnvironment, service: str, role_property: str
) -> list[dict[str, Any]]:
    """IAM statements of the task or execution role (``TaskRoleArn``/``ExecutionRoleArn``) of
    the Web, Worker or ClickHouse task definition."""
    (task,) = [
        v
        for k, v in env.resources("AWS::ECS::TaskDefinition").items()
        if k.startswith(f"{service}Task")
    ]
    role = task["Properties"][role_property]["Fn::GetAtt"][0]
    return [
        statement
        for policy in env.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
