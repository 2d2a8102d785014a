"""Typed model of one environment's YAML file.

Every field says what it is, its default and why. Unknown keys are rejected so that a typo
never silently falls back to a default. Shape checks live here; rules that relate several
fields live in ``rules.py`` so that their errors can name the exact field to fix.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, TypeAdapter, ValidationError, field_validator, model_validator

from .clickhouse_sizes import check_ec2_sizes
from .providers import ProviderConfig
from .types import (
    AWS_REGION_PATTERN,
    Cidr,
    ClickHouseNativeUrl,
    EmailAddress,
    EmailDomain,
    HttpsUrl,
    HttpUrl,
    ImageDigest,
    Ipv4Cidr,
    SecretReference,
    StrictModel,
    check_fargate_size,
    default_tag,
    rule_error,
)

SEMVER_PATTERN = r"^\d+\.\d+\.\d+$"


class TaskSize(StrictModel):
    """CPU, memory and scaling of one Fargate service."""

    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] = 1024
    """vCPU units of one task (1024 = 1 vCPU). Default 1024; Langfuse recommends 2048 in production."""

    memory_mib: int = Field(default=2048, ge=512, le=122880)
    """Memory of one task in MiB. Default 2048; NODE_OPTIONS is derived from it."""

    min_tasks: int = Field(default=1, ge=1, le=100)
    """Fewest running tasks. Default 1; use 2 or more in production for availability."""

    max_tasks: int = Field(default=2, ge=1, le=100)
    """Most tasks CPU autoscaling may start. Default 2."""

    cpu_target_percent: int = Field(default=60, ge=10, le=95)
    """Average CPU utilisation autoscaling keeps. Default 60."""

    spot: bool = False
    """Run on Fargate Spot (about 70 % cheaper, may be interrupted). With min_tasks 1 the task
    runs on Spot; with more, one stays on FARGATE. Default off; dev only."""

    @model_validator(mode="after")
    def _runs_on_fargate(self) -> TaskSize:
        check_fargate_size(self.cpu, self.memory_mib)
        if self.min_tasks > self.max_tasks:
            raise rule_error(
                f"({self.min_tasks}) is above max_tasks ({self.max_tasks}): raise max_tasks or "
                "lower min_tasks",
                field="min_tasks",
            )
        return self


class EmailConfig(StrictModel):
    """Langfuse's own e-mail (invitations, password resets, alerts) through SMTP, e.g. SES."""

    from_address: EmailAddress
    """Sender address (EMAIL_FROM_ADDRESS), e.g. langfuse@acme.io: an SES verified identity."""

    smtp_url_secret: SecretReference
    """Existing secret (name or ARN) holding the whole SMTP_CONNECTION_URL, e.g.
    smtps://USER:PASSWORD@email-smtp.eu-west-1.amazonaws.com:465 with SES SMTP credentials
    (user and password URL-encoded). It reaches the containers only as an ECS secret."""


class InitConfig(StrictModel):
    """Headless first start: Langfuse creates this organisation, project, API keys and user
    when web starts (LANGFUSE_INIT_*), and leaves them alone once they exist."""

    org_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    """Organisation id (LANGFUSE_INIT_ORG_ID); every other init setting needs it."""

    org_name: str | None = None
    """Organisation name. Default Langfuse's "Provisioned Org"."""

    project_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    """Project id (LANGFUSE_INIT_PROJECT_ID)."""

    project_name: str | None = None
    """Project name. Default Langfuse's "Provisioned Project"."""

    api_keys_secret: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:"
        r"[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$",
    )
    """Full ARN of an existing secret whose JSON keys `public_key` (pk-lf-...) and `secret_key`
    (sk-lf-...) become the project's API keys (ECS reads single JSON keys only by full ARN).
    Needs project_id."""

    user_email: EmailAddress | None = None
    """First user's e-mail (LANGFUSE_INIT_USER_EMAIL). Needs user_password_secret."""

    user_name: str | None = None
    """First user's name."""

    user_password_secret: SecretReference | None = None
    """Existing secret (name or ARN) holding the first user's password (plain text)."""


class LangfuseConfig(StrictModel):
    """The Langfuse web and worker containers."""

    version: str = Field(default="4.38.0", pattern=SEMVER_PATTERN)
    """Exact Langfuse release, the same for web and worker (never latest or a floating major).
    Default 4.38.0. A 3.x release also works; see migration_mode for the v3 to v4 upgrade."""

    registry: Literal["dockerhub", "ghcr"] = "ghcr"
    """Where the Langfuse images come from: ghcr (ghcr.io/langfuse/langfuse, default) or
    dockerhub (langfuse/langfuse). Langfuse publishes every release to both with the same tag;
    ghcr.io has no anonymous pull rate limit, while Docker Hub allows 10 anonymous pulls an hour
    per address, shared by everything behind one NAT address."""

    web_digest: ImageDigest | None = None
    """Optional digest of the web image of `version` (sha256:...): pins the exact bytes. Needs an
    explicit `registry` (Langfuse builds its ghcr.io and Docker Hub images separately, so their
    digests differ) and no registry_cache for that registry (a cache fills only on a pull by
    tag)."""

    worker_digest: ImageDigest | None = None
    """Optional digest of the worker image of `version` (sha256:...); as web_digest."""

    migration_mode: Literal["none", "legacy", "dual"] = "none"
    """v3 to v4 data migration phase (v4 only). none: fresh install or migration finished;
    legacy: v4 runs but keeps writing the v3 tables; dual: writes both while history is
    back-filled. Sets the same LANGFUSE_MIGRATION_V4_* variables on web and worker."""

    web: TaskSize = TaskSize(cpu=1024, memory_mib=2048, min_tasks=1, max_tasks=2)
    """Web (UI + API) service size. Default 1 vCPU / 2 GiB, 1 to 2 tasks."""

    worker: TaskSize = TaskSize(cpu=1024, memory_mib=2048, min_tasks=1, max_tasks=2)
    """Worker (ingestion processing) service size. Default 1 vCPU / 2 GiB, 1 to 2 tasks."""

    telemetry_enabled: bool = False
    """Send anonymous usage statistics to Langfuse. Default off."""

    log_level: Literal["trace", "debug", "info", "warn", "error", "fatal"] = "info"
    """LANGFUSE_LOG_LEVEL. Default info."""

    enable_exec: bool = False
    """Allow `aws ecs execute-command` into the containers. Default off (a shell into a
    container that holds every credential is an audit finding)."""

    health_check_grace_seconds: int = Field(default=300, ge=60, le=1800)
    """Time the web service may take to pass health checks after start, covering first-start
    database migrations. Default 300."""

    email: EmailConfig | None = None
    """Langfuse's own e-mail through SMTP (Amazon SES). Default none (no invitation mails)."""

    init: InitConfig | None = None
    """Create the first organisation, project, API keys and user at start. Default none."""


