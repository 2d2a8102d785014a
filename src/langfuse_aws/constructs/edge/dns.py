"""Route 53: the hosted zone named in the YAML and the app's alias records."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_route53 as route53
from constructs import Construct


@dataclass(frozen=True)
class Domain:
    """A host name users open, in an existing Route 53 hosted zone."""

    name: str
    """Fully qualified host name, e.g. langfuse.example.com."""
    zone_id: str
    zone_name: str
    """The hosted zone's domain, e.g. example.com."""


def hosted_zone(scope: Construct, id_: str, domain: Domain) -> route53.IHostedZone:
    """The existing zone from its id and name: no lookup, so synth needs no credentials."""
    return route53.HostedZone.from_hosted_zone_attributes(
        scope, id_, hosted_zone_id=domain.zone_id, zone_name=domain.zone_name
    )


class AliasRecords(Construct):
    """A and AAAA alias records of the app's host name pointing at the edge."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        zone: route53.IHostedZone,
        record_name: str,
        target: route53.IAliasRecordTarget,
        ipv6: bool,
    ) -> None:
        super().__init__(scope, id_)
        alias = route53.RecordTarget.from_alias(target)
        self.a_record = route53.ARecord(self, "A", zone=zone, record_name=record_name, target=alias)
        if ipv6:
            route53.AaaaRecord(self, "Aaaa", zone=zone, record_name=record_name, target=alias)
