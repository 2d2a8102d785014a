"""AWS WAF web ACL for the Langfuse edge."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from ...compliance import control_tower
from ...naming import web_acl_metric_name
from ..data.protection import DataProtection
from ..operations.alarms import aws_metric

# Langfuse bodies are LLM prompts and completions: HTML, JavaScript, file paths, URLs, SQL and
# code, often far above 8 KB, on every path (SDK ingestion, OTel, prompts, datasets, the UI's
# tRPC and playground calls). These managed rules inspect the body only; they count (adding
# their labels) instead of blocking, and block again only on the sign-in endpoints.
COMMON_BODY_RULES = (
    "SizeRestrictions_BODY",
    "CrossSiteScripting_BODY",
    "GenericLFI_BODY",
    "GenericRFI_BODY",
    "EC2MetaDataSSRF_BODY",
)
KNOWN_BAD_BODY_RULES = ("Log4JRCE_BODY", "JavaDeserializationRCE_BODY")
BODY_LABELS = (
    "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body",
    "awswaf:managed:aws:core-rule-set:GenericLFI_Body",
    "awswaf:managed:aws:core-rule-set:GenericRFI_Body",
    "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body",
    "awswaf:managed:aws:known-bad-inputs:Log4JRCE_Body",
    "awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_Body",
)
PUBLIC_API_PATH = "/api/public/"
WAF_LOG_PREFIX = "aws-waf-logs-"
# Langfuse API keys travel in Authorization; sessions in cookies.
REDACTED_HEADERS = ("authorization", "cookie")
SIGN_IN_PATHS = ("/api/auth/signin", "/api/auth/callback")


def blocked_requests(web_acl_metric: str, *, regional_in: str | None) -> cloudwatch.Metric:
    """Requests the web ACL blocked per 5 minutes, all rules together.

    A REGIONAL ACL's metrics carry its region as the Region dimension (``regional_in``); a
    CLOUDFRONT ACL's metrics have no Region dimension and live in us-east-1.
    """
    dimensions = {"WebACL": web_acl_metric, "Rule": "ALL"}
    if regional_in is not None:
        dimensions["Region"] = regional_in
    return aws_metric("AWS/WAFV2", "BlockedRequests", "Sum", Duration.minutes(5), dimensions)


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed(
    name: str, priority: int, overrides: list[str] | None = None
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in overrides or []
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


def _block(
    name: str, priority: int, statement: wafv2.CfnWebACL.StatementProperty
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=statement,
        visibility_config=_visibility(name),
    )


def _path_starts_with(path: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="STARTS_WITH",
            search_string=path,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )


def _any(statements: list[wafv2.CfnWebACL.StatementProperty]) -> wafv2.CfnWebACL.StatementProperty:
    if len(statements) == 1:
        return statements[0]
    return wafv2.CfnWebACL.StatementProperty(
        or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=statements)
    )


def _not(statement: wafv2.CfnWebACL.StatementProperty) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=statement)
    )


def _rate_limit(
    limit: int, scope_down: wafv2.CfnWebACL.StatementProperty
) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
            limit=limit, aggregate_key_type="IP", scope_down_statement=scope_down
        )
    )


def _label(key: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        label_match_statement=wafv2.CfnWebACL.LabelMatchStatementProperty(scope="LABEL", key=key)
    )


@dataclass(frozen=True)
class WebAclProps:
    """The environment's WAF settings and allow-list, the same for either scope.

    Each rate limit is requests per client IP per 5 minutes; None turns that rule off.
    """

    allowed_cidrs: list[str]
    """IPv4 and IPv6 networks allowed in; empty lets everyone in."""
    environment_name: str
    protection: DataProtection
    """The request log's retention."""
    managed_rules: bool = True
    """AWS managed rule groups (common rule set, known bad inputs, IP reputation)."""
    rate_limit: int | None = None
    """The UI and the rest of the app (everything but the public API)."""
    sign_in_rate_limit: int | None = None
    """The sign-in endpoints."""
    api_rate_limit: int | None = None
    """The public API (/api/public/)."""


