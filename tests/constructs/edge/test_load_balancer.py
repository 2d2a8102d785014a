"""The Application Load Balancer: internal behind CloudFront, internet-facing in alb mode,
internal with the user's certificate in internal mode; TLS 1.2 or newer, HTTP redirected to
HTTPS, and a security group open to exactly the allowed clients.

Rules the expected values come from:
- An ALB's ``Scheme`` is ``internet-facing`` (public subnets, public addresses) or
  ``internal`` (ELB User Guide for ALBs, "Load balancer scheme").
- Without an explicit policy an HTTPS listener created through CloudFormation or the CDK gets
  ELBSecurityPolicy-2016-08, which accepts TLS 1.0; the ``ELBSecurityPolicy-TLS13-1-2-*`` and
  ``ELBSecurityPolicy-TLS-1-2-*`` policies accept TLS 1.2 and newer only (ELB User Guide for
  ALBs, "Security policies for your Application Load Balancer").
- Fargate tasks use awsvpc networking, so their target group must have target type ``ip``
  (ECS Developer Guide, "Use a load balancer to distribute Amazon ECS service traffic").
- ``routing.http.drop_invalid_header_fields.enabled`` drops headers that are not valid HTTP
  header names (ELB User Guide for ALBs, "Load balancer attributes"); Langfuse's web keep-alive
  must outlast ``idle_timeout.timeout_seconds`` (../shared/reference/langfuse.md).
- docs/security.md: the internal ALB admits only CloudFront's VPC-origin security group; ALB
  access logs go to the log bucket; an allow-list in alb and internal modes is enforced by
  the load balancer's security group.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from construct_stack import (
    PRIVATE_SUBNETS,
    PUBLIC_SUBNETS,
    acknowledged,
    bare_stack,
    imported_vpc,
    only,
    resources,
)
from langfuse_aws.constructs.edge.load_balancer import LoadBalancer, LoadBalancerProps

CERTIFICATE_ARN = (
    "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-0000-4000-8000-000000000000"
)
TLS_1_2_OR_NEWER = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2)-")
HTTP, HTTPS, WEB_PORT = 80, 443, 3000
OFFICE = "203.0.113.0/24"
PREFIX_LIST = "pl-0123456789abcdef0"
LOG_BUCKET = "langfuse-logs-bucket"


class Built(NamedTuple):
    template: Template
    load_balancer: LoadBalancer


def build_load_balancer(
    stack: Stack,
    *,
    internet_facing: bool,
    with_certificate: bool,
    client_ingress: bool,
    allowed_cidrs: list[str],
    allowed_prefix_lists: list[str],
) -> LoadBalancer:
    """The one place this file builds the construct."""
    certificate = (
        acm.Certificate.from_certificate_arn(stack, "Certificate", CERTIFICATE_ARN)
        if with_certificate
        else None
    )
    return LoadBalancer(
        stack,
        "LoadBalancer",
        props=LoadBalancerProps(
            vpc=imported_vpc(stack),
            internet_facing=internet_facing,
            certificate=certificate,
            client_ingress=client_ingress,
            allowed_cidrs=allowed_cidrs,
            allowed_prefix_lists=allowed_prefix_lists,
            idle_timeout_seconds=120,
            target_port=WEB_PORT,
            health_path="/api/public/health",
            access_logs=s3.Bucket.from_bucket_name(stack, "Logs", LOG_BUCKET),
        ),
    )


def synth(**settings: Any) -> Built:
    stack = bare_stack()
    load_balancer = build_load_balancer(stack, **settings)
    return Built(Template.from_stack(stack), load_balancer)


@pytest.fixture(scope="module")
def behind_cloudfront() -> Built:
    return synth(
        internet_facing=False,
        with_certificate=False,
        client_ingress=False,
        allowed_cidrs=[],
        allowed_prefix_lists=[],
    )


@pytest.fixture(scope="module")
def public() -> Built:
    return synth(
        internet_facing=True,
        with_certificate=True,
        client_ingress=True,
        allowed_cidrs=[],
        allowed_prefix_lists=[],
    )


@pytest.fixture(scope="module")
def private_alb() -> Built:
    return synth(
        internet_facing=False,
        with_certificate=True,
        client_ingress=True,
        allowed_cidrs=[OFFICE],
        allowed_prefix_lists=[PREFIX_LIST],
    )


def alb(built: Built) -> dict[str, Any]:
    properties: dict[str, Any] = only(built.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")[
        1
    ]["Properties"]
    return properties


def listeners(built: Built) -> dict[int, dict[str, Any]]:
    found = resources(built.template, "AWS::ElasticLoadBalancingV2::Listener").values()
    return {listener["Properties"]["Port"]: listener["Properties"] for listener in found}


def ingress(built: Built) -> list[tuple[str, int, int]]:
    """(source, from port, to port) of every rule admitting traffic to the load balancer."""
    group = only(built.template, "AWS::EC2::SecurityGroup")[1]["Properties"]
    rules = list(group.get("SecurityGroupIngress", []))
    rules += [
        r["Properties"]
        for r in resources(built.template, "AWS::EC2::SecurityGroupIngress").values()
    ]
    return sorted(
        (
            str(r.get("CidrIp") or r.get("SourcePrefixListId") or r.get("SourceSecurityGroupId")),
            r["FromPort"],
            r["ToPort"],
        )
        for r in rules
    )


def test_behind_cloudfront_an_internal_load_balancer_serves_http_to_nobody_yet(
    behind_cloudfront: Built,
) -> None:
    """CloudFront's VPC origin gets in later (edge/cloudfront.py); nobody else does."""
    assert alb(behind_cloudfront)["Scheme"] == "internal"
    assert alb(behind_cloudfront)["Subnets"] == PRIVATE_SUBNETS
    (http,) = listeners(behind_cloudfront).values()
    assert (http["Port"], http["Protocol"]) == (HTTP, "HTTP")
    assert http["DefaultActions"][0]["Type"] == "forward"
    assert ingress(behind_cloudfront) == []
    (listener,) = behind_cloudfront.load_balancer.alb.listeners
    assert (
        "CloudFront"
        in acknowledged(listener)["cdk-validator-cfnguard::alb_http_to_https_redirection_check"]
    )


