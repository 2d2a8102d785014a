"""`langfuse-aws cost`: a monthly estimate from the synthesized templates.

Expected prices are AWS's on-demand list prices for eu-west-1 (Linux, 730 hours a month),
written out here: the price table must agree with them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from langfuse_aws.cli import app as app_module
from langfuse_aws.cli.app import app
from langfuse_aws.cli.cost import Estimate, estimate
from langfuse_aws.cli.cost_report import markdown
from langfuse_aws.cli.target import Target, read_assembly
from langfuse_aws.config import build_config
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
    assert "holds no stack Langfuse-dev" in result.output


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
