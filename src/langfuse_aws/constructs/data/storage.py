"""S3: the Langfuse bucket (events/, media/, exports/)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ...compliance import acknowledge
from .buckets import hardened_bucket
from .protection import DataProtection

EVENTS_PREFIX = "events/"
MEDIA_PREFIX = "media/"
EXPORTS_PREFIX = "exports/"
LANGFUSE_PREFIXES = (EVENTS_PREFIX, MEDIA_PREFIX, EXPORTS_PREFIX)
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")


BROWSER_UPLOAD_HEADERS = ("content-type", "x-amz-checksum-sha256")


@dataclass(frozen=True)
class StorageProps:
    """The bucket's lifecycle, its protection and where it writes its access logs."""

    protection: DataProtection
    access_logs: s3.IBucket
    noncurrent_version_expiry_days: int
    """Overwritten or deleted object versions are deleted after this many days."""
    events_expiry_days: int | None = None
    """Raw event objects (events/) are deleted after this many days; None keeps them."""


class Storage(Construct):
    """One encrypted, versioned, TLS-only bucket for Langfuse's blobs.

    Events may expire after N days (config); media never expires because traces link to it.
    Task roles get object access limited to the three prefixes via ``grant_langfuse_access``.
    """

    def __init__(self, scope: Construct, id_: str, *, props: StorageProps) -> None:
        super().__init__(scope, id_)
        rules = [
            s3.LifecycleRule(
                id="ExpireOldVersions",
                noncurrent_version_expiration=Duration.days(props.noncurrent_version_expiry_days),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ]
        if props.events_expiry_days is not None:
            rules.append(
                s3.LifecycleRule(
                    id="ExpireEvents",
                    prefix=EVENTS_PREFIX,
                    expiration=Duration.days(props.events_expiry_days),
                )
            )
        self.bucket = hardened_bucket(
            self,
            retain=props.protection.retain,
            lifecycle_rules=rules,
            access_logs=props.access_logs,
            access_logs_prefix="s3/langfuse/",
        )

    def allow_browser_uploads(self, origin: str) -> None:
        """Let the Langfuse UI at ``origin`` PUT media straight to the bucket.

        Dataset item attachments are uploaded by the browser with a presigned PUT URL, sending
        Content-Type and x-amz-checksum-sha256 (Langfuse's useDatasetItemMediaUpload); without
        a CORS rule the browser refuses the cross-origin request. Only that origin, only PUT.
        """
        self.bucket.add_cors_rule(
            allowed_origins=[origin],
            allowed_methods=[s3.HttpMethods.PUT],
            allowed_headers=list(BROWSER_UPLOAD_HEADERS),
            max_age=3000,
        )

    def grant_langfuse_access(self, role: iam.IRole) -> None:
        """Allow ``role`` to read, write and delete objects under the Langfuse prefixes only."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(OBJECT_ACTIONS),
                resources=[
                    self.bucket.arn_for_objects(f"{prefix}*") for prefix in LANGFUSE_PREFIXES
                ],
            )
        )
        bucket_id = Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        for prefix in LANGFUSE_PREFIXES:
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]",
                f"Langfuse names each object under {prefix} itself at run time, so access is "
                "limited to that prefix rather than to named objects.",
            )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in LANGFUSE_PREFIXES]}},
            )
        )
