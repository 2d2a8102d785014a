"""Rules that relate several settings, checked after the shape of the file is valid.

Each rule returns issues that name the field to change, so that the message reads like
"edge.domain is required when edge.mode is alb (...)".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator

from ..naming import GLOBAL_REGION
from . import catalog
from .clickhouse_schedule import CLICKHOUSE_LEAD_MINUTES, clickhouse_backup_issues, clock_minutes
from .clickhouse_sizes import clickhouse_zone_issues
from .errors import ConfigIssue, format_segment
from .image_rules import image_issues
from .models import (
    AlbEdgeConfig,
    ClickHouseEc2Config,
    ClickHouseFargateConfig,
    EnvironmentConfig,
    InternalEdgeConfig,
)

MIN_POSTGRES_MAJOR = 16
MIN_VALKEY = (7, 2)
MIN_CLICKHOUSE_FOR_V4 = (25, 12)
MIN_CLICKHOUSE_FOR_V3 = (24, 3)
PLAIN_VERSION = re.compile(r"^\d+\.\d+$")

Rule = Callable[[EnvironmentConfig], Iterator[ConfigIssue]]


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _zone_issues(cfg: EnvironmentConfig, where: str, zones: list[str]) -> Iterator[ConfigIssue]:
    known = catalog.availability_zones(cfg.region)
    for zone in zones:
        if not (zone.startswith(cfg.region) and len(zone) == len(cfg.region) + 1):
            yield ConfigIssue(
                where,
                f"'{_short(zone)}' is not a zone of region {cfg.region} (expected e.g. "
                f"{cfg.region}a)",
            )
        elif known is not None and zone not in known:
            yield ConfigIssue(
                where, f"'{zone}' does not exist: the zones of {cfg.region} are {', '.join(known)}"
            )
    if len(set(zones)) != len(zones):
        yield ConfigIssue(where, "lists a zone twice: name each once")


NEW_VPC_SETTINGS = ("cidr", "max_azs", "availability_zones", "nat", "nat_gateways", "flow_logs")


def _existing_network(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """An existing VPC: one subnet per zone in each role, no subnet in two roles."""
    existing = cfg.network.existing
    assert existing is not None
    for name in NEW_VPC_SETTINGS:
        if name in cfg.network.model_fields_set:
            yield ConfigIssue(
                f"network.{name}",
                "describes a new VPC and is ignored with network.existing: remove it",
            )
    zones = existing.availability_zones
    yield from _zone_issues(cfg, "network.existing.availability_zones", zones)
    roles = {
        "private_subnet_ids": existing.private_subnet_ids,
        "data_subnet_ids": existing.data_subnet_ids,
        "public_subnet_ids": existing.public_subnet_ids,
    }
    seen: dict[str, str] = {}
    for role, subnets in roles.items():
        if subnets and len(subnets) != len(zones):
            yield ConfigIssue(
                f"network.existing.{role}",
                f"lists {len(subnets)} subnets for {len(zones)} zones: list one subnet per zone, "
                "in the order of availability_zones",
            )
        for subnet in subnets:
            if subnet in seen:
                yield ConfigIssue(
                    f"network.existing.{role}",
                    f"names {subnet}, which is already in {seen[subnet]}: a subnet serves one "
                    "role (leave data_subnet_ids out to put the data stores in the private "
                    "subnets)",
                )
            seen.setdefault(subnet, role)
    internet_facing = cfg.edge.internet_facing
    if internet_facing and not existing.public_subnet_ids:
        yield ConfigIssue(
            "network.existing.public_subnet_ids",
            "is required with edge.mode alb (an internet-facing load balancer lives in public "
            "subnets): list one per zone, or use edge.mode internal or cloudfront",
        )
    if not internet_facing and existing.public_subnet_ids:
        yield ConfigIssue(
            "network.existing.public_subnet_ids",
            f"is only used by edge.mode alb, and edge.mode is {cfg.edge.mode}: remove it",
        )


def _network(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    net = cfg.network
    if net.existing is not None:
        yield from _existing_network(cfg)
        return
    zones = net.availability_zones
    if zones:
        if len(zones) != net.max_azs:
            yield ConfigIssue(
                "network.availability_zones",
                f"lists {len(zones)} zones but network.max_azs is {net.max_azs}: list exactly "
                f"{net.max_azs} zone names",
            )
        yield from _zone_issues(cfg, "network.availability_zones", zones)
    else:
        if cfg.account is not None:
            yield ConfigIssue(
                "network.availability_zones",
                "is required when account is set (synth never looks zones up in AWS): list "
                f"{net.max_azs} zone names, e.g. [{cfg.region}a, {cfg.region}b]",
            )
        elif net.max_azs == 3:
            yield ConfigIssue(
                "network.availability_zones",
                "is required when network.max_azs is 3: list three zone names, e.g. "
                f"[{cfg.region}a, {cfg.region}b, {cfg.region}c]",
            )
    if net.nat == "instance" and "nat_gateways" in net.model_fields_set:
        yield ConfigIssue(
            "network.nat_gateways",
            "is ignored with network.nat: instance (one NAT instance serves every zone): "
            "remove it, or use nat: gateway",
        )
    if net.nat == "gateway" and net.nat_gateways > net.max_azs:
        yield ConfigIssue(
            "network.nat_gateways",
            f"is {net.nat_gateways} but there are only {net.max_azs} AZs: use at most {net.max_azs}",
        )


def _langfuse(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    lf = cfg.langfuse
    major = _version_tuple(lf.version)[0]
    if major not in (3, 4):
        yield ConfigIssue(
            "langfuse.version",
            f"is {lf.version}: only Langfuse 3.x and 4.x releases are supported (e.g. 4.38.0)",
        )
    if major == 3 and lf.migration_mode != "none":
        yield ConfigIssue(
            "langfuse.migration_mode",
            f"is {lf.migration_mode} but langfuse.version {lf.version} is a v3 release: migration "
            "modes apply to v4 only; set it to none or upgrade langfuse.version",
        )
    if cfg.retains_data and lf.web.spot and lf.web.min_tasks < 2:
        yield ConfigIssue(
            "langfuse.web.spot",
            "is on with a single web task in an environment that retains data: a Spot "
            "interruption takes Langfuse down; set langfuse.web.min_tasks to 2 or spot to false",
        )


def _region(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    known = catalog.regions()
    if cfg.region not in known:
        close = difflib.get_close_matches(cfg.region, known, n=1)
        hint = f"did you mean {close[0]}?" if close else "see the AWS Regions list"
        yield ConfigIssue("region", f"is {cfg.region}, which is not an AWS region: {hint}")


def _tags(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """AWS tag rules: keys up to 128 and values up to 256 characters, no aws: prefix."""
    if len(cfg.tags) > MAX_USER_TAGS:
        yield ConfigIssue(
            "tags",
            f"has {len(cfg.tags)} tags; AWS allows 50 per resource and this app adds "
            f"project and environment: use at most {MAX_USER_TAGS}",
        )
    for key, value in cfg.tags.items():
        where = f"tags.{format_segment(key)}"
        if key.lower().startswith("aws:"):
            yield ConfigIssue(where, "uses the aws: prefix, which AWS reserves: rename the key")
        if not 1 <= len(key) <= 128 or not TAG_TEXT.match(key):
            yield ConfigIssue(
                where,
                "is not a valid tag key: 1 to 128 letters, digits, spaces and _ . : / = + - @",
            )
        if key in ("project", "environment"):
            yield ConfigIssue(where, "is set by this app for every resource: choose another key")
        if len(value) > 256 or not TAG_TEXT.match(value or "x"):
            yield ConfigIssue(
                where,
                f"has a value of {len(value)} characters or with characters AWS refuses: use at "
                "most 256 letters, digits, spaces and _ . : / = + - @",
            )


def _database(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    db = cfg.database
    versions = catalog.aurora_postgresql_versions()
    too_old = _version_tuple(db.engine_version)[0] < MIN_POSTGRES_MAJOR
    if not too_old and db.engine_version not in versions:
        major = db.engine_version.split(".")[0]
        # The catalog also lists variants such as 16.4-limitless and majors alone (17).
        same_major = [v for v in versions if PLAIN_VERSION.match(v) and v.split(".")[0] == major]
        newest = max(same_major, key=_version_tuple) if same_major else "17.9"
        yield ConfigIssue(
            "database.engine_version",
            f"is {db.engine_version}, which Aurora PostgreSQL cannot create: use e.g. '{newest}'",
        )
    if _version_tuple(db.engine_version)[0] < MIN_POSTGRES_MAJOR:
        yield ConfigIssue(
            "database.engine_version",
            f"is {db.engine_version}: Langfuse needs PostgreSQL {MIN_POSTGRES_MAJOR} or newer "
            "(use e.g. '17.9')",
        )
    if db.min_acu > db.max_acu:
        yield ConfigIssue(
            "database.min_acu", f"({db.min_acu}) is above database.max_acu ({db.max_acu})"
        )
    if db.min_acu == 0 and not db.scale_to_zero:
        yield ConfigIssue(
            "database.min_acu",
            "is 0, which pauses the database: set database.scale_to_zero: true to confirm, or "
            "use 0.5",
        )
    if db.scale_to_zero and db.min_acu != 0:
        yield ConfigIssue(
            "database.scale_to_zero",
            f"needs database.min_acu 0 (it is {db.min_acu})",
        )
    if (db.min_acu * 2) % 1 != 0 or (db.max_acu * 2) % 1 != 0:
        yield ConfigIssue("database.min_acu", "and max_acu must be multiples of 0.5")


def _cache(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    cache = cfg.cache
    offered = catalog.cache_node_types(cfg.region)
    if offered and cache.node_type not in offered:
        yield ConfigIssue(
            "cache.node_type",
            f"is {cache.node_type}, which ElastiCache does not offer in {cfg.region}: use e.g. "
            "cache.t4g.small or cache.r7g.large",
        )
    if _version_tuple(cache.engine_version) < MIN_VALKEY:
        yield ConfigIssue(
            "cache.engine_version",
            f"is {cache.engine_version}: Langfuse needs Valkey 7.2 or newer (use e.g. '8.1')",
        )
    if cache.multi_az and cache.replicas < 1:
        yield ConfigIssue(
            "cache.multi_az", "needs cache.replicas of at least 1 (a standby to fail over to)"
        )


def _clickhouse(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    server = cfg.clickhouse
    if not isinstance(server, ClickHouseFargateConfig | ClickHouseEc2Config):
        return
    tag = _version_tuple(server.image_tag)[:2]
    v4 = _version_tuple(cfg.langfuse.version)[0] >= 4
    needed = MIN_CLICKHOUSE_FOR_V4 if v4 else MIN_CLICKHOUSE_FOR_V3
    if tag < needed:
        yield ConfigIssue(
            "clickhouse.image_tag",
            f"is {server.image_tag}: Langfuse {cfg.langfuse.version} needs ClickHouse "
            f"{needed[0]}.{needed[1]} or newer (use 26.4.4.38)",
        )


def _internal_edge(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """edge.mode internal: private entry only, with the user's certificate."""
    edge = cfg.edge
    if not isinstance(edge, InternalEdgeConfig):
        return
    if cfg.network.existing is None:
        yield ConfigIssue(
            "edge.mode",
            "internal needs network.existing: a new VPC would reach the internet through a NAT "
            "gateway with a public address; deploy into your network, whose routes lead out",
        )
    yield from _arn_location(
        cfg,
        "edge.certificate_arn",
        edge.certificate_arn,
        "the load balancer",
        "import or request the certificate there",
        "use a certificate of this account",
    )
    if not edge.allowed_cidrs and not edge.allowed_prefix_lists:
        yield ConfigIssue(
            "edge.allowed_cidrs",
            "or edge.allowed_prefix_lists is required when edge.mode is internal: name the "
            "networks (VPN, Transit Gateway, peered VPCs) that may reach Langfuse",
        )
    if edge.ipv6_cidrs:
        yield ConfigIssue(
            "edge.allowed_cidrs",
            "lists IPv6 networks, but the internal load balancer serves IPv4 only: remove them",
        )
    rules = (len(edge.ipv4_cidrs) + len(edge.allowed_prefix_lists)) * 2
    if rules > SECURITY_GROUP_RULE_LIMIT:
        yield ConfigIssue(
            "edge.allowed_cidrs",
            f"with edge.allowed_prefix_lists needs {rules} security group rules (2 per entry) "
            f"but a security group takes {SECURITY_GROUP_RULE_LIMIT}: merge entries",
        )
    cognito = cfg.auth.cognito
    if cognito is not None and cognito.custom_domain:
        yield ConfigIssue(
            "auth.cognito.custom_domain",
            "needs a public parent record, which an internal environment has not: remove it "
            "(the prefix domain works from inside the network)",
        )


