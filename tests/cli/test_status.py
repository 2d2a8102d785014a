"""`langfuse-aws status`: stacks, services and URLs, read from AWS (moto, and a Stubber for an
ECS service that has finished rolling out, which moto cannot run)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from typer.testing import CliRunner

from langfuse_aws.cli import app as app_module
from langfuse_aws.cli.status import EnvironmentStatus, read_status
from langfuse_aws.config import build_config
from langfuse_aws.naming import (
    GLOBAL_REGION,
    edge_alarms_stack_name,
    global_stack_name,
    main_stack_name,
)

REGION = "eu-west-1"
CONFIG = build_config({"name": "tt", "region": REGION})
OUTPUTS = {
    "LangfuseUrl": "https://d111.cloudfront.net",
    "CognitoLoginUrl": "https://tt.auth.eu-west-1.amazoncognito.com/login",
    "ClusterName": "langfuse-tt",
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {k: {"Value": v} for k, v in OUTPUTS.items()},
        }
        boto3.client("cloudformation", REGION).create_stack(
            StackName=main_stack_name("tt"), TemplateBody=json.dumps(template)
        )
        yield


def clients(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)


def status_with_services(services: list[dict[str, Any]]) -> EnvironmentStatus:
    """The status of the deployed test environment whose cluster runs ``services``."""
    ecs, stubber = ecs_with_services(services)
    with stubber:
        return read_status(CONFIG, lambda s, r: ecs if s == "ecs" else clients(s, r))


def ecs_with_services(services: list[dict[str, Any]]) -> tuple[Any, Stubber]:
    client = boto3.client("ecs", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_response(
        "list_services",
        {"serviceArns": [f"arn:aws:ecs:{REGION}:1:service/{s['serviceName']}" for s in services]},
        {"cluster": "langfuse-tt"},
    )
    stubber.add_response(
        "describe_services",
        {"services": services},
        {
            "cluster": "langfuse-tt",
            "services": [f"arn:aws:ecs:{REGION}:1:service/{s['serviceName']}" for s in services],
        },
    )
    return client, stubber


def service(name: str, running: int, desired: int, rollout: str) -> dict[str, Any]:
    return {
        "serviceName": name,
        "runningCount": running,
        "desiredCount": desired,
        "pendingCount": desired - running,
        "deployments": [{"status": "PRIMARY", "rolloutState": rollout}],
    }


@pytest.mark.usefixtures("aws")
def test_running_environment_is_healthy() -> None:
    found = status_with_services(
        [service("Web", 1, 1, "COMPLETED"), service("Worker", 1, 1, "COMPLETED")]
    )
    assert found.stacks == [
        (global_stack_name("tt"), GLOBAL_REGION, "not deployed"),
        (main_stack_name("tt"), REGION, "CREATE_COMPLETE"),
        (edge_alarms_stack_name("tt"), GLOBAL_REGION, "not deployed"),
    ]
    assert found.url == OUTPUTS["LangfuseUrl"]
    assert found.login_url == OUTPUTS["CognitoLoginUrl"]
    assert [(s.name, s.running, s.desired) for s in found.services] == [
        ("Web", 1, 1),
        ("Worker", 1, 1),
    ]
    assert found.healthy


@pytest.mark.usefixtures("aws")
def test_a_service_short_of_tasks_is_not_healthy() -> None:
    found = status_with_services(
        [service("Web", 1, 1, "COMPLETED"), service("ClickHouse", 0, 1, "IN_PROGRESS")]
    )
    assert not found.healthy


def test_nothing_deployed_is_not_healthy(aws: None) -> None:
    found = read_status(build_config({"name": "other", "region": REGION}), clients)
    assert {state for *_, state in found.stacks} == {"not deployed"}
    assert not found.healthy


@pytest.mark.usefixtures("aws")
def test_cli_prints_stacks_services_and_urls(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    config = tmp_path / "tt.yaml"
    config.write_text(f"name: tt\nregion: {REGION}\n")
    ecs, stubber = ecs_with_services([service("Web", 1, 1, "COMPLETED")])
    monkeypatch.setattr(
        app_module, "boto3_clients", lambda: lambda s, r: ecs if s == "ecs" else clients(s, r)
    )
    with stubber:
        result = CliRunner().invoke(app_module.app, ["status", str(config)])
    assert result.exit_code == 0, result.output
    assert "CREATE_COMPLETE" in result.output
    assert f"URL: {OUTPUTS['LangfuseUrl']}" in result.output


def test_cli_without_credentials_says_how_to_log_in(
    no_aws_credentials: None, tmp_path: Any
) -> None:
    config = tmp_path / "tt.yaml"
    config.write_text(f"name: tt\nregion: {REGION}\n")
    result = CliRunner().invoke(app_module.app, ["status", str(config)])
    assert result.exit_code == 1
    assert "aws sso login" in result.output
