"""AWS Control Tower proactive controls (cfn-guard) this app reviewed and accepts, with why.

Each function acknowledges the named controls on one construct. The reasons are facts about
this deployment; a control that names a real gap is fixed in the construct instead.
"""

from __future__ import annotations

from constructs import IConstruct

from .acknowledge import acknowledge

GUARD = "cdk-validator-cfnguard::"


def log_group(group: IConstruct) -> None:
    """Log groups: retention comes from the YAML, encryption from CloudWatch itself."""
    acknowledge(
        group,
        GUARD + "cloudwatch_log_group_retention_period_check",
        "Retention is the environment's logs.retention_days from the YAML; operational logs "
        "older than that are not needed and a year of them costs more than the app.",
    )
    acknowledge(
        group,
        GUARD + "cloudwatch_log_group_encrypted_check",
        "CloudWatch Logs encrypts every log group at rest with AWS-owned keys; a customer key "
        "would add cost and a key policy without excluding any reader that the key does not.",
    )


def function_outside_vpc(function: IConstruct) -> None:
    """Lambda functions that only call AWS APIs (CDK handlers, the Cognito trigger)."""
    acknowledge(
        function,
        GUARD + "lambda_inside_vpc_check",
        "This function only calls AWS APIs or answers Cognito and reaches nothing in the VPC, "
        "so attaching it to the VPC would add a NAT dependency and protect nothing.",
    )


def bucket(bucket_resource: IConstruct, *, log_bucket: bool) -> None:
    """Buckets: SSE-S3, no event consumers, expiring objects."""
    acknowledge(
        bucket_resource,
        GUARD + "s3_bucket_default_encryption_kms_check",
        "Objects are encrypted with SSE-S3; S3 server access log delivery and Langfuse's "
        "presigned browser uploads both work without a KMS key policy to maintain.",
    )
    acknowledge(
        bucket_resource,
        GUARD + "s3_event_notifications_enabled_check",
        "Nothing consumes object events from this bucket: Langfuse reads it through its own "
        "queue in Valkey, and logs are read on demand.",
    )
    acknowledge(
        bucket_resource,
        GUARD + "s3_bucket_object_lock_enabled_check",
        "Objects must be deletable: lifecycle rules expire logs and old versions, and Langfuse "
        "deletes events and exports; versioning keeps overwritten objects recoverable instead.",
    )
    if log_bucket:
        acknowledge(
            bucket_resource,
            GUARD + "s3_bucket_logging_enabled_check",
            "This bucket receives access logs itself; logging it into another bucket would only "
            "move the same finding one bucket further.",
        )


def container_with_writable_root(task: IConstruct, why: str) -> None:
    """Containers whose image writes below its root file system at run time."""
    acknowledge(task, GUARD + "ecs_containers_readonly_access_check", why)


def container_starting_as_root(task: IConstruct, why: str) -> None:
    """Containers whose image must start as root and drop privileges itself."""
    acknowledge(task, GUARD + "ecs_task_definition_nonroot_user_check", why)
