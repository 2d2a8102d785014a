"""Physical names of a template's resources, and what `destroy` then `deploy` does with them.

A resource's physical name is set by the template when it gives every property of the
resource's customer-settable primary identifier (CloudFormation's resource schema, as read by
cfn-lint's rule E3019: ``primaryIdentifier`` minus ``readOnlyProperties``), or a property that
AWS makes unique although the schema's identifier is generated (``KNOWN_NAMES``). Anything
else CloudFormation names itself, from the stack name, the logical id and a random suffix
(AWS CloudFormation User Guide, "Name type"), so it is new on every creation.

CloudFormation keeps a resource whose DeletionPolicy is Retain or RetainExceptOnCreate when
the stack is deleted after a successful create (User Guide, "DeletionPolicy attribute"); a
create of a resource whose name is still taken fails ("already exists"). Deploying an
environment again after `destroy` is a new creation of stacks with the same names: the same
pseudo parameters except ``AWS::StackId``, whose UUID is new.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

from cfn_eval import evaluate, pseudo_parameters

# Names AWS keeps unique although the schema identifies the resource by a generated id.
KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::Events::Rule": ("Name",),
    "AWS::Cognito::UserPoolDomain": ("Domain",),
    "AWS::Backup::BackupPlan": ("BackupPlan.BackupPlanName",),
    "AWS::Budgets::Budget": ("Budget.BudgetName",),
    "AWS::WAFv2::WebACL": ("Name", "Scope"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("Name",),
    "AWS::ElasticLoadBalancingV2::TargetGroup": ("Name",),
}
SURVIVING_POLICIES = {"Retain", "RetainExceptOnCreate"}
US_EAST_1 = "us-east-1"


def naming_properties(kind: str, region: str) -> list[tuple[str, ...]]:
    """Each set of property paths that names a resource of ``kind`` (dotted for nested)."""
    found = [KNOWN_NAMES[kind]] if kind in KNOWN_NAMES else []
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, kind).schema
    except ResourceNotFoundError:
        return found
    identifier = schema.get("primaryIdentifier", [])
    if identifier and not set(identifier) & set(schema.get("readOnlyProperties", [])):
        found.append(tuple(p.removeprefix("/properties/").replace("/", ".") for p in identifier))
    return found


def survives_deletion(resource: dict[str, Any]) -> bool:
    """Whether CloudFormation keeps ``resource`` when a successfully created stack is deleted."""
    return resource.get("DeletionPolicy", "Delete") in SURVIVING_POLICIES


class _Creation(dict[str, Any]):
    """Deploy-time values of one creation of a stack: pseudo parameters, and a value of its own
    for every Ref or GetAtt of a resource, which CloudFormation or the service generates."""

    def __init__(self, pseudo: dict[str, str], uuid: str) -> None:
        super().__init__(pseudo)
        self.uuid = uuid

    def __missing__(self, key: str) -> str:
        return f"generated:{key}:{self.uuid}"


@dataclass(frozen=True)
class PhysicalName:
    """What a resource is called in its account: kind, naming properties, their values."""

    kind: str
    properties: tuple[str, ...]
    value: tuple[str, ...]


def _lookup(properties: dict[str, Any], path: str) -> Any:
    value: Any = properties
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def physical_names(
    resource: dict[str, Any], region: str, creation: _Creation
) -> Iterator[PhysicalName]:
    """The names ``resource`` takes in one creation of its stack (none: CloudFormation's own)."""
    properties = resource.get("Properties", {})
    for paths in naming_properties(resource["Type"], region):
        values = [_lookup(properties, path) for path in paths]
        if all(v is not None for v in values):
            resolved = tuple(str(evaluate(v, creation)) for v in values)
            yield PhysicalName(resource["Type"], paths, resolved)


def _create(
    templates: dict[str, tuple[str, dict[str, Any]]], uuid: str
) -> dict[tuple[str, str], list[PhysicalName]]:
    """The physical names of every resource of every stack, for one creation of them all."""
    names = {}
    for stack, (region, template) in templates.items():
        creation = _Creation(pseudo_parameters(stack, uuid, region=region), uuid)
        for logical_id, resource in template["Resources"].items():
            names[(stack, logical_id)] = list(physical_names(resource, region, creation))
    return names


def recreate_collisions(templates: dict[str, tuple[str, dict[str, Any]]]) -> list[str]:
    """Create every stack (name -> (region, template)), delete them, create them again.

    Returns each resource of the second creation whose name a kept resource of the first still
    holds: its create fails with "already exists". Regions are ignored, which can only find
    more collisions (IAM names are global).
    """
    first = _create(templates, "11111111-aaaa-4bbb-8ccc-000000000001")
    kept = {
        name: f"{stack}/{logical_id}"
        for (stack, logical_id), names in first.items()
        if survives_deletion(templates[stack][1]["Resources"][logical_id])
        for name in names
    }
    second = _create(templates, "22222222-dddd-4eee-8fff-000000000002")
    return [
        f"{stack}/{logical_id}: {name.properties} = {name.value} is still held by the kept "
        f"{kept[name]}"
        for (stack, logical_id), names in second.items()
        for name in names
        if name in kept
    ]


def kept_resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The resources of ``template`` that outlive the stack's deletion, by logical id."""
    return {k: v for k, v in template["Resources"].items() if survives_deletion(v)}


def tags_of(resource: dict[str, Any]) -> dict[str, Any]:
    """Every tag ``resource`` sets, whatever its kind calls the property (Tags, *Tags)."""
    tags: dict[str, Any] = {}
    for key, value in resource.get("Properties", {}).items():
        if not key.endswith("Tags"):
            continue
        if isinstance(value, dict):
            tags |= value
        elif isinstance(value, list):
            tags |= {t["Key"]: t["Value"] for t in value if isinstance(t, dict) and "Key" in t}
    return tags
