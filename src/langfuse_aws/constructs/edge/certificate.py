"""ACM certificates read by another stack: their logical id changes whenever CloudFormation
would replace them, so every stack that reads them changes too.

Another stack reads a certificate's ARN with ``Fn::GetStackOutput``, a weak reference that
CloudFormation resolves only when the consuming stack is created or updated ("If the
referenced stack or output is later deleted or modified, the consuming stack is not
automatically updated or notified",
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html),
and `cdk deploy` skips a stack whose template did not change. CDK names the output it
publishes after the producing resource's logical id. A certificate whose create-only
properties change (a new domain name, a new hosted zone for its DNS validation) is replaced
by CloudFormation under the same logical id: a new ARN behind an unchanged output name, and
the consumer would keep the old certificate. Giving the certificate a logical id that carries
a fingerprint of those properties makes any such replacement a new logical id, hence a new
output name, hence a changed consumer template that CloudFormation updates.
"""

from __future__ import annotations

import hashlib
import json
from typing import cast

from aws_cdk import Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from constructs import Construct

# AWS::CertificateManager::Certificate's createOnlyProperties (its CloudFormation resource
# schema; https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-certificatemanager-certificate.html
# marks each "Update requires: Replacement"), as attributes of the L1 CfnCertificate.
CREATE_ONLY_ATTRIBUTES = (
    "domain_name",
    "subject_alternative_names",
    "domain_validation_options",
    "key_algorithm",
    "certificate_authority_arn",
    "certificate_export",
)
FINGERPRINT_LENGTH = 8


def replacement_fingerprint(certificate: acm.CfnCertificate) -> str:
    """A short hash of the certificate's create-only properties as the template will hold
    them: it changes exactly when CloudFormation would replace the certificate."""
    stack = Stack.of(certificate)
    values = {name: stack.resolve(getattr(certificate, name)) for name in CREATE_ONLY_ATTRIBUTES}
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
    return digest[:FINGERPRINT_LENGTH].upper()


def dns_validated_certificate(
    scope: Construct, id_: str, *, domain_name: str, zone: route53.IHostedZone
) -> acm.Certificate:
    """A certificate for ``domain_name``, validated by DNS records CloudFormation writes into
    ``zone``, with the logical id ``<id_><fingerprint of its create-only properties>``.

    Certificates hold no data; a new logical id only replaces the certificate, which
    CloudFormation does anyway when one of these properties changes.
    """
    certificate = acm.Certificate(
        scope,
        id_,
        domain_name=domain_name,
        validation=acm.CertificateValidation.from_dns(zone),
    )
    resource = cast(acm.CfnCertificate, certificate.node.default_child)
    resource.override_logical_id(f"{id_}{replacement_fingerprint(resource)}")
    return certificate
