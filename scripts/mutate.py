"""Break each claim in the code, one at a time, and check that a test goes red.

A claim whose mutation survives (the tests still pass) has no test that would notice it
breaking. Each mutation replaces one exact snippet of source; the file is restored afterwards.

    python scripts/mutate.py            # every mutation
    python scripts/mutate.py prefix     # only those whose claim contains "prefix"
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = "src/langfuse_aws/"


@dataclass(frozen=True)
class Mutation:
    """One broken claim: replace ``old`` by ``new`` in ``path``; ``tests`` must then fail."""

    claim: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS = [
    Mutation(
        "synth never looks up availability zones",
        SRC + "stacks/langfuse_stack.py",
        "zones = self.config.network.availability_zones",
        "zones: list[str] = []",
        ("tests/test_cli_synth.py", "-k", "prod"),
    ),
    Mutation(
        "the Cognito prefix domain is unique per deployment",
        SRC + "auth/cognito.py",
        'return Fn.join("-", ["langfuse", environment_name, Fn.select(0, Fn.split("-", stack_uuid))])',
        'return f"langfuse-{environment_name}-0f6c2a9e"',
        ("tests/test_unique_names.py", "tests/test_auth.py", "-k", "global or prefix"),
    ),
    Mutation(
        "an explicit Cognito domain prefix wins",
        SRC + "auth/cognito.py",
        "domain_prefix=config.domain_prefix\n",
        "domain_prefix=None\n",
        ("tests/test_auth.py", "-k", "explicit_prefix"),
    ),
    Mutation(
        "account-scoped names carry the environment name",
        SRC + "constructs/backup.py",
        'backup_plan_name=f"{Stack.of(self).stack_name}-daily"',
        'backup_plan_name="daily"',
        ("tests/test_unique_names.py",),
    ),
    Mutation(
        "web waits for the Aurora writer",
        SRC + "stacks/langfuse_stack.py",
        "self.web.service.node.add_dependency(database.writer)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "web_waits"),
    ),
    Mutation(
        "web waits for ClickHouse",
        SRC + "stacks/langfuse_stack.py",
        "self.web.service.node.add_dependency(clickhouse_server.service)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "web_waits"),
    ),
    Mutation(
        "web reads the database secret through its attachment",
        SRC + "stacks/langfuse_stack.py",
        "database_secret=database.client_secret,",
        "database_secret=database.secret,",
        ("tests/test_deploy_order.py", "-k", "web"),
    ),
    Mutation(
        "the worker rolls out after web",
        SRC + "stacks/langfuse_stack.py",
        "self.worker.service.node.add_dependency(self.web.service)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "worker_waits"),
    ),
    Mutation(
        "ClickHouse waits for every EFS mount target",
        SRC + "constructs/clickhouse.py",
        "self.service.node.add_dependency(self.file_system.mount_targets_available)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "mount_target"),
    ),
    Mutation(
        "services wait for the capacity provider associations",
        SRC + "constructs/cluster.py",
        "service.node.add_dependency(self.cluster)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "capacity"),
    ),
    Mutation(
        "a retaining environment's destroy does not hit Aurora deletion protection",
        SRC + "constructs/database.py",
        """            # cannot delete a protected cluster, so a final-snapshot policy would fail destroy.
            removal_policy=data_removal_policy(retain),""",
        """            removal_policy=RemovalPolicy.SNAPSHOT if retain else RemovalPolicy.DESTROY,""",
        ("tests/test_destroy.py",),
    ),
    Mutation(
        "the Aurora parameter group is kept with the cluster",
        SRC + "constructs/database.py",
        """            # RDS refuses to delete a parameter group that a kept cluster still uses.
            removal_policy=data_removal_policy(retain),""",
        "",
        ("tests/test_destroy.py",),
    ),
    Mutation(
        "Aurora instances are deleted on destroy (no interfaces left in the VPC)",
        SRC + "constructs/database.py",
        "instance.apply_removal_policy(RemovalPolicy.DESTROY)",
        "instance.apply_removal_policy(RemovalPolicy.RETAIN)",
        ("tests/test_destroy.py",),
    ),
    Mutation(
        "the default Langfuse release is 4.38.0",
        SRC + "config/models.py",
        'version: str = Field(default="4.38.0"',
        'version: str = Field(default="4.39.0"',
        ("tests/test_images.py", "-k", "defaults"),
    ),
    Mutation(
        "floating ClickHouse tags are refused",
        SRC + "config/models.py",
        r'pattern=r"^\d+\.\d+\.\d+\.\d+$"',
        r'pattern=r"^\d+\.\d+(\.\d+){0,2}$"',
        ("tests/test_config_errors.py",),
    ),
    Mutation(
        "execution roles may make the first pull through the cache",
        SRC + "constructs/images.py",
        '    "ecr:BatchImportUpstreamImage",\n',
        "",
        ("tests/test_images.py",),
    ),
    Mutation(
        "a digest pins the image",
        SRC + "constructs/images.py",
        'return f"{base}@{image.digest}" if image.digest else f"{base}:{image.tag}"',
        'return f"{base}:{image.tag}"',
        ("tests/test_images.py",),
    ),
    Mutation(
        "make bootstrap covers us-east-1 for CloudFront environments",
        SRC + "stage.py",
        "if needs_global_stack(config):",
        "if False:",
        ("tests/test_bootstrap.py", "-k", "region"),
    ),
]


def run(mutation: Mutation) -> tuple[bool, float]:
    """Apply ``mutation``, run its tests, restore; True when the tests failed (killed)."""
    path = REPO / mutation.path
    original = path.read_text()
    if original.count(mutation.old) != 1:
        raise SystemExit(f"{mutation.path}: snippet for '{mutation.claim}' not found exactly once")
    started = time.monotonic()
    try:
        path.write_text(original.replace(mutation.old, mutation.new))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation.tests],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(original)
    if result.returncode in (4, 5):
        raise SystemExit(f"'{mutation.claim}': no tests ran ({' '.join(mutation.tests)})")
    return result.returncode != 0, time.monotonic() - started


def main(argv: list[str]) -> int:
    """Run the selected mutations; exit 1 when any survives."""
    selected = [m for m in MUTATIONS if len(argv) < 2 or argv[1] in m.claim]
    survived = []
    for mutation in selected:
        killed, seconds = run(mutation)
        print(f"{'killed  ' if killed else 'SURVIVED'} {seconds:5.0f} s  {mutation.claim}")
        if not killed:
            survived.append(mutation.claim)
    print(f"{len(selected) - len(survived)}/{len(selected)} mutations killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
