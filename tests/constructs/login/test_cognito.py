"""The Cognito user pool in front of Langfuse: HTTPS callbacks to Langfuse's Cognito provider,
a prefix domain unique to the deployment (or a custom domain after the app's own record), MFA
and threat protection as configured, admin-created users unless self sign-up is on, and the
pool kept with the data.

Rules the expected values come from:
- NextAuth's callback for a provider is ``${NEXTAUTH_URL}/api/auth/callback/<id>``; Langfuse's
  Cognito provider id is ``cognito`` (../shared/reference/langfuse.md, Authentication).
- Cognito requires HTTPS callback URLs except http://localhost (Cognito API,
  CreateUserPoolClient CallbackURLs).
- Prefix domains may hold lower-case letters, digits and hyphens, not start or end with a
  hyphen, and must be unique in the Region across all accounts (Cognito Developer Guide,
  "Using the Amazon Cognito prefix domain"). A stack id's third ``/`` part is a UUID new for
  every creation of the stack (CloudFormation, pseudo parameter AWS::StackId).
- ``MfaConfiguration`` is OFF, OPTIONAL or ON; ``SOFTWARE_TOKEN_MFA`` is TOTP
  (CloudFormation, AWS::Cognito::UserPool). Threat protection in enforced mode is
  ``UserPoolAddOns.AdvancedSecurityMode: ENFORCED`` and needs the Plus tier
  (``UserPoolTier: PLUS``) (Cognito Developer Guide, "Threat protection").
- ``AllowAdminCreateUserOnly`` true turns self sign-up off (CloudFormation,
  AdminCreateUserConfig). A custom domain's parent needs an A record first (Cognito Developer
  Guide, "Using your own domain for managed login"; DESIGN.md).
- docs/data.md: the Cognito user pool survives a retaining environment's deletion.
  DESIGN.md convention 10: the client secret reaches Langfuse only through Secrets Manager.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pytest
from aws_cdk import Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Template

from cfn_eval import evaluate, pseudo_parameters
from construct_stack import acknowledged, bare_stack, only, protection, resources
from langfuse_aws.constructs.login.cognito import CognitoAuth, CognitoCustomDomain, CognitoProps

PUBLIC_URL = "https://langfuse.example.com"
CALLBACK = f"{PUBLIC_URL}/api/auth/callback/cognito"
PREFIX_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
STACK_UUID = "51af3dc0-da77-11e4-872e-1234567db123"
AUTH_HOST = "auth.langfuse.example.com"
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-0000-4000-8000-000000000000"
)


def build_cognito(stack: Stack, *, retain: bool, **settings: Any) -> CognitoAuth:
    """The one place this file builds the construct (``settings``: CognitoProps fields)."""
    return CognitoAuth(
        stack,
        "Auth",
        props=CognitoProps(
            environment_name="test",
            public_url=PUBLIC_URL,
            protection=protection(retain=retain),
            **settings,
        ),
    )


class Built(NamedTuple):
    template: Template
    auth: CognitoAuth


def synth(*, retain: bool, **settings: Any) -> Built:
    stack = bare_stack()
    auth = build_cognito(stack, retain=retain, **settings)
    return Built(Template.from_stack(stack), auth)


@pytest.fixture(scope="module")
def defaults() -> Built:
    """Kept, admin-created users, optional MFA, Essentials, default prefix domain."""
    return synth(retain=True)


@pytest.fixture(scope="module")
def strict() -> Built:
    """Disposable, self sign-up for one e-mail domain, MFA required, Plus, own prefix."""
    return synth(
        retain=False,
        self_signup=True,
        allowed_email_domains=["example.com"],
        mfa="required",
        feature_plan="plus",
        domain_prefix="acme-langfuse",
        password_min_length=16,
    )


@pytest.fixture(scope="module")
def custom_domain() -> Built:
    """The login page on auth.<app host>, after the app's own A record."""
    stack = bare_stack()
    zone = route53.HostedZone.from_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123456789ABCDEFGHIJ", zone_name="example.com"
    )
    app_record = route53.ARecord(
        stack,
        "AppRecord",
        zone=zone,
        record_name="langfuse.example.com",
        target=route53.RecordTarget.from_ip_addresses("192.0.2.10"),
    )
    auth = build_cognito(
        stack,
        retain=True,
        custom_domain=CognitoCustomDomain(
            domain_name=AUTH_HOST,
            certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERTIFICATE_ARN),
            zone=zone,
            app_record=app_record,
        ),
    )
    return Built(Template.from_stack(stack), auth)


def pool(built: Built) -> dict[str, Any]:
    found: dict[str, Any] = only(built.template, "AWS::Cognito::UserPool")[1]
    return found


def client(built: Built) -> dict[str, Any]:
    found: dict[str, Any] = only(built.template, "AWS::Cognito::UserPoolClient")[1]["Properties"]
    return found


def domain(built: Built) -> dict[str, Any]:
    found: dict[str, Any] = only(built.template, "AWS::Cognito::UserPoolDomain")[1]
    return found


def test_the_only_callback_is_langfuse_s_cognito_callback_over_https(defaults: Built) -> None:
    properties = client(defaults)
    assert properties["CallbackURLs"] == [CALLBACK]
    assert properties["LogoutURLs"] == [PUBLIC_URL]
    assert all(u.startswith("https://") for u in properties["CallbackURLs"])
    assert defaults.auth.callback_url == CALLBACK


