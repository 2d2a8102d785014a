"""`langfuse-aws doctor`: preflight checks against AWS (moto; a Stubber for Route 53, whose
zone ids moto invents in a form the config refuses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from rich.console import Console
from typer.testing import CliRunner

from langfuse_aws.cli import app as app_module
from langfuse_aws.cli.doctor import Check, run_doctor
from langfuse_aws.cli.target import load_target
from langfuse_aws.config import build_config

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's account
ZONE = "Z0123456789ABCDEFGHIJ"
BASE: dict[str, Any] = {"name": "tt", "region": REGION}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def bootstrapped(aws: None) -> None:
    """Both regions a CloudFront environment deploys to are bootstrapped."""
    bootstrap(REGION)
    bootstrap("us-east-1")


def bootstrap(region: str, version: str = "27") -> None:
    boto3.client("ssm", region_name=region).put_parameter(
        Name="/cdk-bootstrap/hnb659fds/version", Value=version, Type="String"
    )


def clients(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


@pytest.mark.usefixtures("bootstrapped")
def test_ready_account_passes_everything() -> None:
    checks = run_doctor(build_config(BASE), clients, "tt")
    assert all(check.ok for check in checks), checks
    names = set(by_name(checks))
    # CloudFront (the default edge) needs us-east-1 bootstrapped too.
    assert {"account", "region", f"bootstrap {REGION}", "bootstrap us-east-1"} <= names
    assert {"quota: VPCs", "quota: Elastic IPs", "quota: NAT gateways per zone"} <= names


@pytest.mark.usefixtures("aws")
def test_missing_bootstrap_names_the_command() -> None:
    bootstrap(REGION)
    check = by_name(run_doctor(build_config(BASE), clients, "tt"))["bootstrap us-east-1"]
    assert not check.ok
    assert check.fix == "langfuse-aws bootstrap tt"


@pytest.mark.usefixtures("aws")
def test_bootstrap_fix_for_a_config_path_runs_that_file(tmp_path: Path) -> None:
    """The fix names the environment as doctor was given it, so `langfuse-aws bootstrap`
    reads the same file."""
    config = tmp_path / "tt.yaml"
    config.write_text(f"name: tt\nregion: {REGION}\n")
    check = by_name(run_doctor(build_config(BASE), clients, str(config)))["bootstrap us-east-1"]
    assert check.fix == f"langfuse-aws bootstrap {config}"
    assert load_target(check.fix.split()[2]).path == config


@pytest.mark.usefixtures("aws")
def test_old_bootstrap_is_refused() -> None:
    bootstrap(REGION, "5")
    bootstrap("us-east-1")
    check = by_name(run_doctor(build_config(BASE), clients, "tt"))[f"bootstrap {REGION}"]
    assert not check.ok
    assert "version 6 or newer" in check.fix


@pytest.mark.usefixtures("aws")
def test_credentials_for_another_account() -> None:
    zones = {"availability_zones": ["eu-west-1a", "eu-west-1b"]}
    config = build_config(BASE | {"account": "999999999999", "network": zones})
    check = by_name(run_doctor(config, clients, "tt"))["account"]
    assert not check.ok
    assert "999999999999" in check.detail and ACCOUNT in check.detail


@pytest.mark.usefixtures("bootstrapped")
def test_elastic_ip_quota_counts_the_nat_gateways() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    for _ in range(4):
        ec2.allocate_address(Domain="vpc")
    config = build_config(BASE | {"network": {"max_azs": 2, "nat_gateways": 2}})
    check = by_name(run_doctor(config, clients, "tt"))["quota: Elastic IPs"]
    # AWS's default: 5 Elastic IPs per region; 4 in use + 2 NAT gateways do not fit.
    assert not check.ok
    assert check.detail == "4 used + 2 for this deploy, limit 5"


@pytest.mark.usefixtures("bootstrapped")
def test_secrets_named_in_the_yaml_must_exist_and_be_readable() -> None:
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="okta-client", SecretString="s3cret"
    )
    providers = [
        {"type": "okta", "client_id": "a", "client_secret_secret": "okta-client",
         "issuer": "https://acme.okta.com"},
        {"type": "github", "client_id": "b", "client_secret_secret": "github-client"},
    ]  # fmt: skip
    config = build_config(BASE | {"auth": {"providers": providers}})
    found = by_name(run_doctor(config, clients, "tt"))
    assert found["secret auth.providers.0.client_secret_secret"].ok
    missing = found["secret auth.providers.1.client_secret_secret"]
    assert not missing.ok
    assert missing.fix == "create it, or correct auth.providers.1.client_secret_secret"


@pytest.mark.usefixtures("bootstrapped")
def test_cognito_prefix_ours_free_or_taken() -> None:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain="langfuse-tt-login", UserPoolId=pool)

    def cognito(prefix: str, resolves: bool) -> Check:
        config = build_config(BASE | {"auth": {"cognito": {"domain_prefix": prefix}}})
        checks = run_doctor(config, clients, "tt", resolves=lambda host: resolves)
        return by_name(checks)["Cognito domain"]

    assert cognito("langfuse-tt-login", resolves=True).ok  # ours: our pool has it
    assert cognito("langfuse-tt-free", resolves=False).detail == "langfuse-tt-free: free"
    taken = cognito("langfuse-tt-taken", resolves=True)
    assert not taken.ok
    assert "langfuse-tt-taken.auth.eu-west-1.amazoncognito.com exists" in taken.detail


def route53_stub(zone_name: str, private: bool = False) -> tuple[Any, Stubber]:
    client = boto3.client("route53")
    stubber = Stubber(client)
    stubber.add_response(
        "get_hosted_zone",
        {
            "HostedZone": {
                "Id": f"/hostedzone/{ZONE}",
                "Name": zone_name + ".",
                "CallerReference": "x",
                "Config": {"PrivateZone": private},
            },
            "DelegationSet": {"NameServers": ["ns-1.awsdns-00.com"]},
        },
        {"Id": ZONE},
    )
    return client, stubber


DOMAIN = {"name": "langfuse.example.com", "zone_id": ZONE, "zone_name": "example.com"}


@pytest.mark.parametrize(
    ("zone_name", "private", "ok"),
    [("example.com", False, True), ("example.org", False, False), ("example.com", True, False)],
)
@pytest.mark.usefixtures("bootstrapped")
def test_hosted_zone_must_be_the_public_zone_named(zone_name: str, private: bool, ok: bool) -> None:
    route53, stubber = route53_stub(zone_name, private)
    config = build_config(BASE | {"edge": {"domain": DOMAIN}})
    with stubber:
        found = by_name(
            run_doctor(config, lambda s, r: route53 if s == "route53" else clients(s, r), "tt")
        )
    assert found["hosted zone"].ok is ok


US_EAST_1 = "us-east-1"


@pytest.mark.parametrize(
    ("settings", "bootstrapped_regions", "alarm_regions"),
    [
        # CloudFront's web ACL (CLOUDFRONT scope) and its alarms (CloudFront publishes its
        # metrics only in us-east-1) both live in us-east-1.
        ({}, {REGION, US_EAST_1}, {REGION, US_EAST_1}),
        ({"waf": {"enabled": False}}, {REGION, US_EAST_1}, {REGION, US_EAST_1}),
        ({"monitoring": {"enabled": False}}, {REGION, US_EAST_1}, {REGION}),
        # No web ACL, no domain, no alarms: nothing of this CloudFront environment is in
        # us-east-1, so doctor must not ask for its bootstrap (it used to, for any CloudFront).
        ({"waf": {"enabled": False}, "monitoring": {"enabled": False}}, {REGION}, {REGION}),
        # An internet-facing load balancer: a REGIONAL web ACL and its metrics, all in REGION.
        ({"edge": {"mode": "alb", "allow_insecure_http": True}}, {REGION}, {REGION}),
    ],
)
@pytest.mark.usefixtures("bootstrapped")
def test_doctor_checks_exactly_the_regions_the_stacks_deploy_to(
    settings: dict[str, Any], bootstrapped_regions: set[str], alarm_regions: set[str]
) -> None:
    """A stack's region must be bootstrapped (CDK's default synthesizer uploads the template
    there); the CloudFront certificate and CLOUDFRONT web ACL exist only in us-east-1 (ACM
    User Guide, Supported Regions; AWS WAF Developer Guide, Resources that you can protect),
    as do CloudFront's metrics and so its alarms (CloudFront Developer Guide, Types of metrics
    for CloudFront: "you must use the US East (N. Virginia) Region")."""
    names = set(by_name(run_doctor(build_config(BASE | settings), clients, "tt")))
    assert {n for n in names if n.startswith("bootstrap ")} == {
        f"bootstrap {region}" for region in bootstrapped_regions
    }
    assert {n for n in names if n.startswith("alarm destination ")} == {
        f"alarm destination {region}" for region in alarm_regions
    }


def test_cli_exits_1_and_prints_the_fix(
    aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    config = tmp_path / "tt.yaml"
    config.write_text(f"name: tt\nregion: {REGION}\n")
    monkeypatch.setattr(app_module, "boto3_clients", lambda: clients)
    # A terminal wide enough that the table does not wrap the fix across lines.
    monkeypatch.setattr(app_module, "console", Console(width=400))
    result = CliRunner().invoke(app_module.app, ["doctor", str(config)])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "langfuse-aws bootstrap" in result.output


@pytest.mark.usefixtures("bootstrapped")
def test_existing_network_must_match_the_yaml() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone="eu-west-1a")
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.2.0/24", AvailabilityZone="eu-west-1b")
    first, second = a["Subnet"]["SubnetId"], b["Subnet"]["SubnetId"]

    def network(subnets: list[str]) -> dict[str, Any]:
        return {
            "existing": {
                "vpc_id": vpc,
                "cidr": "10.20.0.0/16",
                "availability_zones": ["eu-west-1a", "eu-west-1b"],
                "private_subnet_ids": subnets,
            }
        }

    right = by_name(
        run_doctor(build_config(BASE | {"network": network([first, second])}), clients, "tt")
    )
    assert right["existing VPC"].ok
    assert right[f"private subnet {first}"].ok and right[f"private subnet {second}"].ok
    assert "quota: VPCs" not in right  # nothing new is created
    swapped = by_name(
        run_doctor(build_config(BASE | {"network": network([second, first])}), clients, "tt")
    )
    check = swapped[f"private subnet {second}"]
    assert not check.ok
    assert check.detail == f"eu-west-1b in {vpc}"
    assert "(eu-west-1a here)" in check.fix
