"""Amazon Cognito in front of Langfuse: user pool, app client, login domain, federation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aws_cdk import Duration, Fn, SecretValue, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct, IConstruct

from ...compliance import acknowledge, control_tower
from ...compliance.custom_resources import acknowledge_aws_custom_resource_provider
from ...langfuse.auth_variables import callback_path
from ..data.protection import DataProtection
from ..data.secrets import unrotated_secret

COGNITO_CALLBACK_ID = "cognito"
PRESIGNUP_CODE = Path(__file__).resolve().parent / "presignup"
MFA = {"off": cognito.Mfa.OFF, "optional": cognito.Mfa.OPTIONAL, "required": cognito.Mfa.REQUIRED}


def default_domain_prefix(stack: Stack, environment_name: str) -> str:
    """``langfuse-<env>-<first 8 hex digits of the stack's id>``, resolved at deploy time.

    Cognito prefix domains are unique across every AWS account in a region, so a name computed
    from the config alone would be the same for every team that deploys the same config. The
    stack id (``arn:...:stack/<name>/<uuid>``) is unique to this deployment and never changes
    while the stack exists, so the login URL stays the same across updates.
    """
    stack_uuid = Fn.select(2, Fn.split("/", stack.stack_id))
    return Fn.join("-", ["langfuse", environment_name, Fn.select(0, Fn.split("-", stack_uuid))])


@dataclass(frozen=True)
class CognitoCustomDomain:
    """The login page on the adopter's own host name (auth.<app host>)."""

    domain_name: str
    certificate: acm.ICertificate
    """us-east-1 certificate for domain_name (Cognito custom domains use CloudFront)."""
    zone: route53.IHostedZone
    app_record: IConstruct
    """The app's own A record: Cognito refuses a custom domain whose parent host has none."""


@dataclass(frozen=True)
class SesSender:
    """Cognito's mail through an Amazon SES verified identity."""

    from_address: str
    from_name: str | None = None
    reply_to: str | None = None
    ses_verified_domain: str | None = None
    """The verified domain identity from_address belongs to; None: the address itself."""
    ses_region: str | None = None
    """Region of the SES identity; None: the stack's region."""


@dataclass(frozen=True)
class SamlProvider:
    """A corporate SAML identity provider federated into the pool."""

    name: str
    email_attribute: str
    """The SAML attribute that carries the user's e-mail."""
    metadata_url: str | None = None
    """HTTPS URL of the IdP's metadata (one of url or file)."""
    metadata_file: str | None = None
    """Path of a metadata XML file."""


@dataclass(frozen=True)
class OidcProvider:
    """A corporate OIDC identity provider federated into the pool."""

    name: str
    issuer: str
    client_id: str
    client_secret_secret: str
    """Existing Secrets Manager secret (name or ARN) holding the client secret."""
    scopes: list[str]


@dataclass(frozen=True)
class CognitoProps:
    """Who may sign up and how they sign in, where Langfuse is, and how the pool is kept."""

    environment_name: str
    public_url: str
    """Langfuse's URL: the callback and the sign-out target."""
    protection: DataProtection
    self_signup: bool = False
    allowed_email_domains: list[str] = field(default_factory=list)
    """With self sign-up, only these e-mail domains may sign up (pre-sign-up trigger)."""
    mfa: Literal["off", "optional", "required"] = "optional"
    password_min_length: int = 12
    feature_plan: Literal["essentials", "plus"] = "essentials"
    """plus adds threat protection in enforced mode."""
    domain_prefix: str | None = None
    """Prefix of the Cognito login domain; None: one unique to the deployment."""
    email: SesSender | None = None
    """Cognito's mail through SES; None: Cognito's own sender."""
    saml: list[SamlProvider] = field(default_factory=list)
    oidc: list[OidcProvider] = field(default_factory=list)
    custom_domain: CognitoCustomDomain | None = None
    """The login page on the adopter's own host name instead of a Cognito prefix domain."""


