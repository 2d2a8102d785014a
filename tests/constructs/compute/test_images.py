"""Images that exist and can be pulled: exact releases, registries, digests and the ECR cache.

Where the images are published (checked in the vendors' publishing workflows):

- Langfuse pushes every release to ghcr.io and Docker Hub with the same tags:
  langfuse/langfuse .github/workflows/pipeline.yml@62751446 lines 1401 and 1408 (ghcr.io/langfuse/
  <image>, tag pattern {{version}}, e.g. 4.38.0) and 1416 and 1423 (langfuse/<image>, same
  pattern); v3 releases were tagged the same way (v3.150.0 pipeline.yml line 750).
- ClickHouse Inc. pushes clickhouse/clickhouse-server to Docker Hub only, with the full version
  tag XX.XX.XX.XX (ClickHouse ci/jobs/docker_server.py: docker_login to Docker Hub, image_repo
  clickhouse/clickhouse-server, gen_tags); it has no ECR Public alias (flanksource/config-db#2364).
- Docker Hub allows 10 anonymous pulls an hour per IPv4 address
  (https://docs.docker.com/docker-hub/usage/); ghcr.io documents no pull limit for public images.
- An ECR pull-through cache fills only on a pull by tag (aws/containers-roadmap#2837); ECS
  resolves a tag to one digest per deployment ("Container image resolution",
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
  #deployment-container-image-stability).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Template

from cfn_eval import evaluate, pseudo_parameters
from cfn_graph import DependencyGraph
from langfuse_aws.config import ConfigError, parse_config
from langfuse_aws.config.models import LangfuseConfig
from langfuse_aws.constructs.compute.images import ImageRef, ImageSource, Registry
from langfuse_aws.langfuse.contract import web_image, worker_image
from synth import SynthesizedEnvironment, role_statements, task_container

ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/(.+?)(?:@|:[^/]+$)")
HOST = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecr-pullthroughcache/"
DOCKER_HUB_SECRET = SECRET + "docker-hub-AbCdEf"
GHCR_SECRET = SECRET + "ghcr-GhIjKl"
WEB_DIGEST = "sha256:47ef2f121e2959c8458c209d118949ade25778017e3f5b75b1e45f72276811c3"
WORKER_DIGEST = "sha256:8631cf429efc4a2981d4e6ced4c005b9f6f620a4e34625baf60152301ec6d006"
CLICKHOUSE_DIGEST = "sha256:338a4187b899c53ff2300e3ab33be047a3a7f4ede161af0bed077815be6f2425"
# The first pull of a cached image creates the repository and imports the image from upstream
# (ECR user guide, "IAM permissions required to sync an upstream registry").
FIRST_PULL_ACTIONS = {
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
}
BASE = "name: tt\nregion: eu-west-1\n"
CACHE_WHY = (
    "an ECR pull-through cache fills only on a pull by tag, so the first pull by digest "
    "fails; remove the digest (ECS resolves the tag to one digest per deployment, so every "
    "task runs the same image)"
)


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


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def refusal(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cfg.yaml")
    return str(caught.value)


# Synthesized environments: what each task definition pulls.


def test_defaults_pull_langfuse_from_ghcr_and_clickhouse_from_docker_hub(
    example: SynthesizedEnvironment,
) -> None:
    """Langfuse's exact release from ghcr.io (no anonymous limit); ClickHouse's exact patch tag
    from Docker Hub, the only registry ClickHouse publishes it to."""
    assert image(example, "Web") == "ghcr.io/langfuse/langfuse:4.38.0"
    assert image(example, "Worker") == "ghcr.io/langfuse/langfuse-worker:4.38.0"
    assert image(example, "ClickHouse") == "clickhouse/clickhouse-server:26.4.4.38"
    assert not example.resources("AWS::ECR::PullThroughCacheRule")


def test_ghcr_pinned_by_digest_and_clickhouse_through_the_cache_by_tag(
    images: SynthesizedEnvironment,
) -> None:
    assert image(images, "Web") == f"ghcr.io/langfuse/langfuse@{WEB_DIGEST}"
    assert image(images, "Worker") == f"ghcr.io/langfuse/langfuse-worker@{WORKER_DIGEST}"
    assert image(images, "ClickHouse") == (
        f"{HOST}/images/docker/clickhouse/clickhouse-server:26.4.4.38"
    )


def test_cache_rule_points_at_docker_hub_with_the_given_credentials(
    images: SynthesizedEnvironment,
) -> None:
    rules = [r["Properties"] for r in images.resources("AWS::ECR::PullThroughCacheRule").values()]
    # Upstream name and URL as the ECR API documents them (CreatePullThroughCacheRule).
    assert rules == [
        {
            "EcrRepositoryPrefix": "images/docker",
            "UpstreamRegistry": "docker-hub",
            "UpstreamRegistryUrl": "registry-1.docker.io",
            "CredentialArn": DOCKER_HUB_SECRET,
        }
    ]


def test_execution_role_may_make_the_first_pull_through_the_cache(
    images: SynthesizedEnvironment,
) -> None:
    match = ECR_HOST.match(image(images, "ClickHouse"))
    assert match
    repository = f"arn:aws:ecr:eu-west-1:111122223333:repository/{match.group(3)}"
    allowed: set[str] = set()
    for statement in role_statements(images, "ClickHouse", "ExecutionRoleArn"):
        resources = as_list(statement["Resource"])
        if repository in {known for r in resources if (known := deployed_or_none(images, r))}:
            allowed |= set(as_list(statement["Action"]))
    assert allowed >= FIRST_PULL_ACTIONS


def test_only_tasks_that_pull_through_the_cache_wait_for_its_rule(
    images: SynthesizedEnvironment,
) -> None:
    graph = DependencyGraph(images.main)
    rules = set(graph.of_type("AWS::ECR::PullThroughCacheRule"))
    waiting = {
        logical_id.split("Task")[0]
        for logical_id in graph.of_type("AWS::ECS::TaskDefinition")
        if graph.waits_for(logical_id) & rules
    }
    assert waiting == {"ClickHouse"}


# One construct in a small stack: every registry with and without the cache, in seconds.


def pulled(
    lf: LangfuseConfig, cache: dict[Registry, str] | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """The image each Langfuse task pulls and the template, for an environment named unit
    whose pull-through cache has the credentials ``cache`` names per registry."""
    stack = Stack(App(), "Unit", env=Environment(account="111122223333", region="eu-west-1"))
    images = ImageSource(stack, "Images", environment_name="unit", cache_credentials=cache)
    for name, ref in (("Web", web_image(lf)), ("Worker", worker_image(lf))):
        task = ecs.FargateTaskDefinition(stack, f"{name}Task")
        task.add_container(name.lower(), image=images.container_image(ref, task))
    template = dict(Template.from_stack(stack).to_json())
    pseudo = pseudo_parameters("Unit", "uuid")
    uris = {
        logical_id.split("Task")[0]: str(
            evaluate(resource["Properties"]["ContainerDefinitions"][0]["Image"], pseudo)
        )
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::ECS::TaskDefinition"
    }
    return uris, template


@pytest.mark.slow  # synthesizes two environments
def test_langfuse_comes_from_ghcr_by_default_and_dockerhub_stays_selectable() -> None:
    assert pulled(LangfuseConfig(), None)[0] == {
        "Web": "ghcr.io/langfuse/langfuse:4.38.0",
        "Worker": "ghcr.io/langfuse/langfuse-worker:4.38.0",
    }
    assert pulled(LangfuseConfig(registry="dockerhub"), None)[0] == {
        "Web": "langfuse/langfuse:4.38.0",
        "Worker": "langfuse/langfuse-worker:4.38.0",
    }


def test_each_registry_through_the_cache_pulls_by_tag_with_first_pull_rights() -> None:
    uris, template = pulled(LangfuseConfig(), {"ghcr": GHCR_SECRET})
    assert uris == {
        "Web": f"{HOST}/unit/ghcr/langfuse/langfuse:4.38.0",
        "Worker": f"{HOST}/unit/ghcr/langfuse/langfuse-worker:4.38.0",
    }
    (rule,) = [r for r in template["Resources"].values() if r["Type"].endswith("CacheRule")]
    # Upstream name and URL as the ECR API documents them (CreatePullThroughCacheRule).
    assert rule["Properties"] == {
        "EcrRepositoryPrefix": "unit/ghcr",
        "UpstreamRegistry": "github-container-registry",
        "UpstreamRegistryUrl": "ghcr.io",
        "CredentialArn": GHCR_SECRET,
    }
    pseudo = pseudo_parameters("Unit", "uuid")
    granted: dict[str, set[str]] = {}
    for policy in (r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"):
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for resource in as_list(statement["Resource"]):
                granted.setdefault(str(evaluate(resource, pseudo)), set()).update(
                    as_list(statement["Action"])
                )
    for repository in ("langfuse/langfuse", "langfuse/langfuse-worker"):
        arn = f"arn:aws:ecr:eu-west-1:111122223333:repository/unit/ghcr/{repository}"
        assert granted.get(arn, set()) >= FIRST_PULL_ACTIONS, repository

    uris, _ = pulled(LangfuseConfig(registry="dockerhub"), {"dockerhub": DOCKER_HUB_SECRET})
    assert uris == {
        "Web": f"{HOST}/unit/docker/langfuse/langfuse:4.38.0",
        "Worker": f"{HOST}/unit/docker/langfuse/langfuse-worker:4.38.0",
    }


def test_a_digest_through_the_cache_is_refused_by_the_construct_too() -> None:
    stack = Stack(App(), "Unit", env=Environment(account="111122223333", region="eu-west-1"))
    images = ImageSource(
        stack,
        "Images",
        environment_name="unit",
        cache_credentials={"dockerhub": DOCKER_HUB_SECRET},
    )
    ref = ImageRef("dockerhub", "clickhouse/clickhouse-server", "26.4.4.38", CLICKHOUSE_DIGEST)
    with pytest.raises(ValueError, match="fills only on a pull by tag"):
        images.uri(ref)


# The config: digests only where the first pull can succeed, registries never left ambiguous.


def test_a_digest_of_a_cached_image_is_refused_with_the_reason() -> None:
    text = (
        BASE
        + f"langfuse:\n  registry: ghcr\n  web_digest: {WEB_DIGEST}\n"
        + f"clickhouse:\n  image_digest: {CLICKHOUSE_DIGEST}\n"
        + f"registry_cache:\n  ghcr_credentials_secret: {GHCR_SECRET}\n"
        + f"  dockerhub_credentials_secret: {DOCKER_HUB_SECRET}\n"
    )
    assert refusal(text).splitlines() == [
        "cfg.yaml: langfuse.web_digest cannot be used with "
        f"registry_cache.ghcr_credentials_secret: {CACHE_WHY} or remove "
        "registry_cache.ghcr_credentials_secret",
        "cfg.yaml: clickhouse.image_digest cannot be used with "
        f"registry_cache.dockerhub_credentials_secret: {CACHE_WHY} or remove "
        "registry_cache.dockerhub_credentials_secret",
    ]
    direct = (
        BASE
        + f"langfuse:\n  registry: ghcr\n  web_digest: {WEB_DIGEST}\n"
        + f"  worker_digest: {WORKER_DIGEST}\n"
        + f"registry_cache:\n  dockerhub_credentials_secret: {DOCKER_HUB_SECRET}\n"
    )
    cfg = parse_config(direct, "cfg.yaml")  # ghcr.io is pulled directly: its digests stay
    assert (cfg.langfuse.web_digest, cfg.langfuse.worker_digest) == (WEB_DIGEST, WORKER_DIGEST)


def test_a_langfuse_digest_needs_its_registry_named() -> None:
    """Langfuse builds the ghcr.io and Docker Hub images in separate steps (pipeline.yml@62751446
    steps build-ghcr and build-dockerhub), so a digest exists in one registry only; a file
    written when Docker Hub was the default must not silently point at ghcr.io."""
    assert refusal(BASE + f"langfuse:\n  web_digest: {WEB_DIGEST}\n") == (
        "cfg.yaml: langfuse.registry must be set with a Langfuse digest: Langfuse builds its "
        "ghcr.io and Docker Hub images separately, so a digest belongs to one of them, and the "
        "default is now ghcr; write registry: ghcr for a ghcr.io digest or registry: dockerhub "
        "for a Docker Hub one"
    )
    explicit = parse_config(
        BASE + f"langfuse:\n  registry: dockerhub\n  web_digest: {WEB_DIGEST}\n", "cfg.yaml"
    )
    assert explicit.langfuse.registry == "dockerhub"


def test_a_docker_hub_only_cache_needs_the_langfuse_registry_named() -> None:
    """Such a file pulled Langfuse through its Docker Hub cache; with ghcr.io the default it
    would bypass the cache, which fails where there is no route out."""
    cache = f"registry_cache:\n  dockerhub_credentials_secret: {DOCKER_HUB_SECRET}\n"
    assert refusal(BASE + cache) == (
        "cfg.yaml: langfuse.registry must be set with registry_cache.dockerhub_credentials_secret "
        "alone: Langfuse now defaults to ghcr.io, which that cache does not cover; write "
        "registry: dockerhub to pull Langfuse through the Docker Hub cache, registry: ghcr to "
        "pull it from ghcr.io directly, or add registry_cache.ghcr_credentials_secret"
    )
    for registry in ("dockerhub", "ghcr"):
        cfg = parse_config(BASE + f"langfuse:\n  registry: {registry}\n" + cache, "cfg.yaml")
        assert cfg.langfuse.registry == registry
