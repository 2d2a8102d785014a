"""How users reach Langfuse: CloudFront in front of an internal ALB, or an internet-facing ALB."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .cloudfront import CloudFrontEdge, CloudFrontEdgeProps
from .dns import AliasRecords, Domain, hosted_zone
from .load_balancer import LoadBalancer, LoadBalancerProps
from .waf import WebAcl, WebAclProps


@dataclass(frozen=True)
class EdgeProps:
    """What the edge needs: how users reach it, the network, and what the us-east-1 stack made.

    The mode comes as what it means: ``uses_cloudfront`` (CloudFront in front of an internal
    load balancer), ``internet_facing`` (the load balancer has a public address) and
    ``clients_reach_load_balancer`` (its security group holds the allow-list).
    """

    vpc: ec2.IVpc
    access_logs: s3.IBucket
    target_port: int
    health_path: str
    uses_cloudfront: bool
    internet_facing: bool
    clients_reach_load_balancer: bool
    idle_timeout_seconds: int
    domain: Domain | None = None
    """The host name users open; None serves CloudFront's or the load balancer's own name."""
    plain_http: bool = False
    """Users reach Langfuse over plain HTTP (an alb without a domain, allowed in the YAML)."""
    allowed_ipv4_cidrs: list[str] = field(default_factory=list)
    """IPv4 networks the load balancer admits when clients reach it."""
    allowed_prefix_lists: list[str] = field(default_factory=list)
    """Managed prefix lists the load balancer admits when clients reach it."""
    serves_ipv6: bool = True
    """CloudFront answers IPv6 viewers (AAAA record)."""
    price_class: str = "100"
    """CloudFront price class."""
    certificate_arn: str | None = None
    """The user's certificate for an internal load balancer; None makes one where needed."""
    web_acl: WebAclProps | None = None
    """The REGIONAL web ACL's settings (no CloudFront); None when WAF is off."""
    cloudfront_certificate: acm.ICertificate | None = None
    """us-east-1 certificate for the domain (CloudFront with a domain)."""
    cloudfront_web_acl_arn: str | None = None
    """The CLOUDFRONT-scope web ACL of the us-east-1 stack (CloudFront with WAF on)."""


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
        domain = props.domain
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
                internet_facing=props.internet_facing,
                certificate=self._load_balancer_certificate(props),
                client_ingress=props.clients_reach_load_balancer,
                allowed_cidrs=props.allowed_ipv4_cidrs,
                allowed_prefix_lists=props.allowed_prefix_lists,
                idle_timeout_seconds=props.idle_timeout_seconds,
                target_port=props.target_port,
                health_path=props.health_path,
                access_logs=props.access_logs,
            ),
        )
        if props.uses_cloudfront:
            cdn = CloudFrontEdge(
                self,
                "Cdn",
                props=CloudFrontEdgeProps(
                    load_balancer=self.load_balancer,
                    vpc=props.vpc,
                    domain_name=domain.name if domain else None,
                    certificate=props.cloudfront_certificate,
                    price_class=props.price_class,
                    access_logs=props.access_logs,
                    web_acl_arn=props.cloudfront_web_acl_arn,
                    ipv6=props.serves_ipv6,
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
                ipv6=props.uses_cloudfront and props.serves_ipv6,
            ).a_record
        scheme = "http" if props.plain_http else "https"
        self.public_url = f"{scheme}://{host}"

    def _load_balancer_certificate(self, props: EdgeProps) -> acm.ICertificate | None:
        """The user's certificate when one is named (internal); an internet-facing load balancer
        with a domain: a new DNS-validated certificate; else none (CloudFront terminates TLS,
        and plain-HTTP alb has none)."""
        if props.certificate_arn is not None:
            return acm.Certificate.from_certificate_arn(
                self, "InternalCertificate", props.certificate_arn
            )
        if props.internet_facing and props.domain and self.zone:
            return acm.Certificate(
                self,
                "AlbCertificate",
                domain_name=props.domain.name,
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
