"""Secure by default: nobody signs up on a URL reachable from the internet unless the YAML says
so in so many words (`auth.signup: open`), and the posture is shown where operators look.

Langfuse's rules, from its source (langfuse/langfuse main @62751446):
- a password sign-up is refused when AUTH_DISABLE_SIGNUP or AUTH_DISABLE_USERNAME_PASSWORD is
  "true" (web/src/features/auth-credentials/server/signupApiHandler.ts:28-37), so with both
  "false" anyone who can reach the URL may create an account;
- a single sign-on user gets a Langfuse account only while AUTH_DISABLE_SIGNUP is not "true"
  (web/src/server/auth.ts:620-624, the adapter's createUser), so SSO sign-up needs it "false";
- a provider is offered when its AUTH_<PROVIDER>_CLIENT_ID (and the rest) is set (auth.ts).
"""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
import yaml

from conftest import synthesized
from langfuse_aws.cli.doctor import run_doctor
from langfuse_aws.config import ConfigError, EnvironmentConfig
from langfuse_aws.config.loader import build_config
from langfuse_aws.config.posture import who_can_sign_in
from langfuse_aws.langfuse.auth_variables import access_environment
from synth import EXAMPLE_CONFIGS, FIXTURE_CONFIGS, SynthesizedEnvironment, task_container

