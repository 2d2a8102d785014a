"""``langfuse-aws doctor``: what a first deploy needs, checked with the user's credentials.

Each check says pass or fail and, when it fails, the fix. The checks read only; nothing is
created or changed.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

from ..alarm_destination import NO_SUBSCRIBER_FIX, alarm_destination
from ..config.models import ClickHouseExternalConfig, EnvironmentConfig
from ..config.posture import who_can_sign_in
from ..naming import GLOBAL_REGION, regions_of
from .aws import Clients, error_code

# The oldest bootstrap stack CDK's templates accept (their CheckBootstrapVersion rule).
MIN_BOOTSTRAP_VERSION = 6
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
# Service Quotas codes and AWS's defaults (used when the quota has never been changed).
VPC_QUOTA = ("vpc", "L-F678F1CE", 5)
EIP_QUOTA = ("ec2", "L-0263D0A3", 5)
NAT_PER_AZ_QUOTA = ("vpc", "L-FE5A380F", 5)


@dataclass(frozen=True)
class Check:
    """One preflight check and its verdict."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False
    """Passes, but the operator should act (printed as a warning; doctor still exits 0)."""


def secret_settings(config: EnvironmentConfig) -> list[tuple[str, str]]:
    """(setting, secret name or ARN) of every existing secret the YAML names."""
    found: list[tuple[str, str]] = []
    external = config.clickhouse
    if isinstance(external, ClickHouseExternalConfig):
        found.append(("clickhouse.password_secret", external.password_secret))
    cognito = config.auth.cognito
    if cognito is not None:
        found += [
            (f"auth.cognito.oidc.{i}.client_secret_secret", o.client_secret_secret)
            for i, o in enumerate(cognito.oidc)
        ]
    found += [
        (f"auth.providers.{i}.client_secret_secret", p.client_secret_secret)
        for i, p in enumerate(config.auth.providers)
    ]
    cache = config.registry_cache
    if cache is not None:
        for field in ("dockerhub_credentials_secret", "ghcr_credentials_secret"):
            value = getattr(cache, field)
            if value:
                found.append((f"registry_cache.{field}", value))
    return found


