"""Acknowledging cdk-nag findings on the narrowest construct, always with a reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

MIN_REASON_WORDS = 6


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Record that ``rule_id`` was reviewed for ``construct`` and is accepted because ``reason``.

    The reason must be a sentence that explains *why*; a short placeholder is refused so that
    an acknowledgement can never be a silent suppression.
    """
    if len(reason.split()) < MIN_REASON_WORDS or not reason.rstrip().endswith("."):
        raise ValueError(
            f"acknowledgement of {rule_id} needs a full sentence of reason: {reason!r}"
        )
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
