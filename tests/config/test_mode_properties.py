"""What each edge mode means, read from the config model: the one place the app, the command
line and the tests ask whether CloudFront fronts Langfuse and whether anything must live in
us-east-1.

AWS's rules for us-east-1 (the expected values below are written from them):
- CloudFront takes only ACM certificates in us-east-1 (ACM User Guide, Supported Regions:
  https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html);
- a CLOUDFRONT-scope web ACL is created in us-east-1 (AWS WAF Developer Guide, Resources that
  you can protect: https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html);
- CloudFront publishes its metrics only in us-east-1 (CloudFront Developer Guide, Types of
  metrics for CloudFront: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html),
  and CloudWatch raises an alarm only in its metric's region;
- a Cognito custom domain's certificate must be in US East (N. Virginia) (Cognito API
  Reference, UpdateUserPoolDomain: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolDomain.html).
An internet-facing or internal load balancer takes a certificate, a REGIONAL web ACL and
alarms in its own region.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from langfuse_aws.config import build_config

BASE: dict[str, Any] = {"name": "tt", "region": "eu-west-1"}
DOMAIN = {"name": "langfuse.acme.io", "zone_id": "Z0123456789ABCDEFGHIJ", "zone_name": "acme.io"}
CERTIFICATE = "arn:aws:acm:eu-west-1:555566667777:certificate/0f6c2a9e-1b2c-4d3e-8f90-123456789abc"
EXISTING = {
    "vpc_id": "vpc-0a1b2c3d4e5f60718",
    "cidr": "10.20.0.0/16",
    "availability_zones": ["eu-west-1a", "eu-west-1b"],
    "private_subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
}
INTERNAL_EDGE = {
    "mode": "internal",
    "domain": DOMAIN,
    "certificate_arn": CERTIFICATE,
    "allowed_cidrs": ["10.0.0.0/8"],
}


def document(
    mode: str, waf: bool, domain: bool, cognito_domain: bool, monitoring: bool
) -> dict[str, Any]:
    """A valid YAML document of one combination."""
    doc: dict[str, Any] = BASE | {
        "waf": {"enabled": waf},
        "monitoring": {"enabled": monitoring},
    }
    if mode == "internal":
        doc |= {"edge": INTERNAL_EDGE, "network": {"existing": EXISTING}}
    else:
        edge: dict[str, Any] = {"mode": mode}
        if domain:
            edge["domain"] = DOMAIN
        elif mode == "alb":
            edge["allow_insecure_http"] = True  # an alb without a domain serves plain HTTP
        doc["edge"] = edge
    if cognito_domain:
        doc["auth"] = {"cognito": {"custom_domain": True}}
    return doc


def combinations() -> list[tuple[str, bool, bool, bool, bool]]:
    """Every edge mode x waf x domain x Cognito custom domain x monitoring that the config
    accepts: internal always has a domain and no Cognito custom domain (its parent record is
    not public), and a Cognito custom domain needs the app's domain (auth.<edge.domain>)."""
    found: list[tuple[str, bool, bool, bool, bool]] = []
    switches = (True, False)
    for mode, waf, domain, cognito_domain, monitoring in product(
        ("cloudfront", "alb", "internal"), switches, switches, switches, switches
    ):
        if mode == "internal" and (not domain or cognito_domain):
            continue
        if cognito_domain and not domain:
            continue
        found.append((mode, waf, domain, cognito_domain, monitoring))
    return found


COMBINATIONS = combinations()


def test_every_mode_and_switch_is_covered() -> None:
    # cloudfront and alb: 2 x 2 x 2 x 2 = 16, less the 4 with a Cognito custom domain but no
    # domain: 12 each; internal: domain, no Cognito custom domain: waf x monitoring = 4.
    assert len(COMBINATIONS) == 12 + 12 + 4


@pytest.mark.parametrize(("mode", "waf", "domain", "cognito_domain", "monitoring"), COMBINATIONS)
def test_us_east_1_is_needed_exactly_when_aws_puts_something_there(
    mode: str, waf: bool, domain: bool, cognito_domain: bool, monitoring: bool
) -> None:
    config = build_config(document(mode, waf, domain, cognito_domain, monitoring))
    cloudfront = mode == "cloudfront"
    # The us-east-1 certificates and web ACL: CloudFront's certificate (with a domain), its
    # CLOUDFRONT web ACL (with WAF), the Cognito custom domain's certificate.
    certificates_or_acl = (cloudfront and (domain or waf)) or cognito_domain
    # CloudFront's alarms (with monitoring) read metrics that exist only in us-east-1.
    edge_alarms = cloudfront and monitoring
    assert config.needs_global_stack is certificates_or_acl
    assert config.has_edge_alarms is edge_alarms
    assert config.needs_us_east_1 is (certificates_or_acl or edge_alarms)


@pytest.mark.parametrize(
    ("edge", "network", "cloudfront", "internet_facing", "reach_load_balancer"),
    [
        # CloudFront reaches an internal load balancer through a VPC origin; users never do.
        ({}, {}, True, False, False),
        # alb: users connect to a load balancer with a public address.
        ({"mode": "alb", "domain": DOMAIN}, {}, False, True, True),
        # internal: users (VPN, peering) connect to a load balancer without one.
        (INTERNAL_EDGE, {"existing": EXISTING}, False, False, True),
    ],
)
def test_what_each_edge_mode_puts_in_front_of_langfuse(
    edge: dict[str, Any],
    network: dict[str, Any],
    cloudfront: bool,
    internet_facing: bool,
    reach_load_balancer: bool,
) -> None:
    config = build_config(BASE | {"edge": edge, "network": network})
    assert config.edge.uses_cloudfront is cloudfront
    assert config.edge.internet_facing is internet_facing
    assert config.edge.clients_reach_load_balancer is reach_load_balancer


def test_the_cognito_login_page_is_served_on_auth_below_the_app_domain() -> None:
    """auth.<edge.domain.name>, as auth.cognito.custom_domain documents; without a custom
    domain, the Cognito prefix domain (no name of ours)."""
    custom = build_config(document("cloudfront", True, True, True, True))
    assert custom.cognito_domain_name == "auth.langfuse.acme.io"
    prefix = build_config(document("cloudfront", True, True, False, True))
    assert prefix.cognito_domain_name is None
