"""Removal policies derived from the environment's data_protection setting."""

from __future__ import annotations

import jsii
from aws_cdk import IAspect, RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import IConstruct


def data_removal_policy(retain: bool) -> RemovalPolicy:
    """RETAIN for data in environments that keep it, DESTROY for disposable ones."""
    return RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY


def snapshot_removal_policy(retain: bool) -> RemovalPolicy:
    """SNAPSHOT: a final snapshot, then delete (Valkey), in environments that keep data."""
    return RemovalPolicy.SNAPSHOT if retain else RemovalPolicy.DESTROY


@jsii.implements(IAspect)
class DisposableLogGroups:
    """Aspect for a disposable environment: every log group is deleted with its stack.

    CDK keeps a log group by default (RemovalPolicy.RETAIN), so the containers' groups would
    outlive a disposable environment that promises to delete everything. Applied to every
    stack of a disposable environment, this also covers log groups that constructs and CDK
    itself add without saying.
    """

    def visit(self, node: IConstruct) -> None:
        """Delete ``node`` with its stack (and on replacement) when it is a log group."""
        if isinstance(node, logs.CfnLogGroup):
            node.apply_removal_policy(RemovalPolicy.DESTROY)
