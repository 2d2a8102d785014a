"""CloudFront in front of the internal load balancer through a VPC origin."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from constructs import Construct

from ...compliance import acknowledge, control_tower
from ...compliance.custom_resources import acknowledge_aws_custom_resource_provider
from .load_balancer import HTTP_PORT, LoadBalancer

VPC_ORIGIN_SECURITY_GROUP_NAME = "CloudFront-VPCOrigins-Service-SG"
# Regions enabled by default in every account (introduced before 20 March 2019). CloudFront's
# standard logging (legacy) delivers only to buckets in these; every later region is opt-in,
# and CloudFront "doesn't deliver standard logs to buckets" there (Developer Guide, "Configure
# standard logging (legacy)", Choose an Amazon S3 bucket). A region missing here, including
# one AWS opens later, is treated as opt-in: no log configuration rather than a failed deploy.
LEGACY_LOG_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
        "ap-southeast-1", "ap-southeast-2",
    }
)  # fmt: skip
PRICE_CLASSES = {
    "100": cloudfront.PriceClass.PRICE_CLASS_100,
    "200": cloudfront.PriceClass.PRICE_CLASS_200,
    "All": cloudfront.PriceClass.PRICE_CLASS_ALL,
}


def delivers_standard_logs(region: str) -> bool:
    """Whether CloudFront's standard logging (legacy) can write to a bucket in ``region``."""
    return region in LEGACY_LOG_REGIONS


@dataclass(frozen=True)
class CloudFrontEdgeProps:
    """The origin CloudFront serves, the name and certificate it answers with, and its WAF."""

    load_balancer: LoadBalancer
    vpc: ec2.IVpc
    domain_name: str | None
    """edge.domain.name; None serves https://<id>.cloudfront.net."""
    certificate: acm.ICertificate | None
    """The us-east-1 certificate for domain_name."""
    price_class: str
    access_logs: s3.IBucket
    """The stack's log bucket; CloudFront writes to it only where it can (see
    delivers_standard_logs)."""
    web_acl_arn: str | None
    """The CLOUDFRONT-scope web ACL; None when WAF is off."""
    ipv6: bool


