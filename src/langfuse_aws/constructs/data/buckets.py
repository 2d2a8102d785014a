"""The one way this app makes an S3 bucket: encrypted, private, TLS-only and versioned, kept
or emptied and deleted with the stack as the environment's data_protection says; and the
bucket that receives access logs."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ...compliance import acknowledge, control_tower
from .protection import DataProtection, data_removal_policy


def hardened_bucket(
    scope: Construct,
    *,
    retain: bool,
    lifecycle_rules: Sequence[s3.LifecycleRule],
    access_logs: s3.IBucket | None = None,
    access_logs_prefix: str | None = None,
    receives_logs: bool = False,
) -> s3.Bucket:
    """A bucket named ``Bucket`` in ``scope`` with SSE-S3, all public access blocked, TLS
    enforced by its policy and versioning on.

    ``receives_logs``: the bucket takes S3, load balancer and CloudFront access logs, and
    CloudFront's standard logging writes with ACLs, so the bucket owner must own the objects.
    A disposable environment empties the bucket when the stack is deleted.
    """
    bucket = s3.Bucket(
        scope,
        "Bucket",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED if receives_logs else None,
        versioned=True,
        lifecycle_rules=list(lifecycle_rules),
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=access_logs_prefix,
        removal_policy=data_removal_policy(retain),
        auto_delete_objects=not retain,
    )
    control_tower.bucket(bucket, log_bucket=receives_logs)
    return bucket


class LogBucket(Construct):
    """Bucket that receives S3, load balancer and CloudFront access logs (kept 90 days).

    CloudFront writes here only where its standard logging can deliver: not in opt-in regions
    (see ``edge.cloudfront.delivers_standard_logs``).
    """

    def __init__(self, scope: Construct, id_: str, *, protection: DataProtection) -> None:
        super().__init__(scope, id_)
        self.bucket = hardened_bucket(
            self,
            retain=protection.retain,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireLogs",
                    expiration=Duration.days(90),
                    noncurrent_version_expiration=Duration.days(7),
                )
            ],
            receives_logs=True,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "This is the access-log bucket itself; logging it into itself would loop and "
            "another bucket would only move the same finding.",
        )
