"""Rules that keep every image pullable: which registry an image comes from, and its digest.

Facts these rules rest on:

- An Amazon ECR pull-through cache fills only when an image is pulled by tag: the first pull
  of an image by digest (``repo@sha256:...``, also ``repo:tag@sha256:...``) answers "not
  found", so ECS stops the task with CannotPullContainerError and the circuit breaker rolls
  the deployment back (aws/containers-roadmap#2837, open).
- A digest pin is not needed for identical tasks: ECS resolves the tag to a digest when a
  deployment starts and launches every task of that deployment from that digest ("Container
  image resolution", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
  deployment-type-ecs.html#deployment-container-image-stability).
- Langfuse builds its ghcr.io and Docker Hub images in separate steps (langfuse/langfuse
  .github/workflows/pipeline.yml, steps build-ghcr and build-dockerhub, since April 2026), so a
  digest read from one registry need not exist in the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .errors import ConfigIssue
from .models import ClickHouseEc2Config, ClickHouseFargateConfig, EnvironmentConfig

CACHE_SECRET = {
    "dockerhub": "registry_cache.dockerhub_credentials_secret",
    "ghcr": "registry_cache.ghcr_credentials_secret",
}
"""The registry_cache setting that sends a registry's images through ECR."""

CLICKHOUSE_REGISTRY = "dockerhub"
"""ClickHouse Inc. publishes clickhouse/clickhouse-server to Docker Hub only."""


@dataclass(frozen=True)
class DigestPin:
    """A digest setting of the YAML and the registry its image comes from."""

    setting: str
    registry: str
    digest: str | None


def digest_pins(cfg: EnvironmentConfig) -> list[DigestPin]:
    """Every digest setting that applies to ``cfg``, set or not."""
    lf = cfg.langfuse
    pins = [
        DigestPin("langfuse.web_digest", lf.registry, lf.web_digest),
        DigestPin("langfuse.worker_digest", lf.registry, lf.worker_digest),
    ]
    if isinstance(cfg.clickhouse, ClickHouseFargateConfig | ClickHouseEc2Config):
        pins.append(
            DigestPin("clickhouse.image_digest", CLICKHOUSE_REGISTRY, cfg.clickhouse.image_digest)
        )
    return pins


def cached_registries(cfg: EnvironmentConfig) -> set[str]:
    """The registries whose images ``cfg`` pulls through an ECR pull-through cache."""
    cache = cfg.registry_cache
    if cache is None:
        return set()
    secrets = {
        "dockerhub": cache.dockerhub_credentials_secret,
        "ghcr": cache.ghcr_credentials_secret,
    }
    return {registry for registry, secret in secrets.items() if secret}


def image_issues(cfg: EnvironmentConfig) -> Iterator[ConfigIssue]:
    """A digest for a cached image, or a Langfuse registry left to a default that moved."""
    cached = cached_registries(cfg)
    for pin in digest_pins(cfg):
        if pin.digest and pin.registry in cached:
            secret = CACHE_SECRET[pin.registry]
            yield ConfigIssue(
                pin.setting,
                f"cannot be used with {secret}: an ECR pull-through cache fills only on a "
                "pull by tag, so the first pull by digest fails; remove the digest (ECS "
                "resolves the tag to one digest per deployment, so every task runs the same "
                f"image) or remove {secret}",
            )
    lf = cfg.langfuse
    if "registry" in lf.model_fields_set:
        return
    if lf.web_digest or lf.worker_digest:
        yield ConfigIssue(
            "langfuse.registry",
            "must be set with a Langfuse digest: Langfuse builds its ghcr.io and Docker Hub "
            "images separately, so a digest belongs to one of them, and the default is now "
            "ghcr; write registry: ghcr for a ghcr.io digest or registry: dockerhub for a "
            "Docker Hub one",
        )
    elif cached == {"dockerhub"}:
        yield ConfigIssue(
            "langfuse.registry",
            "must be set with registry_cache.dockerhub_credentials_secret alone: Langfuse now "
            "defaults to ghcr.io, which that cache does not cover; write registry: dockerhub "
            "to pull Langfuse through the Docker Hub cache, registry: ghcr to pull it from "
            "ghcr.io directly, or add registry_cache.ghcr_credentials_secret",
        )
