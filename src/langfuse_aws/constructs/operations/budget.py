"""An AWS Budgets cost budget for one environment, with actual and forecast alerts."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_budgets as budgets
from constructs import Construct

# Cost Explorer names a user tag filter "user:<key>$<value>".
TAG_FILTER = "user:environment${name}"


@dataclass(frozen=True)
class BudgetProps:
    """The monthly limit, who is alerted, and at which shares of the limit."""

    environment_name: str
    monthly_usd: float
    emails: list[str]
    """Who gets the alerts (1 to 10 addresses)."""
    actual_percent: int = 80
    """Alert when the month's actual cost passes this share of the limit."""
    forecast_percent: int = 100
    """Alert when the month's forecast passes this share of the limit."""


class CostBudget(Construct):
    """Monthly COST budget limited to resources tagged environment=<name>.

    Two notifications go to the given addresses: actual cost above ``actual_percent`` and the
    month's forecast above ``forecast_percent`` of the limit.
    """

    def __init__(self, scope: Construct, id_: str, *, props: BudgetProps) -> None:
        super().__init__(scope, id_)
        environment_name = props.environment_name
        subscribers = [
            budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=address)
            for address in props.emails
        ]
        alerts = [("ACTUAL", props.actual_percent), ("FORECASTED", props.forecast_percent)]
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=f"langfuse-{environment_name}",
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=props.monthly_usd, unit="USD"),
                cost_filters={"TagKeyValue": [TAG_FILTER.format(name=environment_name)]},
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind,
                        comparison_operator="GREATER_THAN",
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for kind, percent in alerts
            ],
        )