BASE: dict[str, Any] = {"name": "tt", "region": "eu-west-1"}
GITHUB = {"type": "github", "client_id": "Iv1.abc", "client_secret_secret": "langfuse/github"}
CERTIFICATE = "arn:aws:acm:eu-west-1:555566667777:certificate/0f6c2a9e-1b2c-4d3e-8f90-123456789abc"
INTERNAL = {
    "network": {
        "existing": {
            "vpc_id": "vpc-0a1b2c3d4e5f60718",
            "cidr": "10.20.0.0/16",
            "availability_zones": ["eu-west-1a", "eu-west-1b"],
            "private_subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        }
    },
    "edge": {
        "mode": "internal",
        "domain": {"name": "lf.corp.acme.io", "zone_id": "Z0987654321ZYXWVUTSRQ",
                   "zone_name": "corp.acme.io"},
        "certificate_arn": CERTIFICATE,
        "allowed_cidrs": ["10.0.0.0/8"],
    },
}  # fmt: skip
DOMAIN = {"name": "langfuse.example.com", "zone_id": "Z0123456789ABCDEFGHIJ",
          "zone_name": "example.com"}  # fmt: skip


def raw_yaml(env: SynthesizedEnvironment) -> dict[str, Any]:
    """The environment's file as its author wrote it (not the validated model)."""
    for path in (*EXAMPLE_CONFIGS, *FIXTURE_CONFIGS):
        document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        if document["name"] == env.config.name:
            return document
    raise KeyError(env.config.name)


def web_env(env: SynthesizedEnvironment) -> dict[str, Any]:
    return {e["Name"]: e["Value"] for e in task_container(env, "Web")["Environment"]}


def langfuse_signup(variables: dict[str, Any]) -> tuple[bool, bool, set[str]]:
    """(anyone may sign up with a password, SSO users get accounts, providers offered) by
    Langfuse's rules in the module docstring."""
    signup_on = variables["AUTH_DISABLE_SIGNUP"] == "false"
    password_on = variables["AUTH_DISABLE_USERNAME_PASSWORD"] == "false"
    providers = {m[1] for n in variables if (m := re.fullmatch(r"AUTH_([A-Z0-9_]+)_CLIENT_ID", n))}
    return signup_on and password_on, signup_on, providers


def test_reachable_from_the_internet_means_signup_closed_or_behind_an_identity_provider(
    any_env: SynthesizedEnvironment,
) -> None:
    raw = raw_yaml(any_env)
    reachable = (raw.get("edge") or {}).get("mode", "cloudfront") in ("cloudfront", "alb")
    said_open = (raw.get("auth") or {}).get("signup") == "open"
    anyone, sso_signup, providers = langfuse_signup(web_env(any_env))
    if reachable and not said_open:
        assert not anyone, "open sign-up on a public URL the YAML never asked for"
        if sso_signup:
            assert providers, "sign-up on without an identity provider deciding who gets in"
    if anyone:
        assert said_open


# The fixtures that rely on the default login: each file has no auth block.
DEFAULT_LOGIN = ["alb-domain", "clickhouse-ec2", "images", "v3-upgrade"]


@pytest.mark.parametrize("name", DEFAULT_LOGIN)
def test_without_an_auth_block_a_public_environment_gets_cognito_with_admin_created_users(
    name: str,
) -> None:
    """The seed's set-up (../shared/reference/seed-cognito-article.txt): Cognito login,
    admin-created users, Langfuse's password login off, and Langfuse's sign-up on so that
    Cognito users get their account."""
    (path,) = [p for p in FIXTURE_CONFIGS if p.stem == name]
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "auth" not in document
    assert (document.get("edge") or {}).get("mode", "cloudfront") != "internal"
    env = synthesized(name)
    variables = web_env(env)
    assert variables["AUTH_DISABLE_USERNAME_PASSWORD"] == "true"
    assert variables["AUTH_DISABLE_SIGNUP"] == "false"
    assert langfuse_signup(variables)[2] == {"COGNITO"}
    (pool,) = env.resources("AWS::Cognito::UserPool").values()
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert env.main["Outputs"]["WhoCanSignIn"]["Value"] == "Cognito users created by an admin"


def test_shipped_configs_use_single_sign_on(example_env: SynthesizedEnvironment) -> None:
    """config/example.yaml, dev.yaml and prod.yaml: Cognito is the way in, no password."""
    variables = web_env(example_env)
    assert "COGNITO" in langfuse_signup(variables)[2]
    assert variables["AUTH_DISABLE_USERNAME_PASSWORD"] == "true"
    assert variables["AUTH_DISABLE_SIGNUP"] == "false"


# The login an environment gets from its YAML, by the rules the README states.
def auth_of(document: dict[str, Any]) -> EnvironmentConfig:
    return build_config(BASE | document, "cfg.yaml")


def test_no_auth_block_on_cloudfront_or_alb_is_cognito_with_admin_created_users() -> None:
    for document in ({}, {"edge": {"mode": "alb", "domain": DOMAIN}}):
        auth = auth_of(document).auth
        assert auth.cognito is not None and auth.cognito.self_signup is False
        assert auth.password_login is False
        assert auth.signup == "sso"
        assert access_environment(auth)["AUTH_DISABLE_SIGNUP"] == "false"


@pytest.mark.parametrize(
    "document",
    [INTERNAL, {"edge": {"mode": "alb", "allow_insecure_http": True}}],
    ids=["internal", "plain-http"],
)
def test_no_auth_block_internal_or_plain_http_keeps_password_login_with_signup_closed(
    document: dict[str, Any],
) -> None:
    """Internal may keep password login; plain HTTP cannot run Cognito (https callbacks)."""
    auth = auth_of(document).auth
    assert auth.cognito is None
    assert auth.password_login is True
    assert auth.signup == "closed"
    variables = access_environment(auth)
    assert variables["AUTH_DISABLE_SIGNUP"] == "true"
    assert variables["AUTH_DISABLE_USERNAME_PASSWORD"] == "false"


@pytest.mark.parametrize(
    "auth",
    [{"cognito": {}}, {"providers": [GITHUB]}],
    ids=["cognito", "direct"],
)
def test_an_identity_provider_turns_password_login_off_and_lets_its_users_sign_up(
    auth: dict[str, Any],
) -> None:
    config = auth_of({"auth": auth}).auth
    assert (config.password_login, config.signup) == (False, "sso")
    variables = access_environment(config)
    assert variables["AUTH_DISABLE_USERNAME_PASSWORD"] == "true"
    assert variables["AUTH_DISABLE_SIGNUP"] == "false"


@pytest.mark.parametrize(
    ("signup", "disable_signup"),
    [("closed", "true"), ("sso", "false"), ("open", "false")],
)
def test_signup_sets_langfuse_switch(signup: str, disable_signup: str) -> None:
    """closed stops every new account; sso and open let Langfuse create them."""
    password = signup == "open"
    document = {"data_protection": "disposable", "auth": {"signup": signup,
                "password_login": password, "cognito": {}}}  # fmt: skip
    variables = access_environment(auth_of(document).auth)
    assert variables["AUTH_DISABLE_SIGNUP"] == disable_signup
    assert variables["AUTH_DISABLE_USERNAME_PASSWORD"] == str(not password).lower()


def refusal(document: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        auth_of(document)
    return str(caught.value)


def test_open_signup_on_a_retaining_environment_needs_the_acknowledgement() -> None:
    assert refusal({"auth": {"signup": "open"}}) == (
        "cfg.yaml: auth.signup is open on an environment that retains data (data_protection: "
        "retain): anyone who can reach the URL may create an account, organisations and API "
        "keys; set auth.allow_open_signup_with_retained_data: true if that is intended, or "
        "write signup: sso with an identity provider (auth.cognito or auth.providers)"
    )
    acknowledged = {"signup": "open", "allow_open_signup_with_retained_data": True}
    variables = access_environment(auth_of({"auth": acknowledged}).auth)
    assert variables["AUTH_DISABLE_USERNAME_PASSWORD"] == "false"
    assert variables["AUTH_DISABLE_SIGNUP"] == "false"
    disposable = auth_of({"data_protection": "disposable", "auth": {"signup": "open"}})
    assert disposable.auth.signup == "open"


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        (
            {"signup": True},
            "cfg.yaml: auth.signup is true, a retired value: with password login on it meant "
            "open sign-up, now written signup: open (anyone who can reach the URL may create an "
            "account); to let in only single sign-on users, write signup: sso and "
            "password_login: false",
        ),
        (
            {"signup": True, "password_login": False, "cognito": {}},
            "cfg.yaml: auth.signup is true, a retired value: write signup: sso (single sign-on "
            "users get an account, as before with password login off)",
        ),
        (
            {"signup": False},
            "cfg.yaml: auth.signup is false, a retired value: write signup: closed (no new "
            "accounts, single sign-on users included, as before)",
        ),
        (
            {"signup": "open", "password_login": False, "cognito": {}},
            "cfg.yaml: auth.signup is open but auth.password_login is false: open sign-up is "
            "Langfuse's own e-mail and password sign-up; write signup: sso (the identity "
            "provider decides who gets an account) or set password_login: true",
        ),
        (
            {"signup": "sso", "password_login": True, "providers": [GITHUB]},
            "cfg.yaml: auth.signup is sso but auth.password_login is true: Langfuse has one "
            "switch for every new account (AUTH_DISABLE_SIGNUP), so anyone who can reach the URL "
            "could also sign up with a password; set password_login: false, or write signup: "
            "open if that is intended",
        ),
        (
            {"allow_open_signup_with_retained_data": True, "cognito": {}},
            "cfg.yaml: auth.allow_open_signup_with_retained_data only applies with auth.signup: "
            "open, and auth.signup is sso: remove it",
        ),
        (
            {"signup": "closed", "cognito": {"self_signup": True}},
            "cfg.yaml: auth.cognito.self_signup is on but auth.signup is closed, which stops "
            "Langfuse from creating an account for any new login (AUTH_DISABLE_SIGNUP): people "
            "could sign up in Cognito and still never get in; turn self_signup off or write "
            "signup: sso",
        ),
    ],
    ids=["true", "true-sso", "false", "open-no-password", "sso-password", "ack-alone", "self"],
)
def test_signup_refusals_name_the_field_and_the_fix(auth: dict[str, Any], message: str) -> None:
    assert refusal({"data_protection": "disposable", "auth": auth}) == message


