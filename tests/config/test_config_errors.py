"""Bad configs: each one produces the project's ConfigError with an exact, helpful message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from langfuse_aws.config import ConfigError, EnvironmentConfig, load_config, parse_config
from langfuse_aws.config.loader import build_config
from synth import REPO

BASE = "name: tt\nregion: eu-west-1\n"

EXISTING = (
    "network:\n  existing:\n    vpc_id: vpc-0a1b2c3d4e5f60718\n    cidr: 10.20.0.0/16\n"
    "    availability_zones: [eu-west-1a, eu-west-1b]\n"
    "    private_subnet_ids: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]\n"
)
CERTIFICATE = "arn:aws:acm:eu-west-1:555566667777:certificate/0f6c2a9e-1b2c-4d3e-8f90-123456789abc"

BAD_CONFIGS = [
    (
        BASE + "edge:\n  mode: internal\n",
        "cfg.yaml: edge.domain is required when edge.mode is internal: add it (see "
        "config/example.yaml)\n"
        "cfg.yaml: edge.certificate_arn is required when edge.mode is internal: add it (see "
        "config/example.yaml)",
    ),
    (
        BASE
        + "edge:\n  mode: internal\n"
        + "  domain: {name: lf.corp.acme.io, zone_id: Z0987654321ZYXWVUTSRQ, zone_name: corp.acme.io}\n"
        + f"  certificate_arn: {CERTIFICATE}\n",
        "cfg.yaml: edge.mode internal needs network.existing: a new VPC would reach the internet "
        "through a NAT gateway with a public address; deploy into your network, whose routes "
        "lead out\n"
        "cfg.yaml: edge.allowed_cidrs or edge.allowed_prefix_lists is required when edge.mode is "
        "internal: name the networks (VPN, Transit Gateway, peered VPCs) that may reach Langfuse",
    ),
    (
        BASE + EXISTING + "  nat: instance\n",
        "cfg.yaml: network.nat describes a new VPC and is ignored with network.existing: remove it",
    ),
    (
        BASE + EXISTING + "    data_subnet_ids: [subnet-0aaaaaaaaaaaaaaa1]\n",
        "cfg.yaml: network.existing.data_subnet_ids lists 1 subnets for 2 zones: list one subnet "
        "per zone, in the order of availability_zones\n"
        "cfg.yaml: network.existing.data_subnet_ids names subnet-0aaaaaaaaaaaaaaa1, which is "
        "already in private_subnet_ids: a subnet serves one role (leave data_subnet_ids out to "
        "put the data stores in the private subnets)",
    ),
    (
        BASE + EXISTING + "edge: {mode: alb, allow_insecure_http: true}\n",
        "cfg.yaml: network.existing.public_subnet_ids is required with edge.mode alb (an "
        "internet-facing load balancer lives in public subnets): list one per zone, or use "
        "edge.mode internal or cloudfront",
    ),
    (
        BASE
        + EXISTING
        + "edge:\n  mode: internal\n  allowed_cidrs: [10.0.0.0/8]\n"
        + "  domain: {name: lf.corp.acme.io, zone_id: Z0987654321ZYXWVUTSRQ, zone_name: corp.acme.io}\n"
        + f"  certificate_arn: {CERTIFICATE.replace('eu-west-1', 'us-east-1')}\n",
        "cfg.yaml: edge.certificate_arn is in us-east-1, but the load balancer needs it in "
        "eu-west-1: import or request the certificate there",
    ),
    (
        BASE + f"edge:\n  certificate_arn: {CERTIFICATE}\n",
        "cfg.yaml: edge.certificate_arn is not a setting when edge.mode is cloudfront: remove it, "
        "or check its spelling (schema: make schema)",
    ),
    (
        # backup.hour_utc 12: an hour ClickHouse runs in office hours (test_clickhouse_rules.py).
        BASE + "schedule: {timezone: Europe/Dublin}\nbackup: {hour_utc: 12}\n",
        "cfg.yaml: schedule scales a retaining environment (data_protection: retain) to zero "
        "every night: set schedule.allow_with_retained_data: true if that is intended",
    ),
    (
        BASE
        + "data_protection: disposable\nschedule: {timezone: Europe/Dublin, start: '19:00', stop: '08:00'}\n",
        "cfg.yaml: schedule.stop 08:00 is not after start 19:00: office hours run within one day",
    ),
    (
        BASE + "data_protection: disposable\nschedule: {timezone: Europe/Dublni}\n",
        "cfg.yaml: schedule.timezone is 'Europe/Dublni': not an IANA time zone: use e.g. "
        "Europe/Dublin or America/New_York",
    ),
    (
        BASE
        + 'langfuse:\n  init: {org_id: acme, api_keys_secret: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:lf/keys-AbCdEf"}\n',
        "cfg.yaml: langfuse.init.project_id is required with langfuse.init.api_keys_secret (API "
        "keys belong to a project): add it",
    ),
    (
        BASE
        + "auth: {password_login: true}\nlangfuse:\n  init: {org_id: acme, user_email: admin@acme.io}\n",
        "cfg.yaml: langfuse.init.user_password_secret is required: Langfuse creates the first "
        "user only from an e-mail and a password together",
    ),
    (
        BASE
        + "auth:\n  cognito:\n    email: {from_address: no-reply@acme.io, ses_verified_domain: other.io}\n",
        "cfg.yaml: auth.cognito.email.from_address is not in the verified domain other.io: use "
        "an address @other.io, or drop ses_verified_domain to verify the address itself",
    ),
    (
        BASE
        + "auth:\n  cognito:\n    email: {from_address: no-reply@acme.io, ses_region: ap-south-1}\n",
        "cfg.yaml: auth.cognito.email.ses_region is ap-south-1: Cognito sends through SES in the "
        "environment's region eu-west-1 or in us-east-1, us-west-2, eu-west-1",
    ),
    (
        BASE + "monitoring:\n  topic_arn: arn:aws:sns:eu-west-1:123456789012:chat\n",
        "cfg.yaml: monitoring.global_topic_arn is needed: CloudFront's alarms are raised in "
        "us-east-1 and cannot notify the eu-west-1 topic in monitoring.topic_arn; name a "
        "us-east-1 topic here or add monitoring.emails",
    ),
    (
        BASE + "edge:\n  mode: alb\n",
        "cfg.yaml: edge.domain is required when edge.mode is alb (HTTPS needs a certificate for "
        "your own domain): add edge.domain, use edge.mode: cloudfront for HTTPS without a domain, "
        "or set edge.allow_insecure_http: true to accept plain HTTP",
    ),
    (
        BASE + "edge:\n  domain: {name: langfuse.example.com, zone_name: example.com}\n",
        "cfg.yaml: edge.domain.zone_id is required: add it (see config/example.yaml)",
    ),
    (
        BASE
        + "edge:\n  domain: {name: lf.other.org, zone_id: Z0123456789ABCDEFGHIJ, zone_name: example.com}\n",
        "cfg.yaml: edge.domain.name 'lf.other.org' is not inside the hosted zone 'example.com': use "
        "a name ending in .example.com",
    ),
    (
        BASE + "langfuse:\n  version: latest\n",
        "cfg.yaml: langfuse.version is 'latest', which is not in the expected form: an exact "
        "release, never latest or a major only, e.g. 4.38.0",
    ),
    (
        BASE + "langfuse:\n  version: 3.150.0\n  migration_mode: dual\n",
        "cfg.yaml: langfuse.migration_mode is dual but langfuse.version 3.150.0 is a v3 release: "
        "migration modes apply to v4 only; set it to none or upgrade langfuse.version",
    ),
    (
        BASE + "langfuse:\n  migration_mode: events_only\n",
        "cfg.yaml: langfuse.migration_mode is 'events_only': use one of 'none', 'legacy' or 'dual'",
    ),
    (
        BASE + "langfuse:\n  web: {min_tasks: 3, max_tasks: 2}\n",
        "cfg.yaml: langfuse.web.min_tasks (3) is above max_tasks (2): raise max_tasks "
        "or lower min_tasks",
    ),
    (
        BASE + "langfuse:\n  worker: {cpu: 1024, memory_mib: 1024}\n",
        "cfg.yaml: langfuse.worker.memory_mib 1024 is not a Fargate size for cpu 1024: use 2048 to "
        "8192 MiB in steps of 1024",
    ),
    (
        BASE + "database:\n  engine_version: '15.8'\n",
        "cfg.yaml: database.engine_version is 15.8: Langfuse needs PostgreSQL 16 or newer (use e.g. '17.9')",
    ),
    (
        BASE + "database:\n  min_acu: 0\n",
        "cfg.yaml: database.min_acu is 0, which pauses the database: set database.scale_to_zero: "
        "true to confirm, or use 0.5",
    ),
    (
        BASE + "cache:\n  engine_version: '7.0'\n",
        "cfg.yaml: cache.engine_version is 7.0: Langfuse needs Valkey 7.2 or newer (use e.g. '8.1')",
    ),
    (
        BASE + "cache:\n  multi_az: true\n",
        "cfg.yaml: cache.multi_az needs cache.replicas of at least 1 (a standby to fail over to)",
    ),
    (
        BASE + "clickhouse:\n  image_tag: '24.8.14.39'\n",
        "cfg.yaml: clickhouse.image_tag is 24.8.14.39: Langfuse 4.38.0 needs ClickHouse 25.12 or "
        "newer (use 26.4.4.38)",
    ),
    (
        BASE + "clickhouse:\n  mode: external\n",
        "cfg.yaml: clickhouse.url is required when clickhouse.mode is external: add it (see "
        "config/example.yaml)\n"
        "cfg.yaml: clickhouse.migration_url is required when clickhouse.mode is external: add it "
        "(see config/example.yaml)\n"
        "cfg.yaml: clickhouse.password_secret is required when clickhouse.mode is external: add "
        "it (see config/example.yaml)",
    ),
    (
        BASE + "clickhouse:\n  mode: external\n  external:\n    url: https://ch:8443\n",
        "cfg.yaml: clickhouse has a `external:` block: its settings now sit directly in this "
        "block, next to `mode: external` (move them up one level and remove `external:`)",
    ),
    (
        BASE + "clickhouse:\n  mode: external\n  url: https://ch:8443\n  cpu: 2048\n"
        "  migration_url: clickhouse://ch:9440\n  password_secret: ch/pw\n",
        "cfg.yaml: clickhouse.cpu is not a setting when clickhouse.mode is external: remove it, or "
        "check its spelling (schema: make schema)",
    ),
    (
        BASE + "clickhouse:\n  mode: external\n  url: https://ch:8443\n"
        "  migration_url: clickhouse://ch:9440\n  password_secret: 'p@ss word!'\n",
        "cfg.yaml: clickhouse.password_secret is 'p@ss word!', which is not in the expected "
        "form: the name or ARN of an existing Secrets Manager secret (letters, digits and "
        "/_+=.@-), e.g. langfuse/okta-client-secret",
    ),
    (
        BASE + "account: '123456789012'\n",
        "cfg.yaml: network.availability_zones is required when account is set (synth never looks "
        "zones up in AWS): list 2 zone names, e.g. [eu-west-1a, eu-west-1b]",
    ),
    (
        BASE + "network:\n  max_azs: 2\n  availability_zones: [us-east-1a, eu-west-1b]\n",
        "cfg.yaml: network.availability_zones 'us-east-1a' is not a zone of region eu-west-1 "
        "(expected e.g. eu-west-1a)",
    ),
    (
        BASE + "netwrok:\n  nat: instance\n",
        "cfg.yaml: netwrok is not a known setting: check its spelling and indentation (schema: make schema)",
    ),
    (
        BASE + "data_protection: keep\n",
        "cfg.yaml: data_protection is 'keep': use one of 'retain' or 'disposable'",
    ),
    (
        "region: eu-west-1\n",
        "cfg.yaml: name is required: add it (see config/example.yaml)",
    ),
    (
        BASE + "edge:\n  allowed_cidrs: [10.0.0.0]\n  mode: alb\n  allow_insecure_http: true\n",
        "cfg.yaml: edge.allowed_cidrs.0 is '10.0.0.0': '10.0.0.0' has no prefix length: write "
        "10.0.0.0/32",
    ),
    (
        BASE + "edge:\n  allow_insecure_http: true\n",
        "cfg.yaml: edge.allow_insecure_http is not a setting when edge.mode is cloudfront: remove "
        "it, or check its spelling (schema: make schema)",
    ),
    (
        BASE + "edge:\n  mode: alb\n  allow_insecure_http: true\n"
        "  domain: {name: lf.example.com, zone_id: Z0123456789ABCDEFGHIJ, zone_name: example.com}\n",
        "cfg.yaml: edge.allow_insecure_http only applies without edge.domain (with a domain, alb "
        "serves HTTPS): remove it",
    ),
    (
        "- just\n- a list\n",
        "cfg.yaml: must be a mapping of settings, not a list",
    ),
    (
        "name: [unclosed\n",
        "cfg.yaml: is not valid YAML: line 2, column 1: expected ',' or ']', but got '<stream end>'",
    ),
    ("", "cfg.yaml: is empty: it needs at least `name:` and `region:`"),
    (
        BASE + "edge: {mode: alb, allow_insecure_http: true}\nauth:\n  cognito: {}\n",
        "cfg.yaml: auth configures single sign-on but edge.allow_insecure_http serves plain HTTP: "
        "identity providers (Cognito included) refuse http callback URLs; add edge.domain for "
        "HTTPS or use edge.mode: cloudfront",
    ),
    (
        BASE + "auth:\n  cognito: {custom_domain: true}\n",
        "cfg.yaml: auth.cognito.custom_domain needs an app domain (the login page is served on "
        "auth.<edge.domain.name>): add edge.domain or set custom_domain: false to use a Cognito "
        "prefix domain",
    ),
    (
        BASE + "auth:\n  cognito: {allowed_email_domains: [acme.io]}\n",
        "cfg.yaml: auth.cognito.allowed_email_domains only limits self sign-up, which is off "
        "(auth.cognito.self_signup: false): set self_signup: true or remove the list",
    ),
    (
        BASE + "auth:\n  password_login: false\n",
        "cfg.yaml: auth.password_login is false but no single sign-on provider is configured, so "
        "nobody could log in: add auth.cognito or auth.providers, or set auth.password_login: true",
    ),
    (
        BASE + "auth:\n  providers:\n    - {type: okta, client_id: x, client_secret_secret: s}\n",
        "cfg.yaml: auth.providers.0.issuer is required when auth.providers.0.type is okta: add it "
        "(see config/example.yaml)",
    ),
    (
        BASE
        + "auth:\n  providers:\n    - {type: github, client_id: x, client_secret_secret: s, tenant_id: t}\n",
        "cfg.yaml: auth.providers.0.tenant_id is not a setting when auth.providers.0.type is "
        "github: remove it, or check its spelling (schema: make schema)",
    ),
    (
        BASE + "auth:\n  providers:\n    - {type: google, client_id: x, client_secret: hunter2}\n",
        "cfg.yaml: auth.providers.0.client_secret must not hold a secret in the YAML: store it in "
        "Secrets Manager and set auth.providers.0.client_secret_secret to the secret's name or ARN "
        "instead",
    ),
    (
        BASE
        + "auth:\n  providers:\n    - {type: cognito, client_id: x, client_secret_secret: s}\n",
        "cfg.yaml: auth.providers.0.type is 'cognito': use one of 'okta', 'azure-ad', 'google', "
        "'github', 'github-enterprise', 'gitlab', 'auth0', 'keycloak', 'authentik', 'onelogin', "
        "'jumpcloud', 'workos' or 'custom'",
    ),
    (
        BASE + "auth:\n  cognito: {domain_prefix: my-cognito-login}\n",
        "cfg.yaml: auth.cognito.domain_prefix 'my-cognito-login' contains a word Cognito reserves "
        "(aws, amazon, cognito): choose another",
    ),
    (
        BASE + "clickhouse:\n  image_tag: '26.4'\n",
        "cfg.yaml: clickhouse.image_tag is '26.4', which is not in the expected form: an "
        "exact release of four numbers (a floating tag like 26.4 changes the image on its own), "
        "e.g. 26.4.4.38",
    ),
    (
        BASE + "langfuse:\n  web_digest: sha256:abc\n",
        "cfg.yaml: langfuse.web_digest is 'sha256:abc', which is not in the expected form: "
        "sha256: and 64 lower-case hex digits, e.g. sha256:" + "0f" * 32,
    ),
    (
        BASE + "langfuse:\n  registry: quay\n",
        "cfg.yaml: langfuse.registry is 'quay': use one of 'dockerhub' or 'ghcr'",
    ),
    (
        BASE + "registry_cache:\n  dockerhub_credentials_secret: "
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:dockerhub-AbCdEf\n",
        "cfg.yaml: registry_cache.dockerhub_credentials_secret is 'arn:aws:secretsmanager:eu-west-1"
        ":111122223333:secret:doc..., which is not in the expected form: the full ARN of a secret "
        "named ecr-pullthroughcache/... (with the 6 characters Secrets Manager appends), e.g. "
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/docker-hub-"
        "AbCdEf",
    ),
    (
        BASE + "account: '111122223333'\nnetwork: {availability_zones: [eu-west-1a, eu-west-1b]}"
        "\nregistry_cache:\n  ghcr_credentials_secret: arn:aws:secretsmanager:us-east-1:"
        "444455556666:secret:ecr-pullthroughcache/ghcr-AbCdEf\n",
        "cfg.yaml: registry_cache.ghcr_credentials_secret is in us-east-1, but ECR needs it in "
        "eu-west-1: copy the secret there\n"
        "cfg.yaml: registry_cache.ghcr_credentials_secret is in account 444455556666, not "
        "111122223333: create the secret there",
    ),
    (
        BASE + "registry_cache: {}\n",
        "cfg.yaml: registry_cache names no credentials secret: set dockerhub_credentials_secret "
        "and/or ghcr_credentials_secret, or remove registry_cache",
    ),
    (
        BASE + "edge:\n  allowed_cidrs: [10.0.0.300/24]\n",
        "cfg.yaml: edge.allowed_cidrs.0 is '10.0.0.300/24': '10.0.0.300/24' is not a CIDR like "
        "203.0.113.0/24 or 2001:db8::/32",
    ),
    (
        BASE + "edge:\n  allowed_cidrs: [203.0.113.7/24]\n",
        "cfg.yaml: edge.allowed_cidrs.0 is '203.0.113.7/24': '203.0.113.7/24' has host bits set: "
        "write the network as 203.0.113.0/24",
    ),
    (
        BASE + "edge:\n  mode: alb\n  allow_insecure_http: true\n"
        "  allowed_cidrs: ['2001:db8::/32']\n",
        "cfg.yaml: edge.allowed_cidrs lists IPv6 networks only, but the load balancer serves IPv4 "
        "only: add the IPv4 networks of your users",
    ),
    (
        BASE
        + "edge:\n  mode: alb\n  allow_insecure_http: true\n  allowed_cidrs: ["
        + ", ".join(f"10.{i}.0.0/16" for i in range(61))
        + "]\n",
        "cfg.yaml: edge.allowed_cidrs lists 61 IPv4 networks, which need 61 security group rules "
        "(1 per network) but a security group takes 60: merge networks into wider ranges or use "
        "edge.mode cloudfront (WAF only)",
    ),
    (
        # CloudFront's allow-list lives only in the web ACL (users never reach the load
        # balancer), so it needs WAF on.
        BASE + "waf:\n  enabled: false\nedge:\n  allowed_cidrs: [10.0.0.0/8]\n",
        "cfg.yaml: edge.allowed_cidrs in cloudfront mode is enforced by the WAF web ACL, which is "
        "off: set waf.enabled: true or remove the list",
    ),
    (
        "name: tt\nregion: eu-westt-1\n",
        "cfg.yaml: region is eu-westt-1, which is not an AWS region: did you mean eu-west-1?",
    ),
    (
        BASE + "database:\n  engine_version: '17.8'\n",
        "cfg.yaml: database.engine_version is 17.8, which Aurora PostgreSQL cannot create: use "
        "e.g. '17.11'",
    ),
    (
        BASE + "cache:\n  node_type: cache.t9g.small\n",
        "cfg.yaml: cache.node_type is cache.t9g.small, which ElastiCache does not offer in "
        "eu-west-1: use e.g. cache.t4g.small or cache.r7g.large",
    ),
    (
        BASE + "tags:\n  aws:team: x\n",
        "cfg.yaml: tags.'aws:team' uses the aws: prefix, which AWS reserves: rename the key",
    ),
    (
        BASE + "tags:\n  team: " + "x" * 300 + "\n",
        "cfg.yaml: tags.team has a value of 300 characters or with characters AWS refuses: use "
        "at most 256 letters, digits, spaces and _ . : / = + - @",
    ),
    (
        BASE + "region: eu-central-1\n",
        "cfg.yaml: names the key 'region' twice (lines 2 and 3), and YAML would silently keep "
        "only the last: remove one",
    ),
    (
        BASE + "auth:\n  providers:\n    - {type: google, client_id: x, client_secret_secret: "
        "GOCSPX-AbCdEfGhIjKlMnOpQrStUvWx}\n",
        "cfg.yaml: auth.providers.0.client_secret_secret looks like the secret itself, not the "
        "name of a secret: store it in Secrets Manager and put the secret's name or ARN here",
    ),
    (
        BASE + "network:\n  nat: instance\n  nat_gateways: 2\n",
        "cfg.yaml: network.nat_gateways is ignored with network.nat: instance (one NAT instance "
        "serves every zone): remove it, or use nat: gateway",
    ),
    (
        BASE + "auth:\n  signup: closed\n  cognito: {self_signup: true}\n",
        "cfg.yaml: auth.cognito.self_signup is on but auth.signup is closed, which stops Langfuse "
        "from creating an account for any new login (AUTH_DISABLE_SIGNUP): people could sign up "
        "in Cognito and still never get in; turn self_signup off or write signup: sso",
    ),
    (
        BASE + "clickhouse:\n  mode: external\n  url: https://ch.example.com:99999"
        "\n  migration_url: clickhouse://ch.example.com:9440\n  password_secret: ch/pw\n",
        "cfg.yaml: clickhouse.url is 'https://ch.example.com:99999': not a valid URL (invalid "
        "port number): use a URL starting with http:// or https://, e.g. "
        "https://clickhouse.example.com:8443",
    ),
    (
        BASE + "network:\n  cidr: 10.400.0.0/16\n",
        "cfg.yaml: network.cidr is '10.400.0.0/16': '10.400.0.0/16' is not an IPv4 network such "
        "as 10.40.0.0/16",
    ),
    (
        BASE + "network:\n  cidr: 10.40.7.0/16\n",
        "cfg.yaml: network.cidr is '10.40.7.0/16': '10.40.7.0/16' has host bits set: write the "
        "network as 10.40.0.0/16",
    ),
    (
        BASE + "network: {availability_zones: [eu-west-1a, eu-west-1d]}\n",
        "cfg.yaml: network.availability_zones 'eu-west-1d' does not exist: the zones of "
        "eu-west-1 are eu-west-1a, eu-west-1b, eu-west-1c",
    ),
    (
        BASE.replace("name: tt", "name: aws-prod") + "auth:\n  cognito: {}\n",
        "cfg.yaml: name 'aws-prod' contains a word Cognito reserves (aws, amazon, cognito), and "
        "the default login domain prefix includes the environment name: rename the environment "
        "or set auth.cognito.domain_prefix",
    ),
    (
        BASE + "database:\n  engine_version: '16.0'\n",
        "cfg.yaml: database.engine_version is 16.0, which Aurora PostgreSQL cannot create: use "
        "e.g. '16.15'",
    ),
    (
        BASE + "database:\n  engine_version: '17.99'\n",
        "cfg.yaml: database.engine_version is 17.99, which Aurora PostgreSQL cannot create: use "
        "e.g. '17.11'",
    ),
    (
        BASE + "database:\n  engine_version: 16.10\n",
        "cfg.yaml: database.engine_version is 16.1: YAML reads this as a number, but the setting "
        "is text: write it in quotes exactly as you mean it (unquoted, 19:00 reads as 1140 and "
        "17.10 as 17.1)",
    ),
    # Langfuse (main @62751446) creates the init user with a password only
    # (web/src/initialize.ts:164 createUserEmailPassword) and its password sign-in refuses every
    # password when AUTH_DISABLE_USERNAME_PASSWORD is true (web/src/server/auth.ts:93) and for
    # AUTH_DOMAINS_WITH_SSO_ENFORCEMENT domains (auth.ts:98-100): that user could never sign in.
    (
        BASE + "auth:\n  password_login: false\n  cognito: {}\nlangfuse:\n  init: {org_id: acme, "
        "user_email: admin@acme.io, user_password_secret: langfuse/admin-password}\n",
        "cfg.yaml: langfuse.init.user_email needs auth.password_login: true: Langfuse gives this "
        "first user a password only, and password sign-in is off, so nobody could sign in as it; "
        "set auth.password_login: true, or remove langfuse.init.user_email and "
        "user_password_secret (the organisation, project and API keys are still created; SSO "
        "users join through auth.default_organization)",
    ),
    (
        BASE + "auth:\n  password_login: true\n  sso_enforced_domains: [acme.io]\nlangfuse:\n  "
        "init: {org_id: acme, user_email: admin@acme.io, user_password_secret: lf/admin}\n",
        "cfg.yaml: langfuse.init.user_email is in acme.io, which auth.sso_enforced_domains keeps "
        "from signing in with a password, and Langfuse gives this first user a password only; use "
        "an address outside acme.io, or remove langfuse.init.user_email and user_password_secret "
        "(the organisation, project and API keys are still created; SSO users join through "
        "auth.default_organization)",
    ),
    (
        BASE + "auth:\n  cognito: {domain_prefix: Langfuse_Login}\n",
        "cfg.yaml: auth.cognito.domain_prefix is 'Langfuse_Login', which is not in the expected "
        "form: 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a "
        "hyphen, e.g. acme-langfuse",
    ),
    (
        BASE + "auth:\n  cognito: {domain_prefix: " + "a" * 64 + "}\n",
        "cfg.yaml: auth.cognito.domain_prefix is '" + "a" * 56 + "..., which is not in the "
        "expected form: 1 to 63 lower-case letters, digits and hyphens, not starting or ending "
        "with a hyphen, e.g. acme-langfuse",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_CONFIGS)
def test_bad_config_message(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cfg.yaml")
    assert str(caught.value) == message


REGIONAL_TOPIC = "arn:aws:sns:eu-west-1:123456789012:chat"


@pytest.mark.parametrize(
    "settings",
    [
        # An internet-facing load balancer: its alarms are raised in its region.
        f"edge: {{mode: alb, allow_insecure_http: true}}\nmonitoring: {{topic_arn: {REGIONAL_TOPIC}}}\n",
        # CloudFront without alarms.
        f"monitoring: {{enabled: false, topic_arn: {REGIONAL_TOPIC}}}\n",
    ],
)
def test_a_regional_topic_is_enough_without_alarms_in_us_east_1(settings: str) -> None:
    """Only CloudFront's alarms are raised in us-east-1 (CloudFront publishes its metrics
    only there); without them, a topic in the environment's region hears every alarm."""
    assert parse_config(BASE + settings, "cfg.yaml").monitoring.topic_arn == REGIONAL_TOPIC


