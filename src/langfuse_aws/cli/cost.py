"""Monthly cost estimate read from the synthesized templates and a shipped price table.

Every resource that runs around the clock is priced at its configured size (a NAT gateway,
each Fargate task at its CPU and memory and capacity provider, Aurora at its minimum ACU,
each cache node, the load balancer, web ACL rules, alarms, secrets, keys). What grows with
traffic and data is listed separately, as unit prices with the assumption they depend on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .target import StackTemplate, Target

PRICES_FILE = Path(__file__).with_name("prices.json")
PUBLISHING_VARIABLE = "ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING"
# ClickHouse runs this much longer than web and worker at each end of office hours.
CLICKHOUSE_LEAD_MINUTES = 15


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    """The shipped price table (its date and source are inside)."""
    prices: dict[str, Any] = json.loads(path.read_text())
    return prices


def check_priced(region: str, prices: dict[str, Any] | None = None, where: str = "cost") -> None:
    """Refuse, in one line naming ``where`` (the config file), a region the price table has no
    prices for.

    The CLI calls this before synthesizing, so an unpriced region costs the operator no synth.
    The table holds only prices read from AWS's public price pages; a region without them stays
    unknown rather than guessed.
    """
    table = prices or load_prices()
    if region not in table["regions"]:
        known = ", ".join(sorted(table["regions"]))
        raise ValueError(
            f"{where}: region {region} has no prices in the price table ({PRICES_FILE.name}, "
            f"AWS list prices of {table['date']}), which knows {known}. Fix: estimate a copy of "
            f"the config set to one of those regions, or add {region}'s prices, each with its "
            f"source and date, to {PRICES_FILE}."
        )


@dataclass(frozen=True)
class CostLine:
    """One always-on item and what it costs a month; ``office_hours`` is its share of the
    month under the YAML's schedule (1 when it runs around the clock)."""

    item: str
    monthly: float
    basis: str
    office_hours: float = 1.0


@dataclass(frozen=True)
class UsageCharge:
    """A charge that grows with traffic or data: its unit price, and what an assumed month of
    use would add."""

    item: str
    unit_price: str
    assumption: str = ""
    example: float = 0.0


@dataclass
class Estimate:
    """The monthly estimate of one environment."""

    environment: str
    region: str
    price_date: str
    fixed: list[CostLine] = field(default_factory=list)
    usage: list[UsageCharge] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        """The sum of the always-on items."""
        return sum(line.monthly for line in self.fixed)

    @property
    def office_hours_total(self) -> float | None:
        """The sum with each scheduled item billed only in office hours (None: no schedule)."""
        if all(line.office_hours == 1.0 for line in self.fixed):
            return None
        return round(sum(line.monthly * line.office_hours for line in self.fixed), 2)


