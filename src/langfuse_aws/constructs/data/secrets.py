"""Secrets: the ones this app creates (generated or mirrored once, kept with the data, never
rotated by Secrets Manager, each with the reason rotation cannot work for it), Langfuse's own
keys, and the existing secrets the YAML names."""

from __future__ import annotations

import string

from aws_cdk import SecretValue
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ...compliance import acknowledge
from .protection import DataProtection, data_removal_policy


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


def import_secret(scope: Construct, id_: str, reference: str) -> secretsmanager.ISecret:
    """An existing secret by full ARN or by name (resolved by Secrets Manager at deploy time)."""
    if reference.startswith("arn:"):
        return secretsmanager.Secret.from_secret_complete_arn(scope, id_, reference)
    return secretsmanager.Secret.from_secret_name_v2(scope, id_, reference)


NOT_HEX = "".join(sorted(set(string.ascii_lowercase) - set("abcdef")))


class AppSecrets(Construct):
    """NEXTAUTH_SECRET, SALT and ENCRYPTION_KEY.

    SALT hashes API keys and ENCRYPTION_KEY encrypts stored credentials: losing either makes
    existing data unusable, so both (and the session secret) are retained with the data.
    ENCRYPTION_KEY is exactly 64 lower-case hex characters, as Langfuse requires.
    """

    def __init__(self, scope: Construct, id_: str, *, protection: DataProtection) -> None:
        super().__init__(scope, id_)
        self.retain = protection.retain
        self.nextauth_secret = self._secret(
            "NextAuthSecret",
            "Langfuse NEXTAUTH_SECRET (session signing)",
            secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True),
        )
        self.salt = self._secret(
            "Salt",
            "Langfuse SALT (API key hashing; never rotate)",
            secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True),
        )
        self.encryption_key = self._secret(
            "EncryptionKey",
            "Langfuse ENCRYPTION_KEY (64 hex characters; never rotate)",
            secretsmanager.SecretStringGenerator(
                password_length=64,
                exclude_uppercase=True,
                exclude_punctuation=True,
                exclude_characters=NOT_HEX,
                include_space=False,
            ),
        )

    def _secret(
        self, id_: str, description: str, generator: secretsmanager.SecretStringGenerator
    ) -> secretsmanager.Secret:
        return unrotated_secret(
            self,
            id_,
            description=description,
            generator=generator,
            retain=self.retain,
            why_not_rotated="Langfuse has no key-rotation path for this value: rotating it would "
            "invalidate sessions, API keys or encrypted credentials already stored.",
        )
