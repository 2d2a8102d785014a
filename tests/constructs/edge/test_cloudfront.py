"""CloudFront standard logs where CloudFront can deliver them, and none in opt-in regions.

AWS, Amazon CloudFront Developer Guide, "Configure standard logging (legacy)", Choose an Amazon
S3 bucket for standard logs
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html):
CloudFront doesn't deliver standard logs to buckets in the opt-in Regions. Which Regions are
opt-in: AWS General Reference, "AWS Regions"
(https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html): every
Region introduced after 20 March 2019 is disabled by default. A distribution that names a log
bucket in such a Region fails to deploy, so an environment there gets no log configuration.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from langfuse_aws.constructs.edge.cloudfront import delivers_standard_logs
from langfuse_aws.validation_report import violations

# The opt-in Regions of the commercial partition (AWS General Reference, "AWS Regions").
OPT_IN = [
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2",
    "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
]  # fmt: skip
# The Regions every account has enabled (introduced before 20 March 2019).
ENABLED_BY_DEFAULT = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
]  # fmt: skip


@pytest.mark.parametrize("region", OPT_IN)
def test_no_standard_logs_in_an_opt_in_region(region: str) -> None:
    assert not delivers_standard_logs(region)


@pytest.mark.parametrize("region", ENABLED_BY_DEFAULT)
def test_standard_logs_in_a_region_enabled_by_default(region: str) -> None:
    assert delivers_standard_logs(region)


def test_a_region_aws_opens_later_is_treated_as_opt_in() -> None:
    """Every Region AWS has opened since 2019 is opt-in; a log bucket there would fail."""
    assert not delivers_standard_logs("ap-south-9")


def _synthesize(region: str, outdir: Path) -> dict[str, Any]:
    """The main template of a default (CloudFront) environment in ``region``, synthesized in
    process with the gate's validators (cdk-nag, Control Tower rules)."""
    from aws_cdk import App

    from langfuse_aws import LangfuseEnvironment, add_compliance_checks, build_config
    from langfuse_aws.feature_flags import FEATURE_FLAGS

    app = App(outdir=str(outdir), context=FEATURE_FLAGS)
    environment = LangfuseEnvironment(
        app, build_config({"name": "optin", "region": region, "data_protection": "disposable"})
    )
    add_compliance_checks(app)
    app.synth()
    template: dict[str, Any] = json.loads(
        (outdir / f"{environment.main_stack.artifact_id}.template.json").read_text()
    )
    return template


@pytest.mark.slow  # synthesizes a whole environment
def test_an_opt_in_region_deploys_cloudfront_without_standard_logs(tmp_path: Path) -> None:
    """af-south-1 (Cape Town): the distribution names no log bucket, the load balancer still
    logs every request CloudFront forwards, and cdk-nag (AwsSolutions-CFR3) and Control Tower
    (CT.CLOUDFRONT.PR.5) findings are acknowledged with the reason, so the gate stays clean."""
    template = _synthesize("af-south-1", tmp_path)
    resources = template["Resources"].values()
    (distribution,) = [r for r in resources if r["Type"] == "AWS::CloudFront::Distribution"]
    assert "Logging" not in distribution["Properties"]["DistributionConfig"]
    (alb,) = [r for r in resources if r["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer"]
    attributes = {a["Key"]: a["Value"] for a in alb["Properties"]["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == "true"
    assert violations(tmp_path) == []
    report = json.loads((tmp_path / "validation-report.json").read_text())
    acknowledged = {
        v["ruleName"]: json.dumps(v)
        for plugin in report["pluginReports"]
        for v in plugin.get("suppressedViolations", [])
    }
    assert "opt-in region" in acknowledged["cloudfront_access_logs_enabled_check"]