def _ses_email(email: SesSender) -> cognito.UserPoolEmail:
    """Cognito's mail through an SES verified identity (domain or address)."""
    return cognito.UserPoolEmail.with_ses(
        from_email=email.from_address,
        from_name=email.from_name,
        reply_to=email.reply_to,
        ses_region=email.ses_region,
        ses_verified_domain=email.ses_verified_domain,
    )


class CognitoAuth(Construct):
    """A Cognito user pool that decides who may open Langfuse.

    Email sign-in with verified addresses, recovery by email only, self sign-up off unless
    configured (and then optionally limited to email domains by a pre-sign-up trigger), TOTP
    MFA, a strong password policy and deletion protection where data is kept. One confidential
    app client (authorization-code grant, openid/email/profile) whose secret is copied into
    Secrets Manager so it reaches Langfuse only as an ECS secret.
    """

    def __init__(self, scope: Construct, id_: str, *, props: CognitoProps) -> None:
        super().__init__(scope, id_)
        public_url, protection = props.public_url, props.protection
        self.callback_url = f"{public_url}{callback_path(COGNITO_CALLBACK_ID)}"
        plus = props.feature_plan == "plus"
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            self_sign_up_enabled=props.self_signup,
            email=_ses_email(props.email) if props.email else None,
            mfa=MFA[props.mfa],
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=props.password_min_length,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            feature_plan=cognito.FeaturePlan.PLUS if plus else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None
            ),
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Your Langfuse account",
                email_body=(
                    "You have been invited to Langfuse. Sign in with {username} and the temporary "
                    "password {####}, then choose your own password."
                ),
            ),
            user_verification=cognito.UserVerificationConfig(
                email_subject="Verify your email for Langfuse",
                email_body="Your Langfuse verification code is {####}.",
                email_style=cognito.VerificationEmailStyle.CODE,
            ),
            deletion_protection=protection.retain,
            removal_policy=protection.removal_policy,
        )
        if props.allowed_email_domains:
            self._add_domain_filter(props.allowed_email_domains, protection.log_retention)
        if props.mfa != "required":
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG2",
                "MFA is set by the environment's YAML (auth.cognito.mfa); it is optional here so "
                "that federated and first-time users can enrol, and can be made required.",
            )
        if not plus:
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG3",
                "Threat protection needs the paid Plus feature plan; the YAML chose Essentials "
                "(auth.cognito.feature_plan: plus turns it on in enforced mode).",
            )
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG8",
                "The Essentials plan was chosen in the environment's YAML to avoid the Plus "
                "per-user charge; auth.cognito.feature_plan: plus switches tiers.",
            )

        federated = self._federate(props)
        self.client = self.user_pool.add_client(
            "LangfuseClient",
            generate_secret=True,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                ],
                callback_urls=[self.callback_url],
                logout_urls=[public_url],
            ),
            supported_identity_providers=[
                cognito.UserPoolClientIdentityProvider.COGNITO,
                *[
                    cognito.UserPoolClientIdentityProvider.custom(p.provider_name)
                    for p in federated
                ],
            ],
            prevent_user_existence_errors=True,
            auth_flows=cognito.AuthFlow(user_srp=True),
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
        for provider in federated:
            self.client.node.add_dependency(provider)
        self.client_secret = unrotated_secret(
            self,
            "ClientSecret",
            description="Cognito app client secret for Langfuse (AUTH_COGNITO_CLIENT_SECRET)",
            value=self.client.user_pool_client_secret,
            why_not_rotated="This secret mirrors the Cognito app client's secret, which Cognito "
            "generates and cannot rotate in place; a new client and a redeploy replace it.",
        )
        acknowledge_aws_custom_resource_provider(Stack.of(self))

        custom_domain = props.custom_domain
        if custom_domain is not None:
            domain_name = custom_domain.domain_name
            self.domain = self.user_pool.add_domain(
                "Domain",
                custom_domain=cognito.CustomDomainOptions(
                    domain_name=domain_name, certificate=custom_domain.certificate
                ),
                managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
            )
            # Cognito refuses a custom domain whose parent host has no A record yet.
            self.domain.node.add_dependency(custom_domain.app_record)
            route53.ARecord(
                self,
                "DomainRecord",
                zone=custom_domain.zone,
                record_name=domain_name,
                target=route53.RecordTarget.from_alias(targets.UserPoolDomainTarget(self.domain)),
            )
        else:
            self.domain = self.user_pool.add_domain(
                "Domain",
                cognito_domain=cognito.CognitoDomainOptions(
                    domain_prefix=props.domain_prefix
                    or default_domain_prefix(Stack.of(self), props.environment_name)
                ),
                managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
            )
        cognito.CfnManagedLoginBranding(
            self,
            "Branding",
            user_pool_id=self.user_pool.user_pool_id,
            client_id=self.client.user_pool_client_id,
            use_cognito_provided_values=True,
        )

    @property
    def issuer(self) -> str:
        """AUTH_COGNITO_ISSUER: https://cognito-idp.<region>.<partition suffix>/<pool id>."""
        return self.user_pool.user_pool_provider_url

    @property
    def login_url(self) -> str:
        """The managed login page, starting the same flow Langfuse starts."""
        return self.domain.sign_in_url(self.client, redirect_uri=self.callback_url)

    def _add_domain_filter(self, domains: list[str], log_retention: logs.RetentionDays) -> None:
        log_group = logs.LogGroup(self, "PreSignUpLogs", retention=log_retention)
        control_tower.log_group(log_group)
        role = iam.Role(
            self, "PreSignUpRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            "PreSignUp",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(
                str(PRESIGNUP_CODE), exclude=["__pycache__", "__init__.py"]
            ),
            environment={"ALLOWED_EMAIL_DOMAINS": ",".join(domains)},
            timeout=Duration.seconds(5),
            memory_size=128,
            role=role,
            log_group=log_group,
            description="Langfuse: refuse self sign-up outside the allowed email domains",
        )
        self.user_pool.add_trigger(cognito.UserPoolOperation.PRE_SIGN_UP, function)

    def _federate(self, props: CognitoProps) -> list[cognito.IUserPoolIdentityProvider]:
        """Each corporate IdP in the pool; Cognito takes the user's e-mail from its claim."""
        providers: list[cognito.IUserPoolIdentityProvider] = []
        for saml in props.saml:
            metadata = (
                cognito.UserPoolIdentityProviderSamlMetadata.url(saml.metadata_url)
                if saml.metadata_url
                else cognito.UserPoolIdentityProviderSamlMetadata.file(
                    Path(saml.metadata_file or "").read_text(encoding="utf-8")
                )
            )
            providers.append(
                cognito.UserPoolIdentityProviderSaml(
                    self,
                    f"Saml{saml.name}",
                    user_pool=self.user_pool,
                    name=saml.name,
                    metadata=metadata,
                    attribute_mapping=_email_from(saml.email_attribute),
                )
            )
        providers += [
            cognito.UserPoolIdentityProviderOidc(
                self,
                f"Oidc{oidc.name}",
                user_pool=self.user_pool,
                name=oidc.name,
                client_id=oidc.client_id,
                client_secret=SecretValue.secrets_manager(
                    oidc.client_secret_secret
                ).unsafe_unwrap(),
                issuer_url=oidc.issuer,
                scopes=list(oidc.scopes),
                attribute_mapping=_email_from("email"),
            )
            for oidc in props.oidc
        ]
        return providers


def _email_from(claim: str) -> cognito.AttributeMapping:
    """Map the IdP's ``claim`` to the Cognito user's e-mail (what Langfuse matches users on)."""
    return cognito.AttributeMapping(email=cognito.ProviderAttribute.other(claim))
