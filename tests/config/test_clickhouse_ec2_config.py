"""clickhouse.mode ec2: the instance type and the gp3 data volume are sized within AWS's rules.

The limits below are written out from AWS's documentation, not read from the code:

- EC2 API Reference, CreateVolume (Size, Iops, Throughput): gp3 is 1 to 65,536 GiB, 3,000
  (default) to 80,000 IOPS and 125 (default) to 2,000 MiB/s.
- Amazon EBS User Guide, "General Purpose SSD volumes": 3,000 IOPS and 125 MiB/s come with
  every gp3 volume; more IOPS at up to 500 IOPS per GiB, more throughput at up to 0.25 MiB/s
  per provisioned IOPS.
- EC2 Instance Types guide, "Amazon EBS-optimized instance types"
  (https://docs.aws.amazon.com/ec2/latest/instancetypes/ebs-optimized.html): per size, the
  baseline and maximum bandwidth (MB/s, 128 KiB I/O) and IOPS (16 KiB I/O). E.g. r7g.large
  78.75 / 1,250 MB/s and 3,600 / 40,000 IOPS; t4g.large 86.875 / 347.5 MB/s and 4,000 /
  15,700 IOPS. 1 MiB = 1.048576 MB, so 347.5 MB/s is 331.4 MiB/s.
- Langfuse's self-hosting guidance: ClickHouse needs at least 2 vCPU and 8 GiB.
"""

from __future__ import annotations

import pytest

from langfuse_aws.config import ConfigError, parse_config
from langfuse_aws.config.clickhouse_sizes import graviton_instances
from langfuse_aws.config.models import ClickHouseEc2Config

BASE = "name: tt\nregion: eu-west-1\n"


def ec2(**settings: object) -> str:
    lines = "".join(f"  {key}: {value}\n" for key, value in settings.items())
    return BASE + "clickhouse:\n  mode: ec2\n" + lines


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as error:
        parse_config(text, "cfg.yaml")
    return str(error.value)


def accepted(text: str) -> ClickHouseEc2Config:
    server = parse_config(text, "cfg.yaml").clickhouse
    assert isinstance(server, ClickHouseEc2Config)
    return server


def test_defaults_are_a_memory_optimised_graviton_with_gp3_baseline() -> None:
    server = accepted(ec2())
    assert server.instance_type == "r7g.large"
    assert (server.volume_size_gib, server.volume_iops, server.volume_throughput_mibps) == (
        100,
        3000,
        125,
    )
    assert server.availability_zone is None


@pytest.mark.parametrize("instance_type", ["t4g.large", "m7g.large", "r7g.large", "r8g.xlarge"])
def test_graviton_sizes_with_langfuses_minimum_are_accepted(instance_type: str) -> None:
    assert accepted(ec2(instance_type=instance_type)).instance_type == instance_type


@pytest.mark.parametrize(
    ("instance_type", "shape"),
    [
        ("c7g.large", "2 vCPU, 4 GiB"),
        ("m7g.medium", "1 vCPU, 4 GiB"),
        ("t4g.medium", "2 vCPU, 4 GiB"),
    ],
)
def test_sizes_below_langfuses_minimum_are_refused(instance_type: str, shape: str) -> None:
    assert refused(ec2(instance_type=instance_type)) == (
        f"cfg.yaml: clickhouse.instance_type is {instance_type} ({shape}): Langfuse needs at "
        "least 2 vCPU and 8 GiB for ClickHouse; use e.g. r7g.large or m7g.large (t4g.large for "
        "a dev environment)"
    )


@pytest.mark.parametrize("instance_type", ["r7i.large", "t3.large", "r6g.large", "r7gd.large"])
def test_other_instance_types_are_refused(instance_type: str) -> None:
    assert refused(ec2(instance_type=instance_type)) == (
        f"cfg.yaml: clickhouse.instance_type is '{instance_type}', which is not a Graviton "
        "instance type ClickHouse runs on here: use a size of t4g, m7g, c7g, r7g, m8g or r8g, "
        "e.g. r7g.large"
    )


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("volume_size_gib", 0, "is 0: use a number of at least 1"),
        ("volume_size_gib", 65537, "is 65537: use a number of at most 65536"),
        ("volume_iops", 2999, "is 2999: use a number of at least 3000"),
        ("volume_iops", 80001, "is 80001: use a number of at most 80000"),
        ("volume_throughput_mibps", 124, "is 124: use a number of at least 125"),
        ("volume_throughput_mibps", 2001, "is 2001: use a number of at most 2000"),
    ],
)
def test_gp3_ranges_of_create_volume(setting: str, value: int, message: str) -> None:
    assert refused(ec2(**{setting: value})) == f"cfg.yaml: clickhouse.{setting} {message}"


