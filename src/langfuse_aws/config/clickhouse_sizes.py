"""What ClickHouse on one EC2 instance (clickhouse.mode ec2) may be sized to.

Facts these rules rest on:

- gp3 volumes (EC2 API Reference, CreateVolume: Size, Iops, Throughput): 1 to 65,536 GiB;
  3,000 (the default) to 80,000 IOPS; 125 (the default) to 2,000 MiB/s. The same limits are
  in aws-cdk-lib's ``ec2.Volume`` (2.275: gp3 IOPS 3,000 to 80,000, throughput 125 to 2,000).
- gp3 performance (Amazon EBS User Guide, "General Purpose SSD volumes"): every gp3 volume
  has a baseline of 3,000 IOPS and 125 MiB/s whatever its size; more IOPS can be provisioned
  at up to 500 IOPS per GiB of volume size, and more throughput at up to 0.25 MiB/s per
  provisioned IOPS.
- An instance type caps what all its EBS volumes together deliver (EC2 Instance Types guide,
  "Amazon EBS-optimized instance types"): ``graviton_instances.json`` carries, per Graviton
  size, the baseline it sustains and the maximum it reaches in bursts (throughput in MB/s,
  10^6 bytes, while gp3 is provisioned in MiB/s). A volume provisioned above the instance's
  maximum pays for performance the instance can never use, so it is refused; above the
  baseline it is allowed (the smaller sizes burst there for 30 minutes a day).
- Langfuse's guidance for ClickHouse: at least 2 vCPU and 8 GiB of memory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigIssue
from .types import rule_error

if TYPE_CHECKING:
    from .models import EnvironmentConfig

GP3_SIZE_GIB = (1, 65_536)
GP3_IOPS = (3_000, 80_000)
GP3_THROUGHPUT_MIBPS = (125, 2_000)
GP3_BASELINE_IOPS = GP3_IOPS[0]
GP3_BASELINE_MIBPS = GP3_THROUGHPUT_MIBPS[0]
GP3_IOPS_PER_GIB = 500
GP3_MIBPS_PER_IOPS = 0.25
MB_PER_MIB = 1.048576
MIN_VCPUS = 2
MIN_MEMORY_GIB = 8
FAMILIES = ("t4g", "m7g", "c7g", "r7g", "m8g", "r8g")


@dataclass(frozen=True)
class GravitonInstance:
    """One Graviton instance size: its CPU, memory and what it can drive to EBS."""

    vcpus: int
    memory_gib: float
    ebs_baseline_iops: int
    ebs_baseline_mbps: float
    """Throughput the instance sustains to EBS, in MB/s."""
    ebs_maximum_iops: int
    ebs_maximum_mbps: float
    """Throughput the instance reaches to EBS in a burst, in MB/s."""

    @property
    def ebs_maximum_mibps(self) -> int:
        """The burst throughput in whole MiB/s, the unit gp3 throughput is provisioned in."""
        return math.floor(self.ebs_maximum_mbps / MB_PER_MIB)


@cache
def graviton_instances() -> dict[str, GravitonInstance]:
    """Every instance type ClickHouse may run on, from ``graviton_instances.json``."""
    data: dict[str, Any] = json.loads(
        Path(__file__).with_name("graviton_instances.json").read_text()
    )
    return {name: GravitonInstance(**row) for name, row in data["instance_types"].items()}


def gp3_iops_allowed(size_gib: int) -> int:
    """The most IOPS a gp3 volume of ``size_gib`` takes: the baseline, or 500 per GiB."""
    return min(GP3_IOPS[1], max(GP3_BASELINE_IOPS, GP3_IOPS_PER_GIB * size_gib))


def gp3_throughput_allowed(iops: int) -> int:
    """The most MiB/s a gp3 volume with ``iops`` takes: the baseline, or 0.25 per IOPS."""
    return min(
        GP3_THROUGHPUT_MIBPS[1], max(GP3_BASELINE_MIBPS, math.floor(iops * GP3_MIBPS_PER_IOPS))
    )


def check_ec2_sizes(instance_type: str, size_gib: int, iops: int, throughput_mibps: int) -> None:
    """Refuse an instance type this app does not run ClickHouse on, or a gp3 volume that AWS
    would refuse or that the instance could never drive; the error names the setting to
    change and the largest value that fits. (Each value's own range is checked by its field.)"""
    known = graviton_instances()
    instance = known.get(instance_type)
    if instance is None:
        raise rule_error(
            f"is {instance_type!r}, which is not a Graviton instance type ClickHouse runs on "
            f"here: use a size of {', '.join(FAMILIES[:-1])} or {FAMILIES[-1]}, e.g. r7g.large",
            field="instance_type",
        )
    if instance.vcpus < MIN_VCPUS or instance.memory_gib < MIN_MEMORY_GIB:
        raise rule_error(
            f"is {instance_type} ({instance.vcpus} vCPU, {instance.memory_gib:g} GiB): Langfuse "
            f"needs at least {MIN_VCPUS} vCPU and {MIN_MEMORY_GIB} GiB for ClickHouse; use e.g. "
            "r7g.large or m7g.large (t4g.large for a dev environment)",
            field="instance_type",
        )
    most_iops = gp3_iops_allowed(size_gib)
    if iops > most_iops:
        raise rule_error(
            f"is {iops}, above the {most_iops} IOPS a {size_gib} GiB gp3 volume takes (500 per "
            f"GiB): raise volume_size_gib to at least {math.ceil(iops / GP3_IOPS_PER_GIB)} or "
            f"lower volume_iops to {most_iops}",
            field="volume_iops",
        )
    most_mibps = gp3_throughput_allowed(iops)
    if throughput_mibps > most_mibps:
        raise rule_error(
            f"is {throughput_mibps}, above the {most_mibps} MiB/s a gp3 volume with {iops} IOPS "
            f"takes (0.25 MiB/s per IOPS): raise volume_iops to at least "
            f"{math.ceil(throughput_mibps / GP3_MIBPS_PER_IOPS)} or lower "
            f"volume_throughput_mibps to {most_mibps}",
            field="volume_throughput_mibps",
        )
    if iops > instance.ebs_maximum_iops:
        raise rule_error(
            f"is {iops}, above the {instance.ebs_maximum_iops} IOPS that {instance_type} can "
            f"drive to EBS at most: lower volume_iops to {instance.ebs_maximum_iops} or choose "
            "a larger instance_type",
            field="volume_iops",
        )
    if throughput_mibps > instance.ebs_maximum_mibps:
        raise rule_error(
            f"is {throughput_mibps}, above the {instance.ebs_maximum_mbps:g} MB/s "
            f"({instance.ebs_maximum_mibps} MiB/s) that {instance_type} can drive to EBS at "
            f"most: lower volume_throughput_mibps to {instance.ebs_maximum_mibps} or choose a "
            "larger instance_type",
            field="volume_throughput_mibps",
        )


def clickhouse_zone_issues(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """clickhouse.availability_zone must be a zone of the network, named in the YAML: the
    volume lives in that zone for good, and synth never looks zones up."""
    zone = getattr(cfg.clickhouse, "availability_zone", None)
    if zone is None:
        return
    existing = cfg.network.existing
    zones = existing.availability_zones if existing else cfg.network.availability_zones
    where = "clickhouse.availability_zone"
    if not zones:
        yield ConfigIssue(
            where,
            f"is {zone}, but network.availability_zones is empty (synth never looks zones up, "
            "so it cannot tell which subnet lies in that zone): list the network's zones in "
            "network.availability_zones, or leave availability_zone out to use the first zone",
        )
    elif zone not in zones:
        yield ConfigIssue(
            where,
            f"is {zone}, which is not a zone of the network ({', '.join(zones)}): use one of them",
        )
