"""The one way this app makes a bucket: SSE-S3, no public access, TLS only, versioned; kept
where the environment keeps data, emptied and deleted where it is disposable; and the bucket
that receives access logs.

Rules the expected values come from:
- SSE-S3 is ``SSEAlgorithm: AES256`` (Amazon S3 User Guide, "Using server-side encryption
  with Amazon S3 managed keys").
- Block Public Access has four settings, all of which block when true (Amazon S3 User Guide,
  "Blocking public access to your Amazon S3 storage").
- A bucket policy that denies every request whose ``aws:SecureTransport`` is false refuses
  plain HTTP (Amazon S3 User Guide, "Security best practices": enforce encryption of data in
  transit).
- CloudFront's standard logging (legacy) writes with ACLs, so the log bucket must not disable
  ACLs (BucketOwnerEnforced) (CloudFront Developer Guide, "Configure standard logging
  (legacy)": "Enable ACLs for your bucket").
- docs/data.md: the S3 bucket (versioned) and the access-log buckets survive a retaining
  environment's deletion; ``disposable`` deletes everything, buckets emptied.
  docs/security.md: buckets refuse plain HTTP; access logs are kept 90 days.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from constructs import Construct

from construct_stack import acknowledged, bare_stack, protection, resources
from langfuse_aws.constructs.data.buckets import LogBucket, hardened_bucket

LOG_DAYS = 90
ALL_PUBLIC_ACCESS_BLOCKED = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


class Built(NamedTuple):
    template: Template
    data: s3.Bucket
    logs: LogBucket


def build_buckets(stack: Stack, *, retain: bool) -> tuple[s3.Bucket, LogBucket]:
    """The one place this file builds the constructs: a log bucket, and a data bucket with a
    lifecycle rule whose access logs go to it."""
    logs = LogBucket(stack, "Logs", protection=protection(retain=retain))
    data = hardened_bucket(
        Construct(stack, "Data"),
        retain=retain,
        lifecycle_rules=[
            s3.LifecycleRule(id="Old", noncurrent_version_expiration=Duration.days(30))
        ],
        access_logs=logs.bucket,
        access_logs_prefix="data/",
    )
    return data, logs


def synth(*, retain: bool) -> Built:
    stack = bare_stack()
    data, logs = build_buckets(stack, retain=retain)
    return Built(Template.from_stack(stack), data, logs)


@pytest.fixture(scope="module")
def kept() -> Built:
    return synth(retain=True)


@pytest.fixture(scope="module")
def disposable() -> Built:
    return synth(retain=False)


def bucket(built: Built, which: s3.Bucket) -> dict[str, Any]:
    logical_id = Stack.of(which).resolve(which.bucket_name)["Ref"]
    found: dict[str, Any] = resources(built.template, "AWS::S3::Bucket")[logical_id]
    return found


def both(built: Built) -> list[dict[str, Any]]:
    return [bucket(built, built.data), bucket(built, built.logs.bucket)]


def test_every_bucket_is_encrypted_private_and_versioned(kept: Built, disposable: Built) -> None:
    for built in (kept, disposable):
        for properties in (b["Properties"] for b in both(built)):
            assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
            assert properties["PublicAccessBlockConfiguration"] == ALL_PUBLIC_ACCESS_BLOCKED
            assert properties["VersioningConfiguration"] == {"Status": "Enabled"}


def test_every_bucket_refuses_plain_http(kept: Built) -> None:
    stack = Stack.of(kept.data)
    policies = {
        stack.resolve(p["Properties"]["Bucket"])["Ref"]: p["Properties"]["PolicyDocument"]
        for p in resources(kept.template, "AWS::S3::BucketPolicy").values()
    }
    for which in (kept.data, kept.logs.bucket):
        logical_id = stack.resolve(which.bucket_name)["Ref"]
        denials = [
            s
            for s in policies[logical_id]["Statement"]
            if s["Effect"] == "Deny"
            and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(denials) == 1, logical_id
        (deny,) = denials
        assert deny["Principal"] == {"AWS": "*"} and deny["Action"] == "s3:*"
        arn = {"Fn::GetAtt": [logical_id, "Arn"]}
        assert deny["Resource"] == [arn, {"Fn::Join": ["", [arn, "/*"]]}]


def test_kept_buckets_survive_stack_deletion_and_are_not_emptied(kept: Built) -> None:
    for resource in both(kept):
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert resources(kept.template, "Custom::S3AutoDeleteObjects") == {}


def test_disposable_buckets_are_emptied_and_deleted(disposable: Built) -> None:
    stack = Stack.of(disposable.data)
    for resource in both(disposable):
        assert resource.get("DeletionPolicy", "Delete") == "Delete"
    emptied = {
        stack.resolve(r["Properties"]["BucketName"])["Ref"]
        for r in resources(disposable.template, "Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == {
        stack.resolve(b.bucket_name)["Ref"] for b in (disposable.data, disposable.logs.bucket)
    }


def test_the_data_bucket_logs_its_access_into_the_log_bucket(kept: Built) -> None:
    logs_id = Stack.of(kept.data).resolve(kept.logs.bucket.bucket_name)
    assert bucket(kept, kept.data)["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": logs_id,
        "LogFilePrefix": "data/",
    }


def test_the_log_bucket_takes_acl_writes_and_keeps_logs_ninety_days(kept: Built) -> None:
    properties = bucket(kept, kept.logs.bucket)["Properties"]
    assert properties["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]
    }
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["ExpirationInDays"]) == ("Enabled", LOG_DAYS)
    assert "loop" in acknowledged(kept.logs.bucket)["AwsSolutions-S1"]


def test_the_given_lifecycle_rules_apply(kept: Built) -> None:
    (rule,) = bucket(kept, kept.data)["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Id"] == "Old"
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
