"""The environment's cost budget: its own costs only, alerts on actual and forecast cost."""

from __future__ import annotations

import pytest

from langfuse_aws.config import ConfigError
from langfuse_aws.config.loader import parse_config
from synth import SynthesizedEnvironment


def test_example_budget_filters_by_the_environment_tag(example: SynthesizedEnvironment) -> None:
    (budget,) = example.resources("AWS::Budgets::Budget").values()
    data = budget["Properties"]["Budget"]
    assert data["BudgetType"] == "COST"
    assert data["TimeUnit"] == "MONTHLY"
    assert data["BudgetLimit"] == {"Amount": 400, "Unit": "USD"}
    # Cost Explorer's tag filter syntax, on the tag every resource of the stack carries.
    assert data["CostFilters"] == {"TagKeyValue": ["user:environment$example"]}
    assert data["BudgetName"] == "langfuse-example"
    alerts = {
        n["Notification"]["NotificationType"]: n
        for n in budget["Properties"]["NotificationsWithSubscribers"]
    }
    assert set(alerts) == {"ACTUAL", "FORECASTED"}
    assert alerts["ACTUAL"]["Notification"]["Threshold"] == 80
    assert alerts["FORECASTED"]["Notification"]["Threshold"] == 100
    for alert in alerts.values():
        assert alert["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        assert alert["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert alert["Subscribers"] == [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}]


def test_every_resource_carries_the_environment_tag_the_budget_filters_on(
    example: SynthesizedEnvironment,
) -> None:
    (bucket,) = [
        v for k, v in example.resources("AWS::S3::Bucket").items() if k.startswith("Storage")
    ]
    assert {"Key": "environment", "Value": "example"} in bucket["Properties"]["Tags"]


def test_no_budget_unless_configured(dev: SynthesizedEnvironment) -> None:
    assert dev.config.budget is None
    assert dev.resources("AWS::Budgets::Budget") == {}


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("{monthly_usd: 0, emails: [a@example.com]}", "budget.monthly_usd"),
        ("{monthly_usd: 100, emails: []}", "budget.emails"),
        ("{monthly_usd: 100, emails: [not-an-address]}", "budget.emails.0"),
    ],
)
def test_bad_budgets_are_refused(budget: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"name: tt\nregion: eu-west-1\nbudget: {budget}\n", "cfg.yaml")
    assert f"cfg.yaml: {message} " in str(caught.value)
