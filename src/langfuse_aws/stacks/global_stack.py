"""The us-east-1 stack: what CloudFront and Cognito custom domains require to live there."""

from __future__ import annotations

from aws_cdk import Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

from ..config.models import EnvironmentConfig
from ..constructs.dns import hosted_zone

GLOBAL_REGION = "us-east-1"


def needs_global_stack(cfg: EnvironmentConfig) -> bool:
    """True when something must be created in us-east-1 for this environment."""
    return cfg.edge.mode == "cloudfront" and cfg.edge.domain is not None


class GlobalStack(Stack):
    """Certificates for CloudFront (and later the Cognito domain and the CLOUDFRONT WAF)."""

    def __init__(self, scope: Construct, id_: str, *, config: EnvironmentConfig) -> None:
        super().__init__(
            scope,
            id_,
            env=Environment(account=config.account, region=GLOBAL_REGION),
            cross_region_references=True,
            description=f"Langfuse {config.name}: us-east-1 resources for CloudFront",
            termination_protection=config.retains_data,
        )
        self.cloudfront_certificate: acm.ICertificate | None = None
        domain = config.edge.domain
        if config.edge.mode == "cloudfront" and domain is not None:
            zone = hosted_zone(self, "Zone", domain)
            self.cloudfront_certificate = acm.Certificate(
                self,
                "CloudFrontCertificate",
                domain_name=domain.name,
                validation=acm.CertificateValidation.from_dns(zone),
            )
