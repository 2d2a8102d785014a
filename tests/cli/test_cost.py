"""`langfuse-aws cost`: a monthly estimate from the synthesized templates.

Expected prices are AWS's on-demand list prices for eu-west-1 (Linux, 730 hours a month),
written out here: the price table must agree with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from langfuse_aws.cli import app as app_module
from langfuse_aws.cli.app import app
from langfuse_aws.cli.cost import Estimate, estimate
from langfuse_aws.cli.cost_report import markdown
from langfuse_aws.cli.target import Target, read_assembly
from langfuse_aws.config import build_config
from langfuse_aws.naming import main_stack_name
from synth import REPO, SynthesizedEnvironment

HOURS = 730


def target_of(env: SynthesizedEnvironment) -> Target:
    return read_assembly(Target(path=REPO / "config" / "x.yaml", config=env.config), env.outdir)


def lines(result: Estimate) -> dict[str, float]:
    return {line.item: line.monthly for line in result.fixed}


def test_example_always_on_items_at_their_size(example: SynthesizedEnvironment) -> None:
    found = lines(estimate(target_of(example)))
    # eu-west-1: NAT gateway $0.048/h; Fargate ARM64 $0.03238 per vCPU-h and $0.00356 per
    # GB-h; Aurora Serverless v2 $0.13 per ACU-h; ALB $0.0252/h; public IPv4 $0.005/h.
    assert found["NAT gateway x1"] == pytest.approx(HOURS * 0.048, abs=0.01)
    assert found["Public IPv4 addresses x1"] == pytest.approx(HOURS * 0.005, abs=0.01)
    web = HOURS * (1 * 0.03238 + 2 * 0.00356)
    assert found["Fargate Web 1 vCPU / 2 GB x1"] == pytest.approx(web, abs=0.01)
    assert found["Fargate Worker 1 vCPU / 2 GB x1"] == pytest.approx(web, abs=0.01)
    clickhouse = HOURS * (2 * 0.03238 + 8 * 0.00356)
    assert found["Fargate ClickHouse 2 vCPU / 8 GB x1"] == pytest.approx(clickhouse, abs=0.01)
    assert found["Aurora Serverless v2"] == pytest.approx(HOURS * 0.5 * 0.13, abs=0.01)
    assert found["Application Load Balancer x1"] == pytest.approx(HOURS * 0.0252, abs=0.01)
    # Valkey nodes cost 20 % less than Redis OSS ones (cache.t4g.small $0.032/h in
    # us-east-1); eu-west-1 is priced about 10 % above us-east-1.
    assert found["Valkey cache.t4g.small x1"] == pytest.approx(HOURS * 0.032 * 0.8 * 1.1, abs=0.01)
    # WAF: $5 per web ACL and $1 per rule, in the us-east-1 stack.
    (acl,) = example.resources("AWS::WAFv2::WebACL", example.global_stack).values()
    rules = len(acl["Properties"]["Rules"])
    assert found[f"WAF web ACL, {rules} rules (us-east-1)"] == 5 + rules


def test_alarms_are_billed_per_metric(example: SynthesizedEnvironment) -> None:
    """CloudWatch bills a standard alarm $0.10 a month for each metric it reads."""
    found = lines(estimate(target_of(example)))
    alarms = example.resources("AWS::CloudWatch::Alarm")
    metrics = sum(
        1
        if "MetricName" in a["Properties"]
        else sum(1 for m in a["Properties"]["Metrics"] if "MetricStat" in m)
        for a in alarms.values()
    )
    assert found[f"CloudWatch alarms x{len(alarms)}"] == pytest.approx(0.10 * metrics)


def test_dev_web_and_worker_run_on_spot(dev: SynthesizedEnvironment) -> None:
    """dev's single web and worker tasks are priced on Spot (about 70 % below on demand)."""
    found = lines(estimate(target_of(dev)))
    on_demand = HOURS * (1 * 0.03238 + 2 * 0.00356)
    assert found["Fargate Web 1 vCPU / 2 GB x1"] == pytest.approx(on_demand * 0.3, abs=0.01)
    assert found["Fargate Worker 1 vCPU / 2 GB x1"] == pytest.approx(on_demand * 0.3, abs=0.01)


