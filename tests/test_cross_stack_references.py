"""Cross-stack references (Fn::GetStackOutput) name an output that exists, and change whenever
the resource behind them is replaced.

`Fn::GetStackOutput` "creates a weak reference. The referenced value is resolved at stack create
or update time. If the referenced stack or output is later deleted or modified, the consuming
stack is not automatically updated or notified"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html).
`cdk deploy` skips a stack whose template is unchanged, and even a forced update need not help:
for dynamic references "CloudFormation doesn't retrieve the value of the dynamic reference unless
a change is made to the dynamic reference itself"
(https://repost.aws/knowledge-center/cloudformation-stack-update-secrets), and AWS documents
nothing better for Fn::GetStackOutput. So the consumer stays current only if its template text
changes whenever the producing resource gets a new physical id, that is, whenever CloudFormation
replaces it: on a new logical id, or on a new value of one of its type's createOnlyProperties
(the resource schemas cfn-lint ships, read here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Template
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from langfuse_aws import FEATURE_FLAGS, LangfuseEnvironment, build_config
from synth import SynthesizedEnvironment

# stack name -> (region, template)
Stacks = dict[str, tuple[str, dict[str, Any]]]
# (consumer stack, resource logical id, property path) -> the Fn::GetStackOutput arguments
References = dict[tuple[str, str, str], dict[str, str]]

ZONE = {"zone_id": "Z0123456789ABCDEFGHIJ", "zone_name": "example.org"}


def environment(domain: str, zone_id: str = ZONE["zone_id"]) -> dict[str, Any]:
    """A CloudFront environment with a custom domain, the Cognito login page on auth.<domain>,
    WAF and monitoring on: every cross-stack reference the app makes."""
    return {
        "name": "xref",
        "region": "eu-west-1",
        "edge": {"domain": {"name": domain, "zone_id": zone_id, "zone_name": ZONE["zone_name"]}},
        "auth": {"cognito": {"custom_domain": True}},
    }


def synthesize(document: dict[str, Any]) -> Stacks:
    """Every stack of the environment, synthesized in-process (without cdk-nag)."""
    app = App(context=FEATURE_FLAGS)
    env = LangfuseEnvironment(app, build_config(document))
    return {
        stack.stack_name: (stack.region, dict(Template.from_stack(stack).to_json()))
        for stack in env.stacks
    }


def assembly_stacks(env: SynthesizedEnvironment) -> Stacks:
    """Every stack of a `make synth` assembly with the region its manifest deploys it to."""
    found: Stacks = {}
    for artifact in env.manifest["artifacts"].values():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        name = artifact["displayName"]
        found[name] = (artifact["environment"].rsplit("/", 1)[-1], env.templates[name])
    return found


def _walk(value: Any, path: str) -> Iterator[tuple[str, dict[str, str]]]:
    if isinstance(value, dict):
        if "Fn::GetStackOutput" in value:
            yield path, value["Fn::GetStackOutput"]
            return
        for key, item in value.items():
            yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}/{index}")


def references(stacks: Stacks) -> References:
    """Every Fn::GetStackOutput of every stack, by where it is used."""
    found: References = {}
    for name, (_, template) in stacks.items():
        for section in ("Resources", "Outputs", "Conditions"):
            for logical_id, body in template.get(section, {}).items():
                for path, reference in _walk(body, ""):
                    found[(name, logical_id, path)] = reference
    return found


def producer(stacks: Stacks, consumer: str, reference: dict[str, str]) -> tuple[str, str]:
    """The (stack, logical id) of the resource whose output ``reference`` reads, after checking
    that the output exists in the stack of that name in that region (a missing output fails
    the consumer's deploy)."""
    name = reference["StackName"]
    assert name in stacks, f"{consumer} reads outputs of {name}, which the app does not deploy"
    region, template = stacks[name]
    # Region defaults to the consumer's own region.
    assert reference.get("Region", stacks[consumer][0]) == region, (consumer, reference)
    outputs = template.get("Outputs", {})
    assert reference["OutputName"] in outputs, f"{name} has no output {reference['OutputName']}"
    value = outputs[reference["OutputName"]]["Value"]
    if "Ref" in value:
        return name, value["Ref"]
    if "Fn::GetAtt" in value:
        return name, value["Fn::GetAtt"][0]
    raise AssertionError(f"{name}.{reference['OutputName']} is not a resource's id: {value}")


def create_only(region: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The resource's values at its type's createOnlyProperties (cfn-lint's resource schema)."""
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource["Type"]).schema
    values = {}
    for path in schema.get("createOnlyProperties", []):
        value: Any = resource.get("Properties", {})
        for key in path.removeprefix("/properties/").split("/"):
            value = value.get(key) if isinstance(value, dict) else None
        values[path] = value
    return values


def replaced(before: Stacks, after: Stacks, stack: str, old_id: str, new_id: str) -> bool:
    """Whether CloudFormation gives the producing resource a new physical id going from
    ``before`` to ``after``: a new logical id, or a new value of a create-only property."""
    if old_id != new_id:
        return True
    region = after[stack][0]
    old = before[stack][1]["Resources"][old_id]
    new = after[stack][1]["Resources"][new_id]
    return old["Type"] != new["Type"] or create_only(region, old) != create_only(region, new)


def stale_references(before: Stacks, after: Stacks) -> tuple[list[str], list[str]]:
    """(references whose producer is replaced, those of them whose text did not change)."""
    old_refs, new_refs = references(before), references(after)
    moved, stale = [], []
    for where in sorted(old_refs.keys() & new_refs.keys()):
        consumer = where[0]
        old_stack, old_id = producer(before, consumer, old_refs[where])
        new_stack, new_id = producer(after, consumer, new_refs[where])
        assert old_stack == new_stack, where
        if replaced(before, after, new_stack, old_id, new_id):
            moved.append(f"{where} -> {new_stack}/{new_id}")
            if old_refs[where] == new_refs[where]:
                stale.append(f"{where} still reads {json.dumps(new_refs[where])}")
    return moved, stale


def test_every_reference_names_an_output_of_the_right_stack_and_region(
    any_env: SynthesizedEnvironment,
) -> None:
    stacks = assembly_stacks(any_env)
    for (consumer, _, _), reference in references(stacks).items():
        producer(stacks, consumer, reference)


def test_a_replaced_certificate_changes_every_reference_to_it() -> None:
    """A new domain name, or a new hosted zone for the DNS validation, replaces the
    CloudFront and the Cognito certificates (DomainName and DomainValidationOptions are
    create-only); the main stack's references to each must change with them. A change that
    replaces nothing (the WAF's allow-list: an IP set and a rule, updated in place) leaves
    every reference as it was, so no consumer is updated for nothing."""
    base = synthesize(environment("lf.example.org"))
    for change in (
        environment("langfuse.example.org"),
        environment("lf.example.org", zone_id="Z9876543210ZYXWVUTSRQ"),
    ):
        after = synthesize(change)
        moved, stale = stale_references(base, after)
        certificates = [m for m in moved if "Certificate" in m]
        # Both certificates are replaced: the CloudFront viewer certificate and the login
        # page's custom domain read one each.
        assert len(certificates) == 2, moved
        assert stale == []
    allow_list = environment("lf.example.org")
    allow_list["edge"]["allowed_cidrs"] = ["198.51.100.0/24"]
    after = synthesize(allow_list)
    assert stale_references(base, after) == ([], [])
    assert references(after) == references(base)
