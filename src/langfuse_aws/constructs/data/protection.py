"""What the environment's data_protection and logs settings mean for resources: removal
policies for data, log groups of disposable environments, and CloudWatch Logs retention."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class DataProtection:
    """The environment's one policy for what outlives its stack and how long logs are kept.

    Every construct that stores data or writes logs takes this object instead of a
    ``retain`` flag and a retention of its own, so that the YAML's data_protection and
    logs.retention_days reach each of them the same way.
    """

    retain: bool
    """Data survives stack deletion and replacement (data_protection: retain)."""
    log_retention: logs.RetentionDays
    """How long CloudWatch Logs keeps every log group (logs.retention_days)."""

    @property
    def removal_policy(self) -> RemovalPolicy:
        """RETAIN for data in environments that keep it, DESTROY for disposable ones."""
        return data_removal_policy(self.retain)

    @property
    def snapshot_removal_policy(self) -> RemovalPolicy:
        """A final snapshot, then delete, where data is kept; DESTROY for disposable ones."""
        return snapshot_removal_policy(self.retain)


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


_BY_DAYS = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention_days(days: int) -> logs.RetentionDays:
    """The RetentionDays member for ``days`` (the config only allows these values)."""
    return _BY_DAYS[days]
