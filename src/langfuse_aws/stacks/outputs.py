"""The main stack's outputs: where to open Langfuse, how to log in, and first commands to run.

They are the operator's first screen after a deploy (and what `langfuse-aws smoke` and
`status` read), so each says what it is for.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack

from ..alarm_destination import alarm_destination
from ..clickhouse_drill import BACKUP_BUCKET_OUTPUT
from ..config.models import AuthConfig, EnvironmentConfig
from ..config.posture import who_can_sign_in
from ..constructs.login.cognito import CognitoAuth
from ..langfuse import contract
from ..langfuse.auth_variables import callback_path


def add_outputs(
    stack: Stack,
    *,
    public_url: str,
    auth: AuthConfig,
    cognito: CognitoAuth | None,
    web_log_group_name: str,
    cluster_name: str,
) -> None:
    """Add the outputs to ``stack`` (their ids are the output names operators script on)."""
    CfnOutput(stack, "LangfuseUrl", value=public_url, description="Open Langfuse here")
    modes = (["cognito"] if auth.cognito else []) + [p.type for p in auth.providers]
    if auth.password_login:
        modes.append("password")
    CfnOutput(stack, "AuthMode", value=" + ".join(modes), description="Ways to log in")
    CfnOutput(
        stack,
        "WhoCanSignIn",
        value=who_can_sign_in(auth),
        description="Who may get a Langfuse account (auth.signup and the identity providers)",
    )
    CfnOutput(
        stack, "LoginUrl", value=f"{public_url}/auth/sign-in", description="Langfuse sign-in page"
    )
    for provider in auth.providers:
        CfnOutput(
            stack,
            f"CallbackUrl{provider.type.title().replace('-', '')}",
            value=f"{public_url}{callback_path(provider.type)}",
            description=f"Register this redirect URI at {provider.type}",
        )
    if cognito is not None:
        _cognito_outputs(stack, cognito)
    CfnOutput(
        stack,
        "HealthCheckCommand",
        value=f"curl -fsS {public_url}{contract.WEB_HEALTH_PATH}",
        description="Checks that Langfuse web answers",
    )
    CfnOutput(
        stack,
        "WebLogsCommand",
        value=f"aws logs tail {web_log_group_name} --follow --region {stack.region}",
        description="Follows the web container logs",
    )
    CfnOutput(
        stack,
        "ClusterName",
        value=cluster_name,
        description="ECS cluster (aws ecs list-services --cluster <name>)",
    )


def _cognito_outputs(stack: Stack, cognito: CognitoAuth) -> None:
    pool_id = cognito.user_pool.user_pool_id
    CfnOutput(stack, "UserPoolId", value=pool_id, description="Cognito user pool")
    CfnOutput(stack, "CognitoCallbackUrl", value=cognito.callback_url)
    CfnOutput(
        stack, "CognitoLoginUrl", value=cognito.login_url, description="Cognito managed login page"
    )
    CfnOutput(
        stack,
        "CreateUserCommand",
        value=(
            f"aws cognito-idp admin-create-user --region {stack.region} --user-pool-id "
            f"{pool_id} --username you@example.com --user-attributes "
            "Name=email,Value=you@example.com Name=email_verified,Value=true"
        ),
        description="Creates the first user (Cognito emails a temporary password)",
    )


def add_clickhouse_backup_bucket(stack: Stack, bucket_name: str | None) -> None:
    """Output ``ClickHouseBackupBucket`` (clickhouse_drill.BACKUP_BUCKET_OUTPUT), when this
    stack takes ClickHouse's own backups: `restore-drill` and `plan --clickhouse-restore-from`
    find the backups through it."""
    if bucket_name is None:
        return
    CfnOutput(
        stack,
        BACKUP_BUCKET_OUTPUT,
        value=bucket_name,
        description="Bucket of ClickHouse's daily backups (restore-drill reads it)",
    )


def add_alarm_destination(stack: Stack, config: EnvironmentConfig) -> None:
    """Output ``AlarmDestination``: where this stack's alarms go, or that they reach nobody."""
    CfnOutput(
        stack,
        "AlarmDestination",
        value=alarm_destination(config).summary,
        description="Where the CloudWatch alarms of this stack go",
    )