SubnetId = Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]


class ExistingNetworkConfig(StrictModel):
    """A VPC that already exists (shared, with Transit Gateway, VPN or peering). Everything
    about it comes from the YAML: synth looks nothing up."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    """The VPC, e.g. vpc-0123456789abcdef0."""

    cidr: Ipv4Cidr
    """The VPC's primary IPv4 CIDR, e.g. 10.20.0.0/16."""

    availability_zones: list[str] = Field(min_length=2, max_length=3)
    """The zones of the subnets below, in the same order, e.g. [eu-west-1a, eu-west-1b]."""

    private_subnet_ids: list[SubnetId] = Field(min_length=2, max_length=3)
    """Subnets for the tasks and the internal load balancer, one per zone, with a route out
    (NAT, Transit Gateway or firewall) for image pulls and sign-in."""

    data_subnet_ids: list[SubnetId] = Field(default_factory=list, max_length=3)
    """Subnets for Aurora, Valkey and EFS, one per zone (isolated or private). Default: the
    private subnets."""

    public_subnet_ids: list[SubnetId] = Field(default_factory=list, max_length=3)
    """Public subnets, one per zone: only edge.mode alb (an internet-facing load balancer)."""


class NetworkConfig(StrictModel):
    """The VPC every component runs in: a new one (default) or an existing one."""

    existing: ExistingNetworkConfig | None = None
    """Deploy into an existing VPC instead of creating one. Default none (new VPC)."""

    cidr: Ipv4Cidr = Field(default=IPv4Network("10.40.0.0/16"))
    """IPv4 range of the new VPC (/16 to /24). Default 10.40.0.0/16."""

    @field_validator("cidr")
    @classmethod
    def _vpc_sized(cls, value: IPv4Network) -> IPv4Network:
        if not 16 <= value.prefixlen <= 24:
            raise ValueError("a VPC's range is /16 to /24: e.g. 10.40.0.0/16")
        return value

    max_azs: Literal[2, 3] = 2
    """How many availability zones to spread over. Default 2. 3 needs availability_zones."""

    availability_zones: list[str] = Field(default_factory=list)
    """Explicit zone names (e.g. eu-west-1a). Required when `account` is set or max_azs is 3,
    because looking them up would need AWS credentials at synth time."""

    nat: Literal["gateway", "instance"] = "gateway"
    """Outbound internet for private subnets: managed NAT gateway(s), or one t4g.nano NAT
    instance (about 90 % cheaper, not highly available; dev only). Default gateway."""

    nat_gateways: int = Field(default=1, ge=1, le=3)
    """Number of NAT gateways (gateway mode). Default 1; one per AZ for zone-failure tolerance."""

    flow_logs: bool = True
    """VPC flow logs to CloudWatch Logs. Default on."""


class DatabaseConfig(StrictModel):
    """Aurora PostgreSQL Serverless v2 (Langfuse's transactional store)."""

    engine_version: str = Field(default="17.9", pattern=r"^\d{2}\.\d{1,2}$")
    """Aurora PostgreSQL version. Default 17.9. Must be 16 or newer and still creatable."""

    min_acu: float = Field(default=0.5, ge=0, le=256)
    """Minimum Aurora capacity units. Default 0.5; 0 enables scale-to-zero (needs scale_to_zero)."""

    max_acu: float = Field(default=4, ge=1, le=256)
    """Maximum Aurora capacity units. Default 4."""

    scale_to_zero: bool = False
    """Pause the database when idle (min_acu 0). First request after a pause waits ~15 s. Dev only."""

    auto_pause_minutes: int = Field(default=30, ge=5, le=1440)
    """Idle time before pausing, with scale_to_zero. Default 30."""

    reader: bool = False
    """Add a reader instance in another AZ for fast failover. Default off; on in production."""

    backup_retention_days: int = Field(default=7, ge=1, le=35)
    """Aurora automated backup retention. Default 7."""


