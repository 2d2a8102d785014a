"""The compliance packs every app built from this package runs on synth."""

from __future__ import annotations

from typing import cast

from aws_cdk import App, IPolicyValidationPlugin, Validations
from cdk_nag import AwsSolutionsChecks
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator


def add_compliance_checks(app: App) -> None:
    """Run cdk-nag AwsSolutions and the AWS Control Tower proactive controls (cfn-guard) over
    the whole app; unacknowledged findings fail ``synth`` and are listed in the assembly's
    validation-report.json.
    """
    # The plugin's published types still name the Beta1 interfaces of the same protocol.
    control_tower = cast(
        IPolicyValidationPlugin, CfnGuardValidator(control_tower_rules_enabled=True)
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), control_tower)