def test_base_tasks_are_placed_first() -> None:
    """ECS places each provider's base first, then splits the rest by weight."""
    from langfuse_aws.cli.cost import _split_by_strategy

    strategy = [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
    ]
    assert _split_by_strategy(1, strategy) == (1, 0)
    assert _split_by_strategy(5, strategy) == (2, 3)
    assert _split_by_strategy(1, [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]) == (0, 1)


def test_scale_to_zero_and_nat_instance_in_dev(dev: SynthesizedEnvironment) -> None:
    found = lines(estimate(target_of(dev)))
    assert found["Aurora Serverless v2"] == 0
    assert "NAT gateway x1" not in found
    # t4g.nano $0.0042/h in us-east-1, about 10 % more in eu-west-1, and 8 GB of gp3 at $0.08.
    assert found["NAT instance t4g.nano"] == pytest.approx(
        HOURS * 0.0042 * 1.1 + 8 * 0.08, abs=0.01
    )
    assert "Langfuse queue metrics (custom metrics)" not in found


def test_queue_metrics_are_counted_where_published(example: SynthesizedEnvironment) -> None:
    found = lines(estimate(target_of(example)))
    assert found["Langfuse queue metrics (custom metrics)"] > 0


def test_total_is_the_sum_and_traffic_is_separate(example: SynthesizedEnvironment) -> None:
    result = estimate(target_of(example))
    assert result.total == pytest.approx(sum(lines(result).values()))
    usage = {charge.item for charge in result.usage}
    assert {"NAT data processing", "EFS Elastic Throughput", "CloudFront", "WAF requests"} <= usage


def test_a_region_outside_the_price_table_is_named() -> None:
    config = build_config({"name": "far", "region": "ap-southeast-4"})
    with pytest.raises(ValueError, match=r"region ap-southeast-4 has no prices"):
        estimate(Target(path=REPO / "far.yaml", config=config))


