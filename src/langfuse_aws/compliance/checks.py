"""The compliance packs every app built from this package runs on synth."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks


def add_compliance_checks(app: App) -> None:
    """Run cdk-nag AwsSolutions over the whole app; unacknowledged findings fail ``synth``."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
