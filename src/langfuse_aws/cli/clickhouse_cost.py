"""What ClickHouse costs a month in each mode: Fargate with EFS, EC2 with EBS, or external.

`langfuse-aws cost ENV --clickhouse-modes` prices the three at the environment's ClickHouse size
with an assumed month of ingestion, every assumption printed with the result. The storage and
I/O of ClickHouse grow with the data, not with the task size: EFS bills each GiB stored and each
GiB read and written (Elastic Throughput), EBS bills the provisioned volume. Prices come from
the shipped price table; a region or instance type it holds no sourced price for is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..clickhouse_backups import FULL_BACKUP_EVERY_DAYS, lifecycle_days
from ..config.clickhouse_sizes import MIN_MEMORY_GIB, MIN_VCPUS, graviton_instances
from ..config.models import ClickHouseEc2Config, ClickHouseFargateConfig, EnvironmentConfig
from .cost import PRICES_FILE, load_prices

# The stored data: this many months of ingestion (no retention policy deletes it before).
MONTHS_KEPT = 12
# ClickHouse's compression of Langfuse's rows (text-heavy inputs and outputs, ZSTD on them).
COMPRESSION_RATIO = 5.0
# Every compressed byte is written once by its insert and about three more times by the
# background merges that fold small parts into larger ones.
WRITE_AMPLIFICATION = 4.0
# Queries read the stored data this many times a month from storage (page cache misses).
QUERY_READS_PER_MONTH = 1.0
# Part of an EBS volume kept free for merges (a merge writes its new part before it drops the
# old ones); a volume too small for the data plus this is priced grown to fit.
FREE_SPACE_SHARE = 0.2
DEFAULT_INGEST_GIB = 30.0

# gp3 includes 3,000 IOPS and 125 MiB/s; what is provisioned above is billed.
GP3_FREE_IOPS = 3000
GP3_FREE_MIBPS = 125
# ClickHouseEc2Config's defaults for the data volume.
EC2_DEFAULT_VOLUME_GIB = 100
EC2_DEFAULT_INSTANCE = "r7g.large"

# Fargate's largest memory (GB) for each vCPU count.
FARGATE_MAX_GB = {1: 8, 2: 16, 4: 30, 8: 60, 16: 120}


@dataclass(frozen=True)
class Ec2Sizing:
    """The ec2 mode's size: ClickHouseEc2Config's, or its defaults for the other modes."""

    instance_type: str = EC2_DEFAULT_INSTANCE
    volume_size_gib: int = EC2_DEFAULT_VOLUME_GIB
    iops: int = GP3_FREE_IOPS
    throughput: int = GP3_FREE_MIBPS


@dataclass(frozen=True)
class Assumptions:
    """The month the comparison prices, derived from the GiB ingested (uncompressed)."""

    ingest_gib: float
    retention_days: int | None  # None: backups off

    @property
    def new_gib(self) -> float:
        """Compressed GiB added this month."""
        return self.ingest_gib / COMPRESSION_RATIO

    @property
    def stored_gib(self) -> float:
        return MONTHS_KEPT * self.new_gib

    @property
    def written_gib(self) -> float:
        return WRITE_AMPLIFICATION * self.new_gib

    @property
    def read_gib(self) -> float:
        """Merges read what they rewrite; queries read the stored data."""
        merges = (WRITE_AMPLIFICATION - 1) * self.new_gib
        return merges + QUERY_READS_PER_MONTH * self.stored_gib

    def text(self, hours: float) -> list[str]:
        """Every assumption, one sentence each."""
        days = hours / 24
        lines = [
            f"Assumes {self.ingest_gib:g} GiB of new ClickHouse data a month (uncompressed; "
            "change with --ingest-gib), stored compressed at ratio "
            f"{COMPRESSION_RATIO:g}:1 ({self.new_gib:.1f} GiB), {MONTHS_KEPT} months of it kept "
            f"({self.stored_gib:.0f} GiB stored).",
            f"Merges rewrite data: {WRITE_AMPLIFICATION:g}x write amplification "
            f"({self.written_gib:.0f} GiB written); merges read what they rewrite and queries "
            f"read the stored data {QUERY_READS_PER_MONTH:g}x a month from storage "
            f"({self.read_gib:.0f} GiB read).",
            f"An EBS volume keeps {FREE_SPACE_SHARE:.0%} free for merges; one too small for "
            "that is priced grown to fit.",
            f"Each mode runs all month ({hours:g} hours; a schedule is not applied), on demand.",
        ]
        if self.retention_days is None:
            lines.append("Backups are off (backup.enabled: false).")
        else:
            kept = lifecycle_days(self.retention_days)
            lines.append(
                f"Backups (BACKUP to S3 Standard) are kept {kept} days (backup.retention_days "
                f"{self.retention_days} + the {FULL_BACKUP_EVERY_DAYS}-day chain): a full backup "
                f"every {FULL_BACKUP_EVERY_DAYS} days, each the size of the stored data, and a "
                "daily incremental holding the parts written that day "
                f"({WRITE_AMPLIFICATION:g}x a day's new data, {self.written_gib / days:.1f} GiB)."
            )
        return lines


@dataclass(frozen=True)
class ModeLine:
    """One charge of a mode: what, how it is computed, what it costs a month."""

    item: str
    basis: str
    monthly: float


@dataclass
class ModeCost:
    """One ClickHouse mode's month."""

    mode: str
    lines: list[ModeLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def add(self, item: str, basis: str, monthly: float) -> None:
        self.lines.append(ModeLine(item, basis, round(monthly, 2)))


@dataclass(frozen=True)
class Comparison:
    """The three modes of one environment's ClickHouse."""

    environment: str
    region: str
    configured: str
    price_date: str
    assumptions: list[str]
    modes: list[ModeCost]


def ec2_sizing_of(config: EnvironmentConfig) -> Ec2Sizing | None:
    """The configured ec2 size, or None when ClickHouse runs in another mode."""
    clickhouse = config.clickhouse
    if not isinstance(clickhouse, ClickHouseEc2Config):
        return None
    return Ec2Sizing(
        instance_type=clickhouse.instance_type,
        volume_size_gib=clickhouse.volume_size_gib,
        iops=clickhouse.volume_iops,
        throughput=clickhouse.volume_throughput_mibps,
    )


def check_clickhouse_priced(
    region: str, instance_type: str | None, prices: dict[str, Any], where: str
) -> None:
    """Refuse, in one line naming ``where``, a region without sourced EBS and instance prices,
    or an instance type (given) without a price in it."""
    table = prices["regions"].get(region)
    if table is None or "ebs_gp3_gb_month" not in table:
        known = sorted(r for r, t in prices["regions"].items() if "ebs_gp3_gb_month" in t)
        raise ValueError(
            f"{where}: region {region} has no sourced EBS gp3 and Graviton prices in the price "
            f"table ({PRICES_FILE.name}, {prices['date']}), so the ClickHouse modes are not "
            f"compared there; it prices them in {', '.join(known)}. Fix: compare a copy of the "
            f"config set to one of those regions, or add {region}'s prices, each with its "
            f"source and date, to {PRICES_FILE}."
        )
    instances = table["graviton_instance_hour"]
    if instance_type is not None and instance_type not in instances:
        raise ValueError(
            f"{where}: instance type {instance_type} has no sourced {region} price in the "
            f"price table ({PRICES_FILE.name}); it prices {', '.join(sorted(instances))} there. "
            f"Fix: choose one of those, or add its {region} price, with its source and date, "
            f"to {PRICES_FILE}."
        )


def _fargate_size(config: EnvironmentConfig, ec2: Ec2Sizing | None) -> tuple[float, float, str]:
    """(vCPU, GB, note) of the Fargate task the comparison prices."""
    if isinstance(config.clickhouse, ClickHouseFargateConfig):
        return config.clickhouse.cpu / 1024, config.clickhouse.memory_mib / 1024, ""
    if ec2 is None:
        default = ClickHouseFargateConfig()
        return default.cpu / 1024, default.memory_mib / 1024, " (the fargate mode's default)"
    instance = graviton_instances()[ec2.instance_type]
    vcpu, memory = instance.vcpus, instance.memory_gib
    fits = min(memory, FARGATE_MAX_GB.get(vcpu, memory))
    note = f" (as {ec2.instance_type}" + (
        f"; Fargate's largest at {vcpu} vCPU)" if fits < memory else ")"
    )
    return vcpu, fits, note


def _matching_instance(vcpu: float, memory_gb: float, prices: dict[str, float]) -> str | None:
    """The cheapest priced instance at least as large as the task and as the ec2 mode's least
    (2 vCPU, 8 GiB), not burstable (merges run for hours)."""
    sizes = graviton_instances()
    fitting = [
        kind
        for kind in prices
        if kind in sizes
        and not kind.startswith("t")
        and sizes[kind].vcpus >= max(vcpu, MIN_VCPUS)
        and sizes[kind].memory_gib >= max(memory_gb, MIN_MEMORY_GIB)
    ]
    return min(fitting, key=lambda kind: prices[kind], default=None)


def compare(
    config: EnvironmentConfig,
    ingest_gib: float = DEFAULT_INGEST_GIB,
    prices: dict[str, Any] | None = None,
    where: str = "cost",
) -> Comparison:
    """The three modes of ``config``'s ClickHouse at its size, for a month of ``ingest_gib``."""
    table = prices or load_prices()
    region = config.region
    ec2 = ec2_sizing_of(config)
    check_clickhouse_priced(region, ec2.instance_type if ec2 else None, table, where)
    rates: dict[str, Any] = table["regions"][region]
    hours: float = table["hours_per_month"]
    month = Assumptions(ingest_gib, config.backup.retention_days if config.backup.enabled else None)
    vcpu, memory_gb, fargate_note = _fargate_size(config, ec2)
    if ec2 is None:
        kind = _matching_instance(vcpu, memory_gb, rates["graviton_instance_hour"])
        if kind is None:
            raise ValueError(
                f"{where}: no Graviton instance of at least {vcpu:g} vCPU and {memory_gb:g} GiB "
                f"has a sourced {region} price in the price table ({PRICES_FILE.name}); it "
                f"prices {', '.join(sorted(rates['graviton_instance_hour']))} there. Fix: add "
                f"one, with its source and date, to {PRICES_FILE}."
            )
        instance = graviton_instances()[kind]
        same = (instance.vcpus, instance.memory_gib) == (vcpu, memory_gb)
        matched = (
            ", as the Fargate task"
            if same
            else ", the cheapest as large and of 2 vCPU / 8 GiB or more"
        )
        ec2 = Ec2Sizing(instance_type=kind)
    else:
        matched = ""
    backups = _backups(month, rates, hours)
    modes = [
        _fargate(vcpu, memory_gb, fargate_note, month, rates, hours, backups),
        _ec2(ec2, matched, month, rates, hours, backups),
        _external(config, month, rates),
    ]
    configured = config.clickhouse.mode
    return Comparison(config.name, region, configured, table["date"], month.text(hours), modes)


def _backups(month: Assumptions, rates: dict[str, Any], hours: float) -> ModeLine | None:
    """S3 Standard for the backups the bucket keeps: the full ones of the kept days, each the
    stored data, and the daily incremental ones between them (clickhouse_backups' scheme)."""
    if month.retention_days is None:
        return None
    days = lifecycle_days(month.retention_days)
    fulls = days / FULL_BACKUP_EVERY_DAYS
    daily = month.written_gib / (hours / 24)
    kept = fulls * month.stored_gib + (days - fulls) * daily
    price = rates["s3_gb_month"]
    return ModeLine(
        "S3 backups (Standard)",
        f"{kept:.0f} GiB kept x ${price}/GB-month",
        round(kept * price, 2),
    )


def _fargate(
    vcpu: float,
    memory_gb: float,
    note: str,
    month: Assumptions,
    rates: dict[str, Any],
    hours: float,
    backups: ModeLine | None,
) -> ModeCost:
    cost = ModeCost("fargate + EFS")
    per_vcpu, per_gb = rates["fargate_arm_vcpu_hour"], rates["fargate_arm_gb_hour"]
    cost.add(
        f"Fargate task {vcpu:g} vCPU / {memory_gb:g} GB, ARM64{note}",
        f"{hours:g} h x ({vcpu:g} x ${per_vcpu} + {memory_gb:g} x ${per_gb})",
        hours * (vcpu * per_vcpu + memory_gb * per_gb),
    )
    storage = rates["efs_gb_month"]
    cost.add(
        "EFS Standard storage",
        f"{month.stored_gib:.0f} GiB x ${storage}/GB-month",
        month.stored_gib * storage,
    )
    write = rates["efs_write_gb"]
    cost.add(
        "EFS Elastic Throughput writes",
        f"{month.written_gib:.0f} GiB x ${write}/GB",
        month.written_gib * write,
    )
    read = rates["efs_read_gb"]
    cost.add(
        "EFS Elastic Throughput reads",
        f"{month.read_gib:.0f} GiB x ${read}/GB",
        month.read_gib * read,
    )
    if backups:
        cost.lines.append(backups)
    return cost


def _ec2(
    size: Ec2Sizing,
    matched: str,
    month: Assumptions,
    rates: dict[str, Any],
    hours: float,
    backups: ModeLine | None,
) -> ModeCost:
    cost = ModeCost("ec2 + EBS")
    hourly = rates["graviton_instance_hour"][size.instance_type]
    instance = graviton_instances()[size.instance_type]
    cost.add(
        f"EC2 {size.instance_type}, {instance.vcpus} vCPU / {instance.memory_gib:g} GiB{matched}",
        f"{hours:g} h x ${hourly}",
        hours * hourly,
    )
    needed = math.ceil(month.stored_gib / (1 - FREE_SPACE_SHARE))
    volume = max(size.volume_size_gib, needed)
    grown = (
        f" (grown from {size.volume_size_gib} GiB to fit)" if volume > size.volume_size_gib else ""
    )
    gb_month = rates["ebs_gp3_gb_month"]
    cost.add(
        f"EBS gp3 {volume} GiB{grown}", f"{volume} GiB x ${gb_month}/GB-month", volume * gb_month
    )
    extra_iops = max(0, size.iops - GP3_FREE_IOPS)
    if extra_iops:
        price = _gp3_extra(rates, "ebs_gp3_iops_month", "IOPS above 3,000")
        cost.add(
            f"gp3 IOPS above {GP3_FREE_IOPS:,}",
            f"{extra_iops} x ${price}/IOPS-month",
            extra_iops * price,
        )
    extra_mibps = max(0, size.throughput - GP3_FREE_MIBPS)
    if extra_mibps:
        price = _gp3_extra(rates, "ebs_gp3_mibps_month", "throughput above 125 MiB/s")
        cost.add(
            f"gp3 throughput above {GP3_FREE_MIBPS} MiB/s",
            f"{extra_mibps} MiB/s x ${price}/MiB/s-month",
            extra_mibps * price,
        )
    if volume > size.volume_size_gib:
        cost.notes.append(
            f"{size.volume_size_gib} GiB is too small for {month.stored_gib:.0f} GiB stored "
            f"with {FREE_SPACE_SHARE:.0%} free: in the ec2 mode, set "
            f"clickhouse.volume_size_gib to {volume} or more."
        )
    if backups:
        cost.lines.append(backups)
    return cost


def _gp3_extra(rates: dict[str, Any], key: str, what: str) -> float:
    if key not in rates:
        raise ValueError(f"the price table has no sourced gp3 price for {what} here ({key})")
    price: float = rates[key]
    return price


def _external(config: EnvironmentConfig, month: Assumptions, rates: dict[str, Any]) -> ModeCost:
    cost = ModeCost("external")
    cost.add(
        "ClickHouse (ClickHouse Cloud or your own)",
        "billed by its provider, not on this AWS account",
        0.0,
    )
    if config.network.existing is None and config.network.nat == "instance":
        cost.add("Inserts through the NAT instance", "no per-GB charge", 0.0)
    else:
        price = rates["nat_gateway_gb"]
        cost.add(
            "Inserts through a NAT gateway",
            f"{month.ingest_gib:g} GiB x ${price}/GB processed",
            month.ingest_gib * price,
        )
    cost.notes.append(
        "ClickHouse Cloud bills its compute, storage and backups itself (clickhouse.com/pricing); "
        "query results coming back, AWS data transfer on the path and PrivateLink, if used, add "
        "to the line above."
    )
    return cost
