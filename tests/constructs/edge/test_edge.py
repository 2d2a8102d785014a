"""How users reach Langfuse: CloudFront in front of an internal load balancer, an
internet-facing load balancer with its own certificate, or an internal load balancer with the
user's certificate; and the public URL each one gives Langfuse.

Rules the expected values come from:
- DESIGN.md, Architecture: CloudFront reaches an internal ALB through a VPC origin and gives
  HTTPS on ``https://dxxxx.cloudfront.net`` without a domain; otherwise an internet-facing HTTPS
  ALB; CloudFront certificates and CLOUDFRONT-scope web ACLs live in us-east-1, so alb and
  internal modes carry a REGIONAL web ACL on the load balancer (docs/security.md).
- Cognito accepts only HTTPS callback URLs except http://localhost (Cognito API,
  CreateUserPoolClient CallbackURLs), and NEXTAUTH_URL must be the exact origin the browser
  uses (../shared/reference/langfuse.md): the public URL is https unless the YAML accepted
  plain HTTP, and names the host users open.
- A WAF web ACL protects a regional resource through an AWS::WAFv2::WebACLAssociation and has
  scope REGIONAL (AWS WAF Developer Guide, "Associating or disassociating a web ACL").
- An ACM certificate validated with a HostedZoneId gets its CNAME written by CloudFormation
  (CloudFormation, AWS::CertificateManager::Certificate DomainValidationOption).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from construct_stack import bare_stack, imported_vpc, only, protection, resources
from langfuse_aws.constructs.edge.dns import Domain
from langfuse_aws.constructs.edge.edge import Edge, EdgeProps
from langfuse_aws.constructs.edge.waf import WebAclProps

DOMAIN = Domain(
    name="langfuse.example.com", zone_id="Z0123456789ABCDEFGHIJ", zone_name="example.com"
)
USER_CERTIFICATE = (
    "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-0000-4000-8000-000000000000"
)
OFFICE = "203.0.113.0/24"


class Built(NamedTuple):
    template: Template
    edge: Edge


def build_edge(stack: Stack, **mode: Any) -> Edge:
    """The one place this file builds the construct; ``mode`` holds the EdgeProps that differ
    between the modes."""
    return Edge(
        stack,
        "Edge",
        props=EdgeProps(
            vpc=imported_vpc(stack),
            access_logs=s3.Bucket.from_bucket_name(stack, "Logs", "langfuse-logs-bucket"),
            target_port=3000,
            health_path="/api/public/health",
            idle_timeout_seconds=60,
            **mode,
        ),
    )


def synth(**mode: Any) -> Built:
    stack = bare_stack()
    edge = build_edge(stack, **mode)
    return Built(Template.from_stack(stack), edge)


def regional_acl() -> WebAclProps:
    return WebAclProps(
        allowed_cidrs=[], environment_name="test", protection=protection(retain=False)
    )


@pytest.fixture(scope="module")
def cdn() -> Built:
    """cloudfront mode without a domain."""
    return synth(uses_cloudfront=True, internet_facing=False, clients_reach_load_balancer=False)


@pytest.fixture(scope="module")
def alb_with_domain() -> Built:
    """alb mode with a domain and WAF."""
    return synth(
        uses_cloudfront=False,
        internet_facing=True,
        clients_reach_load_balancer=True,
        domain=DOMAIN,
        web_acl=regional_acl(),
    )


@pytest.fixture(scope="module")
def private_edge() -> Built:
    """internal mode: the user's certificate, one allowed network, WAF."""
    return synth(
        uses_cloudfront=False,
        internet_facing=False,
        clients_reach_load_balancer=True,
        domain=DOMAIN,
        certificate_arn=USER_CERTIFICATE,
        allowed_ipv4_cidrs=[OFFICE],
        web_acl=regional_acl(),
    )


@pytest.fixture(scope="module")
def plain_http_alb() -> Built:
    """alb mode without a domain, plain HTTP accepted in the YAML."""
    return synth(
        uses_cloudfront=False,
        internet_facing=True,
        clients_reach_load_balancer=True,
        plain_http=True,
    )