def test_alb_mode_is_internet_facing_in_the_public_subnets(public: Built) -> None:
    assert alb(public)["Scheme"] == "internet-facing"
    assert alb(public)["Subnets"] == PUBLIC_SUBNETS


def test_https_with_tls_1_2_or_newer_and_http_redirected(public: Built, private_alb: Built) -> None:
    for built in (public, private_alb):
        by_port = listeners(built)
        assert set(by_port) == {HTTP, HTTPS}
        https = by_port[HTTPS]
        assert https["Protocol"] == "HTTPS"
        assert TLS_1_2_OR_NEWER.match(https["SslPolicy"]), https["SslPolicy"]
        assert https["Certificates"] == [{"CertificateArn": CERTIFICATE_ARN}]
        (redirect,) = by_port[HTTP]["DefaultActions"]
        assert redirect == {
            "Type": "redirect",
            "RedirectConfig": {"Port": str(HTTPS), "Protocol": "HTTPS", "StatusCode": "HTTP_301"},
        }


def test_an_open_alb_admits_everyone_on_both_listeners(public: Built) -> None:
    assert ingress(public) == [("0.0.0.0/0", HTTP, HTTP), ("0.0.0.0/0", HTTPS, HTTPS)]
    assert "AwsSolutions-EC23" in acknowledged(public.load_balancer.security_group)


def test_an_internal_alb_admits_only_the_allowed_networks(private_alb: Built) -> None:
    assert alb(private_alb)["Scheme"] == "internal"
    assert alb(private_alb)["Subnets"] == PRIVATE_SUBNETS
    assert ingress(private_alb) == [
        (OFFICE, HTTP, HTTP),
        (OFFICE, HTTPS, HTTPS),
        (PREFIX_LIST, HTTP, HTTP),
        (PREFIX_LIST, HTTPS, HTTPS),
    ]
    assert "AwsSolutions-EC23" not in acknowledged(private_alb.load_balancer.security_group)


def test_the_load_balancer_itself_reaches_nothing_but_its_targets(public: Built) -> None:
    group = only(public.template, "AWS::EC2::SecurityGroup")[1]["Properties"]
    assert all(rule.get("CidrIp") != "0.0.0.0/0" for rule in group["SecurityGroupEgress"])


def test_attributes_logs_and_header_hygiene(public: Built) -> None:
    attributes = {a["Key"]: a["Value"] for a in alb(public)["LoadBalancerAttributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["idle_timeout.timeout_seconds"] == "120"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == LOG_BUCKET
    assert attributes["access_logs.s3.prefix"] == "alb"


def test_web_tasks_are_ip_targets_checked_on_the_health_path(public: Built) -> None:
    _, group = only(public.template, "AWS::ElasticLoadBalancingV2::TargetGroup")
    properties = group["Properties"]
    assert (properties["TargetType"], properties["Port"], properties["Protocol"]) == (
        "ip",
        WEB_PORT,
        "HTTP",
    )
    assert properties["HealthCheckPath"] == "/api/public/health"
    assert properties["Matcher"] == {"HttpCode": "200"}
    stack = Stack.of(public.load_balancer)
    target_group = stack.resolve(public.load_balancer.target_group.target_group_arn)
    assert listeners(public)[HTTPS]["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": target_group}
    ]
