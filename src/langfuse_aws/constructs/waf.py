"""AWS WAF web ACL for the Langfuse edge."""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from ..config.models import WafConfig

BODY_SIZE_RULE = "SizeRestrictions_BODY"
BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
# Langfuse SDKs send batches far above the common rule set's 8 KB body limit to these paths.
LARGE_BODY_PATHS = ("/api/public/ingestion", "/api/public/otel", "/api/public/media")


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


class WebAcl(Construct):
    """Web ACL with the optional IP allow-list, a per-IP rate limit and AWS managed rules.

    The common rule set's body-size rule only counts; a rule of ours then blocks oversized
    bodies everywhere except Langfuse's ingestion, OTel and media endpoints, whose JSON bodies
    are legitimately large.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: WafConfig,
        allowed_cidrs: list[str],
        cloudfront: bool,
    ) -> None:
        super().__init__(scope, id_)
        waf_scope = "CLOUDFRONT" if cloudfront else "REGIONAL"
        rules: list[wafv2.CfnWebACL.RuleProperty] = []
        if allowed_cidrs:
            ip_set = wafv2.CfnIPSet(
                self,
                "AllowedIps",
                scope=waf_scope,
                ip_address_version="IPV4",
                addresses=list(allowed_cidrs),
                description="Langfuse: networks allowed to reach the app",
            )
            rules.append(
                _block(
                    "AllowListOnly",
                    0,
                    wafv2.CfnWebACL.StatementProperty(
                        not_statement=wafv2.CfnWebACL.NotStatementProperty(
                            statement=wafv2.CfnWebACL.StatementProperty(
                                ip_set_reference_statement=wafv2.CfnWebACL.IPSetReferenceStatementProperty(
                                    arn=ip_set.attr_arn
                                )
                            )
                        )
                    ),
                )
            )
        if config.rate_limit is not None:
            rules.append(
                _block(
                    "RateLimitPerIp",
                    1,
                    wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=config.rate_limit, aggregate_key_type="IP"
                        )
                    ),
                )
            )
        if config.managed_rules:
            rules += [
                _managed("AWSManagedRulesAmazonIpReputationList", 2),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 3),
                _managed("AWSManagedRulesCommonRuleSet", 4, overrides=[BODY_SIZE_RULE]),
                _block(
                    "OversizedBodyOutsideIngestion",
                    5,
                    wafv2.CfnWebACL.StatementProperty(
                        and_statement=wafv2.CfnWebACL.AndStatementProperty(
                            statements=[
                                wafv2.CfnWebACL.StatementProperty(
                                    label_match_statement=wafv2.CfnWebACL.LabelMatchStatementProperty(
                                        scope="LABEL", key=BODY_SIZE_LABEL
                                    )
                                ),
                                wafv2.CfnWebACL.StatementProperty(
                                    not_statement=wafv2.CfnWebACL.NotStatementProperty(
                                        statement=wafv2.CfnWebACL.StatementProperty(
                                            or_statement=wafv2.CfnWebACL.OrStatementProperty(
                                                statements=[
                                                    _path_starts_with(p) for p in LARGE_BODY_PATHS
                                                ]
                                            )
                                        )
                                    )
                                ),
                            ]
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
            visibility_config=_visibility("Langfuse"),
            description="Langfuse edge protection",
        )

    @property
    def arn(self) -> str:
        """The web ACL's ARN (CloudFront's web_acl_id takes the ARN)."""
        return self.web_acl.attr_arn
