"""What a setting with a fixed form looks like, said to a person: the form and an example.

A value that does not match its setting's pattern is refused with the form and a working
example from here, so that nobody has to read a regular expression. Settings that share a
pattern share its words; a few settings have words of their own (a version is not just
"numbers and dots"). Every example is a value the setting accepts, written as it goes into
the YAML: quoted where YAML would otherwise read a number or a time as something else.
"""

from __future__ import annotations

from typing import NamedTuple

from .types import AWS_REGION_PATTERN, EMAIL_ADDRESS_PATTERN, EMAIL_DOMAIN_PATTERN


class Form(NamedTuple):
    """The expected form of a value and one example of it."""

    description: str
    example: str

    def render(self) -> str:
        """``<description>, e.g. <example>``: the example always comes last."""
        return f"{self.description}, e.g. {self.example}"


DIGEST = Form("sha256: and 64 lower-case hex digits", "sha256:" + "0f" * 32)
PULL_THROUGH_SECRET = (
    "the full ARN of a secret named ecr-pullthroughcache/... (with the 6 characters Secrets "
    "Manager appends)"
)

# Settings whose words differ from those of their pattern, by dotted path.
BY_PATH: dict[str, Form] = {
    "name": Form("2 to 21 lower-case letters, digits and dashes, starting with a letter", "prod"),
    "account": Form("a 12-digit AWS account id in quotes", "'111122223333'"),
    "langfuse.version": Form("an exact release, never latest or a major only", "4.38.0"),
    "database.engine_version": Form(
        "an Aurora PostgreSQL version major.minor in quotes (YAML reads 17.10 as 17.1)", "'17.9'"
    ),
    "cache.engine_version": Form("a Valkey version major.minor in quotes", "'8.1'"),
    "clickhouse.image_tag": Form(
        "an exact release of four numbers (a floating tag like 26.4 changes the image on its own)",
        "26.4.4.38",
    ),
    "edge.domain.name": Form("a lower-case host name", "langfuse.example.com"),
    "edge.domain.zone_name": Form("the hosted zone's lower-case domain", "example.com"),
    "registry_cache.ghcr_credentials_secret": Form(
        PULL_THROUGH_SECRET,
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/ghcr-AbCdEf",
    ),
}

# Every other setting: by the pattern it is declared with.
BY_PATTERN: dict[str, Form] = {
    AWS_REGION_PATTERN: Form("an AWS region", "eu-west-1"),
    EMAIL_DOMAIN_PATTERN: Form("a lower-case domain name", "acme.io"),
    EMAIL_ADDRESS_PATTERN: Form("an e-mail address with a lower-case domain", "ops@acme.io"),
    r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+"
    r"|[A-Za-z0-9/_+=.@-]{1,512})$": Form(
        "the name or ARN of an existing Secrets Manager secret (letters, digits and /_+=.@-)",
        "langfuse/okta-client-secret",
    ),
    r"^sha256:[a-f0-9]{64}$": DIGEST,
    r"^cache\.[a-z0-9]+\.[a-z0-9]+$": Form("an ElastiCache node type", "cache.t4g.small"),
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$": Form(
        "1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen",
        "acme-langfuse",
    ),
    r"^Z[A-Z0-9]{4,32}$": Form(
        "a Route 53 hosted zone id (Route 53 > Hosted zones)", "Z0123456789ABCDEFGHIJ"
    ),
    r"^vpc-[0-9a-f]{8,17}$": Form("a VPC id", "vpc-0123456789abcdef0"),
    r"^subnet-[0-9a-f]{8,17}$": Form("a subnet id", "subnet-0123456789abcdef0"),
    r"^pl-[0-9a-f]{8,17}$": Form("a managed prefix list id", "pl-0123456789abcdef0"),
    r"^[A-Za-z0-9_-]{1,64}$": Form("1 to 64 letters, digits, _ and -", "acme"),
    r"^[A-Za-z0-9_-]{3,32}$": Form("3 to 32 letters, digits, _ and -, no spaces", "Okta"),
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:"
    r"[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$": Form(
        "the full ARN of a secret (with the 6 characters Secrets Manager appends)",
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:langfuse/init-keys-AbCdEf",
    ),
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache/"
    r"[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$": Form(
        PULL_THROUGH_SECRET,
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/"
        "docker-hub-AbCdEf",
    ),
    r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$": Form(
        "an ACM certificate ARN",
        "arn:aws:acm:eu-west-1:111122223333:certificate/0f6c2a9e-1b2c-4d3e-8f90-123456789abc",
    ),
    r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$": Form(
        "an SNS topic ARN", "arn:aws:sns:eu-west-1:111122223333:langfuse-alarms"
    ),
    r"^arn:aws[a-z-]*:sns:us-east-1:\d{12}:[A-Za-z0-9_-]{1,256}$": Form(
        "an SNS topic ARN in us-east-1", "arn:aws:sns:us-east-1:111122223333:langfuse-alarms"
    ),
    r"^([01]\d|2[0-3]):[0-5]\d$": Form(
        "a 24-hour time HH:MM in quotes (YAML reads some unquoted times as numbers)", "'08:00'"
    ),
    r"^\d+\.\d+\.\d+$": Form("an exact release major.minor.patch", "4.38.0"),
    r"^\d+\.\d+\.\d+\.\d+$": Form("an exact release of four numbers", "26.4.4.38"),
    r"^\d+\.\d+$": Form("major.minor in quotes", "'8.1'"),
    r"^\d{12}$": Form("a 12-digit AWS account id in quotes", "'111122223333'"),
}


def expected_form(path: str, pattern: str | None) -> str:
    """The form and an example of the setting at ``path``, declared with ``pattern``."""
    form = BY_PATH.get(path) or (BY_PATTERN.get(pattern) if pattern else None)
    if form is not None:
        return form.render()
    return f"text matching the pattern {pattern}" if pattern else "a value of the documented form"
