"""Evaluate the CloudFormation intrinsics a physical name can use, as CloudFormation would.

Used to check what a name becomes at deploy time for a given stack (its id, region, account),
so tests can compare two deployments of the same template.
"""

from __future__ import annotations

from typing import Any

STACK_ID = "arn:aws:cloudformation:{region}:{account}:stack/{name}/{uuid}"


def evaluate(value: Any, pseudo: dict[str, str]) -> Any:
    """``value`` with Ref, Fn::GetAtt, Fn::Join, Fn::Select and Fn::Split resolved.

    ``pseudo`` holds the pseudo parameters and any deploy-time values the caller assumes
    (``"Logical"`` for a Ref, ``"Logical.Attribute"`` for a GetAtt). Anything else raises
    KeyError: such a value is not known before deploy and the caller decides what that means.
    """
    if isinstance(value, str | int):
        return value
    if isinstance(value, list):
        return [evaluate(v, pseudo) for v in value]
    if len(value) != 1 or not next(iter(value)).startswith(("Fn::", "Ref")):
        return {key: evaluate(item, pseudo) for key, item in value.items()}
    ((function, argument),) = value.items()
    if function == "Ref":
        return pseudo[argument]
    if function == "Fn::GetAtt":
        resource, attribute = argument
        return pseudo[f"{resource}.{attribute}"]
    if function == "Fn::Join":
        separator, parts = argument
        return separator.join(str(evaluate(p, pseudo)) for p in evaluate(parts, pseudo))
    if function == "Fn::Split":
        separator, source = argument
        return str(evaluate(source, pseudo)).split(separator)
    if function == "Fn::Select":
        index, items = argument
        return evaluate(items, pseudo)[int(evaluate(index, pseudo))]
    raise KeyError(function)


def pseudo_parameters(
    stack_name: str, uuid: str, region: str = "eu-west-1", account: str = "111122223333"
) -> dict[str, str]:
    """The pseudo parameters CloudFormation gives one deployed stack."""
    return {
        "AWS::StackId": STACK_ID.format(region=region, account=account, name=stack_name, uuid=uuid),
        "AWS::StackName": stack_name,
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
