"""Removal policies derived from the environment's data_protection setting."""

from __future__ import annotations

from aws_cdk import RemovalPolicy


def data_removal_policy(retain: bool) -> RemovalPolicy:
    """RETAIN for data in environments that keep it, DESTROY for disposable ones."""
    return RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY


def database_removal_policy(retain: bool) -> RemovalPolicy:
    """SNAPSHOT keeps a final snapshot of databases in environments that keep data."""
    return RemovalPolicy.SNAPSHOT if retain else RemovalPolicy.DESTROY
