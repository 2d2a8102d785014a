"""Where container images come from: ghcr.io, Docker Hub, or an ECR pull-through cache.

Langfuse publishes web and worker to ghcr.io and Docker Hub under the same version tags
(langfuse/langfuse .github/workflows/pipeline.yml, docker/metadata-action with images
ghcr.io/langfuse/<image> and langfuse/<image>, tag pattern {{version}}); ClickHouse Inc. pushes
clickhouse/clickhouse-server to Docker Hub only (ClickHouse ci/jobs/docker_server.py). Both
upstreams need credentials in an ECR pull-through cache rule (ECR user guide, "Sync an upstream
registry"). A cached image is pulled by tag: the cache fills only on a pull by tag
(aws/containers-roadmap#2837), so the config rules refuse a digest for a cached image.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from ...compliance import acknowledge

Registry = Literal["dockerhub", "ghcr"]


@dataclass(frozen=True)
class Upstream:
    """A public registry as ECR's pull-through cache and a direct pull name it."""

    ecr_name: str
    """UpstreamRegistry of the cache rule."""
    url: str
    """UpstreamRegistryUrl of the cache rule."""
    direct_prefix: str
    """What a direct pull puts before the repository ("" for Docker Hub, the default)."""
    cache_prefix: str
    """The second part of the ECR repository prefix, after the environment name."""


UPSTREAMS: dict[Registry, Upstream] = {
    "dockerhub": Upstream("docker-hub", "registry-1.docker.io", "", "docker"),
    "ghcr": Upstream("github-container-registry", "ghcr.io", "ghcr.io/", "ghcr"),
}
# What the task execution role needs to pull through the cache, the first pull included
# (ECR creates the repository and imports the image from upstream on that first pull).
CACHE_PULL_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
]


@dataclass(frozen=True)
class ImageRef:
    """One image: registry, repository, exact tag and optional digest."""

    registry: Registry
    repository: str
    tag: str
    digest: str | None = None


class ImageSource(Construct):
    """Resolves image references, through an ECR pull-through cache where one is configured.

    Each cached registry gets a pull-through cache rule whose prefix carries the environment
    name (unique in the account); its credentials come from an existing Secrets Manager secret.
    ``cache_credentials`` maps each registry pulled through the cache to the full ARN of that
    secret; a registry it does not name is pulled directly.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        environment_name: str,
        cache_credentials: Mapping[Registry, str] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.rules: dict[Registry, ecr.CfnPullThroughCacheRule] = {}
        credentials = cache_credentials or {}
        for registry in UPSTREAMS:
            secret_arn = credentials.get(registry)
            if secret_arn is None:
                continue
            upstream = UPSTREAMS[registry]
            self.rules[registry] = ecr.CfnPullThroughCacheRule(
                self,
                f"{registry.title()}Cache",
                ecr_repository_prefix=f"{environment_name}/{upstream.cache_prefix}",
                upstream_registry=upstream.ecr_name,
                upstream_registry_url=upstream.url,
                credential_arn=secret_arn,
            )

    def uri(self, image: ImageRef) -> str:
        """The reference ECS pulls: by digest when one is given, else by the exact tag.

        A digest through a cache would fail its first pull, so it is refused here too (the
        config rules refuse it first, naming the setting).
        """
        rule = self.rules.get(image.registry)
        if rule is not None:
            if image.digest:
                raise ValueError(
                    f"{image.repository}@{image.digest}: an ECR pull-through cache fills only "
                    "on a pull by tag; pull a cached image by its tag"
                )
            stack = Stack.of(self)
            base = (
                f"{stack.account}.dkr.ecr.{stack.region}.{stack.url_suffix}/"
                f"{rule.ecr_repository_prefix}/{image.repository}"
            )
        else:
            base = f"{UPSTREAMS[image.registry].direct_prefix}{image.repository}"
        return f"{base}@{image.digest}" if image.digest else f"{base}:{image.tag}"

    def container_image(self, image: ImageRef, task: ecs.TaskDefinition) -> ecs.ContainerImage:
        """The image for a container of ``task``, granting its execution role the cache pull."""
        rule = self.rules.get(image.registry)
        if rule is not None:
            role = task.obtain_execution_role()
            stack = Stack.of(self)
            repository_arn = stack.format_arn(
                service="ecr",
                resource="repository",
                resource_name=f"{rule.ecr_repository_prefix}/{image.repository}",
            )
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=CACHE_PULL_ACTIONS, resources=[repository_arn])
            )
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"])
            )
            acknowledge(
                role,
                "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken, which lets the execution role log in to the "
                "account's registry, supports no resource-level permissions.",
            )
            task.node.add_dependency(rule)
        return ecs.ContainerImage.from_registry(self.uri(image))
