"""The Application Load Balancer in front of Langfuse web."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ...compliance import acknowledge, control_tower

HTTP_PORT = 80
HTTPS_PORT = 443


@dataclass(frozen=True)
class LoadBalancerProps:
    """Who reaches the load balancer, how, and where it sends them."""

    vpc: ec2.IVpc
    internet_facing: bool
    certificate: acm.ICertificate | None
    client_ingress: bool
    """Open the listeners to clients (alb and internal modes); cloudfront mode opens them to
    the VPC origin only."""
    allowed_cidrs: list[str]
    allowed_prefix_lists: list[str]
    idle_timeout_seconds: int
    target_port: int
    health_path: str
    access_logs: s3.IBucket


class LoadBalancer(Construct):
    """An ALB with one target group for Langfuse web.

    ``internet_facing=False`` without a certificate (cloudfront mode): internal, HTTP on 80,
    reachable only by the CloudFront VPC origin. With a certificate (alb and internal modes):
    HTTPS on 443 with a TLS 1.2+ policy and HTTP redirected to HTTPS. Internet-facing without a
    certificate only exists when the YAML explicitly allows insecure HTTP. ``client_ingress``
    opens the listeners to ``allowed_cidrs`` and ``allowed_prefix_lists`` (alb: everyone when
    both are empty; internal: the config requires one of them).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        props: LoadBalancerProps,
    ) -> None:
        super().__init__(scope, id_)
        vpc, internet_facing, certificate = props.vpc, props.internet_facing, props.certificate
        allowed_cidrs, allowed_prefix_lists = props.allowed_cidrs, props.allowed_prefix_lists
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Langfuse load balancer",
            allow_all_outbound=False,
        )
        self.alb = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=internet_facing,
            vpc_subnets=ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PUBLIC
                if internet_facing
                else ec2.SubnetType.PRIVATE_WITH_EGRESS
            ),
            security_group=self.security_group,
            idle_timeout=Duration.seconds(props.idle_timeout_seconds),
            drop_invalid_header_fields=True,
            deletion_protection=False,
        )
        self.alb.log_access_logs(props.access_logs, prefix="alb")
        acknowledge(
            self.alb,
            control_tower.GUARD + "elbv2_deletion_protection_enabled_check",
            "The load balancer holds no data and a deploy recreates it; deletion protection "
            "would make every destroy of the environment fail half-way instead.",
        )
        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "WebTargets",
            vpc=vpc,
            port=props.target_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=props.health_path,
                healthy_http_codes="200",
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )
        if certificate is not None:
            self.alb.add_listener(
                "Https",
                port=HTTPS_PORT,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[certificate],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                default_target_groups=[self.target_group],
                open=False,
            )
            self.alb.add_redirect(source_port=HTTP_PORT, target_port=HTTPS_PORT, open=False)
            listener_ports = [HTTP_PORT, HTTPS_PORT]
        else:
            http = self.alb.add_listener(
                "Http",
                port=HTTP_PORT,
                protocol=elbv2.ApplicationProtocol.HTTP,
                default_target_groups=[self.target_group],
                open=False,
            )
            acknowledge(
                http,
                control_tower.GUARD + "alb_http_to_https_redirection_check",
                "Without a certificate of its own this listener serves CloudFront's VPC origin "
                "inside the VPC (viewers get HTTPS from CloudFront), or an alb environment whose "
                "YAML accepted plain HTTP explicitly (edge.allow_insecure_http).",
            )
            listener_ports = [HTTP_PORT]
        if props.client_ingress:
            peers = [ec2.Peer.ipv4(c) for c in allowed_cidrs]
            peers += [ec2.Peer.prefix_list(p) for p in allowed_prefix_lists]
            if not peers and internet_facing:
                peers = [ec2.Peer.any_ipv4()]
            for peer in peers:
                for port in listener_ports:
                    self.security_group.add_ingress_rule(peer, ec2.Port.tcp(port), "Langfuse users")
            if internet_facing and not allowed_cidrs:
                acknowledge(
                    self.security_group,
                    "AwsSolutions-EC23",
                    "This is the public entry point of Langfuse and must accept browsers and SDKs "
                    "from anywhere; set edge.allowed_cidrs to restrict it.",
                )

    @property
    def dns_name(self) -> str:
        """The load balancer's own DNS name."""
        return self.alb.load_balancer_dns_name
