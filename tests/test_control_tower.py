"""AWS Control Tower proactive controls (cfn-guard) in the gate, and the gaps they found, fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from langfuse_aws.config.models import ClickHouseFargateConfig
from langfuse_aws.validation_report import violations
from synth import SynthesizedEnvironment, task_container


def test_every_assembly_has_a_clean_report_from_both_plugins(
    any_env: SynthesizedEnvironment,
) -> None:
    report = json.loads((any_env.outdir / "validation-report.json").read_text())
    plugins = {p["pluginName"]: p for p in report["pluginReports"]}
    assert "cdk-validator-cfnguard" in plugins
    assert plugins["cdk-validator-cfnguard"]["suppressedViolations"], "acknowledgements recorded"
    assert violations(any_env.outdir) == []


@pytest.mark.slow  # synthesizes and runs cfn-guard
def test_an_acknowledged_finding_does_not_hide_the_others(tmp_path: Path) -> None:
    """cfn-guard's trap: with one finding acknowledged, synth succeeds although another
    remains; the report still lists it, and make synth's report check fails on it."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_logs as logs

    from langfuse_aws import add_compliance_checks
    from langfuse_aws.compliance import acknowledge

    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Trap")
    group = logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.ONE_WEEK)
    acknowledge(
        group,
        "cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check",
        "A test acknowledges this finding to show that the other one is still reported.",
    )
    add_compliance_checks(app)
    try:
        app.synth()
    except RuntimeError:
        pytest.fail("synth failed; the trap is that it does not")
    found = violations(tmp_path)
    assert any("CT.CLOUDWATCH.PR.3" in line for line in found), found


def main_resources(env: SynthesizedEnvironment, kind: str) -> dict[str, dict[str, Any]]:
    return env.resources(kind)


def test_aurora_exports_its_log_with_retention(any_env: SynthesizedEnvironment) -> None:
    (cluster,) = main_resources(any_env, "AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["EnableCloudwatchLogsExports"] == ["postgresql"]
    (retention,) = main_resources(any_env, "Custom::LogRetention").values()
    assert retention["Properties"]["RetentionInDays"] == any_env.config.logs.retention_days
    assert retention["Properties"]["LogGroupName"]["Fn::Join"][1][0] == "/aws/rds/cluster/"


def test_waf_logs_without_credentials(any_env: SynthesizedEnvironment) -> None:
    stack = any_env.global_stack if any_env.config.edge.mode == "cloudfront" else None
    (logging,) = any_env.resources("AWS::WAFv2::LoggingConfiguration", stack).values()
    groups = any_env.resources("AWS::Logs::LogGroup", stack)
    waf_groups = [
        g
        for g in groups.values()
        if str(g["Properties"].get("LogGroupName", "")).startswith("aws-waf-logs-")
    ]
    (group,) = waf_groups  # WAF only logs to groups named aws-waf-logs-*
    assert group["Properties"]["LogGroupName"] == f"aws-waf-logs-langfuse-{any_env.config.name}"
    assert group["DeletionPolicy"] == "Delete"  # a kept fixed name would block the next deploy
    redacted = {f["SingleHeader"]["Name"] for f in logging["Properties"]["RedactedFields"]}
    assert redacted == {"authorization", "cookie"}


def test_valkey_keeps_a_week_of_snapshots_where_data_is_kept(
    any_env: SynthesizedEnvironment,
) -> None:
    (group,) = main_resources(any_env, "AWS::ElastiCache::ReplicationGroup").values()
    expected = 7 if any_env.config.retains_data else 1
    assert group["Properties"]["SnapshotRetentionLimit"] == expected


def test_nat_instance_requires_imdsv2(dev: SynthesizedEnvironment) -> None:
    (instance,) = main_resources(dev, "AWS::EC2::Instance").values()
    template_id = instance["Properties"]["LaunchTemplate"]["LaunchTemplateName"]
    templates = main_resources(dev, "AWS::EC2::LaunchTemplate")
    (launch_template,) = templates.values()
    assert (
        launch_template["Properties"]["LaunchTemplateData"]["MetadataOptions"]["HttpTokens"]
        == "required"
    )
    assert template_id


def test_public_subnets_assign_no_public_addresses(any_env: SynthesizedEnvironment) -> None:
    subnets = main_resources(any_env, "AWS::EC2::Subnet")
    if any_env.config.network.existing is not None:
        assert subnets == {}  # the existing VPC's subnets are not ours to change
        return
    public = [s for k, s in subnets.items() if "PublicSubnet" in k]
    assert public
    for subnet in public:
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_containers_have_memory_limits_and_langfuse_runs_as_its_image_user(
    any_env: SynthesizedEnvironment,
) -> None:
    for service in ("Web", "Worker"):
        container = task_container(any_env, service)
        size = getattr(any_env.config.langfuse, service.lower())
        assert container["Memory"] == size.memory_mib
        assert container["User"] == "1001:1001"  # USER nextjs / expressjs in Langfuse's images
    clickhouse = any_env.config.clickhouse
    if isinstance(clickhouse, ClickHouseFargateConfig):
        # The task has clickhouse.memory_mib; with backups on, the backup sidecar's 256 MiB
        # hard limit comes out of the server's, so that every limit fits in the task.
        (task,) = [
            t
            for k, t in any_env.resources("AWS::ECS::TaskDefinition").items()
            if k.startswith("ClickHouseTask")
        ]
        assert task["Properties"]["Memory"] == str(clickhouse.memory_mib)
        sidecar = 256 if any_env.config.backup.enabled else 0
        server = task_container(any_env, "ClickHouse")
        assert server["Memory"] == clickhouse.memory_mib - sidecar
        limits = [c["Memory"] for c in task["Properties"]["ContainerDefinitions"]]
        assert sum(limits) == clickhouse.memory_mib


def test_cloudfront_with_a_domain_uses_its_certificate_sni_and_tls12(
    prod: SynthesizedEnvironment,
) -> None:
    (distribution,) = main_resources(prod, "AWS::CloudFront::Distribution").values()
    viewer = distribution["Properties"]["DistributionConfig"]["ViewerCertificate"]
    assert viewer["SslSupportMethod"] == "sni-only"
    assert viewer["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert viewer["AcmCertificateArn"]["Fn::GetStackOutput"]["Region"] == "us-east-1"
