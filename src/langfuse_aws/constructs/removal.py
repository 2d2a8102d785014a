"""Removal policies derived from the environment's data_protection setting."""

from __future__ import annotations

from aws_cdk import RemovalPolicy


def data_removal_policy(retain: bool) -> RemovalPolicy:
    """RETAIN for data in environments that keep it, DESTROY for disposable ones."""
    return RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY


def snapshot_removal_policy(retain: bool) -> RemovalPolicy:
    """SNAPSHOT: a final snapshot, then delete (Valkey), in environments that keep data."""
    return RemovalPolicy.SNAPSHOT if retain else RemovalPolicy.DESTROY
