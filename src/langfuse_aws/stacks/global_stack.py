"""The us-east-1 stack: what CloudFront and Cognito custom domains require to live there."""

from __future__ import annotations

from aws_cdk import Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

from ..config.models import EnvironmentConfig
from ..constructs.edge.certificate import dns_validated_certificate
from ..constructs.edge.dns import hosted_zone
from ..constructs.edge.waf import WebAcl
from ..naming import GLOBAL_REGION
from .props import domain_of, web_acl_props


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
    (see constructs/edge/certificate.py); the web ACL's create-only properties, Name and Scope,
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
        cloudfront = config.edge.uses_cloudfront
        web_acl = web_acl_props(config)
        if cloudfront and web_acl is not None:
            self.web_acl = WebAcl(self, "Waf", props=web_acl, cloudfront=True)
        domain = domain_of(config.edge.domain)
        if domain is None:
            return
        zone = hosted_zone(self, "Zone", domain)
        if cloudfront:
            self.cloudfront_certificate = dns_validated_certificate(
                self, "CloudFrontCertificate", domain_name=domain.name, zone=zone
            )
        login_domain = config.cognito_domain_name
        if login_domain is not None:
            self.cognito_certificate = dns_validated_certificate(
                self, "CognitoCertificate", domain_name=login_domain, zone=zone
            )
