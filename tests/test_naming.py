"""Stack names and regions: what README.md and docs/deploy.md promise, spelled in one module.

README.md: `name: team  # stacks: Langfuse-team (+ -Global and -EdgeAlarms in us-east-1)`.
docs/deploy.md: the us-east-1 stack comes before the main stack (which reads its certificates
and web ACL) and the edge alarms stack after it (it reads the distribution).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from langfuse_aws import LangfuseEnvironment
from langfuse_aws.config import build_config
from langfuse_aws.feature_flags import FEATURE_FLAGS
from langfuse_aws.naming import (
    GLOBAL_REGION,
    StackPlace,
    edge_alarms_stack_name,
    global_stack_name,
    main_stack_name,
    possible_stacks,
    regions_of,
    stacks_of,
)
from synth import REPO, SynthesizedEnvironment

BASE: dict[str, Any] = {"name": "team", "region": "eu-west-1"}
DOMAIN = {"name": "langfuse.acme.io", "zone_id": "Z0123456789ABCDEFGHIJ", "zone_name": "acme.io"}


def test_stack_names_are_the_documented_ones() -> None:
    assert main_stack_name("team") == "Langfuse-team"
    assert global_stack_name("team") == "Langfuse-team-Global"
    assert edge_alarms_stack_name("team") == "Langfuse-team-EdgeAlarms"
    # CloudFront's certificates, web ACLs and metrics exist only in US East (N. Virginia).
    assert GLOBAL_REGION == "us-east-1"


def test_every_possible_stack_in_deployment_order() -> None:
    assert possible_stacks("team", "eu-west-1") == [
        StackPlace("Langfuse-team-Global", "us-east-1"),
        StackPlace("Langfuse-team", "eu-west-1"),
        StackPlace("Langfuse-team-EdgeAlarms", "us-east-1"),
    ]


def test_the_default_cloudfront_environment_has_all_three_stacks() -> None:
    """CloudFront (the default) with WAF and monitoring on (their defaults): the CLOUDFRONT
    web ACL in -Global, the CloudFront alarms in -EdgeAlarms, both in us-east-1."""
    config = build_config(BASE)
    assert stacks_of(config) == [
        StackPlace("Langfuse-team-Global", "us-east-1"),
        StackPlace("Langfuse-team", "eu-west-1"),
        StackPlace("Langfuse-team-EdgeAlarms", "us-east-1"),
    ]
    assert regions_of(config) == ["eu-west-1", "us-east-1"]


def test_cloudfront_without_waf_has_only_its_alarms_in_us_east_1() -> None:
    config = build_config(BASE | {"waf": {"enabled": False}})
    assert stacks_of(config) == [
        StackPlace("Langfuse-team", "eu-west-1"),
        StackPlace("Langfuse-team-EdgeAlarms", "us-east-1"),
    ]


def test_cloudfront_without_waf_domain_or_alarms_stays_in_its_region() -> None:
    config = build_config(BASE | {"waf": {"enabled": False}, "monitoring": {"enabled": False}})
    assert stacks_of(config) == [StackPlace("Langfuse-team", "eu-west-1")]
    assert regions_of(config) == ["eu-west-1"]


def test_an_alb_with_a_cognito_custom_domain_needs_only_its_certificate_in_us_east_1() -> None:
    """The load balancer's certificate, REGIONAL web ACL and alarms are in its region; the
    Cognito custom domain's certificate must be in us-east-1 (Cognito API Reference,
    UpdateUserPoolDomain)."""
    edge = {"mode": "alb", "domain": DOMAIN}
    plain = build_config(BASE | {"edge": edge})
    assert stacks_of(plain) == [StackPlace("Langfuse-team", "eu-west-1")]
    login = build_config(BASE | {"edge": edge, "auth": {"cognito": {"custom_domain": True}}})
    assert stacks_of(login) == [
        StackPlace("Langfuse-team-Global", "us-east-1"),
        StackPlace("Langfuse-team", "eu-west-1"),
    ]


def test_an_environment_in_us_east_1_lists_its_region_once() -> None:
    config = build_config(BASE | {"region": "us-east-1"})
    assert len(stacks_of(config)) == 3
    assert regions_of(config) == ["us-east-1"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        # CloudFront without WAF, domain or alarms: nothing in us-east-1.
        (
            {"waf": {"enabled": False}, "monitoring": {"enabled": False}},
            [("Langfuse-team", "eu-west-1")],
        ),
        # CloudFront without WAF: only its alarms, where its metrics are.
        (
            {"waf": {"enabled": False}},
            [("Langfuse-team", "eu-west-1"), ("Langfuse-team-EdgeAlarms", "us-east-1")],
        ),
        # CloudFront with WAF but no alarms: only the CLOUDFRONT web ACL.
        (
            {"monitoring": {"enabled": False}},
            [("Langfuse-team-Global", "us-east-1"), ("Langfuse-team", "eu-west-1")],
        ),
        # An internet-facing load balancer with a Cognito custom domain: its certificate.
        (
            {
                "edge": {"mode": "alb", "domain": DOMAIN},
                "auth": {"cognito": {"custom_domain": True}},
            },
            [("Langfuse-team-Global", "us-east-1"), ("Langfuse-team", "eu-west-1")],
        ),
    ],
)
def test_the_app_builds_the_stacks_the_config_needs(
    settings: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    """The app (built in-process, not synthesized) and naming agree on the stacks, also for
    settings no shipped config has."""
    config = build_config(BASE | settings)
    app = App(context=FEATURE_FLAGS)
    built = [(stack.stack_name, stack.region) for stack in LangfuseEnvironment(app, config).stacks]
    assert built == expected
    assert [(place.name, place.region) for place in stacks_of(config)] == expected


# "Langfuse-" followed by a format: f"Langfuse-{...}", "Langfuse-%s", "Langfuse-" + ...,
# "Langfuse-{}".format(...), "Langfuse-" f"...".
SPELLED_NAME = re.compile(r"""Langfuse-(?:\{|%|["']\s*(?:\+|%|f["']))""")
NAMING_MODULE = REPO / "src" / "langfuse_aws" / "naming.py"
# scripts/mutate.py quotes lines of other files as data (the code its mutations change).
QUOTES_OTHER_FILES = REPO / "scripts" / "mutate.py"


def spelled_names() -> list[str]:
    """``path:line: text`` of every line under src/ and scripts/ that builds a name from
    "Langfuse-", outside naming.py."""
    found = []
    for folder in ("src", "scripts"):
        for path in sorted((REPO / folder).rglob("*")):
            if not path.is_file() or path in (NAMING_MODULE, QUOTES_OTHER_FILES):
                continue
            try:
                text = path.read_text()
            except UnicodeDecodeError:
                continue  # a binary file (bytecode) holds no source
            for number, line in enumerate(text.splitlines(), 1):
                if SPELLED_NAME.search(line):
                    found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    return found


def test_only_the_naming_module_spells_names() -> None:
    """Every stack name (and the dashboard and web ACL metric named after the environment)
    comes from langfuse_aws.naming, so that the app, the command line and the tests agree."""
    assert spelled_names() == []


def test_the_spelling_check_finds_a_spelled_name(tmp_path: Path) -> None:
    for line in (
        'name = f"Langfuse-{config.name}"',
        "name = 'Langfuse-%s' % env",
        'name = "Langfuse-" + env',
        'name = "Langfuse-{}".format(env)',
    ):
        assert SPELLED_NAME.search(line), line
    assert not SPELLED_NAME.search('"""The main stack ``Langfuse-<env>``."""')


def test_the_app_makes_exactly_the_stacks_naming_lists(any_env: SynthesizedEnvironment) -> None:
    """What doctor checks and bootstrap asks for (regions_of) and what status looks for
    (stacks_of) is what the synthesized app deploys, in an order its dependencies allow."""
    stacks = {
        name: artifact
        for name, artifact in any_env.manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    deployed = {
        StackPlace(name, artifact["environment"].rsplit("/", 1)[-1])
        for name, artifact in stacks.items()
    }
    listed = stacks_of(any_env.config)
    assert set(listed) == deployed
    assert set(regions_of(any_env.config)) == {place.region for place in deployed}
    for position, place in enumerate(listed):
        needs = {d for d in stacks[place.name].get("dependencies", []) if d in stacks}
        assert needs <= {earlier.name for earlier in listed[:position]}, place.name
