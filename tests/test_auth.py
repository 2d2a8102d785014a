"""Single sign-on: Cognito user pool, app client, domains, federation and direct providers."""

from __future__ import annotations

import re
from typing import Any

from cfn_eval import evaluate, pseudo_parameters
from synth import SynthesizedEnvironment, task_container


def web_env(env: SynthesizedEnvironment) -> dict[str, Any]:
    return {e["Name"]: e["Value"] for e in task_container(env, "Web")["Environment"]}


def web_secrets(env: SynthesizedEnvironment) -> dict[str, Any]:
    return {s["Name"]: s["ValueFrom"] for s in task_container(env, "Web")["Secrets"]}


def only(resources: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (item,) = resources.items()
    return item


def test_user_pool_defaults(example: SynthesizedEnvironment) -> None:
    _, pool = only(example.resources("AWS::Cognito::UserPool"))
    props = pool["Properties"]
    assert props["UsernameAttributes"] == ["email"]
    assert props["AutoVerifiedAttributes"] == ["email"]
    assert props["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
    }
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["DeletionProtection"] == "ACTIVE"
    assert props["UserPoolTier"] == "ESSENTIALS"
    assert "Langfuse" in props["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailSubject"]
    assert "Langfuse" in props["VerificationMessageTemplate"]["EmailSubject"]
    assert pool["DeletionPolicy"] == "Retain"
    assert "LambdaConfig" not in props


def test_app_client(any_env: SynthesizedEnvironment) -> None:
    if any_env.config.auth.cognito is None:
        return
    _, client = only(any_env.resources("AWS::Cognito::UserPoolClient"))
    props = client["Properties"]
    assert props["GenerateSecret"] is True
    assert props["AllowedOAuthFlows"] == ["code"]
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(props["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert "COGNITO" in props["SupportedIdentityProviders"]


def test_callback_url_is_nextauth_url_plus_provider_path(any_env: SynthesizedEnvironment) -> None:
    if any_env.config.auth.cognito is None:
        return
    _, client = only(any_env.resources("AWS::Cognito::UserPoolClient"))
    nextauth = web_env(any_env)["NEXTAUTH_URL"]
    (callback,) = client["Properties"]["CallbackURLs"]
    if isinstance(nextauth, str):
        assert callback == nextauth + "/api/auth/callback/cognito"
    else:
        assert callback["Fn::Join"][1] == [*nextauth["Fn::Join"][1], "/api/auth/callback/cognito"]


def test_web_gets_cognito_settings_and_secret(example: SynthesizedEnvironment) -> None:
    env = web_env(example)
    pool_id, _ = only(example.resources("AWS::Cognito::UserPool"))
    client_id, _ = only(example.resources("AWS::Cognito::UserPoolClient"))
    assert env["AUTH_COGNITO_CLIENT_ID"] == {"Ref": client_id}
    assert env["AUTH_COGNITO_ISSUER"] == {"Fn::GetAtt": [pool_id, "ProviderURL"]}
    assert env["AUTH_COGNITO_ALLOW_ACCOUNT_LINKING"] == "false"
    assert env["AUTH_DISABLE_USERNAME_PASSWORD"] == "true"
    assert env["AUTH_DISABLE_SIGNUP"] == "false"
    secret_id, _ = only(
        {
            k: v
            for k, v in example.resources("AWS::SecretsManager::Secret").items()
            if k.startswith("AuthClientSecret")
        }
    )
    assert web_secrets(example)["AUTH_COGNITO_CLIENT_SECRET"] == {"Ref": secret_id}


def test_worker_gets_no_login_settings(any_env: SynthesizedEnvironment) -> None:
    names = {e["Name"] for e in task_container(any_env, "Worker")["Environment"]}
    assert not {n for n in names if n.startswith("AUTH_")}


def test_prefix_domain_without_a_custom_domain(example: SynthesizedEnvironment) -> None:
    _, domain = only(example.resources("AWS::Cognito::UserPoolDomain"))
    assert domain["Properties"]["ManagedLoginVersion"] == 2
    assert "CustomDomainConfig" not in domain["Properties"]
    assert example.resources("AWS::Cognito::ManagedLoginBranding")
    # The us-east-1 stack holds only the CLOUDFRONT web ACL here: no certificate is needed.
    assert example.global_stack is not None
    assert not example.resources("AWS::CertificateManager::Certificate", example.global_stack)


# Cognito's rule for a prefix domain (CreateUserPoolDomain): 1-63 characters, this pattern, and
# none of the words aws, amazon, cognito. It is unique in a region across all AWS accounts.
COGNITO_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$")


def test_default_prefix_is_unique_per_deployment_and_stable(
    example: SynthesizedEnvironment,
) -> None:
    _, domain = only(example.resources("AWS::Cognito::UserPoolDomain"))
    expression = domain["Properties"]["Domain"]
    team_a = "0f6c2a9e-1b7d-11ef-9c3a-0a1b2c3d4e5f"
    team_b = "5d1e8b40-1b7e-11ef-8f21-06aa77bb88cc"
    stack = example.main_stack
    first = evaluate(expression, pseudo_parameters(stack, team_a, account="111111111111"))
    second = evaluate(expression, pseudo_parameters(stack, team_b, account="222222222222"))
    assert first == "langfuse-example-0f6c2a9e"
    assert second == "langfuse-example-5d1e8b40"
    # The same stack (same id) keeps its name on every update.
    assert evaluate(expression, pseudo_parameters(stack, team_a, account="111111111111")) == first
    for prefix in (first, second):
        assert COGNITO_PREFIX.match(prefix) and len(prefix) <= 63
        assert not any(word in prefix for word in ("aws", "amazon", "cognito"))


def test_explicit_prefix_wins(v3: SynthesizedEnvironment) -> None:
    _, domain = only(v3.resources("AWS::Cognito::UserPoolDomain"))
    assert domain["Properties"]["Domain"] == "legacy-acme-langfuse"


def test_custom_login_domain_waits_for_the_app_record(federated: SynthesizedEnvironment) -> None:
    _, domain = only(federated.resources("AWS::Cognito::UserPoolDomain"))
    assert domain["Properties"]["Domain"] == "auth.lf.acme.io"
    assert "CertificateArn" in domain["Properties"]["CustomDomainConfig"]
    app_records = [
        k for k, v in federated.resources("AWS::Route53::RecordSet").items()
        if v["Properties"]["Name"] == "lf.acme.io." and v["Properties"]["Type"] == "A"
    ]  # fmt: skip
    assert len(app_records) == 1
    assert app_records[0] in domain["DependsOn"]
    login_records = [
        v for v in federated.resources("AWS::Route53::RecordSet").values()
        if v["Properties"]["Name"] == "auth.lf.acme.io."
    ]  # fmt: skip
    assert len(login_records) == 1
    # The alias reads the domain's CloudFront endpoint from the domain resource itself (no
    # custom resource calling DescribeUserPoolDomain, the deprecated cloudFrontDomainName).
    (domain_id,) = federated.resources("AWS::Cognito::UserPoolDomain")
    assert login_records[0]["Properties"]["AliasTarget"]["DNSName"] == {
        "Fn::GetAtt": [domain_id, "CloudFrontDistribution"]
    }
    assert not federated.resources("Custom::UserPoolCloudFrontDomainName")
    certificates = federated.resources(
        "AWS::CertificateManager::Certificate", federated.global_stack
    )
    assert {c["Properties"]["DomainName"] for c in certificates.values()} == {
        "lf.acme.io",
        "auth.lf.acme.io",
    }


def test_federated_identity_providers(federated: SynthesizedEnvironment) -> None:
    idps = {
        v["Properties"]["ProviderName"]: v["Properties"]
        for v in federated.resources("AWS::Cognito::UserPoolIdentityProvider").values()
    }
    assert idps["Okta"]["ProviderType"] == "SAML"
    assert idps["Okta"]["ProviderDetails"]["MetadataURL"].startswith("https://acme.okta.com/")
    assert idps["Okta"]["AttributeMapping"]["email"].endswith("/claims/emailaddress")
    assert idps["EntraID"]["ProviderType"] == "OIDC"
    assert idps["EntraID"]["AttributeMapping"]["email"] == "email"
    secret = idps["EntraID"]["ProviderDetails"]["client_secret"]
    assert secret.startswith("{{resolve:secretsmanager:langfuse/entra-client-secret")
    _, client = only(federated.resources("AWS::Cognito::UserPoolClient"))
    supported = client["Properties"]["SupportedIdentityProviders"]
    assert "COGNITO" in supported
    idp_ids = set(federated.resources("AWS::Cognito::UserPoolIdentityProvider"))
    assert {p["Ref"] for p in supported if isinstance(p, dict)} == idp_ids


def test_self_signup_limited_by_email_domain(federated: SynthesizedEnvironment) -> None:
    _, pool = only(federated.resources("AWS::Cognito::UserPool"))
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "PreSignUp" in props["LambdaConfig"]
    assert props["MfaConfiguration"] == "ON"
    assert props["UserPoolTier"] == "PLUS"
    assert props["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    functions = federated.resources("AWS::Lambda::Function").values()
    (function,) = [f for f in functions if f["Properties"].get("Handler") == "handler.handler"]
    assert (
        function["Properties"]["Environment"]["Variables"]["ALLOWED_EMAIL_DOMAINS"]
        == "acme.io,partner.acme.io"
    )


def test_langfuse_wide_access_settings(federated: SynthesizedEnvironment) -> None:
    env = web_env(federated)
    assert env["AUTH_DOMAINS_WITH_SSO_ENFORCEMENT"] == "acme.io"
    assert env["AUTH_SESSION_MAX_AGE"] == "720"
    assert env["LANGFUSE_DEFAULT_ORG_ID"] == "acme"
    assert env["LANGFUSE_DEFAULT_ORG_ROLE"] == "MEMBER"
    assert env["LANGFUSE_DEFAULT_PROJECT_ID"] == "shared"
    assert env["LANGFUSE_DEFAULT_PROJECT_ROLE"] == "VIEWER"
    assert env["AUTH_COGNITO_ALLOW_ACCOUNT_LINKING"] == "true"


def test_direct_providers(direct: SynthesizedEnvironment) -> None:
    env = web_env(direct)
    assert env["AUTH_OKTA_CLIENT_ID"] == "0oa1okta"
    assert env["AUTH_OKTA_ISSUER"] == "https://acme.okta.com"
    assert env["AUTH_OKTA_CHECKS"] == "pkce,state"
    assert env["AUTH_AZURE_AD_TENANT_ID"] == "99999999-8888-7777-6666-555555555555"
    assert env["AUTH_AZURE_AD_ALLOW_ACCOUNT_LINKING"] == "true"
    assert env["AUTH_GOOGLE_ALLOWED_DOMAINS"] == "acme.io"
    assert env["AUTH_GITHUB_ENTERPRISE_BASE_URL"] == "https://github.acme.io"
    assert env["AUTH_KEYCLOAK_NAME"] == "ACME SSO"
    assert env["AUTH_KEYCLOAK_CLIENT_AUTH_METHOD"] == "client_secret_post"
    assert env["AUTH_CUSTOM_SCOPE"] == "openid email profile"
    # The providers decide who gets in: password login off, sign-up through them only.
    assert env["AUTH_DISABLE_USERNAME_PASSWORD"] == "true"
    assert env["AUTH_DISABLE_SIGNUP"] == "false"
    secrets = web_secrets(direct)
    assert set(secrets) >= {
        "AUTH_OKTA_CLIENT_SECRET", "AUTH_AZURE_AD_CLIENT_SECRET", "AUTH_GOOGLE_CLIENT_SECRET",
        "AUTH_GITHUB_ENTERPRISE_CLIENT_SECRET", "AUTH_KEYCLOAK_CLIENT_SECRET", "AUTH_CUSTOM_CLIENT_SECRET",
    }  # fmt: skip
    assert "langfuse/entra-AbCdEf" in str(secrets["AUTH_AZURE_AD_CLIENT_SECRET"])
    assert not direct.resources("AWS::Cognito::UserPool")


def test_every_provider_callback_url_is_an_output(direct: SynthesizedEnvironment) -> None:
    outputs = direct.main["Outputs"]
    callbacks = {k: v["Value"] for k, v in outputs.items() if k.startswith("CallbackUrl")}
    assert len(callbacks) == len(direct.config.auth.providers)
    rendered = str(callbacks)
    for path in ("okta", "azure-ad", "google", "github-enterprise", "keycloak", "custom"):
        assert f"/api/auth/callback/{path}" in rendered


def test_operator_outputs(example: SynthesizedEnvironment) -> None:
    outputs = example.main["Outputs"]
    for key in (
        "LangfuseUrl",
        "LoginUrl",
        "UserPoolId",
        "CognitoLoginUrl",
        "CognitoCallbackUrl",
        "CreateUserCommand",
    ):
        assert key in outputs, key
    assert "admin-create-user" in str(outputs["CreateUserCommand"]["Value"])
    assert outputs["AuthMode"]["Value"] == "cognito"
