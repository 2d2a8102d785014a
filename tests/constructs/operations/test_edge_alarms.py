"""The us-east-1 alarms on CloudFront and its web ACL, built in a bare us-east-1 stack.

CloudFront publishes its metrics in us-east-1 only, in the AWS/CloudFront namespace, with the
dimensions DistributionId and Region, whose value is always Global; 5xxErrorRate is a percent
read with Average, Requests a count read with Sum (CloudFront Developer Guide, "Types of
metrics for CloudFront"). The alarm's behaviour is replayed with tests/alarm_eval.py.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from alarm_eval import ALARM, OK, Alarm, Series, run, states
from construct_stack import bare_stack, resources
from langfuse_aws.constructs.operations.edge_alarms import EdgeAlarmsProps, add_edge_alarms

DISTRIBUTION_ID = "E2QWRUHEXAMPLE"
ERRORS, REQUESTS = ("AWS/CloudFront", "5xxErrorRate"), ("AWS/CloudFront", "Requests")


def edge_alarms(web_acl_metric: str | None) -> tuple[Stack, dict[str, dict[str, Any]]]:
    """The alarms of an environment named unit, by alarm name, and their stack."""
    stack = bare_stack(region="us-east-1")
    distribution = cloudfront.Distribution.from_distribution_attributes(
        stack, "Cdn", domain_name="d111111abcdef8.cloudfront.net", distribution_id=DISTRIBUTION_ID
    )
    topic = sns.Topic(stack, "Alarms")
    add_edge_alarms(
        stack,
        EdgeAlarmsProps(
            environment_name="unit",
            distribution=distribution,
            topic=topic,
            waf_blocked_per_5_minutes=250,
            web_acl_metric=web_acl_metric,
        ),
    )
    template = Template.from_stack(stack)
    found = resources(template, "AWS::CloudWatch::Alarm").values()
    return stack, {a["Properties"]["AlarmName"]: a["Properties"] for a in found}


def traffic(minutes: int, per_minute: float, failing_percent: float) -> dict[Any, Series]:
    """CloudFront's per-minute samples for ``per_minute`` requests, ``failing_percent`` 5xx."""
    return {REQUESTS: [per_minute] * minutes, ERRORS: [failing_percent] * minutes}


def then(*parts: dict[Any, Series]) -> dict[Any, Series]:
    """Scenarios one after the other."""
    return {key: [s for part in parts for s in part[key]] for key in (REQUESTS, ERRORS)}


def five_xx_alarm() -> Alarm:
    _, found = edge_alarms(None)
    return Alarm.from_template(found["langfuse-unit-cloudfront-5xx-rate"])


def test_the_5xx_alarm_reads_the_distribution_in_the_global_region() -> None:
    _, found = edge_alarms(None)
    alarm = five_xx_alarm()
    assert alarm.metric_names == {ERRORS, REQUESTS}
    for query in alarm.metrics.values():
        assert dict(query.dimensions) == {"DistributionId": DISTRIBUTION_ID, "Region": "Global"}
    assert {q.name: q.statistic for q in alarm.metrics.values()} == {
        "5xxErrorRate": "Average",
        "Requests": "Sum",
    }
    assert set(found) == {"langfuse-unit-cloudfront-5xx-rate"}


def test_an_outage_fires_and_a_trickle_of_failed_requests_does_not() -> None:
    """One failed request of three in a quiet minute is no outage; a share above 5 % of a
    real load, for three 5-minute periods, is."""
    alarm = five_xx_alarm()
    healthy = traffic(30, per_minute=60, failing_percent=1)
    assert states(run(alarm, then(healthy, traffic(60, per_minute=3, failing_percent=34)))) == [OK]
    outage = run(alarm, then(healthy, traffic(30, per_minute=60, failing_percent=20)))
    assert states(outage) == [OK, ALARM]
    # Three breaching 5-minute periods, evaluated every minute: more than 10 and at most 15
    # minutes into the outage.
    assert 30 + 10 < outage[-1][0] <= 30 + 15


def test_the_waf_alarm_exists_with_a_web_acl_and_counts_its_blocks() -> None:
    stack, found = edge_alarms("Langfuse-unit")
    waf = found["langfuse-unit-waf-blocked"]
    assert (waf["Namespace"], waf["MetricName"], waf["Statistic"]) == (
        "AWS/WAFV2",
        "BlockedRequests",
        "Sum",
    )
    assert {d["Name"]: d["Value"] for d in waf["Dimensions"]} == {
        "WebACL": "Langfuse-unit",
        "Rule": "ALL",
    }
    assert waf["Threshold"] == 250
    (topic,) = resources(Template.from_stack(stack), "AWS::SNS::Topic")
    for alarm in found.values():
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["OKActions"] == [{"Ref": topic}]
