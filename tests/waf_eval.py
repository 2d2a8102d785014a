"""Evaluate a synthesized AWS WAF web ACL against a request, the way AWS WAF does.

Rules run in priority order. A matching rule with Block (or Allow) ends the evaluation; Count
only adds the rule's labels. A managed rule group adds the label of each of its rules that
matches, and blocks with the first matching rule whose action is not overridden to Count.
The managed rules are modelled from AWS's rule group documentation (what each rule inspects
and what it looks for), with the patterns an LLM prompt or completion commonly contains.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    """One viewer request, and how often its sender sends requests like it."""

    method: str
    path: str
    body: str = ""
    query: str = ""
    ip: str = "203.0.113.10"
    headers: dict[str, str] = field(
        default_factory=lambda: {"user-agent": "langfuse-sdk-python/3.0", "host": "lf.example"}
    )
    per_5_minutes: int = 1
    """Requests like this one from the same address in WAF's 5-minute window."""


Detector = Callable[[Request], bool]
INLINE_SCRIPT = re.compile(r"<script|javascript:|onerror\s*=|onload\s*=", re.IGNORECASE)
URL_WITH_IP = re.compile(r"https?://\d{1,3}(\.\d{1,3}){3}")


def _body(pattern: Callable[[str], bool]) -> Detector:
    return lambda r: pattern(r.body)


def _query(pattern: Callable[[str], bool]) -> Detector:
    return lambda r: pattern(r.query)


# (rule name, label suffix, detector) per AWS managed rule group.
MANAGED_RULES: dict[str, list[tuple[str, str, Detector]]] = {
    "AWSManagedRulesCommonRuleSet": [
        ("NoUserAgent_HEADER", "NoUserAgent_Header", lambda r: "user-agent" not in r.headers),
        (
            "SizeRestrictions_QUERYSTRING",
            "SizeRestrictions_QueryString",
            lambda r: len(r.query) > 2048,
        ),
        ("SizeRestrictions_BODY", "SizeRestrictions_Body", lambda r: len(r.body.encode()) > 8192),
        ("SizeRestrictions_URIPATH", "SizeRestrictions_URIPath", lambda r: len(r.path) > 1024),
        ("EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_Body", _body(lambda b: "169.254.169.254" in b)),
        (
            "EC2MetaDataSSRF_QUERYARGUMENTS",
            "EC2MetaDataSSRF_QueryArguments",
            _query(lambda q: "169.254.169.254" in q),
        ),
        ("GenericLFI_QUERYARGUMENTS", "GenericLFI_QueryArguments", _query(lambda q: "../" in q)),
        ("GenericLFI_URIPATH", "GenericLFI_URIPath", lambda r: "../" in r.path),
        ("GenericLFI_BODY", "GenericLFI_Body", _body(lambda b: "../" in b)),
        (
            "GenericRFI_QUERYARGUMENTS",
            "GenericRFI_QueryArguments",
            _query(lambda q: bool(URL_WITH_IP.search(q))),
        ),
        ("GenericRFI_BODY", "GenericRFI_Body", _body(lambda b: bool(URL_WITH_IP.search(b)))),
        (
            "CrossSiteScripting_QUERYARGUMENTS",
            "CrossSiteScripting_QueryArguments",
            _query(lambda q: bool(INLINE_SCRIPT.search(q))),
        ),
        (
            "CrossSiteScripting_BODY",
            "CrossSiteScripting_Body",
            _body(lambda b: bool(INLINE_SCRIPT.search(b))),
        ),
    ],
    "AWSManagedRulesKnownBadInputsRuleSet": [
        (
            "JavaDeserializationRCE_BODY",
            "JavaDeserializationRCE_Body",
            _body(lambda b: "rO0AB" in b),
        ),
        (
            "Host_localhost_HEADER",
            "Host_Localhost_Header",
            lambda r: r.headers.get("host", "").startswith("localhost"),
        ),
        ("PROPFIND_METHOD", "Propfind_Method", lambda r: r.method == "PROPFIND"),
        (
            "ExploitablePaths_URIPATH",
            "ExploitablePaths_URIPath",
            lambda r: any(p in r.path for p in ("/.git", "/WEB-INF", "/web-inf")),
        ),
        ("Log4JRCE_QUERYSTRING", "Log4JRCE_QueryString", _query(lambda q: "${jndi:" in q)),
        ("Log4JRCE_BODY", "Log4JRCE_Body", _body(lambda b: "${jndi:" in b)),
        ("Log4JRCE_URIPATH", "Log4JRCE_URIPath", lambda r: "${jndi:" in r.path),
    ],
    "AWSManagedRulesAmazonIpReputationList": [
        (
            "AWSManagedIPReputationList",
            "AWSManagedIPReputationList",
            lambda r: r.ip in KNOWN_BAD_IPS,
        ),
    ],
}
MANAGED_LABEL_NAMESPACES = {
    "AWSManagedRulesCommonRuleSet": "awswaf:managed:aws:core-rule-set:",
    "AWSManagedRulesKnownBadInputsRuleSet": "awswaf:managed:aws:known-bad-inputs:",
    "AWSManagedRulesAmazonIpReputationList": "awswaf:managed:aws:amazon-ip-list:",
}
KNOWN_BAD_IPS: set[str] = {"198.18.0.66"}