class CacheConfig(StrictModel):
    """ElastiCache for Valkey (queues and cache)."""

    engine_version: str = Field(default="8.1", pattern=r"^\d+\.\d+$")
    """Valkey version, 7.2 or newer. Default 8.1."""

    node_type: str = Field(default="cache.t4g.small", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    """Node type. Default cache.t4g.small (1.37 GiB)."""

    replicas: int = Field(default=0, ge=0, le=5)
    """Read replicas. Default 0. multi_az needs at least 1."""

    multi_az: bool = False
    """Automatic failover to a replica in another AZ. Default off."""


class StorageConfig(StrictModel):
    """The S3 bucket for events, media and batch exports."""

    events_expiry_days: int | None = Field(default=None, ge=1)
    """Delete raw event objects (events/ prefix) after this many days. Default never. Media is
    never expired: traces reference it."""

    noncurrent_version_expiry_days: int = Field(default=30, ge=1)
    """Delete overwritten or deleted object versions after this many days. Default 30."""


ClickHouseTag = Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+\.\d+$")]
"""A clickhouse/clickhouse-server tag: an exact patch release such as 26.4.4.38."""


class ClickHouseFargateConfig(StrictModel):
    """A single ClickHouse server on Fargate with its data on EFS."""

    mode: Literal["fargate"] = "fargate"
    """fargate: run one ClickHouse server here (default)."""

    image_tag: ClickHouseTag = "26.4.4.38"
    """clickhouse/clickhouse-server tag, an exact patch release. Default 26.4.4.38. Langfuse v4 needs 25.12 or newer.
    The image comes from Docker Hub, the only registry ClickHouse publishes it to; set
    registry_cache.dockerhub_credentials_secret to pull it through ECR instead."""

    image_digest: ImageDigest | None = None
    """Optional digest of the image of `image_tag` (sha256:...): pins the exact bytes. Not with
    registry_cache.dockerhub_credentials_secret (a pull-through cache fills only on a pull by
    tag)."""

    cpu: Literal[1024, 2048, 4096, 8192] = 2048
    """vCPU units. Default 2048 (Langfuse's minimum)."""

    memory_mib: int = Field(default=8192, ge=4096, le=61440)
    """Memory in MiB. Default 8192 (Langfuse's minimum)."""

    @model_validator(mode="after")
    def _runs_on_fargate(self) -> ClickHouseFargateConfig:
        check_fargate_size(self.cpu, self.memory_mib)
        return self


ZONE_PATTERN = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")


class ClickHouseEc2Config(StrictModel):
    """A single ClickHouse server on one Graviton EC2 instance with its data on a gp3 volume
    that outlives the instance (rules in clickhouse_sizes.py)."""

    mode: Literal["ec2"]
    """ec2: run one ClickHouse server here on EC2, with its data on an EBS volume."""

    instance_type: str = "r7g.large"
    """Graviton instance type (t4g, m7g, c7g, r7g, m8g or r8g; at least 2 vCPU and 8 GiB, as
    Langfuse advises). Default r7g.large (2 vCPU, 16 GiB)."""

    image_tag: ClickHouseTag = "26.4.4.38"
    """clickhouse/clickhouse-server tag, an exact patch release. Default 26.4.4.38. Langfuse
    v4 needs 25.12 or newer. Changing it replaces the instance (the data volume stays)."""

    image_digest: ImageDigest | None = None
    """Optional digest of the image of `image_tag` (sha256:...): pins the exact bytes. Not with
    registry_cache.dockerhub_credentials_secret (a pull-through cache fills only on a pull by
    tag)."""

    availability_zone: str | None = None
    """The zone of the instance and its data volume, fixed for good (a volume cannot leave
    its zone), e.g. eu-west-1a; one of the network's zones. Default: the network's first."""

    volume_size_gib: int = Field(default=100, ge=1, le=65536)
    """Size of the gp3 data volume in GiB (1 to 65536). Default 100. Can grow later, never
    shrink."""

    volume_iops: int = Field(default=3000, ge=3000, le=80000)
    """Provisioned IOPS of the data volume (gp3: 3000 to 80000, at most 500 per GiB, and no
    more than the instance type can drive). Default 3000 (gp3's baseline, included in its
    price)."""

    volume_throughput_mibps: int = Field(default=125, ge=125, le=2000)
    """Provisioned throughput of the data volume in MiB/s (gp3: 125 to 2000, at most 0.25
    per provisioned IOPS, and no more than the instance type can drive). Default 125 (gp3's
    baseline)."""

    @field_validator("availability_zone")
    @classmethod
    def _zone_name(cls, value: str | None) -> str | None:
        if value is not None and not ZONE_PATTERN.match(value):
            raise ValueError("not an availability zone name: write e.g. eu-west-1a")
        return value

    @model_validator(mode="after")
    def _sizes_fit(self) -> ClickHouseEc2Config:
        check_ec2_sizes(
            self.instance_type,
            self.volume_size_gib,
            self.volume_iops,
            self.volume_throughput_mibps,
        )
        return self


class ClickHouseExternalConfig(StrictModel):
    """An existing ClickHouse (for example ClickHouse Cloud)."""

    mode: Literal["external"]
    """external: use an existing ClickHouse service."""

    url: HttpUrl
    """HTTP(S) endpoint, e.g. https://abc.eu-west-1.aws.clickhouse.cloud:8443."""

    migration_url: ClickHouseNativeUrl
    """Native-protocol endpoint for migrations, e.g. clickhouse://abc...:9440."""

    user: str = Field(default="default", min_length=1)
    """User name. Default default."""

    password_secret: SecretReference
    """Existing Secrets Manager secret (name or ARN) holding the plain password."""

    cluster_enabled: bool = False
    """Whether the service is a multi-node cluster (CLICKHOUSE_CLUSTER_ENABLED). Default false."""

    migration_ssl: bool = True
    """Use TLS for migrations (CLICKHOUSE_MIGRATION_SSL). Default true (ClickHouse Cloud)."""


ClickHouseConfig = Annotated[
    ClickHouseFargateConfig | ClickHouseEc2Config | ClickHouseExternalConfig,
    Field(discriminator="mode"),
    default_tag(ClickHouseFargateConfig, moved=("fargate", "external")),
]
"""Where the analytics store runs: `mode: fargate` (default), `mode: ec2` or `mode: external`."""


class DomainConfig(StrictModel):
    """A custom domain in an existing Route 53 public hosted zone."""

    name: str = Field(
        max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
    )
    """Fully qualified host name users open, e.g. langfuse.example.com (lower case)."""

    zone_id: str = Field(pattern=r"^Z[A-Z0-9]{4,32}$")
    """Route 53 hosted zone id (find it in Route 53 > Hosted zones)."""

    zone_name: str = Field(pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
    """The hosted zone's domain, e.g. example.com. `name` must be inside it."""


class EdgeBase(StrictModel):
    """What every edge mode has: the load balancer, and who may reach it under which name."""

    domain: DomainConfig | None = None
    """Custom domain. Default none (CloudFront's https://<id>.cloudfront.net)."""

    allowed_cidrs: list[Cidr] = Field(default_factory=list)
    """IPv4 and IPv6 CIDR ranges allowed to reach Langfuse; empty means everyone. Enforced by
    the WAF web ACL, and in alb and internal modes also by the load balancer's security group.
    With IPv4 entries only, CloudFront serves IPv4 only (no AAAA record)."""

    idle_timeout_seconds: int = Field(default=60, ge=10, le=4000)
    """Load balancer idle timeout. KEEP_ALIVE_TIMEOUT is set 5 s above it. Default 60."""

    @property
    def plain_http(self) -> bool:
        """Whether users reach Langfuse over plain HTTP (only an alb without a domain may)."""
        return False

    @property
    def uses_cloudfront(self) -> bool:
        """Whether CloudFront fronts the load balancer (its certificate, WAF and alarms then
        live in us-east-1)."""
        return False

    @property
    def internet_facing(self) -> bool:
        """Whether the load balancer itself has a public address (alb mode only)."""
        return False

    @property
    def clients_reach_load_balancer(self) -> bool:
        """Whether users connect to the load balancer directly (alb and internal), so that its
        security group, not only the WAF, holds the allow-list."""
        return not self.uses_cloudfront

    @property
    def allowed_networks(self) -> list[str]:
        """The allow-list as CIDR texts, in the YAML's order."""
        return [str(c) for c in self.allowed_cidrs]

    @property
    def ipv4_cidrs(self) -> list[str]:
        """The IPv4 entries of the allow-list."""
        return [str(c) for c in self.allowed_cidrs if c.version == 4]

    @property
    def ipv6_cidrs(self) -> list[str]:
        """The IPv6 entries of the allow-list."""
        return [str(c) for c in self.allowed_cidrs if c.version == 6]

    @property
    def serves_ipv6(self) -> bool:
        """IPv6 viewers are served unless an allow-list names IPv4 networks only.

        With an IPv4-only allow-list, IPv6 would only ever be refused; serving IPv4 only lets
        dual-stack clients of the allowed networks fall back to IPv4 and get in.
        """
        return not self.allowed_cidrs or bool(self.ipv6_cidrs)


class CloudFrontEdgeConfig(EdgeBase):
    """CloudFront with a VPC origin to an internal load balancer: HTTPS even without a
    domain."""

    mode: Literal["cloudfront"] = "cloudfront"
    """cloudfront (default)."""

    price_class: Literal["100", "200", "All"] = "100"
    """CloudFront price class. Default 100 (North America and Europe edge locations)."""

    @property
    def uses_cloudfront(self) -> bool:
        return True


class AlbEdgeConfig(EdgeBase):
    """An internet-facing load balancer (HTTPS needs a domain)."""

    mode: Literal["alb"]
    """alb."""

    allow_insecure_http: bool = False
    """Accept serving plain HTTP (without a domain). Default false: refused."""

    @property
    def plain_http(self) -> bool:
        return self.allow_insecure_http

    @property
    def internet_facing(self) -> bool:
        return True


class InternalEdgeConfig(EdgeBase):
    """An internal load balancer reachable only from allowed_cidrs and allowed_prefix_lists
    (VPN, Transit Gateway, peering), serving the user's certificate."""

    mode: Literal["internal"]
    """internal (needs network.existing)."""

    domain: DomainConfig
    """The host name of certificate_arn, with the (private or public) hosted zone for its
    record."""

    certificate_arn: str = Field(
        pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"
    )
    """An ACM certificate for domain.name (public, imported, or from your AWS Private CA) in
    the environment's region."""

    allowed_prefix_lists: list[Annotated[str, Field(pattern=r"^pl-[0-9a-f]{8,17}$")]] = Field(
        default_factory=list
    )
    """Managed prefix lists (pl-...) allowed to reach the load balancer."""


EdgeConfig = Annotated[
    CloudFrontEdgeConfig | AlbEdgeConfig | InternalEdgeConfig,
    Field(discriminator="mode"),
    default_tag(CloudFrontEdgeConfig),
]
"""How users reach Langfuse: `mode: cloudfront` (default), `alb` or `internal`."""


def default_login(edge: Any) -> dict[str, Any]:
    """The auth block of an environment whose YAML has none, for its (unvalidated) edge.

    Reachable from the internet over HTTPS (cloudfront, the default, or alb with a domain):
    Cognito with users created by an admin, so nobody signs up on a public URL; password login
    and sign-up then default to off and Cognito-only. Internal, or plain HTTP (which Cognito's
    callbacks refuse): password login, sign-up closed.
    """
    fields = edge.model_dump() if isinstance(edge, StrictModel) else edge
    settings = fields if isinstance(fields, dict) else {}
    if settings.get("mode") == "internal" or settings.get("allow_insecure_http") is True:
        return {}
    return {"cognito": {"self_signup": False}}


class WafConfig(StrictModel):
    """AWS WAF web ACL on the edge (CLOUDFRONT scope in us-east-1, or REGIONAL on the ALB)."""

    enabled: bool = True
    """Attach a web ACL. Default on."""

    managed_rules: bool = True
    """AWS managed rule groups: common rule set, known bad inputs, IP reputation. Default on.
    Their body rules (size, XSS, LFI, RFI, SSRF, Log4j, Java deserialization) only count:
    Langfuse bodies are LLM prompts and completions, which legitimately contain HTML, paths,
    URLs and code, often far above 8 KB. URI, query string and header rules still block."""

    rate_limit: int | None = Field(default=3000, ge=10, le=2_000_000_000)
    """Requests per client IP per 5 minutes to the UI and the rest of the app (everything but
    the public API) before WAF blocks it; none turns the rule off. Default 3000."""

    sign_in_rate_limit: int | None = Field(default=100, ge=10, le=2_000_000_000)
    """Requests per client IP per 5 minutes to the sign-in endpoints (/api/auth/signin,
    /api/auth/callback) before WAF blocks it: stops password guessing. Default 100."""

    api_rate_limit: int | None = Field(default=60000, ge=10, le=2_000_000_000)
    """Requests per client IP per 5 minutes to the public API (/api/public/: SDK ingestion,
    OTel, scores, prompts, datasets). Default 60000 (200 a second: a fleet of services behind
    one NAT address sending batches stays far below); none turns the rule off."""


class BackupConfig(StrictModel):
    """AWS Backup of Aurora and the ClickHouse file system."""

    enabled: bool = True
    """Daily backups into a dedicated vault. Default on."""

    hour_utc: int = Field(default=3, ge=0, le=23)
    """Hour (UTC) the daily backup starts. Default 3."""

    retention_days: int = Field(default=35, ge=1, le=3650)
    """How long each backup is kept. Default 35."""


class LogsConfig(StrictModel):
    """CloudWatch Logs."""

    retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653
    ] = 30
    """Retention of every log group. Default 30."""


OrgRole = Literal["OWNER", "ADMIN", "MEMBER", "VIEWER", "NONE"]
ProjectRole = Literal["OWNER", "ADMIN", "MEMBER", "VIEWER"]


class SamlFederationConfig(StrictModel):
    """A corporate SAML identity provider (Okta, Entra ID, ...) federated into Cognito."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{3,32}$")
    """Name shown on the Cognito login page and used in the SAML set-up, e.g. Okta."""

    metadata_url: HttpsUrl | None = None
    """HTTPS URL of the IdP's SAML metadata (preferred: it follows certificate rollover)."""

    metadata_file: str | None = None
    """Path of a metadata XML file, relative to the config file. Use one of url or file."""

    email_attribute: str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
    """SAML attribute that carries the user's email. Default: the standard emailaddress claim."""

    @model_validator(mode="after")
    def _one_metadata_source(self) -> SamlFederationConfig:
        if (self.metadata_url is None) == (self.metadata_file is None):
            raise rule_error("needs exactly one of metadata_url or metadata_file")
        return self


class OidcFederationConfig(StrictModel):
    """A corporate OIDC identity provider federated into Cognito."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{3,32}$")
    """Name shown on the Cognito login page."""

    issuer: HttpsUrl
    """The IdP's issuer URL (discovery at <issuer>/.well-known/openid-configuration)."""

    client_id: str = Field(min_length=1)
    """Client id Cognito uses at the IdP."""

    client_secret_secret: SecretReference
    """Existing Secrets Manager secret (name or ARN) holding the client secret."""

    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    """Scopes requested from the IdP. Default openid, email, profile."""


class CognitoEmailConfig(StrictModel):
    """Cognito's mail (invitations, codes, password resets) through Amazon SES. Cognito's own
    sender allows only a few mails a day."""

    from_address: EmailAddress
    """Sender address, e.g. no-reply@acme.io."""

    from_name: str | None = Field(default=None, max_length=64)
    """Sender name shown to users, e.g. Langfuse."""

    reply_to: EmailAddress | None = None
    """Reply-to address. Default none."""

    ses_verified_domain: EmailDomain | None = None
    """The verified SES domain identity that from_address belongs to. Default: the address
    itself is the verified identity."""

    ses_region: str | None = Field(default=None, pattern=AWS_REGION_PATTERN)
    """Region of the SES identity: the environment's region (default), or us-east-1,
    us-west-2 or eu-west-1."""


class CognitoConfig(StrictModel):
    """Amazon Cognito user pool in front of Langfuse."""

    self_signup: bool = False
    """Let people create their own account on the login page. Default off: admins create users."""

    allowed_email_domains: list[EmailDomain] = Field(default_factory=list)
    """With self_signup, only these email domains may sign up (pre-sign-up trigger)."""

    mfa: Literal["off", "optional", "required"] = "optional"
    """Multi-factor authentication with an authenticator app (TOTP). Default optional."""

    password_min_length: int = Field(default=12, ge=8, le=99)
    """Minimum password length. Default 12 (upper, lower, digit and symbol also required)."""

    feature_plan: Literal["essentials", "plus"] = "essentials"
    """Cognito feature plan. plus adds threat protection in enforced mode (extra cost)."""

    domain_prefix: str | None = Field(
        default=None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
    )
    """Prefix of the Cognito-hosted login domain (<prefix>.auth.<region>.amazoncognito.com):
    1 to 63 lower-case letters, digits and hyphens, unique in the region across all AWS
    accounts, without aws, amazon or cognito. Default: langfuse-<env>-<8 hex digits of the
    stack's id>, unique to the deployment and stable across its updates."""

    custom_domain: bool = False
    """Serve the login page on auth.<edge.domain.name> (needs edge.domain). Default off."""

    allow_account_linking: bool = False
    """Link a Cognito login to an existing Langfuse password user with the same email. Turn on
    only while moving existing password users to SSO. Default off."""

    saml: list[SamlFederationConfig] = Field(default_factory=list)
    """SAML identity providers federated through Cognito."""

    oidc: list[OidcFederationConfig] = Field(default_factory=list)
    """OIDC identity providers federated through Cognito."""

    email: CognitoEmailConfig | None = None
    """Send Cognito's mail through Amazon SES. Default: Cognito's own sender (a few a day)."""


class DefaultOrganization(StrictModel):
    """The organization every new user joins."""

    id: str = Field(min_length=1)
    """Organization id."""

    role: OrgRole = "VIEWER"
    """Role granted: OWNER, ADMIN, MEMBER, VIEWER or NONE. Default VIEWER."""


class DefaultProject(StrictModel):
    """The project every new user joins."""

    id: str = Field(min_length=1)
    """Project id."""

    role: ProjectRole = "VIEWER"
    """Role granted: OWNER, ADMIN, MEMBER or VIEWER. Default VIEWER."""


SignUp = Literal["closed", "sso", "open"]


class AuthConfig(StrictModel):
    """Who may log in to Langfuse, and how.

    Langfuse has one switch for every new account (AUTH_DISABLE_SIGNUP: password and single
    sign-on alike) and one for password login (AUTH_DISABLE_USERNAME_PASSWORD), so who may get
    an account follows from both: `signup` names the outcome and the defaults are the safe one.
    """

    password_login: bool = True
    """Langfuse's own email/password login (AUTH_DISABLE_USERNAME_PASSWORD is its inverse).
    Default: off when auth.cognito or auth.providers is set (single sign-on is the way in), on
    otherwise."""

    signup: SignUp = "closed"
    """Who may get a new Langfuse account. closed: nobody, single sign-on users included
    (AUTH_DISABLE_SIGNUP=true): only accounts that exist already sign in, e.g. langfuse.init's
    user. sso: only people the identity provider lets in (Cognito or auth.providers decide);
    needs password_login false, because Langfuse cannot take single sign-on sign-ups while
    refusing password ones. open: anyone who can reach the URL may create an account with a
    password (needs password_login true). Default: sso with single sign-on and password login
    off, closed otherwise; never open unless written here."""

    allow_open_signup_with_retained_data: bool = False
    """signup: open lets anyone who can reach the URL create accounts, organisations and API
    keys; on an environment that retains data it is refused unless this is true. Default
    false."""

    sso_enforced_domains: list[EmailDomain] = Field(default_factory=list)
    """Email domains that must use SSO (password login refused for them)."""

    session_max_age_minutes: int | None = Field(default=None, ge=6, le=525600)
    """Session lifetime in minutes. Default: Langfuse's 30 days."""

    default_organization: DefaultOrganization | None = None
    """Organization (and role) every new user joins."""

    default_project: DefaultProject | None = None
    """Project (and role: OWNER, ADMIN, MEMBER or VIEWER) every new user joins."""

    cognito: CognitoConfig | None = None
    """Amazon Cognito login. Default none."""

    providers: list[ProviderConfig] = Field(default_factory=list)
    """Identity providers Langfuse talks to directly, at most one of each type."""

    @field_validator("providers")
    @classmethod
    def _one_of_each_type(cls, value: list[ProviderConfig]) -> list[ProviderConfig]:
        types = [provider.type for provider in value]
        twice = sorted({name for name in types if types.count(name) > 1})
        if twice:
            raise rule_error(f"configures {', '.join(twice)} twice: keep one of each type")
        return value

    @property
    def sso_enabled(self) -> bool:
        """True when any single-sign-on provider is configured."""
        return self.cognito is not None or bool(self.providers)

    @model_validator(mode="before")
    @classmethod
    def _safe_defaults(cls, data: Any) -> Any:
        """Fill password_login and signup from what the block configures (see their
        docstrings); a retired true/false signup gets the value to write now."""
        if not isinstance(data, dict):
            return data
        signup = data.get("signup")
        if isinstance(signup, bool):
            raise rule_error(_retired_signup(signup, data.get("password_login")), field="signup")
        sso = data.get("cognito") is not None or bool(data.get("providers"))
        filled = {"password_login": not sso, **data}
        if "signup" not in filled:
            password_off = _flag(filled["password_login"]) is False
            filled["signup"] = "sso" if sso and password_off else "closed"
        return filled


_BOOL: TypeAdapter[bool] = TypeAdapter(bool)


def _flag(value: Any) -> bool | None:
    """A YAML switch as pydantic will read it, or None when it is not one."""
    try:
        return _BOOL.validate_python(value)
    except ValidationError:
        return None


def _retired_signup(value: bool, password_login: Any) -> str:
    """What to write instead of the old `signup: true|false` (AUTH_DISABLE_SIGNUP's inverse)."""
    if not value:
        return (
            "is false, a retired value: write signup: closed (no new accounts, single sign-on "
            "users included, as before)"
        )
    if _flag(password_login) is False:
        return (
            "is true, a retired value: write signup: sso (single sign-on users get an account, "
            "as before with password login off)"
        )
    return (
        "is true, a retired value: with password login on it meant open sign-up, now written "
        "signup: open (anyone who can reach the URL may create an account); to let in only "
        "single sign-on users, write signup: sso and password_login: false"
    )


PullThroughCacheSecret = Annotated[
    str,
    Field(
        pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache/"
        r"[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$",
        description="Full ARN of an existing secret named ecr-pullthroughcache/... holding the "
        "registry's username and accessToken.",
    ),
]


class RegistryCacheConfig(StrictModel):
    """Pull images through an Amazon ECR pull-through cache instead of from the registry.

    ECR keeps a copy in this account, so crash loops and rolling deploys never hit a public
    registry's rate limit. ECR needs credentials for both registries: an existing Secrets
    Manager secret in the environment's account and region, named ecr-pullthroughcache/...,
    with the keys username and accessToken. Images through the cache are pulled by tag: the
    cache fills only on a pull by tag, so a digest pin for a cached image is refused.
    """

    dockerhub_credentials_secret: PullThroughCacheSecret | None = None
    """Full ARN of the Docker Hub credentials secret. Docker Hub images (ClickHouse, and
    Langfuse with registry dockerhub) go through the cache when set."""

    ghcr_credentials_secret: PullThroughCacheSecret | None = None
    """Full ARN of the GitHub Container Registry credentials secret (a token with
    read:packages). Langfuse images with registry ghcr (the default) go through the cache when
    set."""


class BudgetConfig(StrictModel):
    """An AWS Budgets cost budget for the environment, filtered by its `environment` tag.

    AWS only filters by a tag once it is activated as a cost allocation tag (Billing console >
    Cost allocation tags > `environment`); until then the budget sees no cost.
    """

    monthly_usd: float = Field(gt=0, le=1_000_000)
    """Monthly budget in USD, e.g. 400."""

    emails: list[EmailAddress] = Field(min_length=1, max_length=10)
    """Who gets the alerts (1 to 10 addresses; AWS Budgets allows 10 per notification)."""

    actual_percent: int = Field(default=80, ge=1, le=1000)
    """Alert when the month's actual cost passes this share of the budget. Default 80."""

    forecast_percent: int = Field(default=100, ge=1, le=1000)
    """Alert when the month's forecast passes this share of the budget. Default 100."""


class MonitoringConfig(StrictModel):
    """A CloudWatch dashboard and alarms for the environment, notified through SNS."""

    enabled: bool = True
    """Create the dashboard and alarms. Default on."""

    emails: list[EmailAddress] = Field(default_factory=list, max_length=20)
    """Who gets alarm e-mails (each confirms the SNS subscription once). Default none."""

    topic_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"
    )
    """An existing SNS topic for the alarms (e.g. wired to chat) instead of a new one."""

    global_topic_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:sns:us-east-1:\d{12}:[A-Za-z0-9_-]{1,256}$"
    )
    """An existing us-east-1 SNS topic for the CloudFront and CloudFront-WAF alarms, which
    CloudWatch can only raise in us-east-1. Default: a new us-east-1 topic with `emails`."""

    queue_metrics: bool = True
    """The worker publishes Langfuse's queue metrics to CloudWatch (namespace `Langfuse`), which
    the backlog alarm and the worker's backlog scaling read. Langfuse publishes some hundred
    custom metrics this way, each billed by CloudWatch. Default on."""

    queue_backlog_jobs: int = Field(default=10_000, ge=1)
    """Alarm when this many ingestion jobs wait for the worker for 15 minutes. Default 10000."""

    waf_blocked_per_5_minutes: int = Field(default=1_000, ge=1)
    """Alarm when the WAF blocks more requests than this in 5 minutes. Default 1000."""

    efs_io_gib_per_hour: int = Field(default=10, ge=1)
    """Alarm when ClickHouse reads and writes more than this on EFS in an hour (Elastic
    Throughput bills every GiB). Default 10."""

    @property
    def publishes_queue_metrics(self) -> bool:
        """The worker publishes queue metrics (something reads them only with monitoring on)."""
        return self.enabled and self.queue_metrics


