"""Names unique to one creation of a stack: they carry the first segment of the stack id's
UUID, resolved by CloudFormation at deploy time.

Rules the expected values come from:
- ``AWS::StackId`` is ``arn:aws:cloudformation:us-west-2:123456789012:stack/teststack/
  51af3dc0-da77-11e4-872e-1234567db123`` (CloudFormation User Guide, "Pseudo parameters
  reference", AWS::StackId): its third ``/``-separated part is the UUID, new for every
  creation of the stack and unchanged while the stack exists.
- ``Fn::Select`` indexes from 0 and ``Fn::Split`` splits on a literal delimiter
  (CloudFormation Template Reference, intrinsic functions).
- docs/data.md: every kept resource has a name unique to the deployment that created it, so
  deploying again after a destroy creates new resources beside the kept ones.
"""

from __future__ import annotations

from aws_cdk import Stack

from cfn_eval import evaluate, pseudo_parameters
from construct_stack import bare_stack
from langfuse_aws.constructs.data.deployment_names import deployment_name, deployment_suffix

DOCUMENTED_UUID = "51af3dc0-da77-11e4-872e-1234567db123"
STACK_UUID_SEGMENT = {
    "Fn::Select": [
        0,
        {
            "Fn::Split": [
                "-",
                {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
            ]
        },
    ]
}


def build_name(stack: Stack, prefix: str) -> object:
    """The one place this file asks for a name: resolved as it appears in the template."""
    return stack.resolve(deployment_name(stack, prefix))


def test_the_suffix_is_the_first_segment_of_the_stack_id_s_uuid() -> None:
    stack = bare_stack()
    assert stack.resolve(deployment_suffix(stack)) == STACK_UUID_SEGMENT


def test_the_name_joins_the_prefix_and_the_suffix_with_a_hyphen() -> None:
    stack = bare_stack()
    assert build_name(stack, "Langfuse-dev") == {
        "Fn::Join": ["-", ["Langfuse-dev", STACK_UUID_SEGMENT]]
    }


def test_cloudformation_resolves_it_to_eight_hex_digits_of_this_deployment() -> None:
    name = build_name(bare_stack(), "Langfuse-dev")
    first = evaluate(name, pseudo_parameters("Langfuse-dev", DOCUMENTED_UUID))
    assert first == "Langfuse-dev-51af3dc0"
    again = evaluate(
        name, pseudo_parameters("Langfuse-dev", "9c0ffee1-0000-4000-8000-000000000001")
    )
    assert again == "Langfuse-dev-9c0ffee1"
