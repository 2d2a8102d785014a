"""Stateful resources: logical ids locked, and what survives a stack deletion."""

from __future__ import annotations

import pytest

from conftest import synthesized
from langfuse_aws import load_config
from synth import EXAMPLE_CONFIGS, FIXTURE_CONFIGS, SynthesizedEnvironment

# A changed logical id makes CloudFormation delete the old resource and create a new one:
# for these resources that is data loss. Never edit this table to make a test pass.
PINNED_LOGICAL_IDS = {
    "AWS::RDS::DBCluster": {"DatabaseCluster5B53A178"},
    "AWS::EFS::FileSystem": {"ClickHouseData9DECA92C"},
    "AWS::EC2::Volume": {"ClickHouseVolume6F76EB54"},
    "AWS::S3::Bucket": {
        "StorageBucket5CB7C8EA",
        "AccessLogsBucketCD784A59",
        "DataAccessLogsBucket8486D0D6",
        "ClickHouseBackupsBucket33858129",
    },
    "AWS::ElastiCache::ReplicationGroup": {"CacheReplicationGroupBFE59FF3"},
    "AWS::SecretsManager::Secret": {
        "DatabaseSecret3B817195",
        "SecretsEncryptionKeyBE59B073",
        "SecretsNextAuthSecretF9938567",
        "SecretsSalt8F74A49C",
        "ClickHousePasswordA48A2467",
        "CacheAuthToken04672416",
        "AuthClientSecretBC100459",
    },
    "AWS::Cognito::UserPool": {"AuthUserPool8115E87F"},
    "AWS::Backup::BackupVault": {"BackupVaultADF21B19"},
}
# Present in every environment; the rest of the table only where the config asks for it.
ALWAYS_PRESENT = {
    "DatabaseCluster5B53A178",
    "StorageBucket5CB7C8EA",
    "CacheReplicationGroupBFE59FF3",
    "SecretsEncryptionKeyBE59B073",
    "SecretsSalt8F74A49C",
    "SecretsNextAuthSecretF9938567",
    "DatabaseSecret3B817195",
}
RETAINED_WHEN_KEEPING_DATA = {
    "AWS::RDS::DBCluster": "Retain",
    "AWS::EFS::FileSystem": "Retain",
    "AWS::EC2::Volume": "Retain",
    "AWS::S3::Bucket": "Retain",
    "AWS::Cognito::UserPool": "Retain",
    "AWS::ElastiCache::ReplicationGroup": "Snapshot",
    "AWS::Backup::BackupVault": "Retain",
}
# Every example and fixture whose YAML says data_protection: disposable.
DISPOSABLE_NAMES = [
    path.stem
    for path in (*EXAMPLE_CONFIGS, *FIXTURE_CONFIGS)
    if load_config(path).data_protection == "disposable"
]
assert DISPOSABLE_NAMES, "no disposable environment to test"
KEY_SECRETS = {
    "DatabaseSecret3B817195",
    "SecretsEncryptionKeyBE59B073",
    "SecretsNextAuthSecretF9938567",
    "SecretsSalt8F74A49C",
    "ClickHousePasswordA48A2467",
}


def assert_pinned(env: SynthesizedEnvironment) -> set[str]:
    """Every stateful resource of ``env`` has a pinned id; returns the ids present."""
    present: set[str] = set()
    for kind, pinned in PINNED_LOGICAL_IDS.items():
        found = set(env.resources(kind))
        assert found <= pinned, f"{kind}: new logical ids {found - pinned}"
        present |= found
    assert present >= ALWAYS_PRESENT
    return present


def test_stateful_logical_ids_are_pinned(example_env: SynthesizedEnvironment) -> None:
    assert_pinned(example_env)


def test_clickhouse_on_ec2_keeps_its_volume_and_password_ids() -> None:
    """clickhouse.mode ec2: the data volume, the password and the backup bucket are pinned
    too (a changed id would start ClickHouse on a new, empty volume)."""
    present = assert_pinned(synthesized("clickhouse-ec2"))
    assert {
        "ClickHouseVolume6F76EB54",
        "ClickHousePasswordA48A2467",
        "ClickHouseBackupsBucket33858129",
    } <= present


@pytest.mark.parametrize("name", ["example", "prod", "clickhouse-ec2"])
def test_retained_environments_keep_every_stateful_resource(name: str) -> None:
    example_env = synthesized(name)
    assert example_env.config.retains_data
    for template in example_env.templates:
        for kind, policy in RETAINED_WHEN_KEEPING_DATA.items():
            for logical_id, resource in example_env.resources(kind, template).items():
                assert resource["DeletionPolicy"] == policy, logical_id
                assert resource["UpdateReplacePolicy"] == policy, logical_id
    secrets = example_env.resources("AWS::SecretsManager::Secret")
    for logical_id in KEY_SECRETS:
        assert secrets[logical_id]["DeletionPolicy"] == "Retain", logical_id
        assert secrets[logical_id]["UpdateReplacePolicy"] == "Retain", logical_id
    (cluster,) = example_env.resources("AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DeletionProtection"] is True


@pytest.mark.parametrize("name", DISPOSABLE_NAMES)
def test_disposable_environment_deletes_everything(name: str) -> None:
    """README: `disposable` deletes everything. Every resource of every stack, log groups
    included, is deleted with the stack and on replacement (no DeletionPolicy or
    UpdateReplacePolicy but Delete), and the database has no deletion protection."""
    env = synthesized(name)
    assert env.config.data_protection == "disposable"
    for stack, template in env.templates.items():
        for logical_id, resource in template["Resources"].items():
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                assert resource.get(policy, "Delete") == "Delete", (stack, logical_id, policy)
    (cluster,) = env.resources("AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DeletionProtection"] is False


def test_stacks_that_keep_data_have_termination_protection(
    example_env: SynthesizedEnvironment,
) -> None:
    import json

    manifest = json.loads((example_env.outdir / "manifest.json").read_text())
    for name in example_env.templates:
        protected = manifest["artifacts"][name]["properties"].get("terminationProtection", False)
        assert protected is example_env.config.retains_data, name
