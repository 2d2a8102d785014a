"""Stack names and regions of an environment: the one place that spells them.

The app names its stacks with these functions, the command line finds them with them, and the
tests read them from here, so that ``Langfuse-<env>``, ``-Global`` and ``-EdgeAlarms`` are
written once. Which of the stacks an environment has is the config's to say
(``EnvironmentConfig.needs_global_stack`` and ``has_edge_alarms``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config.models import EnvironmentConfig

GLOBAL_REGION = "us-east-1"
"""Where CloudFront's certificates, CLOUDFRONT-scope web ACLs and metrics live."""

STACK_PREFIX = "Langfuse-"


def main_stack_name(environment_name: str) -> str:
    """``Langfuse-<env>``: network, data, Langfuse and the edge, in the environment's region."""
    return f"{STACK_PREFIX}{environment_name}"


def global_stack_name(environment_name: str) -> str:
    """``Langfuse-<env>-Global``: the us-east-1 certificates and CloudFront web ACL."""
    return f"{main_stack_name(environment_name)}-Global"


def edge_alarms_stack_name(environment_name: str) -> str:
    """``Langfuse-<env>-EdgeAlarms``: the us-east-1 alarms on CloudFront and its web ACL."""
    return f"{main_stack_name(environment_name)}-EdgeAlarms"


def dashboard_name(environment_name: str) -> str:
    """``Langfuse-<env>``: the CloudWatch dashboard the runbook names (docs/runbook.md)."""
    return main_stack_name(environment_name)


def web_acl_metric_name(environment_name: str) -> str:
    """``Langfuse-<env>``: the CloudWatch metric name of the environment's web ACL, which its
    WAF alarm and dashboard read."""
    return main_stack_name(environment_name)


@dataclass(frozen=True)
class StackPlace:
    """One stack of an environment: its name and the region it is deployed in."""

    name: str
    region: str


def possible_stacks(environment_name: str, region: str) -> list[StackPlace]:
    """Every stack an environment of this name may have, in deployment order (for commands
    that look at what is deployed, whatever the YAML says today)."""
    return [
        StackPlace(global_stack_name(environment_name), GLOBAL_REGION),
        StackPlace(main_stack_name(environment_name), region),
        StackPlace(edge_alarms_stack_name(environment_name), GLOBAL_REGION),
    ]


def stacks_of(config: EnvironmentConfig) -> list[StackPlace]:
    """The stacks this config makes, in deployment order."""
    wanted = {
        global_stack_name(config.name): config.needs_global_stack,
        main_stack_name(config.name): True,
        edge_alarms_stack_name(config.name): config.has_edge_alarms,
    }
    return [s for s in possible_stacks(config.name, config.region) if wanted[s.name]]


def regions_of(config: EnvironmentConfig) -> list[str]:
    """The regions the environment deploys to (and must bootstrap): its own, then us-east-1
    when a stack lives there."""
    return list(dict.fromkeys([config.region, *(s.region for s in stacks_of(config))]))