def test_largest_gp3_volume_is_accepted() -> None:
    """65,536 GiB with 80,000 IOPS and 2,000 MiB/s on an instance that drives them (r8g.24xlarge:
    120,000 IOPS and 3,750 MB/s at most)."""
    server = accepted(
        ec2(
            instance_type="r8g.24xlarge",
            volume_size_gib=65536,
            volume_iops=80000,
            volume_throughput_mibps=2000,
        )
    )
    assert server.volume_iops == 80000


def test_iops_above_500_per_gib_are_refused() -> None:
    assert accepted(ec2(volume_size_gib=10, volume_iops=5000)).volume_iops == 5000
    assert refused(ec2(volume_size_gib=10, volume_iops=5001)) == (
        "cfg.yaml: clickhouse.volume_iops is 5001, above the 5000 IOPS a 10 GiB gp3 volume takes "
        "(500 per GiB): raise volume_size_gib to at least 11 or lower volume_iops to 5000"
    )


def test_the_3000_iops_baseline_comes_with_any_size() -> None:
    assert accepted(ec2(volume_size_gib=1)).volume_iops == 3000


def test_throughput_above_a_quarter_mib_per_iops_is_refused() -> None:
    assert accepted(ec2(volume_throughput_mibps=750)).volume_throughput_mibps == 750
    assert refused(ec2(volume_throughput_mibps=751)) == (
        "cfg.yaml: clickhouse.volume_throughput_mibps is 751, above the 750 MiB/s a gp3 volume "
        "with 3000 IOPS takes (0.25 MiB/s per IOPS): raise volume_iops to at least 3004 or "
        "lower volume_throughput_mibps to 750"
    )


def test_iops_above_the_instances_ebs_maximum_are_refused() -> None:
    assert accepted(ec2(instance_type="t4g.large", volume_iops=15700)).volume_iops == 15700
    assert refused(ec2(instance_type="t4g.large", volume_iops=15701)) == (
        "cfg.yaml: clickhouse.volume_iops is 15701, above the 15700 IOPS that t4g.large can "
        "drive to EBS at most: lower volume_iops to 15700 or choose a larger instance_type"
    )
    assert "40000 IOPS that r7g.large" in refused(ec2(volume_iops=40001))


def test_throughput_above_the_instances_ebs_maximum_is_refused() -> None:
    """t4g.large: 347.5 MB/s = 331.4 MiB/s; r7g.large: 1,250 MB/s = 1,192.1 MiB/s."""
    t4g = {"instance_type": "t4g.large", "volume_iops": 4000}
    assert accepted(ec2(**t4g, volume_throughput_mibps=331)).volume_throughput_mibps == 331
    assert refused(ec2(**t4g, volume_throughput_mibps=332)) == (
        "cfg.yaml: clickhouse.volume_throughput_mibps is 332, above the 347.5 MB/s (331 MiB/s) "
        "that t4g.large can drive to EBS at most: lower volume_throughput_mibps to 331 or choose "
        "a larger instance_type"
    )
    r7g = {"volume_iops": 8000}
    assert accepted(ec2(**r7g, volume_throughput_mibps=1192)).volume_throughput_mibps == 1192
    assert "1250 MB/s (1192 MiB/s) that r7g.large" in refused(
        ec2(**r7g, volume_throughput_mibps=1193)
    )


# Rows of the EBS-optimized instance types page (baseline / maximum MB/s and IOPS) and the
# instance types' vCPU and memory, written out from AWS's documentation.
DOCUMENTED = {
    "t4g.large": (2, 8, 4000, 86.875, 15700, 347.5),
    "m7g.large": (2, 8, 3600, 78.75, 40000, 1250),
    "r7g.large": (2, 16, 3600, 78.75, 40000, 1250),
    "c7g.xlarge": (4, 8, 6000, 156.25, 40000, 1250),
    "r7g.8xlarge": (32, 256, 40000, 1250, 40000, 1250),
    "m8g.24xlarge": (96, 384, 120000, 3750, 120000, 3750),
    "r8g.large": (2, 16, 3600, 78.75, 40000, 1250),
}


