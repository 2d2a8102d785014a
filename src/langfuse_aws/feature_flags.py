"""CDK feature flags this app is written for; passed to every App it creates."""

FEATURE_FLAGS: dict[str, object] = {
    # Grant S3 log delivery through a bucket policy instead of the legacy AccessControl ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    # Fargate task definitions keep only the CloudWatch permissions they use.
    "@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions": True,
    # IAM policies are merged so that each role has few, small statements.
    "@aws-cdk/aws-iam:minimizePolicies": True,
}
