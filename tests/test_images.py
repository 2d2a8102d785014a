"""Images that exist and can be pulled: exact releases, digests, registries and the ECR cache."""

from __future__ import annotations

import re
from typing import Any

from cfn_eval import evaluate, pseudo_parameters
from cfn_graph import DependencyGraph
from synth import SynthesizedEnvironment, role_statements, task_container

ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/(.+?)(?:@|:[^/]+$)")


def deployed(env: SynthesizedEnvironment, value: Any) -> Any:
    return evaluate(value, pseudo_parameters(env.main_stack, "uuid", env.config.region))


def deployed_or_none(env: SynthesizedEnvironment, value: Any) -> str | None:
    """The deployed string, or None where it names another resource (not known before deploy)."""
    try:
        return str(deployed(env, value))
    except KeyError:
        return None


def image(env: SynthesizedEnvironment, service: str) -> str:
    return str(deployed(env, task_container(env, service)["Image"]))


def test_defaults_are_exact_published_releases(example: SynthesizedEnvironment) -> None:
    # 4.38.0 is a published Langfuse release; 26.4.4.38 a published ClickHouse patch tag.
    assert image(example, "Web") == "langfuse/langfuse:4.38.0"
    assert image(example, "Worker") == "langfuse/langfuse-worker:4.38.0"
    assert image(example, "ClickHouse") == "clickhouse/clickhouse-server:26.4.4.38"
    assert not example.resources("AWS::ECR::PullThroughCacheRule")


def test_ghcr_through_the_cache_pinned_by_digest(images: SynthesizedEnvironment) -> None:
    host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    assert image(images, "Web") == (
        f"{host}/images/ghcr/langfuse/langfuse@sha256:"
        "47ef2f121e2959c8458c209d118949ade25778017e3f5b75b1e45f72276811c3"
    )
    assert image(images, "Worker") == (
        f"{host}/images/ghcr/langfuse/langfuse-worker@sha256:"
        "8631cf429efc4a2981d4e6ced4c005b9f6f620a4e34625baf60152301ec6d006"
    )
    assert image(images, "ClickHouse") == (
        f"{host}/images/docker/clickhouse/clickhouse-server@sha256:"
        "338a4187b899c53ff2300e3ab33be047a3a7f4ede161af0bed077815be6f2425"
    )


def test_cache_rules_point_at_the_upstreams_with_the_given_credentials(
    images: SynthesizedEnvironment,
) -> None:
    rules = {
        r["Properties"]["EcrRepositoryPrefix"]: r["Properties"]
        for r in images.resources("AWS::ECR::PullThroughCacheRule").values()
    }
    # Upstream names and URLs as the ECR API documents them (CreatePullThroughCacheRule).
    assert rules == {
        "images/docker": {
            "EcrRepositoryPrefix": "images/docker",
            "UpstreamRegistry": "docker-hub",
            "UpstreamRegistryUrl": "registry-1.docker.io",
            "CredentialArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:"
            "ecr-pullthroughcache/docker-hub-AbCdEf",
        },
        "images/ghcr": {
            "EcrRepositoryPrefix": "images/ghcr",
            "UpstreamRegistry": "github-container-registry",
            "UpstreamRegistryUrl": "ghcr.io",
            "CredentialArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:"
            "ecr-pullthroughcache/ghcr-GhIjKl",
        },
    }
    for prefix in rules:
        assert 2 <= len(prefix) <= 30  # ECR's limit on EcrRepositoryPrefix


def test_execution_roles_may_make_the_first_pull_through_the_cache(
    images: SynthesizedEnvironment,
) -> None:
    """The first pull creates the repository and imports the image (ECR's IAM guide)."""
    for service in ("Web", "Worker", "ClickHouse"):
        match = ECR_HOST.match(image(images, service))
        assert match, service
        repository = match.group(3)
        allowed: set[str] = set()
        for statement in role_statements(images, service, "ExecutionRoleArn"):
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            arns = {known for r in resources if (known := deployed_or_none(images, r))}
            if f"arn:aws:ecr:eu-west-1:111122223333:repository/{repository}" in arns:
                actions = statement["Action"]
                allowed |= set(actions if isinstance(actions, list) else [actions])
        assert {
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchImportUpstreamImage",
            "ecr:CreateRepository",
        } <= allowed, service


def test_tasks_wait_for_their_cache_rule(images: SynthesizedEnvironment) -> None:
    graph = DependencyGraph(images.main)
    rules = set(graph.of_type("AWS::ECR::PullThroughCacheRule"))
    for logical_id in graph.of_type("AWS::ECS::TaskDefinition"):
        assert graph.waits_for(logical_id) & rules, logical_id
