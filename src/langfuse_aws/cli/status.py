"""``langfuse-aws status``: stack states, ECS services running vs desired, URL and login URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config.models import EnvironmentConfig
from ..naming import main_stack_name, possible_stacks
from .aws import Clients, error_code


@dataclass(frozen=True)
class ServiceState:
    """One ECS service of the environment."""

    name: str
    running: int
    desired: int
    pending: int
    rollout: str

    @property
    def healthy(self) -> bool:
        return self.running >= self.desired and self.rollout in ("COMPLETED", "")


@dataclass
class EnvironmentStatus:
    """What is deployed and whether it runs."""

    stacks: list[tuple[str, str, str]] = field(default_factory=list)
    """(stack, region, state or "not deployed")."""
    services: list[ServiceState] = field(default_factory=list)
    url: str | None = None
    login_url: str | None = None

    @property
    def healthy(self) -> bool:
        """Every deployed stack is stable and every service runs what it should."""
        deployed = [s for s in self.stacks if s[2] != "not deployed"]
        return (
            bool(deployed)
            and all(
                state.endswith("_COMPLETE") and "ROLLBACK" not in state for *_, state in deployed
            )
            and all(s.healthy for s in self.services)
        )


def read_status(config: EnvironmentConfig, clients: Clients) -> EnvironmentStatus:
    """Reads the environment's stacks and services with the caller's credentials."""
    result = EnvironmentStatus()
    outputs: dict[str, str] = {}
    for place in possible_stacks(config.name, config.region):
        stack, region = place.name, place.region
        cloudformation = clients("cloudformation", region)
        try:
            (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
        except Exception as error:
            if error_code(error) == "ValidationError" and "does not exist" in str(error):
                result.stacks.append((stack, region, "not deployed"))
                continue
            raise
        result.stacks.append((stack, region, described["StackStatus"]))
        if stack == main_stack_name(config.name):
            outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    result.url = outputs.get("LangfuseUrl")
    result.login_url = outputs.get("CognitoLoginUrl") or outputs.get("LoginUrl")
    cluster = outputs.get("ClusterName")
    if cluster:
        ecs = clients("ecs", config.region)
        arns = ecs.list_services(cluster=cluster)["serviceArns"]
        if arns:
            for service in ecs.describe_services(cluster=cluster, services=arns)["services"]:
                primary: dict[str, Any] = next(
                    (d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"),
                    {},
                )
                result.services.append(
                    ServiceState(
                        name=service["serviceName"],
                        running=service.get("runningCount", 0),
                        desired=service.get("desiredCount", 0),
                        pending=service.get("pendingCount", 0),
                        rollout=primary.get("rolloutState", ""),
                    )
                )
    return result
