"""network.existing and edge.mode internal: an existing VPC from the YAML (no lookup) and a
load balancer reachable only from the allowed networks, with no public address anywhere."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langfuse_aws.config.models import InternalEdgeConfig
from synth import SynthesizedEnvironment

PUBLIC_RESOURCES = (
    "AWS::EC2::VPC",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::CloudFront::Distribution",
)


def existing(env: SynthesizedEnvironment) -> Any:
    config = env.config.network.existing
    assert config is not None
    return config


def test_nothing_of_a_new_network_is_created(internal: SynthesizedEnvironment) -> None:
    for template in internal.templates.values():
        kinds = {r["Type"] for r in template["Resources"].values()}
        assert not kinds & set(PUBLIC_RESOURCES), kinds & set(PUBLIC_RESOURCES)
        assert "AWS::EC2::Subnet" not in kinds
    assert internal.global_stack is None and internal.edge_alarms_stack is None


def test_tasks_run_in_the_private_subnets(internal: SynthesizedEnvironment) -> None:
    private = existing(internal).private_subnet_ids
    services = internal.resources("AWS::ECS::Service")
    assert len(services) == 3
    for service in services.values():
        network = service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["Subnets"] == private
        assert network["AssignPublicIp"] == "DISABLED"


def test_data_stores_use_the_data_subnets(internal: SynthesizedEnvironment) -> None:
    data = existing(internal).data_subnet_ids
    (group,) = internal.resources("AWS::RDS::DBSubnetGroup").values()
    assert group["Properties"]["SubnetIds"] == data
    (cache,) = internal.resources("AWS::ElastiCache::SubnetGroup").values()
    assert cache["Properties"]["SubnetIds"] == data
    targets = internal.resources("AWS::EFS::MountTarget").values()
    assert sorted(t["Properties"]["SubnetId"] for t in targets) == sorted(data)


def test_security_groups_live_in_the_existing_vpc(internal: SynthesizedEnvironment) -> None:
    vpc = existing(internal).vpc_id
    for group in internal.resources("AWS::EC2::SecurityGroup").values():
        assert group["Properties"]["VpcId"] == vpc


def test_internal_load_balancer_with_the_users_certificate(
    internal: SynthesizedEnvironment,
) -> None:
    (alb,) = internal.resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    assert alb["Properties"]["Scheme"] == "internal"
    assert alb["Properties"]["Subnets"] == existing(internal).private_subnet_ids
    listeners = {
        listener["Properties"]["Port"]: listener["Properties"]
        for listener in internal.resources("AWS::ElasticLoadBalancingV2::Listener").values()
    }
    https = listeners[443]
    assert https["Protocol"] == "HTTPS"
    edge = internal.config.edge
    assert isinstance(edge, InternalEdgeConfig)
    assert https["Certificates"] == [{"CertificateArn": edge.certificate_arn}]
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"


def test_only_the_allowed_networks_reach_it(internal: SynthesizedEnvironment) -> None:
    (alb,) = internal.resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    (group_ref,) = alb["Properties"]["SecurityGroups"]
    group_id = group_ref["Fn::GetAtt"][0]
    group = internal.resources("AWS::EC2::SecurityGroup")[group_id]["Properties"]
    rules = group.get("SecurityGroupIngress", [])
    rules += [
        r["Properties"]
        for r in internal.resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    sources = {(r.get("CidrIp") or r.get("SourcePrefixListId"), r["FromPort"]) for r in rules}
    edge = internal.config.edge
    assert isinstance(edge, InternalEdgeConfig)
    expected = {
        (s, p) for s in [*edge.allowed_networks, *edge.allowed_prefix_lists] for p in (80, 443)
    }
    assert sources == expected
    assert not any(r.get("CidrIp") == "0.0.0.0/0" for r in rules)


def test_url_is_the_internal_host(internal: SynthesizedEnvironment) -> None:
    domain = internal.config.edge.domain
    assert domain is not None
    host = domain.name
    assert internal.main["Outputs"]["LangfuseUrl"]["Value"] == f"https://{host}"
    records = internal.resources("AWS::Route53::RecordSet").values()
    assert any(r["Properties"]["Name"] == f"{host}." for r in records)


def test_regional_waf_guards_the_internal_load_balancer(internal: SynthesizedEnvironment) -> None:
    (acl,) = internal.resources("AWS::WAFv2::WebACL").values()
    assert acl["Properties"]["Scope"] == "REGIONAL"
    assert internal.resources("AWS::WAFv2::WebACLAssociation")


@pytest.mark.parametrize("kind", ["AWS::EC2::Instance", "AWS::EC2::EIP"])
def test_no_public_address_anywhere(internal: SynthesizedEnvironment, kind: str) -> None:
    assert not internal.resources(kind)
    assert '"AssignPublicIp": "ENABLED"' not in json.dumps(internal.main)