class _Pricer:
    """Prices the resources of one environment's stacks."""

    def __init__(self, target: Target, prices: dict[str, Any]) -> None:
        region = target.config.region
        check_priced(region, prices, str(target.path))
        self.target = target
        self.region: dict[str, Any] = prices["regions"][region]
        self.common: dict[str, Any] = prices["global"]
        self.prices = prices
        self.hours: float = prices["hours_per_month"]
        self.estimate = Estimate(target.config.name, region, prices["date"])

    def add(self, item: str, monthly: float, basis: str, office_hours: float = 1.0) -> None:
        self.estimate.fixed.append(CostLine(item, round(monthly, 2), basis, office_hours))

    def office_share(self, lead_minutes: int) -> float:
        """Share of the month a scheduled service runs (ClickHouse has a lead at both ends)."""
        schedule = self.target.config.schedule
        if schedule is None:
            return 1.0
        start_h, start_m = (int(p) for p in schedule.start.split(":"))
        stop_h, stop_m = (int(p) for p in schedule.stop.split(":"))
        minutes = (stop_h * 60 + stop_m) - (start_h * 60 + start_m) + 2 * lead_minutes
        weeks_per_month = self.hours / (7 * 24)
        return min(1.0, len(schedule.days) * minutes / 60 * weeks_per_month / self.hours)

    def hourly(self, price: float) -> float:
        return price * self.hours

    def _per_hour(self, item: str, count: int, price_key: str, basis: str) -> None:
        """``count`` of ``item`` billed by the hour at the region's ``price_key``, if any."""
        if count:
            price = self.region[price_key]
            self.add(f"{item} x{count}", count * self.hourly(price), f"${price}/h{basis}")

    def run(self) -> Estimate:
        main = self.target.main_stack
        self._nat(main)
        self._public_addresses(main)
        self._services(main)
        self._aurora(main)
        self._cache(main)
        self._load_balancers(main)
        for stack in self.target.stacks:
            self._small_items(stack)
        self._usage(main)
        return self.estimate

    def _nat(self, main: StackTemplate) -> None:
        gateways = len(main.resources("AWS::EC2::NatGateway"))
        self._per_hour("NAT gateway", gateways, "nat_gateway_hour", " each")
        node_prices = self.prices["us_east_1_instance_hour"]
        for instance in main.resources("AWS::EC2::Instance").values():
            kind = instance["Properties"]["InstanceType"]
            if kind not in node_prices:
                self.estimate.unpriced.append(f"EC2 instance {kind}")
                continue
            price = node_prices[kind] * self.region["region_factor"]
            volume = self.prices["assumptions"]["nat_instance_volume_gb"]
            self.add(
                f"NAT instance {kind}",
                self.hourly(price) + volume * self.common["ebs_gp3_gb_month"],
                f"${price:.4f}/h + {volume} GB gp3",
            )

    def _public_addresses(self, main: StackTemplate) -> None:
        addresses = len(main.resources("AWS::EC2::EIP"))
        addresses += len(main.resources("AWS::EC2::Instance"))  # NAT instances
        for balancer in main.resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values():
            if balancer["Properties"].get("Scheme") != "internal":
                addresses += len(balancer["Properties"].get("Subnets", []))
        self._per_hour("Public IPv4 addresses", addresses, "public_ipv4_hour", " each")

    def _services(self, main: StackTemplate) -> None:
        definitions = main.resources("AWS::ECS::TaskDefinition")
        for logical_id, service in sorted(main.resources("AWS::ECS::Service").items()):
            props = service["Properties"]
            task = definitions[props["TaskDefinition"]["Ref"]]["Properties"]
            vcpu, memory_gb = int(task["Cpu"]) / 1024, int(task["Memory"]) / 1024
            per_task = self.hourly(
                vcpu * self.region["fargate_arm_vcpu_hour"]
                + memory_gb * self.region["fargate_arm_gb_hour"]
            )
            desired = int(props.get("DesiredCount", 1))
            on_demand, spot = _split_by_strategy(desired, props.get("CapacityProviderStrategy"))
            spot_price = per_task * (1 - self.common["fargate_spot_discount"])
            name = logical_id.removesuffix("Service").split("Service")[0]
            where = f"{on_demand} on-demand" + (f" + {spot} Spot" if spot else "")
            lead = CLICKHOUSE_LEAD_MINUTES if name == "ClickHouse" else 0
            self.add(
                f"Fargate {name} {vcpu:g} vCPU / {memory_gb:g} GB x{desired}",
                on_demand * per_task + spot * spot_price,
                f"{where}, ARM64",
                self.office_share(lead),
            )

    def _aurora(self, main: StackTemplate) -> None:
        clusters = main.resources("AWS::RDS::DBCluster")
        instances = [
            i
            for i in main.resources("AWS::RDS::DBInstance").values()
            if i["Properties"].get("DBInstanceClass") == "db.serverless"
        ]
        for cluster in clusters.values():
            scaling = cluster["Properties"].get("ServerlessV2ScalingConfiguration", {})
            minimum = float(scaling.get("MinCapacity", 0.5))
            price = self.region["aurora_acu_hour"]
            basis = f"{len(instances)} instance(s) at the minimum {minimum:g} ACU, ${price}/ACU-h"
            if minimum == 0:
                basis = "pauses when idle (0 ACU); each running hour costs from 0.5 ACU"
            self.add(
                "Aurora Serverless v2",
                len(instances) * minimum * self.hourly(price),
                basis,
            )

    def _cache(self, main: StackTemplate) -> None:
        table = self.prices["us_east_1_cache_node_hour"]
        for group in main.resources("AWS::ElastiCache::ReplicationGroup").values():
            props = group["Properties"]
            kind = props["CacheNodeType"]
            nodes = int(props.get("NumCacheClusters") or 0) or int(
                props.get("NumNodeGroups", 1)
            ) * (int(props.get("ReplicasPerNodeGroup", 0)) + 1)
            if kind not in table:
                self.estimate.unpriced.append(f"cache node {kind} x{nodes}")
                continue
            price = table[kind] * self.region["region_factor"]
            self.add(
                f"Valkey {kind} x{nodes}",
                nodes * self.hourly(price),
                f"${price:.4f}/h per node",
            )

    def _load_balancers(self, main: StackTemplate) -> None:
        count = len(main.resources("AWS::ElasticLoadBalancingV2::LoadBalancer"))
        self._per_hour("Application Load Balancer", count, "alb_hour", ", before LCUs")

    def _small_items(self, stack: StackTemplate) -> None:
        where = "" if stack is self.target.main_stack else f" ({stack.region})"
        for acl in stack.resources("AWS::WAFv2::WebACL").values():
            rules = len(acl["Properties"].get("Rules", []))
            self.add(
                f"WAF web ACL, {rules} rules{where}",
                self.common["waf_web_acl_month"] + rules * self.common["waf_rule_month"],
                "$5 per ACL + $1 per rule",
            )
        metrics = sum(_alarm_metrics(a) for a in stack.resources("AWS::CloudWatch::Alarm").values())
        if metrics:
            alarms = len(stack.resources("AWS::CloudWatch::Alarm"))
            self.add(
                f"CloudWatch alarms x{alarms}{where}",
                metrics * self.common["alarm_metric_month"],
                f"{metrics} metrics, $0.10 each",
            )
        for kind, item, price in (
            ("AWS::CloudWatch::Dashboard", "CloudWatch dashboard", "dashboard_month"),
            ("AWS::SecretsManager::Secret", "Secrets Manager secrets", "secret_month"),
            ("AWS::KMS::Key", "KMS keys", "kms_key_month"),
            ("AWS::Logs::MetricFilter", "Custom metrics from log filters", "custom_metric_month"),
        ):
            count = len(stack.resources(kind))
            if count:
                self.add(
                    f"{item} x{count}{where}",
                    count * self.common[price],
                    f"${self.common[price]} each",
                )
        if stack is self.target.main_stack and _publishes_queue_metrics(stack):
            assumed = self.prices["assumptions"]["langfuse_queue_metrics"]
            self.add(
                "Langfuse queue metrics (custom metrics)",
                assumed * self.common["custom_metric_month"],
                f"about {assumed} metrics, $0.30 each (monitoring.queue_metrics)",
            )

    def _usage(self, main: StackTemplate) -> None:
        """Unit prices, each with an assumed month of a small team's use and its cost."""
        region, common = self.region, self.common
        charges: list[UsageCharge] = [
            UsageCharge(
                "Aurora above its minimum",
                f"${region['aurora_acu_hour']} per ACU-hour",
                "1 ACU more for 4 hours a working day (88 h)",
                88 * region["aurora_acu_hour"],
            ),
            UsageCharge(
                "Aurora storage and I/O",
                f"${region['aurora_storage_gb_month']} per GB-month, "
                f"${region['aurora_io_million']} per million I/O",
                "20 GB and 10 million I/O",
                20 * region["aurora_storage_gb_month"] + 10 * region["aurora_io_million"],
            ),
            UsageCharge(
                "S3 (events, media, exports, logs)",
                f"${region['s3_gb_month']} per GB-month",
                "100 GB",
                100 * region["s3_gb_month"],
            ),
            UsageCharge(
                "CloudWatch Logs",
                f"${region['logs_ingest_gb']} per GB ingested",
                "10 GB of container, flow and WAF logs",
                10 * region["logs_ingest_gb"],
            ),
            UsageCharge(
                "Load balancer capacity",
                f"${region['alb_lcu_hour']} per LCU-hour",
                "1 LCU on average, all month",
                self.hours * region["alb_lcu_hour"],
            ),
        ]
        if main.resources("AWS::EC2::NatGateway"):
            charges.append(
                UsageCharge(
                    "NAT data processing",
                    f"${region['nat_gateway_gb']} per GB (image pulls too)",
                    "50 GB (image pulls, SSO, LLM calls from the playground)",
                    50 * region["nat_gateway_gb"],
                )
            )
        if main.resources("AWS::EFS::FileSystem"):
            charges += [
                UsageCharge(
                    "EFS storage (ClickHouse)",
                    f"${region['efs_gb_month']} per GB-month",
                    "50 GB of ClickHouse data",
                    50 * region["efs_gb_month"],
                ),
                UsageCharge(
                    "EFS Elastic Throughput",
                    f"${region['efs_read_gb']} per GB read, ${region['efs_write_gb']} per GB "
                    "written",
                    "300 GB read and 100 GB written (inserts and merges)",
                    300 * region["efs_read_gb"] + 100 * region["efs_write_gb"],
                ),
            ]
            if main.resources("AWS::Backup::BackupPlan"):
                charges.append(
                    UsageCharge(
                        "EFS backups",
                        f"${region['backup_efs_gb_month']} per GB-month kept",
                        "50 GB kept",
                        50 * region["backup_efs_gb_month"],
                    )
                )
        if main.resources("AWS::CloudFront::Distribution"):
            charges.append(
                UsageCharge(
                    "CloudFront",
                    f"${common['cloudfront_gb']} per GB out, ${common['cloudfront_https_10k']} "
                    "per 10,000 HTTPS requests",
                    "50 GB out and 5 million requests",
                    50 * common["cloudfront_gb"] + 500 * common["cloudfront_https_10k"],
                )
            )
        if any(s.resources("AWS::WAFv2::WebACL") for s in self.target.stacks):
            charges.append(
                UsageCharge(
                    "WAF requests",
                    f"${common['waf_million_requests']} per million",
                    "5 million requests",
                    5 * common["waf_million_requests"],
                )
            )
        self.estimate.usage = [
            UsageCharge(c.item, c.unit_price, c.assumption, round(c.example, 2)) for c in charges
        ]