POSTURES = [
    ({}, "Cognito users created by an admin"),
    (
        {"auth": {"cognito": {"self_signup": True, "allowed_email_domains": ["acme.com"]}}},
        "anyone with an @acme.com address who signs up in Cognito",
    ),
    (
        {"auth": {"providers": [GITHUB | {"type": "google", "allowed_domains": ["acme.com"]}]}},
        "anyone with an @acme.com address via Google",
    ),
    ({"auth": {"providers": [GITHUB]}}, "anyone with a GitHub account"),
    (
        {
            "auth": {
                "cognito": {"saml": [{"name": "Okta", "metadata_url": "https://acme.okta.com/m"}]}
            }
        },
        "Cognito users created by an admin; users of Okta (SAML, via Cognito)",
    ),
    (
        {"data_protection": "disposable", "auth": {"signup": "open"}},
        "open sign-up: anyone who can reach the URL",
    ),
    (
        INTERNAL,
        "sign-up closed: no new accounts; only existing users (e.g. langfuse.init's) sign in, "
        "with a password",
    ),
]


@pytest.mark.parametrize(("document", "who"), POSTURES)
def test_who_can_sign_in(document: dict[str, Any], who: str) -> None:
    assert who_can_sign_in(auth_of(document).auth) == who


def test_deploy_output_and_synth_summary_say_who_can_sign_in(
    example: SynthesizedEnvironment,
) -> None:
    output = example.main["Outputs"]["WhoCanSignIn"]
    assert output["Value"] == "Cognito users created by an admin"
    assert "  WhoCanSignIn: Cognito users created by an admin" in example.cli_output


def test_an_open_fixture_says_so_everywhere(headless: SynthesizedEnvironment) -> None:
    who = headless.main["Outputs"]["WhoCanSignIn"]["Value"]
    assert who == "open sign-up: anyone who can reach the URL; Cognito users created by an admin"
    assert f"  WhoCanSignIn: {who}" in headless.cli_output


def test_doctor_shows_who_can_sign_in_even_without_credentials(
    no_aws_credentials: None,
) -> None:
    config = auth_of({"auth": {"providers": [GITHUB]}})
    checks = run_doctor(config, lambda s, r: boto3.client(s, region_name=r), "tt")
    (posture,) = [check for check in checks if check.name == "who can sign in"]
    assert posture.ok
    assert posture.detail == "anyone with a GitHub account"
