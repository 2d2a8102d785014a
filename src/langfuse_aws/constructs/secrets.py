"""Secrets this app creates: generated (or mirrored) once, kept with the data, never rotated
by Secrets Manager, each with the reason rotation cannot work for it."""

from __future__ import annotations

from aws_cdk import SecretValue
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ..compliance import acknowledge
from .removal import data_removal_policy


def unrotated_secret(
    scope: Construct,
    id_: str,
    *,
    description: str,
    why_not_rotated: str,
    generator: secretsmanager.SecretStringGenerator | None = None,
    value: SecretValue | None = None,
    retain: bool | None = None,
) -> secretsmanager.Secret:
    """A secret that is generated (``generator``) or mirrors a value (``value``).

    ``retain`` None leaves CDK's removal policy alone; True or False follow the environment's
    data_protection. ``why_not_rotated`` acknowledges AwsSolutions-SMG4 on this secret only.
    """
    secret = secretsmanager.Secret(
        scope,
        id_,
        description=description,
        generate_secret_string=generator,
        secret_string_value=value,
    )
    if retain is not None:
        secret.apply_removal_policy(data_removal_policy(retain))
    acknowledge(secret, "AwsSolutions-SMG4", why_not_rotated)
    return secret
