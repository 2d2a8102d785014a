"""How users reach Langfuse: CloudFront in front of an internal ALB, or an internet-facing ALB."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from ...config.models import (
    AlbEdgeConfig,
    CloudFrontEdgeConfig,
    EdgeConfig,
    InternalEdgeConfig,
)
from .cloudfront import CloudFrontEdge, CloudFrontEdgeProps
from .dns import AliasRecords, hosted_zone
from .load_balancer import LoadBalancer, LoadBalancerProps
from .waf import WebAcl, WebAclProps


@dataclass(frozen=True)
class EdgeProps:
    """What the edge needs: its settings, the network, and what the us-east-1 stack made."""

    edge: EdgeConfig
    web_acl: WebAclProps | None
    """The REGIONAL web ACL's settings (alb and internal modes); None when WAF is off."""
    vpc: ec2.IVpc
    access_logs: s3.IBucket
    target_port: int
    health_path: str
    cloudfront_certificate: acm.ICertificate | None = None
    """us-east-1 certificate for edge.domain (cloudfront mode with a domain)."""
    cloudfront_web_acl_arn: str | None = None
    """The CLOUDFRONT-scope web ACL of the us-east-1 stack (cloudfront mode with WAF on)."""


class Edge(Construct):
    """The load balancer, and in front of it CloudFront or nothing, with WAF, TLS and DNS.

    cloudfront mode: an internal ALB reachable only through a CloudFront VPC origin; HTTPS on
    ``*.cloudfront.net`` or on edge.domain with the us-east-1 certificate; the web ACL of the
    us-east-1 stack. alb mode: an internet-facing ALB with its own certificate and a REGIONAL
    web ACL. internal mode: an internal ALB with the user's certificate, open only to the
    allowed CIDRs and prefix lists, and a REGIONAL web ACL. With a domain, A (and for
    CloudFront AAAA) alias records in the hosted zone.

    Resources out: ``load_balancer`` (the services attach to its target group),
    ``distribution`` and ``regional_web_acl`` (for monitoring), ``public_url`` (what users
    open, NEXTAUTH_URL), ``zone`` and ``app_record`` (for a Cognito custom domain, which needs
    the app's A record to exist first).
    """

    def __init__(self, scope: Construct, id_: str, *, props: EdgeProps) -> None:
        super().__init__(scope, id_)
        edge = props.edge
        domain = edge.domain
        self.zone: route53.IHostedZone | None = (
            hosted_zone(self, "Zone", domain) if domain else None
        )
        self.distribution: cloudfront.IDistribution | None = None
        self.regional_web_acl: WebAcl | None = None
        self.load_balancer = LoadBalancer(
            self,
            "LoadBalancer",
            props=LoadBalancerProps(
                vpc=props.vpc,
                internet_facing=isinstance(edge, AlbEdgeConfig),
                certificate=self._load_balancer_certificate(edge),
                client_ingress=not isinstance(edge, CloudFrontEdgeConfig),
                allowed_cidrs=edge.ipv4_cidrs,
                allowed_prefix_lists=list(edge.allowed_prefix_lists)
                if isinstance(edge, InternalEdgeConfig)
                else [],
                idle_timeout_seconds=edge.idle_timeout_seconds,
                target_port=props.target_port,
                health_path=props.health_path,
                access_logs=props.access_logs,
            ),
        )
        if isinstance(edge, CloudFrontEdgeConfig):
            cdn = CloudFrontEdge(
                self,
                "Cdn",
                props=CloudFrontEdgeProps(
                    load_balancer=self.load_balancer,
                    vpc=props.vpc,
                    domain_name=domain.name if domain else None,
                    certificate=props.cloudfront_certificate,
                    price_class=edge.price_class,
                    access_logs=props.access_logs,
                    web_acl_arn=props.cloudfront_web_acl_arn,
                    ipv6=edge.serves_ipv6,
                ),
            )
            self.distribution = cdn.distribution
            host = domain.name if domain else cdn.domain_name
            target: route53.IAliasRecordTarget = targets.CloudFrontTarget(cdn.distribution)
        else:
            if props.web_acl is not None:
                self.regional_web_acl = self._regional_web_acl(props.web_acl)
            host = domain.name if domain else self.load_balancer.dns_name
            target = targets.LoadBalancerTarget(self.load_balancer.alb)
        self.app_record: route53.ARecord | None = None
        if domain and self.zone:
            self.app_record = AliasRecords(
                self,
                "Dns",
                zone=self.zone,
                record_name=domain.name,
                target=target,
                ipv6=isinstance(edge, CloudFrontEdgeConfig) and edge.serves_ipv6,
            ).a_record
        scheme = "http" if edge.plain_http else "https"
        self.public_url = f"{scheme}://{host}"

    def _load_balancer_certificate(self, edge: EdgeConfig) -> acm.ICertificate | None:
        """alb with a domain: a new DNS-validated certificate; internal: the user's; else none
        (CloudFront terminates TLS, and plain-HTTP alb has none)."""
        if isinstance(edge, InternalEdgeConfig):
            return acm.Certificate.from_certificate_arn(
                self, "InternalCertificate", edge.certificate_arn
            )
        if isinstance(edge, AlbEdgeConfig) and edge.domain and self.zone:
            return acm.Certificate(
                self,
                "AlbCertificate",
                domain_name=edge.domain.name,
                validation=acm.CertificateValidation.from_dns(self.zone),
            )
        return None

    def _regional_web_acl(self, props: WebAclProps) -> WebAcl:
        """The REGIONAL web ACL on the load balancer (alb and internal modes)."""
        waf = WebAcl(self, "Waf", props=props, cloudfront=False)
        wafv2.CfnWebACLAssociation(
            self,
            "WafAssociation",
            resource_arn=self.load_balancer.alb.load_balancer_arn,
            web_acl_arn=waf.arn,
        )
        return waf