class CloudFrontEdge(Construct):
    """HTTPS for Langfuse on ``https://<id>.cloudfront.net`` or a custom domain.

    The load balancer stays internal; CloudFront reaches it through a VPC origin, and the
    load balancer's security group admits only the security group AWS creates for VPC origins
    in this VPC (found at deploy time, never at synth time). Caching is off and every method
    and header passes through: Langfuse is an application, not static content.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        props: CloudFrontEdgeProps,
    ) -> None:
        super().__init__(scope, id_)
        load_balancer, domain_name = props.load_balancer, props.domain_name
        certificate, web_acl_arn = props.certificate, props.web_acl_arn
        logs = delivers_standard_logs(Stack.of(self).region)
        self.vpc_origin = cloudfront.VpcOrigin(
            self,
            "VpcOrigin",
            endpoint=cloudfront.VpcOriginEndpoint.application_load_balancer(load_balancer.alb),
            http_port=HTTP_PORT,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
        )
        origin = origins.VpcOrigin.with_vpc_origin(
            self.vpc_origin,
            domain_name=load_balancer.dns_name,
            read_timeout=Duration.seconds(60),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Langfuse",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER,
                compress=True,
            ),
            domain_names=[domain_name] if domain_name else None,
            certificate=certificate,
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=PRICE_CLASSES[props.price_class],
            enable_logging=logs,
            log_bucket=props.access_logs if logs else None,
            log_file_prefix="cloudfront/" if logs else None,
            web_acl_id=web_acl_arn,
            enable_ipv6=props.ipv6,
        )
        self._admit_vpc_origin(load_balancer, props.vpc)
        if not logs:
            self._acknowledge_no_standard_logs()
        acknowledge(
            self.distribution,
            control_tower.GUARD + "cloudfront_default_root_object_configured_check",
            "CloudFront fronts the Langfuse application, which answers / itself; a default "
            "root object only applies to static sites served from a bucket.",
        )
        acknowledge(
            self.distribution,
            control_tower.GUARD + "cloudfront_origin_failover_enabled_check",
            "The only origin is the environment's load balancer; a second origin would be the "
            "same application, so an origin group adds no failover.",
        )
        if certificate is not None:
            for control in (
                "cloudfront_custom_ssl_certificate_check",
                "cloudfront_sni_enabled_check",
            ):
                acknowledge(
                    self.distribution,
                    control_tower.GUARD + control,
                    "The distribution uses the ACM certificate of the us-east-1 stack with "
                    "sni-only and TLSv1.2_2021; its ARN is read at deploy time "
                    "(Fn::GetStackOutput), which the control cannot evaluate, so a test checks "
                    "these settings instead.",
                )
        if certificate is None:
            for control in (
                "cloudfront_custom_ssl_certificate_check",
                "cloudfront_sni_enabled_check",
                "cloudfront_security_policy_check",
            ):
                acknowledge(
                    self.distribution,
                    control_tower.GUARD + control,
                    "Without edge.domain CloudFront serves HTTPS on its *.cloudfront.net name "
                    "with its own certificate, whose TLS policy cannot be set; with a domain "
                    "this app uses an ACM certificate, SNI and TLS 1.2 or newer.",
                )
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "Without a custom domain CloudFront serves its default *.cloudfront.net "
                "certificate, whose minimum TLS version cannot be configured.",
            )
        if web_acl_arn is None:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR2",
                "This environment has no WAF web ACL yet; Langfuse access is still limited by SSO "
                "and the load balancer is reachable only through CloudFront.",
            )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Langfuse users and SDKs may be anywhere, so no country is blocked; operators restrict "
            "access with the IP allow-list and SSO instead.",
        )

    def _acknowledge_no_standard_logs(self) -> None:
        """An opt-in region: CloudFront cannot write standard logs (legacy) to its buckets."""
        reason = (
            "CloudFront's standard logging (legacy) cannot deliver to a bucket in an opt-in "
            "region such as this one; every request CloudFront forwards reaches the internal "
            "load balancer, whose access logs are kept in the region's log bucket."
        )
        acknowledge(self.distribution, "AwsSolutions-CFR3", reason)
        acknowledge(
            self.distribution, control_tower.GUARD + "cloudfront_access_logs_enabled_check", reason
        )

    def _admit_vpc_origin(self, load_balancer: LoadBalancer, vpc: ec2.IVpc) -> None:
        lookup = cr.AwsCustomResource(
            self,
            "VpcOriginSecurityGroup",
            on_update=cr.AwsSdkCall(
                service="EC2",
                action="describeSecurityGroups",
                parameters={
                    "Filters": [
                        {"Name": "group-name", "Values": [VPC_ORIGIN_SECURITY_GROUP_NAME]},
                        {"Name": "vpc-id", "Values": [vpc.vpc_id]},
                    ]
                },
                physical_resource_id=cr.PhysicalResourceId.of(f"vpc-origin-sg-{HTTP_PORT}"),
                output_paths=["SecurityGroups.0.GroupId"],
            ),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE
            ),
            install_latest_aws_sdk=False,
        )
        lookup.node.add_dependency(self.vpc_origin)
        ec2.CfnSecurityGroupIngress(
            self,
            "VpcOriginIngress",
            group_id=load_balancer.security_group.security_group_id,
            ip_protocol="tcp",
            from_port=HTTP_PORT,
            to_port=HTTP_PORT,
            source_security_group_id=lookup.get_response_field("SecurityGroups.0.GroupId"),
            description="CloudFront VPC origin",
        )
        acknowledge_aws_custom_resource_provider(Stack.of(self))
        acknowledge(
            lookup,
            "AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeSecurityGroups supports no resource-level permissions, so finding the "
            "VPC origin's security group requires Resource *.",
        )

    @property
    def domain_name(self) -> str:
        """The distribution's own *.cloudfront.net name."""
        return self.distribution.distribution_domain_name
