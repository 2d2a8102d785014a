"""Langfuse's own keys, generated once in Secrets Manager and never shown in a template."""

from __future__ import annotations

import string

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from .secrets import unrotated_secret

NOT_HEX = "".join(sorted(set(string.ascii_lowercase) - set("abcdef")))


class AppSecrets(Construct):
    """NEXTAUTH_SECRET, SALT and ENCRYPTION_KEY.

    SALT hashes API keys and ENCRYPTION_KEY encrypts stored credentials: losing either makes
    existing data unusable, so both (and the session secret) are retained with the data.
    ENCRYPTION_KEY is exactly 64 lower-case hex characters, as Langfuse requires.
    """

    def __init__(self, scope: Construct, id_: str, *, retain: bool) -> None:
        super().__init__(scope, id_)
        self.retain = retain
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