class Doctor:
    """Runs every check for one environment with the given client factory."""

    def __init__(
        self,
        config: EnvironmentConfig,
        clients: Clients,
        env_label: str,
        resolves: Callable[[str], bool] | None = None,
    ) -> None:
        self.resolves = resolves or _resolves
        self.config = config
        self.clients = clients
        self.label = env_label
        self.checks: list[Check] = []
        self.account: str | None = None

    def add(self, name: str, ok: bool, detail: str, fix: str = "") -> None:
        self.checks.append(Check(name, ok, detail, "" if ok else fix))

    def run(self) -> list[Check]:
        self.add("who can sign in", True, who_can_sign_in(self.config.auth))
        self.identity()
        if self.account is None:
            return self.checks
        self.region_enabled()
        for region in regions_of(self.config):
            self.bootstrap(region)
        if self.config.edge.domain is not None:
            self.hosted_zone()
        self.cognito_domain()
        if self.config.network.existing is not None:
            self.existing_network()
        else:
            self.quotas()
        for setting, secret in secret_settings(self.config):
            self.secret(setting, secret)
        self.alarm_destinations()
        return self.checks

    def identity(self) -> None:
        try:
            caller = self.clients("sts", self.config.region).get_caller_identity()
        except Exception as error:
            self.add(
                "credentials",
                False,
                f"no usable AWS credentials ({error})",
                "aws sso login (or set AWS_PROFILE), then run doctor again",
            )
            return
        self.account = caller["Account"]
        expected = self.config.account
        if expected and expected != self.account:
            self.add(
                "account",
                False,
                f"the credentials are for {self.account}, the YAML says {expected}",
                f"log in to account {expected}, or correct `account` in the YAML",
            )
        else:
            self.add("account", True, f"{self.account} ({caller['Arn']})")

    def region_enabled(self) -> None:
        region = self.config.region
        ec2 = self.clients("ec2", region)
        (found,) = ec2.describe_regions(AllRegions=True, RegionNames=[region])["Regions"]
        status = found.get("OptInStatus", "opt-in-not-required")
        self.add(
            "region",
            status in ("opt-in-not-required", "opted-in"),
            f"{region}: {status}",
            f"enable {region} (Account settings > AWS Regions)",
        )

    def bootstrap(self, region: str) -> None:
        ssm = self.clients("ssm", region)
        try:
            value = ssm.get_parameter(Name=BOOTSTRAP_PARAMETER)["Parameter"]["Value"]
        except Exception as error:
            if error_code(error) != "ParameterNotFound":
                raise
            self.add(
                f"bootstrap {region}",
                False,
                "not bootstrapped",
                f"langfuse-aws bootstrap {self.label}",
            )
            return
        version = int(value)
        self.add(
            f"bootstrap {region}",
            version >= MIN_BOOTSTRAP_VERSION,
            f"version {version}",
            f"langfuse-aws bootstrap {self.label} (needs version {MIN_BOOTSTRAP_VERSION} or newer)",
        )

    def hosted_zone(self) -> None:
        domain = self.config.edge.domain
        assert domain is not None
        # Route 53 is a global service whose API endpoint is in us-east-1.
        route53 = self.clients("route53", "us-east-1")
        try:
            zone = route53.get_hosted_zone(Id=domain.zone_id)["HostedZone"]
        except Exception as error:
            if error_code(error) != "NoSuchHostedZone":
                raise
            self.add(
                "hosted zone",
                False,
                f"{domain.zone_id} does not exist in this account",
                "correct edge.domain.zone_id (Route 53 > Hosted zones)",
            )
            return
        name = zone["Name"].rstrip(".")
        private = zone.get("Config", {}).get("PrivateZone", False)
        self.add(
            "hosted zone",
            name == domain.zone_name and not private,
            f"{domain.zone_id} is {name}" + (" (private)" if private else ""),
            f"edge.domain.zone_name says {domain.zone_name}: use the public zone of "
            f"{domain.name}, or correct the YAML",
        )
        cognito = self.config.auth.cognito
        if cognito is not None and cognito.custom_domain:
            records = route53.list_resource_record_sets(
                HostedZoneId=domain.zone_id,
                StartRecordName=domain.name,
                StartRecordType="A",
                MaxItems="1",
            )["ResourceRecordSets"]
            exists = bool(records) and records[0]["Name"].rstrip(".") == domain.name
            self.add(
                "login domain parent record",
                True,
                f"A record {domain.name} "
                + (
                    "exists" if exists else "will be created by the stack before the Cognito domain"
                ),
            )

    def cognito_domain(self) -> None:
        """A prefix is global per region: ours when our account has it, taken when its host
        name resolves (DescribeUserPoolDomain shows only the caller's own domains)."""
        cognito = self.config.auth.cognito
        if cognito is None:
            return
        prefix = cognito.domain_prefix
        if not prefix:
            self.add("Cognito domain", True, "deployment-unique default prefix")
            return
        client = self.clients("cognito-idp", self.config.region)
        described = client.describe_user_pool_domain(Domain=prefix).get("DomainDescription", {})
        if described.get("UserPoolId"):
            self.add("Cognito domain", True, f"{prefix}: already ours ({described['UserPoolId']})")
            return
        host = f"{prefix}.auth.{self.config.region}.amazoncognito.com"
        taken = self.resolves(host)
        self.add(
            "Cognito domain",
            not taken,
            f"{prefix}: " + (f"taken ({host} exists)" if taken else "free"),
            "choose another auth.cognito.domain_prefix, or remove it for the deployment-unique "
            "default",
        )

    def existing_network(self) -> None:
        """The VPC and every subnet the YAML names exist, in the zones it says."""
        existing = self.config.network.existing
        assert existing is not None
        ec2 = self.clients("ec2", self.config.region)
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [existing.vpc_id]}])
        found = vpcs["Vpcs"]
        cidr = found[0]["CidrBlock"] if found else None
        self.add(
            "existing VPC",
            bool(found) and cidr == str(existing.cidr),
            f"{existing.vpc_id}: " + (f"CIDR {cidr}" if found else "not found"),
            "correct network.existing.vpc_id and cidr (the VPC's primary CIDR)",
        )
        wanted = {
            subnet: (role, zone)
            for role, subnets in (
                ("private", existing.private_subnet_ids),
                ("data", existing.data_subnet_ids),
                ("public", existing.public_subnet_ids),
            )
            for subnet, zone in zip(subnets, existing.availability_zones, strict=False)
        }
        described = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": sorted(wanted)}])[
            "Subnets"
        ]
        actual = {s["SubnetId"]: s for s in described}
        for subnet, (role, zone) in wanted.items():
            found_subnet = actual.get(subnet)
            ok = (
                found_subnet is not None
                and found_subnet["VpcId"] == existing.vpc_id
                and found_subnet["AvailabilityZone"] == zone
            )
            detail = (
                "not found"
                if found_subnet is None
                else f"{found_subnet['AvailabilityZone']} in {found_subnet['VpcId']}"
            )
            self.add(
                f"{role} subnet {subnet}",
                ok,
                detail,
                f"list subnets of {existing.vpc_id} in the order of availability_zones "
                f"({zone} here)",
            )

    def quotas(self) -> None:
        region = self.config.region
        ec2 = self.clients("ec2", region)
        network = self.config.network
        gateways = network.nat_gateways if network.nat == "gateway" else 0
        vpcs = len(ec2.describe_vpcs()["Vpcs"])
        self.quota("VPCs", VPC_QUOTA, vpcs, 1)
        addresses = len(ec2.describe_addresses()["Addresses"])
        self.quota("Elastic IPs", EIP_QUOTA, addresses, gateways)
        if gateways:
            per_zone: dict[str, int] = {}
            live = ec2.describe_nat_gateways(
                Filters=[{"Name": "state", "Values": ["pending", "available"]}]
            )["NatGateways"]
            subnets = {g["SubnetId"] for g in live}
            zones = (
                {
                    s["SubnetId"]: s["AvailabilityZone"]
                    for s in ec2.describe_subnets(SubnetIds=sorted(subnets))["Subnets"]
                }
                if subnets
                else {}
            )
            for gateway in live:
                zone = zones.get(gateway["SubnetId"], "?")
                per_zone[zone] = per_zone.get(zone, 0) + 1
            self.quota(
                "NAT gateways per zone", NAT_PER_AZ_QUOTA, max(per_zone.values(), default=0), 1
            )

    def quota(self, name: str, quota: tuple[str, str, int], used: int, needed: int) -> None:
        service, code, default = quota
        client = self.clients("service-quotas", self.config.region)
        try:
            limit = int(
                client.get_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"]
            )
        except Exception as error:
            if error_code(error) != "NoSuchResourceException":
                raise
            limit = default
        self.add(
            f"quota: {name}",
            used + needed <= limit,
            f"{used} used + {needed} for this deploy, limit {limit}",
            f"free some, or request more in Service Quotas ({service} {code})",
        )

    def secret(self, setting: str, secret: str) -> None:
        client = self.clients("secretsmanager", self.config.region)
        try:
            client.describe_secret(SecretId=secret)
            client.get_secret_value(SecretId=secret)
        except Exception as error:
            code = error_code(error)
            if code == "ResourceNotFoundException":
                self.add(
                    f"secret {setting}",
                    False,
                    f"{secret} does not exist in {self.config.region}",
                    f"create it, or correct {setting}",
                )
                return
            if code in ("AccessDeniedException", "DecryptionFailure"):
                self.add(
                    f"secret {setting}",
                    False,
                    f"{secret} exists but you cannot read it ({code})",
                    "allow secretsmanager:GetSecretValue (and kms:Decrypt for its key)",
                )
                return
            raise
        self.add(f"secret {setting}", True, f"{secret} exists and is readable")

    def alarm_destinations(self) -> None:
        """Where the alarms go; an existing topic's confirmed subscriptions are counted
        (ListSubscriptionsByTopic: a pending e-mail subscription has no ARN yet)."""
        regions = [(self.config.region, False)]
        if self.config.has_edge_alarms:
            regions.append((GLOBAL_REGION, True))
        for region, global_region in regions:
            name = f"alarm destination {region}"
            destination = alarm_destination(self.config, global_region=global_region)
            if destination.topic_arn is None:
                nobody = destination.reaches_nobody
                self.checks.append(
                    Check(
                        name,
                        True,
                        destination.summary,
                        NO_SUBSCRIBER_FIX if nobody else "",
                        warning=nobody and self.config.retains_data,
                    )
                )
                continue
            self.topic_subscribers(name, destination.topic_arn)

    def topic_subscribers(self, name: str, arn: str) -> None:
        sns = self.clients("sns", arn.split(":")[3])
        try:
            pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
            subscriptions = [s for page in pages for s in page["Subscriptions"]]
        except Exception as error:
            code = error_code(error)
            if code not in ("NotFound", "AuthorizationError"):
                raise
            missing = code == "NotFound"
            self.add(
                name,
                False,
                f"{arn}: " + ("does not exist" if missing else "you may not list its subscribers"),
                "create the topic, or correct monitoring.topic_arn / global_topic_arn"
                if missing
                else "allow sns:ListSubscriptionsByTopic, then run doctor again",
            )
            return
        confirmed = [s for s in subscriptions if s["SubscriptionArn"].startswith("arn:")]
        pending = len(subscriptions) - len(confirmed)
        detail = f"{arn}: {len(confirmed)} confirmed subscriber(s)" + (
            f", {pending} pending confirmation" if pending else ""
        )
        if confirmed:
            self.add(name, True, detail)
            return
        self.checks.append(
            Check(
                name,
                True,
                detail + ": alarms reach nobody",
                "subscribe someone to the topic (and confirm), or use monitoring.emails",
                warning=True,
            )
        )


def _resolves(host: str) -> bool:
    """True when DNS knows ``host``."""
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True


def run_doctor(
    config: EnvironmentConfig,
    clients: Clients,
    env_label: str,
    resolves: Callable[[str], bool] | None = None,
) -> list[Check]:
    """Every preflight check of ``config`` (``resolves``: DNS lookup, replaceable in tests)."""
    return Doctor(config, clients, env_label, resolves).run()