def test_all_issues_are_reported_together() -> None:
    text = BASE + "cache:\n  multi_az: true\ndatabase:\n  engine_version: '15.8'\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cfg.yaml")
    assert len(caught.value.issues) == 2


def test_missing_file_names_the_known_environments(tmp_path: Path) -> None:
    (tmp_path / "dev.yaml").write_text(BASE)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "prdo.yaml")
    assert "file not found" in str(caught.value)
    assert "environments here: dev" in str(caught.value)


def test_missing_saml_metadata_file(tmp_path: Path) -> None:
    config = tmp_path / "env.yaml"
    config.write_text(
        BASE + "auth:\n  cognito:\n    saml:\n      - {name: Okta, metadata_file: okta.xml}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.issues[0].path == "auth.cognito.saml.0.metadata_file"
    (tmp_path / "okta.xml").write_text("<EntityDescriptor/>")
    loaded = load_config(config)
    assert loaded.auth.cognito is not None
    assert loaded.auth.cognito.saml[0].metadata_file == str(tmp_path / "okta.xml")


def test_example_configs_are_valid() -> None:
    root = REPO / "config"
    names = {load_config(p).name for p in root.glob("*.yaml")}
    assert names == {"example", "dev", "prod"}


@pytest.mark.parametrize(
    "text",
    [
        "name: " + "x" * 10_000 + "\nregion: eu-west-1\n",
        BASE + "edge:\n  allowed_cidrs: ['" + "9" * 10_000 + "']\n",
        BASE + "tags:\n  " + "k" * 10_000 + ": v\n",
        BASE + "langfuse:\n  version: '" + "4" * 10_000 + "'\n",
    ],
)
def test_messages_never_echo_a_huge_value(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cfg.yaml")
    for line in str(caught.value).splitlines():
        assert line.startswith("cfg.yaml: ")
        assert len(line) < 400, line[:120]


# README "Direct providers": the setting each type cannot do without (Langfuse ignores the
# provider without it, web/src/server/auth.ts).
REQUIRED_PROVIDER_SETTINGS = [
    ("okta", "issuer"),
    ("auth0", "issuer"),
    ("keycloak", "issuer"),
    ("authentik", "issuer"),
    ("onelogin", "issuer"),
    ("jumpcloud", "issuer"),
    ("custom", "issuer"),
    ("custom", "name"),
    ("azure-ad", "tenant_id"),
    ("github-enterprise", "base_url"),
]
PROVIDER_VALUES = {
    "issuer": "https://idp.acme.io",
    "name": "Acme SSO",
    "tenant_id": "t",
    "base_url": "https://github.acme.io",
}


@pytest.mark.parametrize(("kind", "setting"), REQUIRED_PROVIDER_SETTINGS)
def test_a_provider_without_its_required_setting_is_refused(kind: str, setting: str) -> None:
    others = {
        name: value
        for required_kind, name in REQUIRED_PROVIDER_SETTINGS
        if required_kind == kind and name != setting
        for value in [PROVIDER_VALUES[name]]
    }
    provider = {"type": kind, "client_id": "x", "client_secret_secret": "s", **others}
    with pytest.raises(ConfigError) as caught:
        build_config({"name": "tt", "region": "eu-west-1", "auth": {"providers": [provider]}})
    assert str(caught.value) == (
        f"<config>: auth.providers.0.{setting} is required when auth.providers.0.type is {kind}: "
        "add it (see config/example.yaml)"
    )
    provider[setting] = PROVIDER_VALUES[setting]
    build_config({"name": "tt", "region": "eu-west-1", "auth": {"providers": [provider]}})


@pytest.mark.parametrize("kind", ["github", "google", "workos", "gitlab", "azure-ad"])
def test_a_provider_refuses_a_setting_of_another_type(kind: str) -> None:
    provider = {"type": kind, "client_id": "x", "client_secret_secret": "s", "base_url": "x"}
    if kind == "azure-ad":
        provider["tenant_id"] = "t"
    with pytest.raises(ConfigError) as caught:
        build_config({"name": "tt", "region": "eu-west-1", "auth": {"providers": [provider]}})
    assert str(caught.value) == (
        f"<config>: auth.providers.0.base_url is not a setting when auth.providers.0.type is "
        f"{kind}: remove it, or check its spelling (schema: make schema)"
    )


# Every constrained setting, walked with a bad value: (YAML with @@ where the value goes, the
# setting's path, the bad value, whether the refusal must show an example). The example a
# refusal shows ("e.g. <example>", last) is written back into the file and must be accepted.
EXISTING_VPC = (
    "network:\n  existing:\n    vpc_id: vpc-0a1b2c3d4e5f60718\n    cidr: 10.20.0.0/16\n"
    "    availability_zones: [eu-west-1a, eu-west-1b]\n"
    "    private_subnet_ids: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]\n"
)
INTERNAL = (
    "edge:\n  mode: internal\n  allowed_cidrs: [10.0.0.0/8]\n"
    "  domain: {name: lf.corp.acme.io, zone_id: Z0987654321ZYXWVUTSRQ, zone_name: corp.acme.io}\n"
)
EXTERNAL_CLICKHOUSE = (
    "clickhouse:\n  mode: external\n  url: https://ch.example.com:8443\n"
    "  migration_url: clickhouse://ch.example.com:9440\n  password_secret: ch/pw\n"
)
INIT = "auth: {password_login: true}\nlangfuse:\n  init:\n    org_id: acme\n"
OKTA = (
    "auth:\n  providers:\n    - {type: okta, client_id: x, client_secret_secret: s, issuer: @@}\n"
)
WALK = [
    ("name: @@\nregion: eu-west-1\n", "name", "Prod_1", True),
    ("name: tt\nregion: @@\n", "region", "Ireland", True),
    (BASE + "account: @@\n", "account", "'12345'", True),
    (BASE + "langfuse:\n  version: @@\n", "langfuse.version", "latest", True),
    (BASE + "langfuse:\n  worker_digest: @@\n", "langfuse.worker_digest", "abc", True),
    (BASE + "langfuse:\n  registry: @@\n", "langfuse.registry", "quay", False),
    (BASE + "langfuse:\n  web: {cpu: @@}\n", "langfuse.web.cpu", "3000", False),
    (BASE + "langfuse:\n  web: {min_tasks: @@}\n", "langfuse.web.min_tasks", "0", False),
    (
        BASE + "langfuse:\n  health_check_grace_seconds: @@\n",
        "langfuse.health_check_grace_seconds",
        "five minutes",
        False,
    ),
    (BASE + "langfuse:\n  enable_exec: @@\n", "langfuse.enable_exec", "maybe", False),
    (BASE + "database:\n  engine_version: @@\n", "database.engine_version", "'17'", True),
    (BASE + "database:\n  engine_version: @@\n", "database.engine_version", "'16.0'", True),
    (BASE + "database:\n  engine_version: @@\n", "database.engine_version", "16.10", False),
    (BASE + "database:\n  max_acu: @@\n", "database.max_acu", "300", False),
    (BASE + "cache:\n  engine_version: @@\n", "cache.engine_version", "'8'", True),
    (BASE + "cache:\n  node_type: @@\n", "cache.node_type", "t4g.small", True),
    (BASE + "clickhouse:\n  image_tag: @@\n", "clickhouse.image_tag", "'26.4'", True),
    (BASE + "clickhouse:\n  image_digest: @@\n", "clickhouse.image_digest", "sha256:ABC", True),
    (
        EXTERNAL_CLICKHOUSE.replace("https://ch.example.com:8443", "@@"),
        "clickhouse.url",
        "ftp://ch.example.com",
        True,
    ),
    (
        EXTERNAL_CLICKHOUSE.replace("clickhouse://ch.example.com:9440", "@@"),
        "clickhouse.migration_url",
        "http://ch.example.com:9000",
        True,
    ),
    (EXTERNAL_CLICKHOUSE.replace("ch/pw", "@@"), "clickhouse.password_secret", "'p w'", True),
    (
        BASE
        + "edge:\n  domain: {name: @@, zone_id: Z0123456789ABCDEFGHIJ, zone_name: example.com}\n",
        "edge.domain.name",
        "Langfuse.Example.com",
        True,
    ),
    (
        BASE + "edge:\n  domain: {name: lf.example.com, zone_id: @@, zone_name: example.com}\n",
        "edge.domain.zone_id",
        "z123",
        True,
    ),
    (
        BASE
        + "edge:\n  domain: {name: lf.example.com, zone_id: Z0123456789ABCDEFGHIJ, zone_name: @@}\n",
        "edge.domain.zone_name",
        "Example.com",
        True,
    ),
    (BASE + "edge:\n  allowed_cidrs: [@@]\n", "edge.allowed_cidrs.0", "10.0.0.300/24", False),
    (BASE + "edge:\n  allowed_cidrs: [@@]\n", "edge.allowed_cidrs.0", "203.0.113.7/24", False),
    (BASE + "edge:\n  idle_timeout_seconds: @@\n", "edge.idle_timeout_seconds", "5", False),
    (
        BASE + "edge:\n  mode: alb\n  allow_insecure_http: @@\n",
        "edge.allow_insecure_http",
        "maybe",
        False,
    ),
    (BASE + INTERNAL + "  certificate_arn: @@\n", "edge.certificate_arn", "my-certificate", True),
    (
        BASE + INTERNAL + f"  certificate_arn: {CERTIFICATE}\n  allowed_prefix_lists: [@@]\n",
        "edge.allowed_prefix_lists.0",
        "prefix-list-1",
        True,
    ),
    (
        BASE + EXISTING_VPC.replace("vpc-0a1b2c3d4e5f60718", "@@"),
        "network.existing.vpc_id",
        "vpc-1",
        True,
    ),
    (
        BASE + EXISTING_VPC.replace("subnet-0aaaaaaaaaaaaaaa1", "@@"),
        "network.existing.private_subnet_ids.0",
        "sub-1",
        True,
    ),
    (
        BASE + EXISTING_VPC + "    data_subnet_ids: [@@, subnet-0bbbbbbbbbbbbbbb2]\n",
        "network.existing.data_subnet_ids.0",
        "subnet-XYZ",
        True,
    ),
    (
        BASE + EXISTING_VPC + "    public_subnet_ids: [@@, subnet-0ccccccccccccccc2]\n",
        "network.existing.public_subnet_ids.0",
        "public-a",
        True,
    ),
    (
        BASE + EXISTING_VPC.replace("10.20.0.0/16", "@@"),
        "network.existing.cidr",
        "10.20.0.0",
        False,
    ),
    (
        BASE + EXISTING_VPC.replace("[eu-west-1a, eu-west-1b]", "@@"),
        "network.existing.availability_zones",
        "[eu-west-1a]",
        False,
    ),
    (BASE + "network:\n  cidr: @@\n", "network.cidr", "10.40.7.0/16", False),
    (BASE + "network:\n  nat: @@\n", "network.nat", "nat-gateway", False),
    (
        BASE + "auth:\n  sso_enforced_domains: [@@]\n  cognito: {}\n",
        "auth.sso_enforced_domains.0",
        "'@acme.io'",
        True,
    ),
    (
        BASE + "auth:\n  cognito: {self_signup: true, allowed_email_domains: [@@]}\n",
        "auth.cognito.allowed_email_domains.0",
        "ACME.io",
        True,
    ),
    (
        BASE + "auth:\n  cognito: {domain_prefix: @@}\n",
        "auth.cognito.domain_prefix",
        "Langfuse_Login",
        True,
    ),
    (
        BASE
        + "auth:\n  cognito:\n    saml:\n      - {name: @@, metadata_url: https://idp.acme.io/m}\n",
        "auth.cognito.saml.0.name",
        "'My Okta'",
        True,
    ),
    (
        BASE + "auth:\n  cognito:\n    saml:\n      - {name: Okta, metadata_url: @@}\n",
        "auth.cognito.saml.0.metadata_url",
        "http://idp.acme.io/m",
        True,
    ),
    (
        BASE + "auth:\n  cognito:\n    oidc:\n      - {name: @@, issuer: https://idp.acme.io, "
        "client_id: x, client_secret_secret: s}\n",
        "auth.cognito.oidc.0.name",
        "ab",
        True,
    ),
    (
        BASE + "auth:\n  cognito:\n    email: {from_address: @@}\n",
        "auth.cognito.email.from_address",
        "no-reply",
        True,
    ),
    (
        BASE + "auth:\n  cognito:\n    email: {from_address: a@acme.io, reply_to: @@}\n",
        "auth.cognito.email.reply_to",
        "support at acme.io",
        True,
    ),
    (
        BASE + "auth:\n  cognito:\n    email: {from_address: a@acme.io, ses_verified_domain: @@}\n",
        "auth.cognito.email.ses_verified_domain",
        "acme",
        True,
    ),
    (
        BASE + "auth:\n  cognito:\n    email: {from_address: a@acme.io, ses_region: @@}\n",
        "auth.cognito.email.ses_region",
        "Ireland",
        True,
    ),
    (BASE + "auth:\n  cognito: {mfa: @@}\n", "auth.cognito.mfa", "always", False),
    (
        BASE
        + OKTA.replace("client_secret_secret: s", "client_secret_secret: @@").replace(
            "issuer: @@", "issuer: https://acme.okta.com"
        ),
        "auth.providers.0.client_secret_secret",
        "'my secret'",
        True,
    ),
    (BASE + OKTA, "auth.providers.0.issuer", "acme.okta.com", True),
    (
        BASE + "auth:\n  providers:\n    - {type: google, client_id: x, client_secret_secret: s, "
        "allowed_domains: [@@]}\n",
        "auth.providers.0.allowed_domains.0",
        "Acme.io",
        True,
    ),
    (
        BASE + INIT.replace("org_id: acme", "org_id: @@"),
        "langfuse.init.org_id",
        "'acme corp'",
        True,
    ),
    (BASE + INIT + "    project_id: @@\n", "langfuse.init.project_id", "'main project'", True),
    (
        BASE + INIT + "    project_id: main\n    api_keys_secret: @@\n",
        "langfuse.init.api_keys_secret",
        "langfuse/init-keys",
        True,
    ),
    (
        BASE + INIT + "    user_email: @@\n    user_password_secret: lf/pw\n",
        "langfuse.init.user_email",
        "admin",
        True,
    ),
    (
        BASE + INIT + "    user_email: a@acme.io\n    user_password_secret: @@\n",
        "langfuse.init.user_password_secret",
        "'pass word'",
        True,
    ),
    (
        BASE + "langfuse:\n  email: {from_address: @@, smtp_url_secret: lf/smtp}\n",
        "langfuse.email.from_address",
        "langfuse",
        True,
    ),
    (
        BASE + "langfuse:\n  email: {from_address: a@acme.io, smtp_url_secret: @@}\n",
        "langfuse.email.smtp_url_secret",
        "'smtps://u:p@host'",
        True,
    ),
    (BASE + "monitoring:\n  emails: [@@]\n", "monitoring.emails.0", "ops", True),
    (BASE + "monitoring:\n  topic_arn: @@\n", "monitoring.topic_arn", "alarms", True),
    (
        BASE + "monitoring:\n  global_topic_arn: @@\n",
        "monitoring.global_topic_arn",
        "arn:aws:sns:eu-west-1:111122223333:alarms",
        True,
    ),
    (BASE + "budget: {monthly_usd: 10, emails: [@@]}\n", "budget.emails.0", "OPS@ACME.IO", True),
    (BASE + "budget: {monthly_usd: 10, emails: @@}\n", "budget.emails", "ops@acme.io", False),
    (BASE + "budget: {monthly_usd: @@, emails: [ops@acme.io]}\n", "budget.monthly_usd", "0", False),
    (
        BASE + "registry_cache:\n  dockerhub_credentials_secret: @@\n",
        "registry_cache.dockerhub_credentials_secret",
        "docker-hub",
        True,
    ),
    (
        BASE + "registry_cache:\n  ghcr_credentials_secret: @@\n",
        "registry_cache.ghcr_credentials_secret",
        "ghcr",
        True,
    ),
    (
        BASE + "data_protection: disposable\nschedule: {timezone: @@}\n",
        "schedule.timezone",
        "Europe/Dublni",
        True,
    ),
    (
        BASE + "data_protection: disposable\nschedule: {timezone: UTC, start: @@}\n",
        "schedule.start",
        "8am",
        True,
    ),
    (
        BASE + "data_protection: disposable\nschedule: {timezone: UTC, stop: @@}\n",
        "schedule.stop",
        "19:00",
        False,
    ),
    (
        BASE + "data_protection: disposable\nschedule: {timezone: UTC, days: [@@]}\n",
        "schedule.days.0",
        "Monday",
        False,
    ),
    (BASE + "logs:\n  retention_days: @@\n", "logs.retention_days", "31", False),
    (BASE + "waf:\n  rate_limit: @@\n", "waf.rate_limit", "5", False),
    (BASE + "backup:\n  hour_utc: @@\n", "backup.hour_utc", "3am", False),
    (BASE + "storage:\n  events_expiry_days: @@\n", "storage.events_expiry_days", "1.5", False),
    (BASE + "auth: @@\n", "auth", "''", False),
    (BASE + "tags: @@\n", "tags", "[team]", False),
]
# Words that say how to write the value, where a refusal has no single example to show.
FIX_WORDS = ("use ", "write ", "like ", "true or false", "list at least")


def _walk_id(case: tuple[str, str, str, bool]) -> str:
    return f"{case[1]}={case[2]}"


def _issues_at(text: str, path: str) -> list[str]:
    try:
        parse_config(text, "cfg.yaml")
    except ConfigError as error:
        return [issue.message for issue in error.issues if issue.path == path]
    return []


@pytest.mark.parametrize(
    ("template", "path", "bad", "shows_example"), WALK, ids=map(_walk_id, WALK)
)
def test_every_constrained_setting_names_its_form_and_a_fix(
    template: str, path: str, bad: str, shows_example: bool
) -> None:
    """Issue 17 point 9: each refusal names the field, the expected form and an example or the
    fix, never "see the field's description", never pydantic's own words; the example it
    offers, written into the file as shown, is accepted."""
    (message,) = _issues_at(template.replace("@@", bad), path)
    assert "see the field's description" not in message
    assert "Input should" not in message and "String should" not in message, message
    if not shows_example:
        assert any(word in message for word in FIX_WORDS), message
        return
    assert "e.g. " in message, message
    example = message.rsplit("e.g. ", 1)[1].split(" ")[0]
    assert _issues_at(template.replace("@@", example), path) == [], (message, example)


def _schema_patterns(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_schema_patterns(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_schema_patterns(value) for value in node))
    return set()


def test_every_pattern_of_the_schema_is_walked_and_explained() -> None:
    """Every pattern a setting is declared with is reached by WALK (a setting added with a new
    pattern must join it), and its refusal shows the form with an example."""
    explained = set()
    for template, path, bad, _ in WALK:
        text = template.replace("@@", bad)
        try:
            EnvironmentConfig.model_validate(yaml.safe_load(text))
        except ValidationError as error:
            patterns = {
                e["ctx"]["pattern"]
                for e in error.errors()
                if e["type"] == "string_pattern_mismatch"
            }
            if patterns and all("e.g. " in message for message in _issues_at(text, path)):
                explained |= patterns
    assert _schema_patterns(EnvironmentConfig.model_json_schema()) <= explained
