"""``langfuse-aws init``: a new environment YAML from the few answers that matter.

The answers (name, region, own domain or not, how people log in, what happens to the data,
a size) become a config file that is validated by the same loader as every synth before it
is written, so what ``init`` writes always synthesizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import yaml

Login = Literal["cognito", "idp", "password"]
Size = Literal["small", "medium", "large"]
Protection = Literal["retain", "disposable"]
PROTECTIONS: tuple[Protection, ...] = ("retain", "disposable")
LOGINS: tuple[Login, ...] = ("cognito", "idp", "password")
SIZES: tuple[Size, ...] = ("small", "medium", "large")

SIZE_SETTINGS: dict[Size, dict[str, Any]] = {
    # One team trying Langfuse: the smallest sizes the config accepts for each store.
    "small": {
        "langfuse": {
            "web": {"cpu": 1024, "memory_mib": 2048, "min_tasks": 1, "max_tasks": 2},
            "worker": {"cpu": 1024, "memory_mib": 2048, "min_tasks": 1, "max_tasks": 2},
        },
        "database": {"min_acu": 0.5, "max_acu": 2},
        "cache": {"node_type": "cache.t4g.micro"},
        "clickhouse": {"cpu": 1024, "memory_mib": 4096},
    },
    # The package's defaults, written out so the file shows them.
    "medium": {
        "langfuse": {
            "web": {"cpu": 1024, "memory_mib": 2048, "min_tasks": 1, "max_tasks": 2},
            "worker": {"cpu": 1024, "memory_mib": 2048, "min_tasks": 1, "max_tasks": 2},
        },
        "database": {"min_acu": 0.5, "max_acu": 4},
        "cache": {"node_type": "cache.t4g.small"},
        "clickhouse": {"cpu": 2048, "memory_mib": 8192},
    },
    # Production traffic: two or more tasks each, a reader, a replicated cache (as prod.yaml).
    "large": {
        "langfuse": {
            "web": {"cpu": 2048, "memory_mib": 4096, "min_tasks": 2, "max_tasks": 6},
            "worker": {"cpu": 2048, "memory_mib": 4096, "min_tasks": 2, "max_tasks": 6},
        },
        "database": {"min_acu": 2, "max_acu": 16, "reader": True},
        "cache": {"node_type": "cache.r7g.large", "replicas": 1, "multi_az": True},
        "clickhouse": {"cpu": 4096, "memory_mib": 16384},
    },
}


@dataclass(frozen=True)
class Domain:
    """A host name in an existing Route 53 public hosted zone."""

    name: str
    zone_id: str
    zone_name: str


@dataclass(frozen=True)
class Idp:
    """An OpenID Connect identity provider Langfuse talks to directly."""

    label: str
    issuer: str
    client_id: str
    client_secret_secret: str


@dataclass(frozen=True)
class Admin:
    """The first user of a password-login environment, created by Langfuse at first start."""

    email: str
    password_secret: str


@dataclass(frozen=True)
class Answers:
    """Everything ``init`` asks."""

    name: str
    region: str
    data_protection: Protection
    size: Size
    login: Login
    domain: Domain | None = None
    idp: Idp | None = None
    admin: Admin | None = None


def _auth(answers: Answers) -> dict[str, Any]:
    if answers.login == "cognito":
        return {"password_login": False, "cognito": {"self_signup": False}}
    if answers.login == "idp":
        if answers.idp is None:
            raise ValueError("login idp needs the provider's issuer, client id and secret")
        provider = {
            "type": "custom",
            "name": answers.idp.label,
            "issuer": answers.idp.issuer,
            "client_id": answers.idp.client_id,
            "client_secret_secret": answers.idp.client_secret_secret,
        }
        return {"password_login": False, "providers": [provider]}
    return {"password_login": True}


def document(answers: Answers) -> dict[str, Any]:
    """The environment file's content for ``answers``."""
    doc: dict[str, Any] = {
        "name": answers.name,
        "region": answers.region,
        "data_protection": answers.data_protection,
    }
    if answers.data_protection == "disposable":
        doc["backup"] = {"enabled": False}
    if answers.domain is not None:
        doc["edge"] = {
            "mode": "cloudfront",
            "domain": {
                "name": answers.domain.name,
                "zone_id": answers.domain.zone_id,
                "zone_name": answers.domain.zone_name,
            },
        }
    sizes = {key: dict(value) for key, value in SIZE_SETTINGS[answers.size].items()}
    if answers.login == "password" and answers.admin is not None:
        sizes["langfuse"] = {
            **sizes["langfuse"],
            "init": {
                "org_id": answers.name,
                "user_email": answers.admin.email,
                "user_password_secret": answers.admin.password_secret,
            },
        }
    doc.update(sizes)
    doc["auth"] = _auth(answers)
    return doc


def render(answers: Answers) -> str:
    """The YAML text ``init`` writes: a header saying where it came from, then the settings."""
    login = {
        "cognito": "Amazon Cognito (users created by an admin; password login off)",
        "idp": "your OpenID Connect identity provider (password login off)",
        "password": "Langfuse's own e-mail and password (sign-up closed)",
    }[answers.login]
    header = (
        f"# Environment {answers.name}, written by `langfuse-aws init` ({answers.size} size).\n"
        f"# Login: {login}.\n"
        "# Every other setting has a safe default; see the configuration reference.\n"
    )
    return header + yaml.safe_dump(document(answers), sort_keys=False, default_flow_style=False)