@pytest.mark.parametrize(("instance_type", "row"), DOCUMENTED.items())
def test_catalog_matches_the_documented_rows(instance_type: str, row: tuple[float, ...]) -> None:
    found = graviton_instances()[instance_type]
    assert (
        found.vcpus,
        found.memory_gib,
        found.ebs_baseline_iops,
        found.ebs_baseline_mbps,
        found.ebs_maximum_iops,
        found.ebs_maximum_mbps,
    ) == row


def test_catalog_holds_only_graviton_families_and_consistent_rows() -> None:
    catalog = graviton_instances()
    assert {name.split(".")[0] for name in catalog} == {"t4g", "m7g", "c7g", "r7g", "m8g", "r8g"}
    for name, row in catalog.items():
        assert "metal" not in name
        assert row.ebs_baseline_iops <= row.ebs_maximum_iops, name
        assert row.ebs_baseline_mbps <= row.ebs_maximum_mbps, name


def test_zone_must_be_written_as_a_zone_name() -> None:
    assert refused(ec2(availability_zone="euwest1")) == (
        "cfg.yaml: clickhouse.availability_zone is 'euwest1': not an availability zone name: "
        "write e.g. eu-west-1a"
    )


ZONES = "network:\n  availability_zones: [eu-west-1a, eu-west-1b]\n"
EXISTING = (
    "network:\n  existing:\n    vpc_id: vpc-0a1b2c3d4e5f60718\n    cidr: 10.20.0.0/16\n"
    "    availability_zones: [eu-west-1b, eu-west-1c]\n"
    "    private_subnet_ids: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]\n"
)


def zone_issues(text: str) -> list[str]:
    """The lines parse_config refuses ``text`` with (none when it is accepted): the zone rule
    is one of the rules every config passes."""
    try:
        parse_config(text, "cfg.yaml")
    except ConfigError as error:
        return str(error).splitlines()
    return []


def test_zone_must_be_one_of_the_networks_zones() -> None:
    assert zone_issues(ec2(availability_zone="eu-west-1b") + ZONES) == []
    assert zone_issues(ec2(availability_zone="eu-west-1b") + EXISTING) == []
    assert zone_issues(ec2(availability_zone="eu-west-1c") + ZONES) == [
        "cfg.yaml: clickhouse.availability_zone is eu-west-1c, which is not a zone of the "
        "network (eu-west-1a, eu-west-1b): use one of them"
    ]


def test_zone_of_an_existing_network_has_a_private_subnet() -> None:
    """An existing network lists one private subnet per zone, in the order of its zones (the
    network rules refuse any other count), so a zone of the list always has a private subnet
    for the instance; a zone outside the list has none."""
    assert zone_issues(ec2(availability_zone="eu-west-1a") + EXISTING) == [
        "cfg.yaml: clickhouse.availability_zone is eu-west-1a, which is not a zone of the "
        "network (eu-west-1b, eu-west-1c): use one of them"
    ]
    assert zone_issues(
        ec2(availability_zone="eu-west-1c")
        + EXISTING.replace("[eu-west-1b, eu-west-1c]", "[eu-west-1a, eu-west-1b, eu-west-1c]")
    ) == [
        "cfg.yaml: network.existing.private_subnet_ids lists 2 subnets for 3 zones: list one "
        "subnet per zone, in the order of availability_zones"
    ]


def test_zone_needs_the_networks_zones_named() -> None:
    """Synth never looks zones up, so a zone name can only be matched to a subnet the YAML
    places in a named zone."""
    assert zone_issues(ec2(availability_zone="eu-west-1a")) == [
        "cfg.yaml: clickhouse.availability_zone is eu-west-1a, but network.availability_zones "
        "is empty (synth never looks zones up, so it cannot tell which subnet lies in that "
        "zone): list the network's zones in network.availability_zones, or leave "
        "availability_zone out to use the first zone"
    ]
    assert zone_issues(ec2()) == []


def test_ec2_mode_takes_no_fargate_settings() -> None:
    assert refused(ec2(cpu=2048)) == (
        "cfg.yaml: clickhouse.cpu is not a setting when clickhouse.mode is ec2: remove it, or "
        "check its spelling (schema: make schema)"
    )
