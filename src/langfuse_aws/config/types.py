"""Value types the config models share: the strict base model, URLs, networks and references.

URLs are checked with pydantic's URL type but kept as the text the user wrote: an OIDC issuer
must match the provider's own issuer byte for byte, and pydantic's normal form adds a slash.
Networks become ``ipaddress`` objects, so that code asks them for their version instead of
parsing text again.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from ipaddress import IPv4Network
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    TypeAdapter,
    UrlConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

AWS_REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
EMAIL_DOMAIN_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
EMAIL_ADDRESS_PATTERN = (
    r"^[A-Za-z0-9._%+-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)

# The error type of a cross-field problem found while validating a model: the loader prints
# its message after the field's path, without repeating the value.
CONFIG_RULE_ERROR = "config_rule"


def rule_error(message: str, field: str | None = None) -> PydanticCustomError:
    """A validation error whose message is printed as it is, after the path of the model, or
    of its setting ``field`` when one setting is to change."""
    return PydanticCustomError(CONFIG_RULE_ERROR, message, {"field": field} if field else None)


class StrictModel(BaseModel):
    """Base for every config block: unknown keys are errors, values are not coerced from
    surprising types, and models are immutable once validated."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=False, use_attribute_docstrings=True
    )


def _url_text(*schemes: str, example: str) -> Callable[[str], str]:
    """A check that the text is a URL of one of ``schemes``; its refusal shows ``example``."""
    adapter: TypeAdapter[AnyUrl] = TypeAdapter(
        Annotated[AnyUrl, UrlConstraints(allowed_schemes=list(schemes), host_required=True)]
    )
    form = " or ".join(f"{scheme}://" for scheme in schemes)

    def check(value: str) -> str:
        try:
            adapter.validate_python(value)
        except ValidationError as error:
            reason = str(error.errors()[0]["msg"]).removeprefix("Input should be a valid URL, ")
            raise ValueError(
                f"not a valid URL ({reason}): use a URL starting with {form}, e.g. {example}"
            ) from None
        if any(character.isspace() for character in value):
            raise ValueError(f"a URL has no spaces: use a URL starting with {form}, e.g. {example}")
        return value

    return check


HttpsUrl = Annotated[str, AfterValidator(_url_text("https", example="https://idp.example.com"))]
"""An https:// URL (a valid host, a port TCP has), kept exactly as written."""

HttpUrl = Annotated[
    str, AfterValidator(_url_text("http", "https", example="https://clickhouse.example.com:8443"))
]
"""An http:// or https:// URL, kept exactly as written."""

ClickHouseNativeUrl = Annotated[
    str, AfterValidator(_url_text("clickhouse", example="clickhouse://clickhouse.example.com:9440"))
]
"""A clickhouse:// URL of ClickHouse's native protocol, kept exactly as written."""


def _explain_network(kind: str) -> BeforeValidator:
    """Say what is wrong with a network text before pydantic's terse message could."""

    def explain(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value if len(value) <= 45 else value[:42] + "..."
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as error:
            if "host bits set" in str(error):
                base = ipaddress.ip_network(value, strict=False)
                raise ValueError(
                    f"'{text}' has host bits set: write the network as {base}"
                ) from None
            raise ValueError(f"'{text}' is not {kind}") from None
        if "/" not in value:
            raise ValueError(f"'{text}' has no prefix length: write {network}")
        return value

    return BeforeValidator(explain)


Cidr = Annotated[IPvAnyNetwork, _explain_network("a CIDR like 203.0.113.0/24 or 2001:db8::/32")]
"""An IPv4 or IPv6 network with its prefix length and no host bits, e.g. 203.0.113.0/24."""

Ipv4Cidr = Annotated[IPv4Network, _explain_network("an IPv4 network such as 10.40.0.0/16")]
"""An IPv4 network with its prefix length and no host bits, e.g. 10.20.0.0/16."""

ImageDigest = Annotated[
    str,
    Field(
        pattern=r"^sha256:[a-f0-9]{64}$",
        description="Image digest (sha256:<64 hex digits>) that pins the exact image bytes.",
    ),
]

SecretReference = Annotated[
    str,
    Field(
        pattern=r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+"
        r"|[A-Za-z0-9/_+=.@-]{1,512})$",
        description="Name or ARN of an existing Secrets Manager secret (never the secret itself).",
    ),
]

EmailDomain = Annotated[str, Field(pattern=EMAIL_DOMAIN_PATTERN)]
EmailAddress = Annotated[str, Field(pattern=EMAIL_ADDRESS_PATTERN)]


def default_tag(default: type[BaseModel], moved: tuple[str, ...] = ()) -> BeforeValidator:
    """Fill in a tagged union's ``mode`` with the default of its ``default`` member when the
    YAML leaves it out.

    ``moved`` names the sub-blocks of the old shape (before each mode had a model of its own);
    a file that still uses them gets an error saying where their settings went.
    """

    key = "mode"
    tag = default.model_fields[key].default

    def fill(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        old = [name for name in moved if isinstance(value.get(name), dict)]
        if old:
            raise rule_error(
                f"has a `{old[0]}:` block: its settings now sit directly in this block, next to "
                f"`{key}: {old[0]}` (move them up one level and remove `{old[0]}:`)"
            )
        return value if key in value else {key: tag, **value}

    return BeforeValidator(fill)


# Fargate's task sizes: for each CPU, the lowest and highest memory (MiB) and the step.
_FARGATE_MEMORY = {
    256: (512, 2048, 1024),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}


def check_fargate_size(cpu: int, memory_mib: int) -> None:
    """Refuse a CPU and memory pair that Fargate does not run."""
    low, high, step = _FARGATE_MEMORY[cpu]
    if cpu == 256 and memory_mib == 512:
        return
    if not (low <= memory_mib <= high and (memory_mib - low) % step == 0):
        extra = "512 or " if cpu == 256 else ""
        raise rule_error(
            f"{memory_mib} is not a Fargate size for cpu {cpu}: use {extra}{low} to {high} MiB "
            f"in steps of {step}",
            field="memory_mib",
        )
