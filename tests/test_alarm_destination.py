"""Where alarms go: the `AlarmDestination` output and `langfuse-aws doctor` tell the operator,
and an environment that keeps data without anyone hearing its alarms is warned."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from langfuse_aws.alarm_destination import alarm_destination
from langfuse_aws.cli import app as app_module
from langfuse_aws.cli.doctor import Check, Doctor
from langfuse_aws.config import build_config
from synth import SynthesizedEnvironment

REGION = "eu-west-1"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:ops-chat"
GLOBAL_TOPIC = "arn:aws:sns:us-east-1:123456789012:ops-chat-global"
BASE: dict[str, Any] = {"name": "tt", "region": REGION}
DISPOSABLE: dict[str, Any] = {"data_protection": "disposable", "backup": {"enabled": False}}
# One region only: an internet-facing load balancer raises no alarm in us-east-1.
ALB: dict[str, Any] = BASE | {"edge": {"mode": "alb", "allow_insecure_http": True}}
NOBODY = "no subscriber: alarms reach nobody; set monitoring.emails or monitoring.topic_arn"


def test_alarms_without_a_subscriber_reach_nobody_and_say_so() -> None:
    """A new topic without `monitoring.emails` has no subscriber: the output says so and how
    to fix it, with a warning when the environment keeps data."""
    retaining = alarm_destination(build_config(BASE))
    assert retaining.reaches_nobody
    assert retaining.summary == f"WARNING: {NOBODY}"
    disposable = alarm_destination(build_config(BASE | DISPOSABLE))
    assert disposable.reaches_nobody
    assert disposable.summary == NOBODY


def test_email_subscribers_and_existing_topics_are_named() -> None:
    emails = build_config(BASE | {"monitoring": {"emails": ["a@example.com", "b@example.com"]}})
    for global_region in (False, True):  # us-east-1 gets a topic with the same subscribers
        found = alarm_destination(emails, global_region=global_region)
        assert not found.reaches_nobody
        assert found.emails == 2
        assert "2 e-mail subscribers" in found.summary
    topics = build_config(
        BASE | {"monitoring": {"topic_arn": TOPIC, "global_topic_arn": GLOBAL_TOPIC}}
    )
    assert alarm_destination(topics).topic_arn == TOPIC
    assert alarm_destination(topics, global_region=True).topic_arn == GLOBAL_TOPIC
    assert TOPIC in alarm_destination(topics).summary


def test_a_us_east_1_topic_serves_the_cloudfront_alarms_too() -> None:
    """CloudWatch notifies only a topic in the alarm's region: a `topic_arn` in us-east-1 also
    receives the us-east-1 CloudFront alarms."""
    config = build_config(BASE | {"monitoring": {"topic_arn": GLOBAL_TOPIC}})
    assert alarm_destination(config, global_region=True).topic_arn == GLOBAL_TOPIC


def test_no_alarms_no_warning() -> None:
    found = alarm_destination(build_config(BASE | {"monitoring": {"enabled": False}}))
    assert not found.reaches_nobody
    assert "monitoring.enabled is false" in found.summary


def test_stack_outputs_say_where_alarms_go(
    example: SynthesizedEnvironment, prod: SynthesizedEnvironment
) -> None:
    """example keeps data and names no subscriber; prod mails one on-call address."""
    assert example.edge_alarms_stack is not None and prod.edge_alarms_stack is not None
    for env, stack in ((example, None), (example, example.edge_alarms_stack)):
        outputs = env.templates[stack or env.main_stack]["Outputs"]
        assert outputs["AlarmDestination"]["Value"] == f"WARNING: {NOBODY}"
    assert prod.config.monitoring.emails == ["oncall@example.com"]
    for stack in (prod.main_stack, prod.edge_alarms_stack):
        value = prod.templates[stack]["Outputs"]["AlarmDestination"]["Value"]
        assert value.startswith("new SNS topic with 1 e-mail subscriber ")
    assert "AlarmDestination: WARNING: no subscriber" in example.cli_output


# --- doctor -------------------------------------------------------------------------------


def subscription(arn: str) -> dict[str, str]:
    return {"SubscriptionArn": arn, "Protocol": "email", "Endpoint": "x@example.com",
            "TopicArn": TOPIC, "Owner": "123456789012"}  # fmt: skip


def doctor_checks(config_doc: dict[str, Any], stub: Any = None) -> dict[str, Check]:
    """Only doctor's alarm-destination checks, SNS answered by ``stub`` (a Stubber setup)."""
    clients: dict[str, Any] = {}

    def client(service: str, region: str) -> Any:
        assert service == "sns"
        if region not in clients:
            clients[region] = boto3.client("sns", region_name=region)
        return clients[region]

    doctor = Doctor(build_config(config_doc), client, "tt")
    sns = client("sns", REGION)
    with Stubber(sns) as stubber:
        if stub is not None:
            stub(stubber)
        doctor.alarm_destinations()
        stubber.assert_no_pending_responses()
    return {check.name: check for check in doctor.checks}