class UnmodelledStatementError(Exception):
    """The web ACL uses a statement this evaluator does not model: the table cannot vouch for
    it, so evaluation stops instead of guessing (extend the evaluator with the new kind)."""


@dataclass(frozen=True)
class Verdict:
    """What WAF does with the request: the terminating rule (None: default action) and labels."""

    action: str
    rule: str | None
    labels: frozenset[str]


class WebAclEvaluator:
    """One web ACL from a template, with the IP sets of the same template."""

    def __init__(self, template: dict[str, Any], logical_id: str) -> None:
        self.resources = template["Resources"]
        self.acl = self.resources[logical_id]["Properties"]

    def evaluate(self, request: Request) -> Verdict:
        """The verdict for ``request``."""
        labels: set[str] = set()
        for rule in sorted(self.acl["Rules"], key=lambda r: r["Priority"]):
            statement = rule["Statement"]
            if "ManagedRuleGroupStatement" in statement:
                blocked_by = self._managed(statement["ManagedRuleGroupStatement"], request, labels)
                if blocked_by and "None" in rule.get("OverrideAction", {}):
                    return Verdict("block", f"{rule['Name']}:{blocked_by}", frozenset(labels))
                continue
            if self._matches(statement, request, labels):
                for label in rule.get("RuleLabels", []):
                    labels.add(label["Name"])
                action = rule["Action"]
                if "Block" in action:
                    return Verdict("block", rule["Name"], frozenset(labels))
                if "Allow" in action:
                    return Verdict("allow", rule["Name"], frozenset(labels))
        default = "allow" if "Allow" in self.acl["DefaultAction"] else "block"
        return Verdict(default, None, frozenset(labels))

    def _managed(self, group: dict[str, Any], request: Request, labels: set[str]) -> str | None:
        name = group["Name"]
        if "ScopeDownStatement" in group and not self._matches(
            group["ScopeDownStatement"], request, labels
        ):
            return None
        counted = {
            o["Name"] for o in group.get("RuleActionOverrides", []) if "Count" in o["ActionToUse"]
        }
        blocked_by = None
        for rule_name, label, detector in MANAGED_RULES[name]:
            if detector(request):
                labels.add(MANAGED_LABEL_NAMESPACES[name] + label)
                if rule_name not in counted and blocked_by is None:
                    blocked_by = rule_name
                    break
        return blocked_by

    def _ip_set(self, arn: Any) -> list[str]:
        logical_id = arn["Fn::GetAtt"][0]
        return list(self.resources[logical_id]["Properties"]["Addresses"])

    def _matches(self, statement: dict[str, Any], request: Request, labels: set[str]) -> bool:
        ((kind, body),) = statement.items()
        if kind == "NotStatement":
            return not self._matches(body["Statement"], request, labels)
        if kind == "AndStatement":
            return all(self._matches(s, request, labels) for s in body["Statements"])
        if kind == "OrStatement":
            return any(self._matches(s, request, labels) for s in body["Statements"])
        if kind == "IPSetReferenceStatement":
            address = ipaddress.ip_address(request.ip)
            return any(
                address in ipaddress.ip_network(cidr)
                for cidr in self._ip_set(body["Arn"])
                if ipaddress.ip_network(cidr).version == address.version
            )
        if kind == "LabelMatchStatement":
            return body["Key"] in labels
        if kind == "ByteMatchStatement":
            return _byte_match(body, request)
        if kind == "RateBasedStatement":
            assert body["AggregateKeyType"] == "IP"
            in_scope = "ScopeDownStatement" not in body or self._matches(
                body["ScopeDownStatement"], request, labels
            )
            return in_scope and request.per_5_minutes > body["Limit"]
        raise UnmodelledStatementError(kind)


def _byte_match(body: dict[str, Any], request: Request) -> bool:
    field_to_match = body["FieldToMatch"]
    if "UriPath" in field_to_match:
        value = request.path
    elif "Method" in field_to_match:
        value = request.method
    else:
        raise UnmodelledStatementError(f"FieldToMatch {field_to_match}")
    for transformation in body["TextTransformations"]:
        if transformation["Type"] == "LOWERCASE":
            value = value.lower()
        elif transformation["Type"] != "NONE":
            raise UnmodelledStatementError(f"TextTransformation {transformation['Type']}")
    search: str = body["SearchString"]
    constraint = body["PositionalConstraint"]
    if constraint == "STARTS_WITH":
        return value.startswith(search)
    if constraint == "EXACTLY":
        return value == search
    if constraint == "CONTAINS":
        return search in value
    raise UnmodelledStatementError(f"PositionalConstraint {constraint}")