class WebAcl(Construct):
    """Web ACL: optional IP allow-list, per-IP rate limits per kind of traffic, managed rules.

    Rate limits are separate for the sign-in endpoints (low: password guessing), the public
    API (high: SDK fleets behind one NAT address) and everything else (the UI). The managed
    rules' body inspections only count, except on the sign-in endpoints; see COMMON_BODY_RULES.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        props: WebAclProps,
        cloudfront: bool,
    ) -> None:
        super().__init__(scope, id_)
        allowed_cidrs = props.allowed_cidrs
        waf_scope = "CLOUDFRONT" if cloudfront else "REGIONAL"
        self.metric_name = web_acl_metric_name(props.environment_name)
        rules: list[wafv2.CfnWebACL.RuleProperty] = []
        if allowed_cidrs:
            rules.append(
                _block("AllowListOnly", 0, _not(self._allow_list(allowed_cidrs, waf_scope)))
            )
        public_api = _path_starts_with(PUBLIC_API_PATH)
        sign_in = _any([_path_starts_with(p) for p in SIGN_IN_PATHS])
        limits = [
            ("RateLimitSignIn", props.sign_in_rate_limit, sign_in),
            ("RateLimitApp", props.rate_limit, _not(public_api)),
            ("RateLimitPublicApi", props.api_rate_limit, public_api),
        ]
        for priority, (name, limit, scope_down) in enumerate(limits, start=1):
            if limit is not None:
                rules.append(_block(name, priority, _rate_limit(limit, scope_down)))
        if props.managed_rules:
            rules += [
                _managed("AWSManagedRulesAmazonIpReputationList", 4),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 5, list(KNOWN_BAD_BODY_RULES)),
                _managed("AWSManagedRulesCommonRuleSet", 6, list(COMMON_BODY_RULES)),
                _block(
                    "BodyAttacksOnSignIn",
                    7,
                    wafv2.CfnWebACL.StatementProperty(
                        and_statement=wafv2.CfnWebACL.AndStatementProperty(
                            statements=[_any([_label(k) for k in BODY_LABELS]), sign_in]
                        )
                    ),
                ),
            ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope=waf_scope,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            # The metric name is the WebACL dimension of the ACL's CloudWatch metrics: one per
            # environment, so that two environments in one account never share a metric.
            visibility_config=_visibility(self.metric_name),
            description="Langfuse edge protection",
        )
        self._log_requests(props.environment_name, props.protection.log_retention)

    def _allow_list(
        self, allowed_cidrs: list[str], waf_scope: str
    ) -> wafv2.CfnWebACL.StatementProperty:
        """Matches viewers inside the allow-list: one IP set per address family in use."""
        families = {
            "IPV4": [c for c in allowed_cidrs if ipaddress.ip_network(c).version == 4],
            "IPV6": [c for c in allowed_cidrs if ipaddress.ip_network(c).version == 6],
        }
        statements = []
        for version, cidrs in families.items():
            if not cidrs:
                continue
            ip_set = wafv2.CfnIPSet(
                self,
                "AllowedIps" if version == "IPV4" else "AllowedIpv6",
                scope=waf_scope,
                ip_address_version=version,
                addresses=cidrs,
                description=f"Langfuse: {version} networks allowed to reach the app",
            )
            statements.append(
                wafv2.CfnWebACL.StatementProperty(
                    ip_set_reference_statement=wafv2.CfnWebACL.IPSetReferenceStatementProperty(
                        arn=ip_set.attr_arn
                    )
                )
            )
        return _any(statements)

    def _log_requests(self, environment_name: str, log_retention: logs.RetentionDays) -> None:
        """Log blocked and counted requests to CloudWatch, without credentials or cookies.

        WAF only logs to a group whose name starts with aws-waf-logs-. The name is fixed, so
        the group is deleted with the stack: a kept group would make the next deploy fail.
        """
        name = f"{WAF_LOG_PREFIX}langfuse-{environment_name}"
        group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=name,
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        control_tower.log_group(group)
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[
                Stack.of(self).format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in REDACTED_HEADERS
            ],
        )
        logging.node.add_dependency(group)

    @property
    def arn(self) -> str:
        """The web ACL's ARN (CloudFront's web_acl_id takes the ARN)."""
        return self.web_acl.attr_arn
