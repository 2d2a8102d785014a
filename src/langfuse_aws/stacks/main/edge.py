"""The main stack's edge: the load balancer, and CloudFront or nothing in front of it."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3

from ...config.models import CloudFrontEdgeConfig, EnvironmentConfig, InternalEdgeConfig
from ...constructs.edge.edge import Edge, EdgeProps
from ...langfuse import contract
from ..props import domain_of, web_acl_props


def build_edge(
    stack: Stack,
    config: EnvironmentConfig,
    *,
    vpc: ec2.IVpc,
    access_logs: s3.IBucket,
    cloudfront_certificate: acm.ICertificate | None,
    cloudfront_web_acl_arn: str | None,
) -> Edge:
    """``Edge`` in front of Langfuse web, in the YAML's mode, with what us-east-1 made for it."""
    edge = config.edge
    internal = edge if isinstance(edge, InternalEdgeConfig) else None
    return Edge(
        stack,
        "Edge",
        props=EdgeProps(
            vpc=vpc,
            access_logs=access_logs,
            target_port=contract.WEB_PORT,
            health_path=contract.WEB_HEALTH_PATH,
            uses_cloudfront=edge.uses_cloudfront,
            internet_facing=edge.internet_facing,
            clients_reach_load_balancer=edge.clients_reach_load_balancer,
            idle_timeout_seconds=edge.idle_timeout_seconds,
            domain=domain_of(edge.domain),
            plain_http=edge.plain_http,
            allowed_ipv4_cidrs=edge.ipv4_cidrs,
            allowed_prefix_lists=list(internal.allowed_prefix_lists) if internal else [],
            serves_ipv6=edge.serves_ipv6,
            price_class=edge.price_class if isinstance(edge, CloudFrontEdgeConfig) else "100",
            certificate_arn=internal.certificate_arn if internal else None,
            web_acl=web_acl_props(config),
            cloudfront_certificate=cloudfront_certificate,
            cloudfront_web_acl_arn=cloudfront_web_acl_arn,
        ),
    )
