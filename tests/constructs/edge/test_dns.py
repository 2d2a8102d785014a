"""Route 53: the hosted zone named in the YAML, read without a lookup, and the app's alias
records.

Rules the expected values come from:
- An alias record answers with the target's addresses; IPv6 viewers need an AAAA alias beside
  the A alias (Route 53 Developer Guide, "Routing traffic to an Amazon CloudFront distribution
  by using your domain name": create an alias record of type AAAA for IPv6).
- Route 53 stores record names fully qualified, with the trailing dot (Route 53 API,
  ResourceRecordSet Name).
- DESIGN.md: synthesis never calls AWS; everything a lookup would find is in the YAML.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk.assertions import Template

from construct_stack import bare_stack, imported_vpc, only, resources
from langfuse_aws.constructs.edge.dns import AliasRecords, Domain, hosted_zone

DOMAIN = Domain(
    name="langfuse.example.com", zone_id="Z0123456789ABCDEFGHIJ", zone_name="example.com"
)


class Built(NamedTuple):
    template: Template
    zone: route53.IHostedZone
    alb: elbv2.ApplicationLoadBalancer
    stack: Stack


def build_records(
    stack: Stack, *, ipv6: bool
) -> tuple[route53.IHostedZone, elbv2.ApplicationLoadBalancer]:
    """The one place this file builds the constructs: the zone, and alias records of the
    domain pointing at a load balancer."""
    zone = hosted_zone(stack, "Zone", DOMAIN)
    alb = elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=imported_vpc(stack))
    AliasRecords(
        stack,
        "Dns",
        zone=zone,
        record_name=DOMAIN.name,
        target=targets.LoadBalancerTarget(alb),
        ipv6=ipv6,
    )
    return zone, alb


def synth(*, ipv6: bool) -> Built:
    stack = bare_stack()
    zone, alb = build_records(stack, ipv6=ipv6)
    return Built(Template.from_stack(stack), zone, alb, stack)


@pytest.fixture(scope="module")
def dual_stack() -> Built:
    return synth(ipv6=True)


@pytest.fixture(scope="module")
def ipv4_only() -> Built:
    return synth(ipv6=False)


def test_the_zone_comes_from_the_yaml_without_a_lookup(ipv4_only: Built) -> None:
    stack = ipv4_only.stack
    assert stack.resolve(ipv4_only.zone.hosted_zone_id) == DOMAIN.zone_id
    assert stack.resolve(ipv4_only.zone.zone_name) == DOMAIN.zone_name
    # A lookup would resolve to a placeholder and leave context for the CLI to fetch.
    assert resources(ipv4_only.template, "AWS::Route53::HostedZone") == {}


def test_an_a_alias_points_the_host_name_at_the_target(ipv4_only: Built) -> None:
    _, record = only(ipv4_only.template, "AWS::Route53::RecordSet")
    properties = record["Properties"]
    assert (properties["Name"], properties["Type"]) == ("langfuse.example.com.", "A")
    assert properties["HostedZoneId"] == DOMAIN.zone_id
    alb_id = ipv4_only.stack.resolve(ipv4_only.alb.load_balancer_arn)["Ref"]
    assert properties["AliasTarget"]["HostedZoneId"] == {
        "Fn::GetAtt": [alb_id, "CanonicalHostedZoneID"]
    }


def test_ipv6_adds_an_aaaa_alias_of_the_same_name(dual_stack: Built, ipv4_only: Built) -> None:
    records = [
        r["Properties"] for r in resources(dual_stack.template, "AWS::Route53::RecordSet").values()
    ]
    assert sorted((r["Name"], r["Type"]) for r in records) == [
        ("langfuse.example.com.", "A"),
        ("langfuse.example.com.", "AAAA"),
    ]
    assert records[0]["AliasTarget"] == records[1]["AliasTarget"]
    types = [
        r["Properties"]["Type"]
        for r in resources(ipv4_only.template, "AWS::Route53::RecordSet").values()
    ]
    assert types == ["A"]
