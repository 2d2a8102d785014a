"""The architecture of a synthesized environment as a Mermaid flowchart, which GitHub renders.

Nodes come from the templates (what will really be deployed: edge, services and their sizes,
stores, alarms) and from the config (identity providers, external ClickHouse).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..config.models import ClickHouseExternalConfig
from ..naming import GLOBAL_REGION, edge_alarms_stack_name, global_stack_name
from .target import StackTemplate, Target


def _label(text: str) -> str:
    """Mermaid node text: quoted, with quotes made harmless."""
    return '"' + text.replace('"', "'") + '"'


class _Flowchart:
    def __init__(self) -> None:
        self.lines = ["flowchart LR"]
        self.nodes: set[str] = set()

    def node(self, node_id: str, text: str, shape: str = "[]", indent: int = 1) -> None:
        """``shape`` is Mermaid's bracket pair: [] box, ([]) stadium, [()] cylinder, {{}} hexagon."""
        self.nodes.add(node_id)
        half = len(shape) // 2
        opening, closing = shape[:half], shape[half:]
        self.lines.append("  " * indent + f"{node_id}{opening}{_label(text)}{closing}")

    def edge(self, source: str, target: str, text: str | None = None, dotted: bool = False) -> None:
        arrow = "-.->" if dotted else "-->"
        middle = f"|{_label(text)}|" if text else ""
        self.lines.append(f"  {source} {arrow}{middle} {target}")

    def open(self, group_id: str, title: str) -> None:
        self.lines.append(f"  subgraph {group_id}[{_label(title)}]")

    def close(self) -> None:
        self.lines.append("  end")


def _service_text(main: StackTemplate, name: str) -> str | None:
    definitions = main.resources("AWS::ECS::TaskDefinition")
    for logical_id, service in main.resources("AWS::ECS::Service").items():
        if not logical_id.startswith(f"{name}Service"):
            continue
        props = service["Properties"]
        task = definitions[props["TaskDefinition"]["Ref"]]["Properties"]
        spot = any(
            s["CapacityProvider"] == "FARGATE_SPOT"
            for s in props.get("CapacityProviderStrategy", [])
        )
        size = f"{int(task['Cpu']) / 1024:g} vCPU / {int(task['Memory']) / 1024:g} GB"
        return f"Langfuse {name.lower()}<br/>Fargate ARM64, {size}" + (", Spot" if spot else "")
    return None


def mermaid(target: Target) -> str:
    """The environment's diagram as Markdown with a mermaid code block."""
    cfg = target.config
    main = target.main_stack
    chart = _Flowchart()
    chart.node("users", "Browsers and SDKs", "([])")
    cloudfront = bool(main.resources("AWS::CloudFront::Distribution"))
    by_name = {s.name: s for s in target.stacks}
    global_stack = by_name.get(global_stack_name(cfg.name))
    edge_alarms = by_name.get(edge_alarms_stack_name(cfg.name))
    host = cfg.edge.domain.name if cfg.edge.domain else None
    if global_stack or edge_alarms:
        chart.open("global", GLOBAL_REGION)
        if global_stack and global_stack.resources("AWS::WAFv2::WebACL"):
            chart.node("waf", "AWS WAF web ACL (CLOUDFRONT)", indent=2)
        if edge_alarms:
            chart.node("edgealarms", "CloudFront and WAF alarms", indent=2)
        chart.close()

    chart.open("region", f"{cfg.region}: {main.name}")
    balancers = list(main.resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values())
    internal = bool(balancers) and balancers[0]["Properties"].get("Scheme") == "internal"
    if cloudfront:
        chart.node("edge", f"CloudFront{' ' + host if host else ''}<br/>VPC origin", indent=2)
    chart.node(
        "alb",
        ("Internal" if internal else "Internet-facing")
        + " Application Load Balancer"
        + ("" if cloudfront or not host else f"<br/>{host}"),
        indent=2,
    )
    if main.resources("AWS::WAFv2::WebACL"):
        chart.node("waf", "AWS WAF web ACL (REGIONAL)", indent=2)
    for name in ("Web", "Worker", "ClickHouse"):
        text = _service_text(main, name)
        if text:
            chart.node(name.lower(), text.replace("Langfuse clickhouse", "ClickHouse"), indent=2)
    for cluster in main.resources("AWS::RDS::DBCluster").values():
        props = cluster["Properties"]
        scaling = props.get("ServerlessV2ScalingConfiguration", {})
        chart.node(
            "aurora",
            f"Aurora PostgreSQL {props.get('EngineVersion', '')}<br/>"
            f"{scaling.get('MinCapacity')} to {scaling.get('MaxCapacity')} ACU",
            "[()]",
            indent=2,
        )
    for group in main.resources("AWS::ElastiCache::ReplicationGroup").values():
        chart.node("valkey", f"Valkey {group['Properties']['CacheNodeType']}", "[()]", indent=2)
    chart.node("s3", "S3 events, media, exports", "[()]", indent=2)
    if main.resources("AWS::EFS::FileSystem"):
        chart.node("efs", "EFS ClickHouse data", "[()]", indent=2)
    if main.resources("AWS::Cognito::UserPool"):
        chart.node("cognito", "Cognito user pool", indent=2)
    alarms = len(main.resources("AWS::CloudWatch::Alarm"))
    if alarms:
        chart.node("alarms", f"CloudWatch dashboard, {alarms} alarms, SNS", indent=2)
    chart.close()

    external = cfg.clickhouse
    if isinstance(external, ClickHouseExternalConfig):
        chart.node("clickhouse", f"External ClickHouse<br/>{urlsplit(external.url).hostname}")
    idps = [f"{p.type}" for p in cfg.auth.providers]
    cognito = cfg.auth.cognito
    federated = (
        [f"{s.name} (SAML)" for s in cognito.saml] + [f"{o.name} (OIDC)" for o in cognito.oidc]
        if cognito
        else []
    )
    for index, idp in enumerate(idps):
        chart.node(f"idp{index}", f"{idp} (direct)", "{{}}")
    for index, idp in enumerate(federated):
        chart.node(f"fed{index}", f"{idp} via Cognito", "{{}}")

    entry = "edge" if cloudfront else "alb"
    chart.edge("users", entry, "HTTP" if cfg.edge.plain_http else "HTTPS")
    if "waf" in chart.nodes:
        chart.edge("waf", entry, "filters", dotted=True)
    if cloudfront:
        chart.edge("edge", "alb")
    chart.edge("alb", "web")
    for service in ("web", "worker"):
        for store in ("aurora", "valkey", "s3", "clickhouse"):
            if store in chart.nodes:
                chart.edge(service, store)
    if "efs" in chart.nodes:
        chart.edge("clickhouse", "efs")
    login = [f"idp{i}" for i in range(len(idps))]
    if "cognito" in chart.nodes:
        chart.edge("web", "cognito", "OIDC sign-in", dotted=True)
        for index in range(len(federated)):
            chart.edge("cognito", f"fed{index}", "federation", dotted=True)
    for node in login:
        chart.edge("web", node, "OIDC sign-in", dotted=True)
    if "edgealarms" in chart.nodes:
        chart.edge("edge", "edgealarms", "metrics", dotted=True)
    return "```mermaid\n" + "\n".join(chart.lines) + "\n```\n"
