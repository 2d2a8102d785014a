"""Which validators a synth runs, chosen by the CDK context ``validate``.

The validators (cdk-nag AwsSolutions, the AWS Control Tower proactive controls through
cfn-guard, and aws-cdk-lib's CloudFormation validation) cost most of a synth's CPU and change
nothing in the templates, so they run where they protect: on every shipped config in the gate
(``make synth VALIDATE=true``) and once on the exact assembly before a deploy. A plain synth,
diff, cost estimate or diagram runs none of them.

    -c validate=true                  every validator
    -c validate=false (or no value)   none
    -c validate=cdk-nag,cfn-guard     only those (``make bench`` prices each one)
"""

from __future__ import annotations

VALIDATE_CONTEXT = "validate"
CDK_NAG = "cdk-nag"
CFN_GUARD = "cfn-guard"
CLOUDFORMATION = "cloudformation"
VALIDATORS: tuple[str, ...] = (CDK_NAG, CFN_GUARD, CLOUDFORMATION)


class ValidateContextError(ValueError):
    """The context value ``validate`` is none of the forms above; the message says the fix."""


def requested_validators(value: object) -> tuple[str, ...]:
    """The validators that the context value ``value`` asks for, in the order of VALIDATORS.

    The CDK CLI passes ``-c validate=true`` as the string "true"; cdk.json or a program may
    pass a JSON boolean. Anything else that is not a list of known names is refused.
    """
    if value is None or value is False:
        return ()
    if value is True:
        return VALIDATORS
    text = str(value).strip().lower()
    if text in ("", "false"):
        return ()
    if text == "true":
        return VALIDATORS
    names = {name.strip() for name in text.split(",")}
    unknown = sorted(names - set(VALIDATORS))
    if unknown:
        raise ValidateContextError(
            f"CDK context {VALIDATE_CONTEXT}={value!r}: {', '.join(unknown)} is not a validator; "
            f"expected true, false or a comma-separated list of {', '.join(VALIDATORS)} "
            f"(for example -c {VALIDATE_CONTEXT}=true)."
        )
    return tuple(name for name in VALIDATORS if name in names)
