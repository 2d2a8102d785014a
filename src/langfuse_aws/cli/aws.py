"""How the subcommands reach AWS: one client factory, and the errors it turns into advice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Clients = Callable[[str, str], Any]
"""Makes a boto3 client for (service, region)."""

NO_CREDENTIALS_HINT = (
    "Log in first (aws sso login, or set AWS_PROFILE) with credentials for the environment's "
    "account."
)


def boto3_clients() -> Clients:
    """Clients from the default boto3 session (the caller's credentials)."""
    import boto3

    session = boto3.session.Session()

    def make(service: str, region: str) -> Any:
        return session.client(service, region_name=region)

    return make


def aws_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean "AWS said no" or "no credentials", not a bug here."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def error_code(error: Exception) -> str:
    """The AWS error code of a ClientError ("" for anything else)."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def stack_names(environment: str, region: str) -> list[tuple[str, str]]:
    """(stack, region) of every stack an environment may have, in deployment order."""
    main = f"Langfuse-{environment}"
    return [(f"{main}-Global", "us-east-1"), (main, region), (f"{main}-EdgeAlarms", "us-east-1")]
