"""The validators an app built from this package runs on a validating synth."""

from __future__ import annotations

from typing import cast

from aws_cdk import App, CloudFormationValidatePlugin, IPolicyValidationPlugin, Validations
from cdk_nag import AwsSolutionsChecks
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

from .validators import CDK_NAG, CFN_GUARD, CLOUDFORMATION, VALIDATORS


def add_compliance_checks(app: App, validators: tuple[str, ...] = VALIDATORS) -> None:
    """Run ``validators`` over the whole app: cdk-nag AwsSolutions, the AWS Control Tower
    proactive controls (cfn-guard) and aws-cdk-lib's CloudFormation validation. Unacknowledged
    findings fail ``synth`` and are listed in the assembly's validation-report.json.

    The CloudFormation validation is registered here explicitly, so that it runs exactly when
    the other validators do: an app created with ``builtin_cloud_formation_validation=False``
    runs none of them until this is called, and an explicit instance replaces the built-in
    one instead of running twice (aws-cdk-lib ``AppProps.builtinCloudFormationValidation``).
    """
    plugins: list[IPolicyValidationPlugin] = []
    if CDK_NAG in validators:
        plugins.append(AwsSolutionsChecks(app))
    if CFN_GUARD in validators:
        # The plugin's published types still name the Beta1 interfaces of the same protocol.
        plugins.append(
            cast(IPolicyValidationPlugin, CfnGuardValidator(control_tower_rules_enabled=True))
        )
    if CLOUDFORMATION in validators:
        plugins.append(CloudFormationValidatePlugin())
    Validations.of(app).add_plugins(*plugins)
