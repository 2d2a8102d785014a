"""Secrets this app creates (never rotated by Secrets Manager, each acknowledged with its
reason), Langfuse's own keys, and existing secrets referenced by name or ARN.

Rules the expected values come from:
- Langfuse requires ENCRYPTION_KEY to be 256 bits as 64 hex characters ("ENCRYPTION_KEY must
  be 256 bits, 64 string characters in hex format, generate via: openssl rand -hex 32",
  langfuse/langfuse web/src/env.mjs; ../shared/reference/langfuse.md). SALT and
  ENCRYPTION_KEY must never change (same reference).
- Secrets Manager's generator draws from upper case, lower case, digits, punctuation
  ``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~`` and, if asked, the space, minus ExcludeCharacters
  (Secrets Manager API Reference, GetRandomPassword; CloudFormation GenerateSecretString).
- A secret's ARN ends in a hyphen and six random characters that Secrets Manager adds to its
  name (Secrets Manager User Guide, "Secret ARN"), so a secret known only by name is granted
  as ``secret:<name>-??????``.
- cdk-nag AwsSolutions-SMG4 flags secrets without rotation; DESIGN.md: acknowledged on the
  construct itself with a real reason. docs/data.md: SALT, ENCRYPTION_KEY and NEXTAUTH_SECRET
  survive a retaining environment's deletion.
"""

from __future__ import annotations

import string
from typing import Any, NamedTuple

import pytest
from aws_cdk import SecretValue, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from cfn_eval import evaluate, pseudo_parameters
from construct_stack import acknowledged, bare_stack, protection, resources
from langfuse_aws.constructs.data.secrets import AppSecrets, import_secret, unrotated_secret

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
HEX = set("0123456789abcdef")
EXISTING_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:team/smtp-AbCdEf"


def build_app_secrets(stack: Stack, *, retain: bool) -> AppSecrets:
    """The one place this file builds the construct."""
    return AppSecrets(stack, "AppSecrets", protection=protection(retain=retain))


class Built(NamedTuple):
    template: Template
    secrets: AppSecrets


def synth(*, retain: bool) -> Built:
    stack = bare_stack()
    secrets = build_app_secrets(stack, retain=retain)
    return Built(Template.from_stack(stack), secrets)


@pytest.fixture(scope="module")
def kept() -> Built:
    return synth(retain=True)


@pytest.fixture(scope="module")
def disposable() -> Built:
    return synth(retain=False)


def alphabet(generator: dict[str, Any]) -> set[str]:
    """The characters Secrets Manager may put in a value generated with ``generator``."""
    classes = {
        "ExcludeUppercase": string.ascii_uppercase,
        "ExcludeLowercase": string.ascii_lowercase,
        "ExcludeNumbers": string.digits,
        "ExcludePunctuation": PUNCTUATION,
    }
    allowed = {c for flag, chars in classes.items() if not generator.get(flag) for c in chars}
    if generator.get("IncludeSpace"):
        allowed.add(" ")
    return allowed - set(generator.get("ExcludeCharacters", ""))


def generated(built: Built, secret: Any) -> dict[str, Any]:
    logical_id = Stack.of(built.secrets).resolve(secret.secret_arn)["Ref"]
    properties = resources(built.template, "AWS::SecretsManager::Secret")[logical_id]["Properties"]
    found: dict[str, Any] = properties["GenerateSecretString"]
    return found


def test_encryption_key_is_64_lower_case_hex_characters(kept: Built) -> None:
    generator = generated(kept, kept.secrets.encryption_key)
    assert generator["PasswordLength"] == 64
    assert alphabet(generator) == HEX


def test_salt_and_session_secret_are_long_random_strings(kept: Built) -> None:
    for secret in (kept.secrets.salt, kept.secrets.nextauth_secret):
        generator = generated(kept, secret)
        assert generator["PasswordLength"] >= 32
        assert alphabet(generator) == set(string.ascii_letters + string.digits)


def test_kept_keys_survive_stack_deletion(kept: Built, disposable: Built) -> None:
    for secret in resources(kept.template, "AWS::SecretsManager::Secret").values():
        assert (secret["DeletionPolicy"], secret["UpdateReplacePolicy"]) == ("Retain", "Retain")
    found = resources(disposable.template, "AWS::SecretsManager::Secret").values()
    assert len(found) == 3
    for secret in found:
        assert secret.get("DeletionPolicy", "Delete") == "Delete"


def test_each_key_acknowledges_why_it_is_not_rotated(kept: Built) -> None:
    for secret in (kept.secrets.nextauth_secret, kept.secrets.salt, kept.secrets.encryption_key):
        assert "rotat" in acknowledged(secret)["AwsSolutions-SMG4"]


def test_a_mirrored_secret_holds_the_value_and_keeps_cdk_s_removal_policy() -> None:
    stack = bare_stack()
    secret = unrotated_secret(
        stack,
        "Mirror",
        description="a copy",
        value=SecretValue.unsafe_plain_text("copied"),
        why_not_rotated="The source of this value rotates it, so this copy is replaced on deploy.",
    )
    (resource,) = resources(Template.from_stack(stack), "AWS::SecretsManager::Secret").values()
    assert resource["Properties"]["SecretString"] == "copied"
    assert resource.get("DeletionPolicy", "Delete") == "Delete"
    assert acknowledged(secret)["AwsSolutions-SMG4"].startswith("The source of this value")


def test_a_secret_without_a_real_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="full sentence"):
        unrotated_secret(bare_stack(), "Lazy", description="x", why_not_rotated="n/a")


def granted(reference: str) -> Any:
    """The Resource of the statement that lets a role read the secret ``reference``."""
    stack = bare_stack()
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    import_secret(stack, "Existing", reference).grant_read(role)
    (policy,) = resources(Template.from_stack(stack), "AWS::IAM::Policy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    return evaluate(statement["Resource"], pseudo_parameters("Test", "uuid"))


def test_an_existing_secret_by_arn_is_granted_exactly() -> None:
    assert granted(EXISTING_ARN) == EXISTING_ARN


def test_an_existing_secret_by_name_is_granted_with_the_six_character_suffix() -> None:
    assert granted("team/smtp") == (
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:team/smtp-??????"
    )