def test_doctor_counts_confirmed_subscribers_of_an_existing_topic() -> None:
    """ListSubscriptionsByTopic: a subscription awaiting confirmation has the SubscriptionArn
    "PendingConfirmation" and receives nothing."""

    def stub(stubber: Stubber) -> None:
        stubber.add_response(
            "list_subscriptions_by_topic",
            {"Subscriptions": [subscription(f"{TOPIC}:1a2b"), subscription("PendingConfirmation")]},
            {"TopicArn": TOPIC},
        )

    check = doctor_checks(ALB | {"monitoring": {"topic_arn": TOPIC}},
                          stub)[f"alarm destination {REGION}"]  # fmt: skip
    assert check.ok and not check.warning
    assert check.detail == f"{TOPIC}: 1 confirmed subscriber(s), 1 pending confirmation"


def test_doctor_warns_when_nobody_confirmed() -> None:
    def stub(stubber: Stubber) -> None:
        stubber.add_response(
            "list_subscriptions_by_topic",
            {"Subscriptions": [subscription("PendingConfirmation")]},
            {"TopicArn": TOPIC},
        )

    check = doctor_checks(ALB | {"monitoring": {"topic_arn": TOPIC}},
                          stub)[f"alarm destination {REGION}"]  # fmt: skip
    assert check.ok and check.warning
    assert "alarms reach nobody" in check.detail


def test_doctor_fails_on_a_topic_that_does_not_exist() -> None:
    def stub(stubber: Stubber) -> None:
        stubber.add_client_error(
            "list_subscriptions_by_topic", service_error_code="NotFound", http_status_code=404
        )

    check = doctor_checks(ALB | {"monitoring": {"topic_arn": TOPIC}},
                          stub)[f"alarm destination {REGION}"]  # fmt: skip
    assert not check.ok
    assert "does not exist" in check.detail
    assert "monitoring.topic_arn" in check.fix


def test_doctor_warns_a_retaining_environment_without_subscribers() -> None:
    """Without a topic or e-mails, both regions of a CloudFront environment reach nobody: a
    warning (doctor still passes) for retained data, a note for a disposable one."""
    retaining = doctor_checks(BASE)
    assert set(retaining) == {f"alarm destination {REGION}", "alarm destination us-east-1"}
    for check in retaining.values():
        assert check.ok and check.warning
        assert check.fix == "set monitoring.emails or monitoring.topic_arn"
    for check in doctor_checks(BASE | DISPOSABLE).values():
        assert check.ok and not check.warning
    mails = doctor_checks(BASE | {"monitoring": {"emails": ["oncall@example.com"]}})
    assert all(c.ok and not c.warning and not c.fix for c in mails.values())


def test_doctor_prints_a_warning_as_warn(capsys: pytest.CaptureFixture[str]) -> None:
    app_module.print_checks("t", [Check("alarm destination", True, "nobody", "fix", True)])
    assert "WARN" in capsys.readouterr().out
