"""`langfuse-aws diagram`: the synthesized architecture as Mermaid."""

from __future__ import annotations

import re

from langfuse_aws.cli.diagram import mermaid
from langfuse_aws.cli.target import Target, read_assembly
from synth import REPO, SynthesizedEnvironment


def diagram_of(env: SynthesizedEnvironment) -> str:
    target = read_assembly(Target(path=REPO / "x.yaml", config=env.config), env.outdir)
    return mermaid(target)


def nodes_and_edges(text: str) -> tuple[set[str], list[tuple[str, str]]]:
    nodes = set(re.findall(r"^\s+(\w+)[\[\(\{]", text, re.M))
    edges = re.findall(r"^\s+(\w+) -[.-]*->(?:\|[^|]*\|)? (\w+)$", text, re.M)
    return nodes, edges


def test_every_edge_joins_declared_nodes(any_env: SynthesizedEnvironment) -> None:
    text = diagram_of(any_env)
    assert text.startswith("```mermaid\nflowchart LR\n") and text.endswith("```\n")
    nodes, edges = nodes_and_edges(text)
    assert edges
    for source, target in edges:
        assert source in nodes and target in nodes, (source, target)


def test_example_shows_cloudfront_waf_services_and_stores(example: SynthesizedEnvironment) -> None:
    text = diagram_of(example)
    assert 'subgraph global["us-east-1"]' in text
    assert "AWS WAF web ACL (CLOUDFRONT)" in text
    assert "CloudFront<br/>VPC origin" in text
    assert "Internal Application Load Balancer" in text
    # example.yaml: web and worker 1 vCPU / 2 GiB, ClickHouse 2 vCPU / 8 GiB.
    assert "Langfuse web<br/>Fargate ARM64, 1 vCPU / 2 GB" in text
    assert "ClickHouse<br/>Fargate ARM64, 2 vCPU / 8 GB" in text
    for store in ("Aurora PostgreSQL", "Valkey cache.t4g.small", "EFS ClickHouse data"):
        assert store in text
    assert "Cognito user pool" in text


def test_alb_mode_with_external_clickhouse(alb_domain: SynthesizedEnvironment) -> None:
    text = diagram_of(alb_domain)
    assert "CloudFront" not in text
    domain = alb_domain.config.edge.domain
    assert domain is not None
    host = domain.name
    assert f"Internet-facing Application Load Balancer<br/>{host}" in text
    assert "AWS WAF web ACL (REGIONAL)" in text
    assert "External ClickHouse<br/>" in text
    assert "EFS" not in text


def test_identity_providers_are_shown(
    direct: SynthesizedEnvironment, federated: SynthesizedEnvironment
) -> None:
    text = diagram_of(direct)
    for provider in direct.config.auth.providers:
        assert f'"{provider.type} (direct)"' in text
    cognito = federated.config.auth.cognito
    assert cognito is not None
    for saml in cognito.saml:
        assert f"{saml.name} (SAML) via Cognito" in diagram_of(federated)


def test_readme_shows_the_example_diagram(example: SynthesizedEnvironment) -> None:
    """docs/architecture.md: the architecture diagram is `langfuse-aws diagram example`."""
    assert diagram_of(example) in (REPO / "docs" / "architecture.md").read_text()
