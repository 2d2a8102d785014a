"""Existing Secrets Manager secrets referenced from the YAML by name or ARN."""

from __future__ import annotations

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct


def import_secret(scope: Construct, id_: str, reference: str) -> secretsmanager.ISecret:
    """An existing secret by full ARN or by name (resolved by Secrets Manager at deploy time)."""
    if reference.startswith("arn:"):
        return secretsmanager.Secret.from_secret_complete_arn(scope, id_, reference)
    return secretsmanager.Secret.from_secret_name_v2(scope, id_, reference)
