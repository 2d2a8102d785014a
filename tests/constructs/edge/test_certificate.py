"""ACM certificates validated by DNS records CloudFormation writes into the hosted zone, with
a logical id that changes exactly when CloudFormation would replace the certificate.

Rules the expected values come from:
- With ``ValidationMethod: DNS`` and a ``HostedZoneId`` in DomainValidationOptions,
  CloudFormation creates the validation CNAME in that Route 53 zone itself and waits for the
  certificate to be issued (CloudFormation, AWS::CertificateManager::Certificate
  DomainValidationOption; ACM User Guide, "DNS validation").
- DomainName, SubjectAlternativeNames, DomainValidationOptions, KeyAlgorithm,
  CertificateAuthorityArn and CertificateExport are "Update requires: Replacement"
  (CloudFormation, AWS::CertificateManager::Certificate).
- A consumer reads the ARN with ``Fn::GetStackOutput``, resolved only when the consumer is
  updated ("the consuming stack is not automatically updated or notified", CloudFormation,
  Fn::GetStackOutput); CDK names that output after the producer's logical id. So a replacement
  must change the logical id, and nothing else may.
"""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Template

from construct_stack import bare_stack, resources
from langfuse_aws.constructs.edge.certificate import dns_validated_certificate

ZONE_ID, ZONE_NAME = "Z0123456789ABCDEFGHIJ", "example.com"
OTHER_ZONE_ID = "Z9876543210ZYXWVUTSRQ"
HOST = "langfuse.example.com"
LOGICAL_ID = re.compile(r"^Certificate[0-9A-F]{8}$")


def build_certificate(stack: Stack, domain_name: str, zone_id: str) -> acm.Certificate:
    """The one place this file builds the certificate."""
    zone = route53.HostedZone.from_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id=zone_id, zone_name=ZONE_NAME
    )
    return dns_validated_certificate(stack, "Certificate", domain_name=domain_name, zone=zone)


def certificate(domain_name: str = HOST, zone_id: str = ZONE_ID) -> tuple[str, dict[str, Any]]:
    """(logical id, resource) of the certificate built in a fresh stack."""
    stack = bare_stack()
    build_certificate(stack, domain_name, zone_id)
    ((logical_id, resource),) = resources(
        Template.from_stack(stack), "AWS::CertificateManager::Certificate"
    ).items()
    return logical_id, resource


def test_validated_by_dns_records_in_the_hosted_zone() -> None:
    _, resource = certificate()
    properties = resource["Properties"]
    assert properties["DomainName"] == HOST
    assert properties["ValidationMethod"] == "DNS"
    assert properties["DomainValidationOptions"] == [{"DomainName": HOST, "HostedZoneId": ZONE_ID}]


def test_the_logical_id_carries_a_fingerprint_and_is_stable() -> None:
    first, _ = certificate()
    assert LOGICAL_ID.match(first), first
    assert certificate()[0] == first


def test_a_new_domain_name_or_zone_gives_a_new_logical_id() -> None:
    first, _ = certificate()
    assert certificate(domain_name="observability.example.com")[0] != first
    assert certificate(zone_id=OTHER_ZONE_ID)[0] != first
