"""data_protection and logs.retention_days as resource settings: what outlives the stack, the
log groups of disposable environments, and CloudWatch Logs retention.

(Named test_data_protection.py, not test_protection.py: tests/test_protection.py exists and
pytest imports test modules by basename.)

Rules the expected values come from:
- DESIGN.md convention 6 and docs/data.md: RETAIN (SNAPSHOT for Valkey) for data where the
  YAML keeps it; ``disposable`` deletes everything, every log group included.
- CDK keeps a log group when its stack is deleted unless told otherwise (aws-cdk-lib
  aws_logs.LogGroup ``removalPolicy``: default RemovalPolicy.RETAIN).
- CloudWatch Logs accepts these retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120,
  150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (CloudWatch Logs API
  Reference, PutRetentionPolicy, retentionInDays).
"""

from __future__ import annotations

from typing import get_args

import pytest
from aws_cdk import Aspects, RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from constructs import Construct

from construct_stack import bare_stack, protection, resources
from langfuse_aws.config.models import LogsConfig
from langfuse_aws.constructs.data.protection import (
    DataProtection,
    DisposableLogGroups,
    retention_days,
)

CLOUDWATCH_RETENTION_DAYS = {
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
}  # fmt: skip
CONFIG_RETENTION_DAYS = get_args(LogsConfig.model_fields["retention_days"].annotation)


def build_protection(*, retain: bool) -> DataProtection:
    """The one place this file makes the policy object."""
    return protection(retain=retain)


def test_kept_data_is_retained_and_valkey_keeps_a_final_snapshot() -> None:
    kept = build_protection(retain=True)
    assert kept.removal_policy == RemovalPolicy.RETAIN
    assert kept.snapshot_removal_policy == RemovalPolicy.SNAPSHOT


def test_disposable_data_is_destroyed() -> None:
    disposable = build_protection(retain=False)
    assert disposable.removal_policy == RemovalPolicy.DESTROY
    assert disposable.snapshot_removal_policy == RemovalPolicy.DESTROY


def log_group_policies(*, disposable: bool) -> dict[str, str]:
    """DeletionPolicy of every resource of a stack with two log groups (one nested) and a
    kept bucket, with or without the disposable aspect."""
    stack = bare_stack()
    logs.LogGroup(stack, "Direct")
    logs.LogGroup(Construct(stack, "Nested"), "Group")
    s3.Bucket(stack, "Kept", removal_policy=RemovalPolicy.RETAIN)
    if disposable:
        Aspects.of(stack).add(DisposableLogGroups())
    template = Template.from_stack(stack)
    found = {**resources(template, "AWS::Logs::LogGroup"), **resources(template, "AWS::S3::Bucket")}
    return {k: v.get("DeletionPolicy", "Delete") for k, v in found.items()}


def test_cdk_keeps_log_groups_unless_the_environment_is_disposable() -> None:
    assert set(log_group_policies(disposable=False).values()) == {"Retain"}


def test_a_disposable_environment_deletes_every_log_group_and_nothing_else() -> None:
    policies = log_group_policies(disposable=True)
    groups = {k: v for k, v in policies.items() if not k.startswith("Kept")}
    assert len(groups) == 2 and set(groups.values()) == {"Delete"}
    (bucket,) = [v for k, v in policies.items() if k.startswith("Kept")]
    assert bucket == "Retain"


def test_every_retention_the_yaml_allows_is_one_cloudwatch_accepts() -> None:
    assert set(CONFIG_RETENTION_DAYS) <= CLOUDWATCH_RETENTION_DAYS


@pytest.fixture(scope="module")
def retention_by_days() -> dict[int, int]:
    """RetentionInDays of the log group made with retention_days(d), for each allowed d."""
    stack = bare_stack()
    groups = {
        d: logs.LogGroup(stack, f"Days{d}", retention=retention_days(d))
        for d in CONFIG_RETENTION_DAYS
    }
    found = resources(Template.from_stack(stack), "AWS::Logs::LogGroup")
    return {
        d: found[stack.resolve(g.log_group_name)["Ref"]]["Properties"]["RetentionInDays"]
        for d, g in groups.items()
    }


@pytest.mark.parametrize("days", CONFIG_RETENTION_DAYS)
def test_retention_days_keeps_logs_exactly_that_many_days(
    days: int, retention_by_days: dict[int, int]
) -> None:
    assert retention_by_days[days] == days
