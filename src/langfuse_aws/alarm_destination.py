"""Where an environment's alarms go, in words an operator acts on.

A new alarm topic gets the e-mail subscribers of ``monitoring.emails``; an existing topic
(``monitoring.topic_arn``, ``monitoring.global_topic_arn`` for us-east-1) brings its own
subscribers, which only AWS can count (``langfuse-aws doctor`` does). Without either, every
alarm fires into a topic nobody reads: the stack output ``AlarmDestination`` and ``doctor``
say so, and warn loudest for an environment that keeps data.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config.models import EnvironmentConfig
from .naming import GLOBAL_REGION

NO_SUBSCRIBER_FIX = "set monitoring.emails or monitoring.topic_arn"


@dataclass(frozen=True)
class AlarmDestination:
    """Where the alarms of one region go."""

    topic_arn: str | None
    """The existing topic the alarms notify, or None for the topic the stack creates."""
    emails: int
    """E-mail subscribers of the topic the stack creates (0 with an existing topic)."""
    summary: str
    """One line for the stack output and doctor."""
    alarms: bool = True
    """False when monitoring is off: there is nothing to hear."""

    @property
    def reaches_nobody(self) -> bool:
        """Alarms into a new topic without a single subscriber."""
        return self.alarms and self.topic_arn is None and self.emails == 0


def _region_of(arn: str | None) -> str | None:
    return arn.split(":")[3] if arn else None


def existing_topic(config: EnvironmentConfig, *, global_region: bool) -> str | None:
    """The existing topic the main (or, with ``global_region``, the us-east-1) alarms use."""
    monitoring = config.monitoring
    if not global_region:
        return monitoring.topic_arn
    if monitoring.global_topic_arn:
        return monitoring.global_topic_arn
    return monitoring.topic_arn if _region_of(monitoring.topic_arn) == GLOBAL_REGION else None


def alarm_destination(
    config: EnvironmentConfig, *, global_region: bool = False
) -> AlarmDestination:
    """Where the alarms of the main stack (or, with ``global_region``, of the us-east-1 alarm
    stack) go."""
    monitoring = config.monitoring
    if not monitoring.enabled:
        return AlarmDestination(None, 0, "no alarms (monitoring.enabled is false)", alarms=False)
    arn = existing_topic(config, global_region=global_region)
    if arn:
        return AlarmDestination(
            arn, 0, f"SNS topic {arn} (its subscribers are yours to manage; doctor counts them)"
        )
    count = len(monitoring.emails)
    if count:
        plural = "" if count == 1 else "s"
        return AlarmDestination(
            None,
            count,
            f"new SNS topic with {count} e-mail subscriber{plural} (each confirms the "
            "subscription mail from AWS once)",
        )
    warning = "WARNING: " if config.retains_data else ""
    return AlarmDestination(
        None, 0, f"{warning}no subscriber: alarms reach nobody; {NO_SUBSCRIBER_FIX}"
    )