def _split_by_strategy(desired: int, strategy: list[dict[str, Any]] | None) -> tuple[int, int]:
    """(on-demand, Spot) tasks: base tasks first on their provider, the rest by weight."""
    if not strategy:
        return desired, 0
    on_demand = spot = 0
    remaining = desired
    for entry in strategy:
        base = min(int(entry.get("Base", 0)), remaining)
        remaining -= base
        if entry["CapacityProvider"] == "FARGATE_SPOT":
            spot += base
        else:
            on_demand += base
    weights = {e["CapacityProvider"]: int(e.get("Weight", 0)) for e in strategy}
    total = sum(weights.values()) or 1
    spot_share = round(remaining * weights.get("FARGATE_SPOT", 0) / total)
    return on_demand + remaining - spot_share, spot + spot_share


def _alarm_metrics(alarm: dict[str, Any]) -> int:
    """CloudWatch bills an alarm per metric it reads."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return 1
    return sum(1 for m in props.get("Metrics", []) if "MetricStat" in m)


def _publishes_queue_metrics(main: StackTemplate) -> bool:
    for task in main.resources("AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            for variable in container.get("Environment", []):
                if variable["Name"] == PUBLISHING_VARIABLE and variable["Value"] == "true":
                    return True
    return False


def estimate(target: Target, prices: dict[str, Any] | None = None) -> Estimate:
    """The monthly estimate of a synthesized ``target``."""
    return _Pricer(target, prices or load_prices()).run()
