"""CDK feature flags this app is written for; passed to every App it creates.

``CHOSEN_FLAGS`` are decisions, each with its reason. Every other flag aws-cdk-lib knows is pinned
in ``feature_flags_pinned.json`` at the value CDK uses when the flag is unset (written by
``scripts/pin_feature_flags.py``), so synth prints no "feature flags are not configured" notice
and the templates are what CDK's defaults give.
"""

from __future__ import annotations

import json
from pathlib import Path

CHOSEN_FLAGS: dict[str, object] = {
    # Grant S3 log delivery through a bucket policy instead of the legacy AccessControl ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    # Fargate task definitions keep only the CloudWatch permissions they use.
    "@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions": True,
    # IAM policies are merged so that each role has few, small statements.
    "@aws-cdk/aws-iam:minimizePolicies": True,
    # Cross-region references (us-east-1 certificates and web ACL) are read at deploy time with
    # Fn::GetStackOutput instead of CDK's SSM export writer and reader Lambda functions: no
    # custom resources, and nothing runs outside the templates. Deleting the us-east-1 stack
    # first is prevented by `make destroy`, which deletes the main stack first.
    "@aws-cdk/core:defaultCrossStackReferences": "weak",
    # The Cognito custom domain's alias reads the CloudFront endpoint from the domain resource
    # itself, instead of the deprecated custom-resource lookup (cloudFrontDomainName).
    "@aws-cdk/aws-route53-targets:userPoolDomainNameMethodWithoutCustomResource": True,
    # Every stack names its region, so CDK emits no region lookup tables; should one ever be
    # emitted, it covers the partitions CDK recommends instead of all of them.
    "@aws-cdk/core:target-partitions": ["aws", "aws-cn"],
    # CDK's CloudFormation validation fails synth instead of printing warnings. It runs only on
    # a validating synth (-c validate=true, compliance/validators.py); the flag changes nothing
    # in the templates (tests/test_validators.py).
    "@aws-cdk/core:validateAgainstDefaultRules": True,
}

PINNED_FLAGS: dict[str, object] = json.loads(
    (Path(__file__).with_name("feature_flags_pinned.json")).read_text()
)

FEATURE_FLAGS: dict[str, object] = {**PINNED_FLAGS, **CHOSEN_FLAGS}
