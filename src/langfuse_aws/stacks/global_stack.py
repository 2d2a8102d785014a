"""The us-east-1 stack: what CloudFront and Cognito custom domains require to live there."""

from __future__ import annotations

from aws_cdk import Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

from ..config.models import EnvironmentConfig
from ..constructs.data.protection import retention_days
from ..constructs.edge.certificate import dns_validated_certificate
from ..constructs.edge.dns import hosted_zone
from ..constructs.edge.waf import WebAcl, WebAclProps

GLOBAL_REGION = "us-east-1"


def needs_global_stack(cfg: EnvironmentConfig) -> bool:
    """True when something must be created in us-east-1 for this environment."""
    cloudfront = cfg.edge.mode == "cloudfront"
    cloudfront_domain = cloudfront and cfg.edge.domain is not None
    cloudfront_waf = cloudfront and cfg.waf.enabled
    return cloudfront_domain or cloudfront_waf or cognito_domain_name(cfg) is not None


def web_acl_props(cfg: EnvironmentConfig) -> WebAclProps | None:
    """The web ACL's settings for either scope; None when the YAML turns WAF off."""
    if not cfg.waf.enabled:
        return None
    return WebAclProps(
        config=cfg.waf,
        allowed_cidrs=cfg.edge.allowed_networks,
        environment_name=cfg.name,
        log_retention=retention_days(cfg.logs.retention_days),
    )


def cognito_domain_name(cfg: EnvironmentConfig) -> str | None:
    """auth.<app host> when the Cognito login page has a custom domain."""
    cognito = cfg.auth.cognito
    if cognito is None or not cognito.custom_domain or cfg.edge.domain is None:
        return None
    return f"auth.{cfg.edge.domain.name}"


class GlobalRegionStack(Stack):
    """A stack of the environment in us-east-1, where CloudFront's certificates, web ACLs and
    metrics live; it is protected like the main stack."""

    def __init__(
        self, scope: Construct, id_: str, *, config: EnvironmentConfig, description: str
    ) -> None:
        super().__init__(
            scope,
            id_,
            env=Environment(account=config.account, region=GLOBAL_REGION),
            cross_region_references=True,
            description=f"Langfuse {config.name}: {description}",
            termination_protection=config.retains_data,
        )


class GlobalStack(GlobalRegionStack):
    """What must live in us-east-1: CloudFront and Cognito-domain certificates, the CLOUDFRONT WAF.

    The main stack reads each of them with Fn::GetStackOutput, named after the resource's
    logical id, so a replaced resource must get a new logical id for the main stack to follow
    it. The certificates' logical ids carry a fingerprint of their create-only properties
    (see constructs/certificate.py); the web ACL's create-only properties, Name and Scope,
    never change here (no Name, always CLOUDFRONT), so only a new logical id replaces it.
    """

    def __init__(self, scope: Construct, id_: str, *, config: EnvironmentConfig) -> None:
        super().__init__(
            scope,
            id_,
            config=config,
            description="us-east-1 resources for CloudFront and Cognito",
        )
        self.cloudfront_certificate: acm.ICertificate | None = None
        self.cognito_certificate: acm.ICertificate | None = None
        self.web_acl: WebAcl | None = None
        web_acl = web_acl_props(config)
        if config.edge.mode == "cloudfront" and web_acl is not None:
            self.web_acl = WebAcl(self, "Waf", props=web_acl, cloudfront=True)
        domain = config.edge.domain
        if domain is None:
            return
        zone = hosted_zone(self, "Zone", domain)
        if config.edge.mode == "cloudfront":
            self.cloudfront_certificate = dns_validated_certificate(
                self, "CloudFrontCertificate", domain_name=domain.name, zone=zone
            )
        login_domain = cognito_domain_name(config)
        if login_domain is not None:
            self.cognito_certificate = dns_validated_certificate(
                self, "CognitoCertificate", domain_name=login_domain, zone=zone
            )
