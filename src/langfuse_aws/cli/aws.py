"""How the subcommands reach AWS: one client factory, and the errors it turns into advice.

Only an error about credentials says "log in": a missing stack, an unreachable endpoint or a
missing region says what happened and its own fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Clients = Callable[[str, str], Any]
"""Makes a boto3 client for (service, region)."""

NO_CREDENTIALS_HINT = (
    "Log in first (aws sso login, or set AWS_PROFILE) with credentials for the environment's "
    "account."
)
CREDENTIAL_ERROR_CODES = frozenset(
    {
        # AWS common errors (e.g. docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/
        # CommonErrors.html, AWSEC2/latest/APIReference/CommonErrors.html): the caller's
        # credentials are missing, wrong, expired or not allowed.
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "AuthFailure",
        "NotAuthorized",
        "UnauthorizedOperation",
        "AccessDenied",
        "AccessDeniedException",
    }
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


def aws_advice(error: Exception) -> str:
    """What an AWS error means for the operator and the fix, in a few lines."""
    from botocore import exceptions as aws

    code = error_code(error)
    if code == "ValidationError" and "does not exist" in str(error):
        return (
            f"{error}\nThe stack is not deployed in that region: deploy the environment first "
            "(langfuse-aws deploy <env>), or check `region` in its YAML and the account of your "
            "credentials."
        )
    if code in CREDENTIAL_ERROR_CODES or isinstance(
        error,
        aws.NoCredentialsError
        | aws.PartialCredentialsError
        | aws.CredentialRetrievalError
        | aws.SSOError
        | aws.TokenRetrievalError
        | aws.NoAuthTokenError,
    ):
        return f"{error}\n{NO_CREDENTIALS_HINT}"
    if isinstance(error, aws.ProfileNotFound):
        return f"{error}\nAWS_PROFILE names no profile in ~/.aws/config: correct it or unset it."
    if isinstance(error, aws.EndpointConnectionError | aws.ConnectTimeoutError):
        return (
            f"{error}\nAWS could not be reached: check the network (proxy, VPN, firewall) and "
            "that the region exists and offers the service."
        )
    if isinstance(error, aws.ConnectionError | aws.ReadTimeoutError):
        return f"{error}\nThe connection to AWS failed: check the network and try again."
    if isinstance(error, aws.NoRegionError):
        return f"{error}\nSet the region: `region` in the environment's YAML."
    return f"AWS refused: {error}"


def error_code(error: Exception) -> str:
    """The AWS error code of a ClientError ("" for anything else)."""
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