WeekDay = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
WORKING_DAYS: list[WeekDay] = ["MON", "TUE", "WED", "THU", "FRI"]
WEEK: tuple[WeekDay, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"


class ScheduleConfig(StrictModel):
    """Office hours: web, worker and ClickHouse run only on these days between start and stop
    (scaled to zero otherwise), so an Aurora that may pause does, and the night costs little."""

    timezone: str = Field(min_length=1)
    """IANA time zone of start and stop, e.g. Europe/Dublin (daylight saving included)."""

    days: list[WeekDay] = Field(default_factory=lambda: list(WORKING_DAYS), min_length=1)
    """Days on which the environment runs. Default MON to FRI."""

    start: str = Field(default="08:00", pattern=CLOCK_PATTERN)
    """When web and worker start (ClickHouse 15 minutes earlier), HH:MM. Default 08:00."""

    stop: str = Field(default="19:00", pattern=CLOCK_PATTERN)
    """When web and worker stop (ClickHouse 15 minutes later), HH:MM. Default 19:00."""

    allow_with_retained_data: bool = False
    """Office hours are for environments whose data is disposable; set true to use them on a
    retaining environment anyway. Default false."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "not an IANA time zone: use e.g. Europe/Dublin or America/New_York"
            ) from None
        return value


class EnvironmentConfig(StrictModel):
    """One deployable environment: everything `config/<name>.yaml` may say."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,20}$")
    """Environment name: stack names and tags derive from it. Lower case, 2 to 21 characters."""

    region: str = Field(pattern=AWS_REGION_PATTERN)
    """AWS region of the main stack, e.g. eu-west-1."""

    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    """12-digit AWS account id. Default none (environment-agnostic synth; the CLI's credentials
    choose the account at deploy time)."""

    data_protection: Literal["retain", "disposable"] = "retain"
    """retain: databases, file system, bucket, user pool and key secrets survive stack
    deletion and replacement; disposable: everything is deleted with the stack (throwaway dev
    only). Default retain."""

    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags for every resource. `project` and `environment` are always added."""

    network: NetworkConfig = NetworkConfig()
    """VPC layout. Default: new /16 VPC over 2 AZs with one NAT gateway."""

    langfuse: LangfuseConfig = LangfuseConfig()
    """Langfuse web and worker containers. Default: v4.38.0, one small task each."""

    database: DatabaseConfig = DatabaseConfig()
    """Aurora PostgreSQL Serverless v2. Default: 17.9, 0.5 to 4 ACU, writer only."""

    cache: CacheConfig = CacheConfig()
    """ElastiCache Valkey. Default: one cache.t4g.small node."""

    storage: StorageConfig = StorageConfig()
    """S3 bucket lifecycle. Default: keep events and media forever."""

    clickhouse: ClickHouseConfig = ClickHouseFargateConfig()
    """ClickHouse. Default: one server on Fargate with EFS."""

    edge: EdgeConfig = CloudFrontEdgeConfig()
    """Public entry point. Default: CloudFront on its own https://*.cloudfront.net name."""

    logs: LogsConfig = LogsConfig()
    """Log retention. Default 30 days."""

    waf: WafConfig = WafConfig()
    """Web application firewall. Default: managed rules and a rate limit."""

    backup: BackupConfig = BackupConfig()
    """AWS Backup plan. Default: daily, kept 35 days."""

    auth: AuthConfig = AuthConfig(cognito=CognitoConfig())
    """Login: Cognito, direct identity providers and Langfuse-wide access settings. Default
    (no auth block) on an HTTPS edge reachable from the internet (cloudfront, alb with a
    domain): Cognito with users created by an admin, password login off, sign-up only through
    Cognito. With edge.mode internal or plain HTTP: password login, sign-up closed."""

    monitoring: MonitoringConfig = MonitoringConfig()
    """Dashboard and alarms. Default on, with a new SNS topic and no e-mail subscribers."""

    schedule: ScheduleConfig | None = None
    """Office hours (scale web, worker and ClickHouse to zero outside them). Default none:
    always on."""

    budget: BudgetConfig | None = None
    """Monthly cost budget with alerts by e-mail. Default none."""

    registry_cache: RegistryCacheConfig | None = None
    """Pull images through an ECR pull-through cache (avoids public registries' rate limits).
    Default: pull directly, Langfuse from ghcr.io and ClickHouse from Docker Hub."""

    @model_validator(mode="before")
    @classmethod
    def _default_login(cls, data: Any) -> Any:
        """Without an auth block, the login `auth`'s docstring describes for the edge."""
        if isinstance(data, dict) and "auth" not in data:
            return {**data, "auth": default_login(data.get("edge"))}
        return data

    @property
    def retains_data(self) -> bool:
        """True unless the YAML declared the environment disposable."""
        return self.data_protection == "retain"

    @property
    def cognito_domain_name(self) -> str | None:
        """auth.<app host> when the Cognito login page has a custom domain, else None."""
        cognito = self.auth.cognito
        if cognito is None or not cognito.custom_domain or self.edge.domain is None:
            return None
        return f"auth.{self.edge.domain.name}"

    @property
    def needs_global_stack(self) -> bool:
        """Whether certificates or a web ACL must be made in us-east-1: CloudFront with a
        domain or with WAF, or a Cognito custom domain (its certificate lives there)."""
        cloudfront = self.edge.uses_cloudfront
        return (
            (cloudfront and self.edge.domain is not None)
            or (cloudfront and self.waf.enabled)
            or self.cognito_domain_name is not None
        )

    @property
    def has_edge_alarms(self) -> bool:
        """Whether CloudFront's alarms are made (in us-east-1, where its metrics are)."""
        return self.monitoring.enabled and self.edge.uses_cloudfront

    @property
    def needs_us_east_1(self) -> bool:
        """Whether any stack of the environment lives in us-east-1 (which must then be
        bootstrapped and reachable), whatever the environment's own region."""
        return self.needs_global_stack or self.has_edge_alarms

    @property
    def clickhouse_stops_off_hours(self) -> bool:
        """Whether office hours stop ClickHouse: only the Fargate server is an ECS service
        the schedule scales to zero; an EC2 instance keeps running (rules.py, _schedule)."""
        return self.schedule is not None and isinstance(self.clickhouse, ClickHouseFargateConfig)

    @property
    def clickhouse_backup_late_hours(self) -> int:
        """Hours without a successful ClickHouse backup before it counts as late.

        The backup runs once a day, so a day plus two hours of slack (26) when ClickHouse
        always runs. With office hours ClickHouse is stopped on the other days and makes no
        backup there, so the longest wait is the longest gap between consecutive office days
        (MON to FRI: Friday to Monday, 3 days): 24 x that gap + 2 (MON to FRI: 74).
        """
        if not self.clickhouse_stops_off_hours:
            return 24 + BACKUP_LATE_SLACK_HOURS
        assert self.schedule is not None
        return 24 * longest_gap_days(self.schedule.days) + BACKUP_LATE_SLACK_HOURS


BACKUP_LATE_SLACK_HOURS = 2
"""Slack on top of the daily (or longer) wait for a backup before it is late."""


def longest_gap_days(days: list[WeekDay]) -> int:
    """The most days from one office day to the next, around the week (one day a week: 7)."""
    indices = sorted({WEEK.index(day) for day in days})
    following = [*indices[1:], indices[0] + 7]
    return max(after - before for before, after in zip(indices, following, strict=True))