def scheme(built: Built) -> str:
    _, alb = only(built.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    return str(alb["Properties"]["Scheme"])


def url(built: Built) -> Any:
    return Stack.of(built.edge).resolve(built.edge.public_url)


def records(built: Built) -> list[tuple[str, str]]:
    found = resources(built.template, "AWS::Route53::RecordSet").values()
    return sorted((r["Properties"]["Name"], r["Properties"]["Type"]) for r in found)


def https_listener(built: Built) -> dict[str, Any] | None:
    found = resources(built.template, "AWS::ElasticLoadBalancingV2::Listener").values()
    https = [listener["Properties"] for listener in found if listener["Properties"]["Port"] == 443]
    return https[0] if https else None


def test_cloudfront_fronts_an_internal_load_balancer_with_https(cdn: Built) -> None:
    assert scheme(cdn) == "internal"
    distribution_id, _ = only(cdn.template, "AWS::CloudFront::Distribution")
    assert url(cdn) == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]
    }
    assert cdn.edge.distribution is not None
    assert records(cdn) == []
    assert resources(cdn.template, "AWS::WAFv2::WebACL") == {}
    assert https_listener(cdn) is None


def test_alb_mode_serves_its_own_dns_validated_certificate_on_the_domain(
    alb_with_domain: Built,
) -> None:
    built = alb_with_domain
    assert scheme(built) == "internet-facing"
    certificate_id, certificate = only(built.template, "AWS::CertificateManager::Certificate")
    assert certificate["Properties"]["DomainName"] == DOMAIN.name
    assert certificate["Properties"]["DomainValidationOptions"] == [
        {"DomainName": DOMAIN.name, "HostedZoneId": DOMAIN.zone_id}
    ]
    listener = https_listener(built)
    assert listener is not None
    assert listener["Certificates"] == [{"CertificateArn": {"Ref": certificate_id}}]
    assert url(built) == f"https://{DOMAIN.name}"
    assert resources(built.template, "AWS::CloudFront::Distribution") == {}


def test_a_load_balancer_gets_an_a_alias_only(alb_with_domain: Built) -> None:
    assert records(alb_with_domain) == [(f"{DOMAIN.name}.", "A")]
    assert alb_with_domain.edge.app_record is not None


def test_alb_and_internal_modes_carry_a_regional_web_acl_on_the_load_balancer(
    alb_with_domain: Built, private_edge: Built
) -> None:
    for built in (alb_with_domain, private_edge):
        acl_id, acl = only(built.template, "AWS::WAFv2::WebACL")
        assert acl["Properties"]["Scope"] == "REGIONAL"
        _, association = only(built.template, "AWS::WAFv2::WebACLAssociation")
        alb_id, _ = only(built.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert association["Properties"]["ResourceArn"] == {"Ref": alb_id}
        assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_internal_mode_serves_the_user_s_certificate_to_the_allowed_network_only(
    private_edge: Built,
) -> None:
    assert scheme(private_edge) == "internal"
    assert resources(private_edge.template, "AWS::CertificateManager::Certificate") == {}
    listener = https_listener(private_edge)
    assert listener is not None
    assert listener["Certificates"] == [{"CertificateArn": USER_CERTIFICATE}]
    (group,) = resources(private_edge.template, "AWS::EC2::SecurityGroup").values()
    sources = {r["CidrIp"] for r in group["Properties"]["SecurityGroupIngress"]}
    assert sources == {OFFICE}
    assert url(private_edge) == f"https://{DOMAIN.name}"
    assert records(private_edge) == [(f"{DOMAIN.name}.", "A")]


def test_plain_http_only_where_the_yaml_accepted_it(plain_http_alb: Built) -> None:
    alb_id, _ = only(plain_http_alb.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert url(plain_http_alb) == {
        "Fn::Join": ["", ["http://", {"Fn::GetAtt": [alb_id, "DNSName"]}]]
    }
    assert https_listener(plain_http_alb) is None
    assert resources(plain_http_alb.template, "AWS::CertificateManager::Certificate") == {}