def _edge(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    edge = cfg.edge
    yield from _internal_edge(cfg)
    domain = edge.domain
    if domain is not None and not (
        domain.name == domain.zone_name or domain.name.endswith("." + domain.zone_name)
    ):
        yield ConfigIssue(
            "edge.domain.name",
            f"'{domain.name}' is not inside the hosted zone '{domain.zone_name}': use a name "
            f"ending in .{domain.zone_name}",
        )
    if edge.internet_facing and domain is None and not edge.plain_http:
        yield ConfigIssue(
            "edge.domain",
            "is required when edge.mode is alb (HTTPS needs a certificate for your own domain): "
            "add edge.domain, use edge.mode: cloudfront for HTTPS without a domain, or set "
            "edge.allow_insecure_http: true to accept plain HTTP",
        )
    if isinstance(edge, AlbEdgeConfig) and edge.allow_insecure_http and domain is not None:
        yield ConfigIssue(
            "edge.allow_insecure_http",
            "only applies without edge.domain (with a domain, alb serves HTTPS): remove it",
        )
    if edge.internet_facing and edge.allowed_cidrs and not edge.ipv4_cidrs:
        yield ConfigIssue(
            "edge.allowed_cidrs",
            "lists IPv6 networks only, but the load balancer serves IPv4 only: add the IPv4 "
            "networks of your users",
        )
    listener_ports = 2 if edge.domain else 1
    if edge.internet_facing and len(edge.ipv4_cidrs) * listener_ports > SECURITY_GROUP_RULE_LIMIT:
        yield ConfigIssue(
            "edge.allowed_cidrs",
            f"lists {len(edge.ipv4_cidrs)} IPv4 networks, which need "
            f"{len(edge.ipv4_cidrs) * listener_ports} security group rules ({listener_ports} "
            f"per network) but a security group takes {SECURITY_GROUP_RULE_LIMIT}: merge "
            "networks into wider ranges or use edge.mode cloudfront (WAF only)",
        )
    if len(edge.allowed_cidrs) > IP_SET_LIMIT:
        yield ConfigIssue(
            "edge.allowed_cidrs",
            f"lists {len(edge.allowed_cidrs)} networks; a WAF IP set takes {IP_SET_LIMIT}: merge "
            "networks into wider ranges",
        )
    if edge.allowed_cidrs and edge.uses_cloudfront and not cfg.waf.enabled:
        yield ConfigIssue(
            "edge.allowed_cidrs",
            "in cloudfront mode is enforced by the WAF web ACL, which is off: set waf.enabled: "
            "true or remove the list",
        )


MAX_USER_TAGS = 48
TAG_TEXT = re.compile(r"^[\w\s_.:/=+\-@]*$")
# Default quota of inbound rules per security group (VPC quotas), and WAF's IP set limit.
SECURITY_GROUP_RULE_LIMIT = 60
IP_SET_LIMIT = 10000
RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")


def _auth(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    auth = cfg.auth
    https = not cfg.edge.plain_http
    if auth.cognito is not None and auth.cognito.self_signup and auth.signup == "closed":
        yield ConfigIssue(
            "auth.cognito.self_signup",
            "is on but auth.signup is closed, which stops Langfuse from creating an account for "
            "any new login (AUTH_DISABLE_SIGNUP): people could sign up in Cognito and still "
            "never get in; turn self_signup off or write signup: sso",
        )
    if auth.sso_enabled and not https:
        yield ConfigIssue(
            "auth",
            "configures single sign-on but edge.allow_insecure_http serves plain HTTP: identity "
            "providers (Cognito included) refuse http callback URLs; add edge.domain for HTTPS or "
            "use edge.mode: cloudfront",
        )
    if not auth.password_login and not auth.sso_enabled:
        yield ConfigIssue(
            "auth.password_login",
            "is false but no single sign-on provider is configured, so nobody could log in: add "
            "auth.cognito or auth.providers, or set auth.password_login: true",
        )
    cognito = auth.cognito
    if cognito is not None:
        if cognito.allowed_email_domains and not cognito.self_signup:
            yield ConfigIssue(
                "auth.cognito.allowed_email_domains",
                "only limits self sign-up, which is off (auth.cognito.self_signup: false): set "
                "self_signup: true or remove the list",
            )
        if cognito.custom_domain and cfg.edge.domain is None:
            yield ConfigIssue(
                "auth.cognito.custom_domain",
                "needs an app domain (the login page is served on auth.<edge.domain.name>): add "
                "edge.domain or set custom_domain: false to use a Cognito prefix domain",
            )
        prefix = cognito.domain_prefix
        if prefix and any(word in prefix for word in RESERVED_DOMAIN_WORDS):
            yield ConfigIssue(
                "auth.cognito.domain_prefix",
                f"'{prefix}' contains a word Cognito reserves (aws, amazon, cognito): choose another",
            )
        if (
            not prefix
            and not cognito.custom_domain
            and any(word in cfg.name for word in RESERVED_DOMAIN_WORDS)
        ):
            yield ConfigIssue(
                "name",
                f"'{cfg.name}' contains a word Cognito reserves (aws, amazon, cognito), and the "
                "default login domain prefix includes the environment name: rename the "
                "environment or set auth.cognito.domain_prefix",
            )
        names = [s.name for s in cognito.saml] + [o.name for o in cognito.oidc]
        if len(set(names)) != len(names):
            yield ConfigIssue(
                "auth.cognito", "names two federated identity providers alike: rename one"
            )


def _arn_location(
    cfg: EnvironmentConfig, where: str, arn: str, user: str, move: str, owner: str
) -> Iterator[ConfigIssue]:
    """A resource that ``user`` reads only in the environment's own region and account."""
    _, _, _, region, account, _ = arn.split(":", 5)
    if region != cfg.region:
        yield ConfigIssue(where, f"is in {region}, but {user} needs it in {cfg.region}: {move}")
    if cfg.account and account != cfg.account:
        yield ConfigIssue(where, f"is in account {account}, not {cfg.account}: {owner}")


def _registry_cache(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """ECR only uses a credentials secret in the cache rule's own account and region."""
    cache = cfg.registry_cache
    if cache is None:
        return
    secrets = {
        "registry_cache.dockerhub_credentials_secret": cache.dockerhub_credentials_secret,
        "registry_cache.ghcr_credentials_secret": cache.ghcr_credentials_secret,
    }
    for where, arn in secrets.items():
        if arn is not None:
            yield from _arn_location(
                cfg, where, arn, "ECR", "copy the secret there", "create the secret there"
            )
    if not any(secrets.values()):
        yield ConfigIssue(
            "registry_cache",
            "names no credentials secret: set dockerhub_credentials_secret and/or "
            "ghcr_credentials_secret, or remove registry_cache",
        )


def _init(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """What Langfuse's web/src/initialize.ts refuses at start, refused here first."""
    init = cfg.langfuse.init
    if init is None:
        return
    if init.api_keys_secret and not init.project_id:
        yield ConfigIssue(
            "langfuse.init.project_id",
            "is required with langfuse.init.api_keys_secret (API keys belong to a project): add it",
        )
    if bool(init.user_email) != bool(init.user_password_secret):
        missing = "user_password_secret" if init.user_email else "user_email"
        yield ConfigIssue(
            f"langfuse.init.{missing}",
            "is required: Langfuse creates the first user only from an e-mail and a password "
            "together",
        )
    yield from _init_user_can_sign_in(cfg)


def _init_user_can_sign_in(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """The first user Langfuse creates has a password and nothing else (web/src/initialize.ts
    createUserEmailPassword), and its credentials sign-in refuses every password when
    AUTH_DISABLE_USERNAME_PASSWORD is true and for the domains in
    AUTH_DOMAINS_WITH_SSO_ENFORCEMENT (web/src/server/auth.ts authorize): such a user could
    never sign in."""
    init = cfg.langfuse.init
    if init is None or not init.user_email:
        return
    remove = (
        "or remove langfuse.init.user_email and user_password_secret (the organisation, "
        "project and API keys are still created; SSO users join through "
        "auth.default_organization)"
    )
    if not cfg.auth.password_login:
        yield ConfigIssue(
            "langfuse.init.user_email",
            "needs auth.password_login: true: Langfuse gives this first user a password only, "
            "and password sign-in is off, so nobody could sign in as it; set "
            f"auth.password_login: true, {remove}",
        )
        return
    domain = init.user_email.rsplit("@", 1)[1]
    if domain in cfg.auth.sso_enforced_domains:
        yield ConfigIssue(
            "langfuse.init.user_email",
            f"is in {domain}, which auth.sso_enforced_domains keeps from signing in with a "
            f"password, and Langfuse gives this first user a password only; use an address "
            f"outside {domain}, {remove}",
        )


# Cognito sends through SES in its own region or in one of these (its original SES regions).
COGNITO_SES_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def _cognito_email(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    cognito = cfg.auth.cognito
    email = cognito.email if cognito else None
    if email is None:
        return
    domain = email.ses_verified_domain
    if domain and not email.from_address.endswith("@" + domain):
        yield ConfigIssue(
            "auth.cognito.email.from_address",
            f"is not in the verified domain {domain}: use an address @{domain}, or drop "
            "ses_verified_domain to verify the address itself",
        )
    region = email.ses_region
    if region and region != cfg.region and region not in COGNITO_SES_REGIONS:
        yield ConfigIssue(
            "auth.cognito.email.ses_region",
            f"is {region}: Cognito sends through SES in the environment's region "
            f"{cfg.region} or in {', '.join(COGNITO_SES_REGIONS)}",
        )


def _schedule(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    schedule = cfg.schedule
    if schedule is None:
        return
    if cfg.retains_data and not schedule.allow_with_retained_data:
        yield ConfigIssue(
            "schedule",
            "scales a retaining environment (data_protection: retain) to zero every night: "
            "set schedule.allow_with_retained_data: true if that is intended",
        )
    start, stop = clock_minutes(schedule.start), clock_minutes(schedule.stop)
    if start >= stop:
        yield ConfigIssue(
            "schedule.stop",
            f"{schedule.stop} is not after start {schedule.start}: office hours run within one day",
        )
    if start < CLICKHOUSE_LEAD_MINUTES or stop > 24 * 60 - 1 - CLICKHOUSE_LEAD_MINUTES:
        yield ConfigIssue(
            "schedule",
            "start must be 00:15 or later and stop 23:44 or earlier: ClickHouse starts 15 "
            "minutes before web and stops 15 minutes after it, on the same day",
        )
    if len(set(schedule.days)) != len(schedule.days):
        yield ConfigIssue("schedule.days", "names a day twice: list each day once")


def _monitoring(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """CloudFront's alarms live in us-east-1 and can only notify a topic there."""
    monitoring = cfg.monitoring
    if not cfg.has_edge_alarms:
        return
    topic_region = monitoring.topic_arn.split(":")[3] if monitoring.topic_arn else None
    if (
        topic_region not in (None, GLOBAL_REGION)
        and not monitoring.emails
        and monitoring.global_topic_arn is None
    ):
        yield ConfigIssue(
            "monitoring.global_topic_arn",
            f"is needed: CloudFront's alarms are raised in us-east-1 and cannot notify the "
            f"{topic_region} topic in monitoring.topic_arn; name a us-east-1 topic here or add "
            "monitoring.emails",
        )


def _signup(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """Who may create an account is what auth.signup says, given Langfuse's two switches.

    Langfuse takes a password sign-up only while neither AUTH_DISABLE_SIGNUP nor
    AUTH_DISABLE_USERNAME_PASSWORD is true (web/src/features/auth-credentials/server/
    signupApiHandler.ts validateSignupEligibility), and creates a single sign-on user only
    while AUTH_DISABLE_SIGNUP is not true (web/src/server/auth.ts, the adapter's createUser).
    """
    auth = cfg.auth
    if auth.signup == "open" and not auth.password_login:
        yield ConfigIssue(
            "auth.signup",
            "is open but auth.password_login is false: open sign-up is Langfuse's own e-mail "
            "and password sign-up; write signup: sso (the identity provider decides who gets "
            "an account) or set password_login: true",
        )
    if auth.signup == "sso" and auth.password_login:
        yield ConfigIssue(
            "auth.signup",
            "is sso but auth.password_login is true: Langfuse has one switch for every new "
            "account (AUTH_DISABLE_SIGNUP), so anyone who can reach the URL could also sign up "
            "with a password; set password_login: false, or write signup: open if that is "
            "intended",
        )
    if auth.signup == "open" and cfg.retains_data and not auth.allow_open_signup_with_retained_data:
        yield ConfigIssue(
            "auth.signup",
            "is open on an environment that retains data (data_protection: retain): anyone who "
            "can reach the URL may create an account, organisations and API keys; set "
            "auth.allow_open_signup_with_retained_data: true if that is intended, or write "
            "signup: sso with an identity provider (auth.cognito or auth.providers)",
        )
    if auth.allow_open_signup_with_retained_data and auth.signup != "open":
        yield ConfigIssue(
            "auth.allow_open_signup_with_retained_data",
            f"only applies with auth.signup: open, and auth.signup is {auth.signup}: remove it",
        )


RULES: tuple[Rule, ...] = (
    _region,
    _tags,
    _network,
    _langfuse,
    _database,
    _cache,
    _clickhouse,
    clickhouse_zone_issues,
    _edge,
    _auth,
    _signup,
    _registry_cache,
    image_issues,
    _monitoring,
    _init,
    _cognito_email,
    _schedule,
    clickhouse_backup_issues,
)


def check_rules(cfg: EnvironmentConfig) -> list[ConfigIssue]:
    """Every cross-field problem in ``cfg``; empty when the environment is consistent."""
    return [issue for rule in RULES for issue in rule(cfg)]
