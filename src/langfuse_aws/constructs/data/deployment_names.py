"""Physical names unique to one deployment of a stack.

A resource that outlives its stack (DeletionPolicy Retain) keeps its name after `destroy`. A
name computed from the config alone would then be taken when the same environment is deployed
again, and CloudFormation's create fails with "already exists". The stack id
(``arn:...:stack/<name>/<uuid>``) is new for each creation of a stack and never changes while
it exists, so a name that carries part of it is stable across updates and free on a re-create.
"""

from __future__ import annotations

from aws_cdk import Fn, Stack


def deployment_suffix(stack: Stack) -> str:
    """The first 8 hex digits of the stack id's UUID, resolved at deploy time."""
    stack_uuid = Fn.select(2, Fn.split("/", stack.stack_id))
    return Fn.select(0, Fn.split("-", stack_uuid))


def deployment_name(stack: Stack, prefix: str) -> str:
    """``<prefix>-<deployment suffix>``: readable, and unique to this creation of the stack."""
    return Fn.join("-", [prefix, deployment_suffix(stack)])
