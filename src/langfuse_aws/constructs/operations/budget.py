"""An AWS Budgets cost budget for one environment, with actual and forecast alerts."""

from __future__ import annotations

from aws_cdk import aws_budgets as budgets
from constructs import Construct

from ...config.models import BudgetConfig

# Cost Explorer names a user tag filter "user:<key>$<value>".
TAG_FILTER = "user:environment${name}"


class CostBudget(Construct):
    """Monthly COST budget limited to resources tagged environment=<name>.

    Two notifications go to the YAML's addresses: actual cost above ``actual_percent`` and the
    month's forecast above ``forecast_percent`` of the limit.
    """

    def __init__(
        self, scope: Construct, id_: str, *, environment_name: str, config: BudgetConfig
    ) -> None:
        super().__init__(scope, id_)
        subscribers = [
            budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=address)
            for address in config.emails
        ]
        alerts = [("ACTUAL", config.actual_percent), ("FORECASTED", config.forecast_percent)]
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=f"langfuse-{environment_name}",
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=config.monthly_usd, unit="USD"),
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