def test_cli_refuses_an_unpriced_region_before_any_synth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A synth takes a minute; a region without prices is refused before the first one, even
    when it is only the environment compared with, in one message that names the config file,
    the region, the regions that have prices and the fix."""
    config = tmp_path / "far.yaml"
    config.write_text("name: far\nregion: ap-southeast-4\n")

    def no_synth(target: Target, state_dir: Path | None = None) -> Target:
        raise AssertionError(f"synthesized {target.path} before checking the region")

    monkeypatch.setattr(app_module, "fresh_or_synthesized", no_synth)
    result = CliRunner().invoke(app, ["cost", "example", "--compare", str(config)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = " ".join(result.output.split())
    assert f"{config}: region ap-southeast-4 has no prices" in message
    assert "eu-west-1" in message and "us-east-1" in message  # regions the README prices
    assert "Fix:" in message and "prices.json" in message


def test_cli_compares_environments_side_by_side(
    example: SynthesizedEnvironment, dev: SynthesizedEnvironment
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "cost", "example", "--compare", "dev",
            "--assembly", str(example.outdir), "--assembly", str(dev.outdir), "--markdown",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "| Item | example (eu-west-1) | dev (eu-west-1) |" in result.output
    (nat,) = [line for line in result.output.splitlines() if line.startswith("| NAT gateway")]
    assert nat.endswith("| — |")  # dev has a NAT instance, no gateway
    assert "2026-11-01" in result.output  # the price table's date


def test_cli_refuses_a_mismatched_assembly(example: SynthesizedEnvironment) -> None:
    result = CliRunner().invoke(app, ["cost", "dev", "--assembly", str(example.outdir)])
    assert result.exit_code == 1
    assert f"holds no stack {main_stack_name('dev')}" in result.output


def test_readme_cost_table_is_the_cost_output(
    example: SynthesizedEnvironment, dev: SynthesizedEnvironment, prod: SynthesizedEnvironment
) -> None:
    """docs/cost.md: the cost table is `langfuse-aws cost example --compare dev --compare prod`."""
    expected = markdown([estimate(target_of(e)) for e in (example, dev, prod)])
    assert expected in (REPO / "docs" / "cost.md").read_text()


def test_traffic_charges_state_their_assumption(example: SynthesizedEnvironment) -> None:
    usage = {charge.item: charge for charge in estimate(target_of(example)).usage}
    nat = usage["NAT data processing"]
    # eu-west-1 NAT data processing: $0.048 per GB; assumed 50 GB.
    assert nat.assumption.startswith("50 GB")
    assert nat.example == pytest.approx(50 * 0.048)
    efs = usage["EFS Elastic Throughput"]
    # Elastic Throughput: $0.03 per GB read, $0.06 per GB written.
    assert efs.example == pytest.approx(300 * 0.03 + 100 * 0.06)
    assert all(charge.assumption and charge.example > 0 for charge in usage.values())


# `langfuse-aws cost ENV --clickhouse-modes`: ClickHouse as fargate + EFS, ec2 + EBS and external.
# Prices (USD, on demand, 730 hours a month), eu-west-1 unless named: Fargate ARM64 $0.03238 per
# vCPU-hour and $0.00356 per GB-hour; EFS Standard $0.33 per GB-month, Elastic Throughput $0.03
# per GB read and $0.06 per GB written (aws.amazon.com/efs/pricing); gp3 $0.088 per GB-month
# (us-east-1 $0.08), above the free 3,000 IOPS and 125 MiB/s $0.005 per IOPS-month and $0.04 per
# MiB/s-month in us-east-1 (aws.amazon.com/ebs/pricing); m7g.large $0.091 per hour (AWS Price
# List for eu-west-1, 2026-10-08), r7g.large $0.1071 in us-east-1 (aws.amazon.com/ec2/pricing);
# S3 Standard $0.023 per GB-month; NAT gateway $0.048 per GB processed.
# The month the comparison assumes, as it prints it: GiB ingested uncompressed, stored at 5:1,
# twelve months kept, each byte written 4 times (insert + merges), merges read what they rewrite,
# queries read the stored data once a month. Backups: kept 35 + 7 days (backup.retention_days and
# the week a chain spans), a full one every 7 days (the stored data), and a daily incremental of
# the day's written parts in between.
COMPRESSION, MONTHS, WRITES, DAYS = 5, 12, 4, HOURS / 24


def ingest_month(ingest: float) -> tuple[float, float, float, float]:
    """(stored, written, read, backup) GiB for a month of ``ingest`` GiB, retention 35 days."""
    new = ingest / COMPRESSION
    stored, written = MONTHS * new, WRITES * new
    backup = 6 * stored + (42 - 6) * written / DAYS
    return stored, written, (WRITES - 1) * new + stored, backup


def modes_of(config: dict[str, Any], ingest: float = 30) -> dict[str, dict[str, float]]:
    from langfuse_aws.cli.clickhouse_cost import compare

    result = compare(build_config(config), ingest)
    return {m.mode: {line.item: line.monthly for line in m.lines} for m in result.modes}


def test_clickhouse_modes_at_the_default_size() -> None:
    """2 vCPU / 8 GB on Fargate against the same size on EC2 (m7g.large) and external."""
    modes = modes_of({"name": "ch", "region": "eu-west-1"})
    stored, written, read, backup = ingest_month(30)
    fargate = modes["fargate + EFS"]
    assert sum(fargate.values()) == pytest.approx(
        HOURS * (2 * 0.03238 + 8 * 0.00356)
        + stored * 0.33
        + written * 0.06
        + read * 0.03
        + backup * 0.023,
        abs=0.03,
    )
    assert fargate["EFS Elastic Throughput writes"] == pytest.approx(24 * 0.06, abs=0.01)
    ec2 = modes["ec2 + EBS"]
    assert "EC2 m7g.large, 2 vCPU / 8 GiB, as the Fargate task" in ec2
    assert sum(ec2.values()) == pytest.approx(
        HOURS * 0.091 + 100 * 0.088 + backup * 0.023, abs=0.03
    )
    assert sum(modes["external"].values()) == pytest.approx(30 * 0.048, abs=0.01)


def test_clickhouse_modes_grow_the_volume_to_the_data() -> None:
    """300 GiB a month: 720 GiB stored needs 900 GiB of gp3 with 20 % free for merges."""
    modes = modes_of({"name": "ch", "region": "eu-west-1"}, ingest=300)
    assert modes["ec2 + EBS"]["EBS gp3 900 GiB (grown from 100 GiB to fit)"] == pytest.approx(
        900 * 0.088, abs=0.01
    )
    stored, *_ = ingest_month(300)
    assert modes["fargate + EFS"]["EFS Standard storage"] == pytest.approx(stored * 0.33, abs=0.01)


def test_clickhouse_ec2_mode_bills_iops_and_throughput_above_the_baseline() -> None:
    """gp3 includes 3,000 IOPS and 125 MiB/s; the configured instance and volume are priced."""
    from langfuse_aws.cli.clickhouse_cost import compare

    ec2 = {"mode": "ec2", "instance_type": "r7g.large", "volume_size_gib": 200,
           "volume_iops": 6000, "volume_throughput_mibps": 250}  # fmt: skip
    result = compare(build_config({"name": "ch", "region": "us-east-1", "clickhouse": ec2}))
    assert result.configured == "ec2"
    modes = {m.mode: {line.item: line.monthly for line in m.lines} for m in result.modes}
    ec2_lines = modes["ec2 + EBS"]
    assert ec2_lines["EC2 r7g.large, 2 vCPU / 16 GiB"] == pytest.approx(HOURS * 0.1071, abs=0.01)
    assert ec2_lines["EBS gp3 200 GiB"] == pytest.approx(200 * 0.08)
    assert ec2_lines["gp3 IOPS above 3,000"] == pytest.approx(3000 * 0.005)
    assert ec2_lines["gp3 throughput above 125 MiB/s"] == pytest.approx(125 * 0.04)
    # The Fargate task compared is the instance's size: 2 vCPU / 16 GB (us-east-1 prices).
    (task,) = [item for item in modes["fargate + EFS"] if item.startswith("Fargate task")]
    assert task.startswith("Fargate task 2 vCPU / 16 GB")
    assert modes["fargate + EFS"][task] == pytest.approx(
        HOURS * (2 * 0.03238 + 16 * 0.00356), abs=0.01
    )


def test_clickhouse_ec2_mode_refuses_an_instance_type_without_a_price() -> None:
    """eu-central-1 has a sourced price for m7g.large only; r7g.large is not scaled from it."""
    config = {"name": "ch", "region": "eu-central-1", "clickhouse": {"mode": "ec2"}}
    with pytest.raises(ValueError, match=r"instance type r7g.large has no sourced eu-central-1"):
        modes_of(config)


def test_clickhouse_modes_of_a_dev_environment() -> None:
    """dev: no backups to price, a NAT instance bills no data processing, and a 1 vCPU / 4 GB
    task compares with m7g.large: the ec2 mode takes at least 2 vCPU and 8 GiB, Langfuse's
    minimum for ClickHouse (langfuse.com, "ClickHouse for self-hosted Langfuse")."""
    modes = modes_of(
        {"name": "ch", "region": "eu-west-1", "backup": {"enabled": False},
         "network": {"nat": "instance"}, "clickhouse": {"cpu": 1024, "memory_mib": 4096}}
    )  # fmt: skip
    assert not any("backups" in item for mode in modes.values() for item in mode)
    assert sum(modes["external"].values()) == 0
    (instance,) = [item for item in modes["ec2 + EBS"] if item.startswith("EC2 ")]
    assert instance.startswith("EC2 m7g.large, 2 vCPU / 8 GiB")
    assert modes["ec2 + EBS"][instance] == pytest.approx(HOURS * 0.091, abs=0.01)


@pytest.mark.parametrize("region", ["us-west-2", "ap-southeast-4"])
def test_clickhouse_modes_refuse_a_region_without_sourced_prices(region: str) -> None:
    """us-west-2 has Fargate prices but no sourced EBS or Graviton ones; nothing is guessed."""
    with pytest.raises(ValueError, match=rf"region {region} has no sourced EBS gp3 and Graviton"):
        modes_of({"name": "ch", "region": region})


def test_clickhouse_modes_refuse_an_instance_type_without_a_price() -> None:
    """eu-central-1 prices only m7g.large: a 4 vCPU / 16 GB task has no priced equal there."""
    config = {
        "name": "ch",
        "region": "eu-central-1",
        "clickhouse": {"cpu": 4096, "memory_mib": 16384},
    }
    with pytest.raises(ValueError, match=r"no Graviton instance of at least 4 vCPU and 16 GiB"):
        modes_of(config)


def test_cli_clickhouse_modes_state_their_assumptions_without_a_synth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_synth(target: Target, state_dir: Path | None = None) -> Target:
        raise AssertionError("the ClickHouse comparison needs no synth")

    monkeypatch.setattr(app_module, "fresh_or_synthesized", no_synth)
    result = CliRunner().invoke(
        app, ["cost", "example", "--clickhouse-modes", "--ingest-gib", "50"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Assumes 50 GiB of new ClickHouse data a month" in text
    assert "change with --ingest-gib" in text and "compressed at ratio 5:1" in text
    assert "4x write amplification" in text and "kept 42 days (backup.retention_days 35" in text
    assert "example (eu-west-1), monthly USD (configured: fargate)" in text


def test_cli_clickhouse_modes_markdown() -> None:
    result = CliRunner().invoke(app, ["cost", "example", "--clickhouse-modes", "--markdown"])
    assert result.exit_code == 0, result.output
    _, _, _, backup = ingest_month(30)
    ec2 = round(HOURS * 0.091, 2) + round(100 * 0.088, 2) + round(backup * 0.023, 2)
    assert "| Mode | Item | Basis | Monthly |" in result.output
    assert f"| | **Total ec2 + EBS** | | **${ec2:,.2f}** |" in result.output
    assert "\n- Assumes 30 GiB of new ClickHouse data a month" in result.output


def test_cli_clickhouse_modes_refuse_an_unpriced_region(tmp_path: Path) -> None:
    config = tmp_path / "west.yaml"
    config.write_text("name: west\nregion: us-west-2\n")
    result = CliRunner().invoke(app, ["cost", str(config), "--clickhouse-modes"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert f"{config}: region us-west-2 has no sourced EBS gp3" in message
    assert "Fix:" in message and "prices.json" in message


def test_docs_clickhouse_tables_are_the_command_output() -> None:
    """docs/clickhouse.md shows `cost example --clickhouse-modes --markdown` and `cost prod
    --clickhouse-modes --ingest-gib 300 --markdown`: the numbers the page reasons with are the
    command's."""
    from langfuse_aws.cli.clickhouse_cost import compare
    from langfuse_aws.cli.cost_report import clickhouse_markdown
    from langfuse_aws.config import load_config

    page = (REPO / "docs" / "clickhouse.md").read_text()
    for env, ingest in (("example", 30.0), ("prod", 300.0)):
        config = load_config(REPO / "config" / f"{env}.yaml")
        assert clickhouse_markdown(compare(config, ingest)).rstrip("\n") in page, env