def test_one_confidential_client_with_the_authorization_code_flow(defaults: Built) -> None:
    properties = client(defaults)
    assert properties["GenerateSecret"] is True
    assert properties["AllowedOAuthFlows"] == ["code"]
    assert properties["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(properties["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert properties["PreventUserExistenceErrors"] == "ENABLED"
    assert properties["SupportedIdentityProviders"] == ["COGNITO"]


def test_the_default_prefix_domain_is_unique_to_the_deployment(defaults: Built) -> None:
    properties = domain(defaults)["Properties"]
    assert "CustomDomainConfig" not in properties
    deployed = evaluate(properties["Domain"], pseudo_parameters("Test", STACK_UUID))
    assert deployed == "langfuse-test-51af3dc0"
    assert PREFIX_DOMAIN.match(deployed)
    again = evaluate(
        properties["Domain"], pseudo_parameters("Test", "9c0ffee1-0000-4000-8000-000000000001")
    )
    assert again == "langfuse-test-9c0ffee1"


def test_a_configured_prefix_is_used_as_written(strict: Built) -> None:
    assert domain(strict)["Properties"]["Domain"] == "acme-langfuse"


def test_mfa_is_totp_optional_or_required_as_configured(defaults: Built, strict: Built) -> None:
    assert pool(defaults)["Properties"]["MfaConfiguration"] == "OPTIONAL"
    assert pool(strict)["Properties"]["MfaConfiguration"] == "ON"
    for built in (defaults, strict):
        assert pool(built)["Properties"]["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert "AwsSolutions-COG2" in acknowledged(defaults.auth.user_pool)
    assert "AwsSolutions-COG2" not in acknowledged(strict.auth.user_pool)


def test_threat_protection_is_enforced_on_the_plus_plan_only(
    defaults: Built, strict: Built
) -> None:
    essentials = pool(defaults)["Properties"]
    assert essentials["UserPoolTier"] == "ESSENTIALS"
    assert "AdvancedSecurityMode" not in essentials.get("UserPoolAddOns", {})
    assert "AwsSolutions-COG3" in acknowledged(defaults.auth.user_pool)
    plus = pool(strict)["Properties"]
    assert plus["UserPoolTier"] == "PLUS"
    assert plus["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}


def test_admins_create_users_unless_self_sign_up_is_on(defaults: Built, strict: Built) -> None:
    assert pool(defaults)["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert "LambdaConfig" not in pool(defaults)["Properties"]
    assert pool(strict)["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False


def test_self_sign_up_is_limited_to_the_allowed_domains_by_a_trigger(strict: Built) -> None:
    ((function_id, function),) = [
        (k, f)
        for k, f in resources(strict.template, "AWS::Lambda::Function").items()
        if "ALLOWED_EMAIL_DOMAINS" in f["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert function["Properties"]["Environment"]["Variables"] == {
        "ALLOWED_EMAIL_DOMAINS": "example.com"
    }
    assert function["Properties"]["Architectures"] == ["arm64"]
    trigger = pool(strict)["Properties"]["LambdaConfig"]["PreSignUp"]
    assert trigger == {"Fn::GetAtt": [function_id, "Arn"]}


def test_passwords_need_every_character_class_and_the_configured_length(
    defaults: Built, strict: Built
) -> None:
    policy = pool(defaults)["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12
    assert all(
        policy[k] is True
        for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert pool(strict)["Properties"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 16


def test_a_kept_pool_is_protected_and_retained(defaults: Built, strict: Built) -> None:
    kept = pool(defaults)
    assert kept["Properties"]["DeletionProtection"] == "ACTIVE"
    assert (kept["DeletionPolicy"], kept["UpdateReplacePolicy"]) == ("Retain", "Retain")
    disposable = pool(strict)
    assert disposable["Properties"].get("DeletionProtection", "INACTIVE") == "INACTIVE"
    assert disposable.get("DeletionPolicy", "Delete") == "Delete"


def test_the_client_secret_reaches_langfuse_through_secrets_manager(defaults: Built) -> None:
    secret_id, secret = only(defaults.template, "AWS::SecretsManager::Secret")
    assert "ClientSecret" in str(secret["Properties"]["SecretString"])
    auth = defaults.auth
    assert Stack.of(auth).resolve(auth.client_secret.secret_arn) == {"Ref": secret_id}
    assert "rotate" in acknowledged(auth.client_secret)["AwsSolutions-SMG4"]


def test_a_custom_domain_waits_for_the_app_s_record_and_gets_its_own(
    custom_domain: Built,
) -> None:
    resource = domain(custom_domain)
    assert resource["Properties"]["Domain"] == AUTH_HOST
    assert resource["Properties"]["CustomDomainConfig"] == {"CertificateArn": CERTIFICATE_ARN}
    records = resources(custom_domain.template, "AWS::Route53::RecordSet")
    (app_record_id,) = [k for k in records if k.startswith("AppRecord")]
    assert app_record_id in resource["DependsOn"]
    names = sorted(r["Properties"]["Name"] for r in records.values())
    assert names == [f"{AUTH_HOST}.", "langfuse.example.com."]
