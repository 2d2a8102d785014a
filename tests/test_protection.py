"""Nobody let in: WAF, access logs, least privilege, the security-group table, encryption."""

from __future__ import annotations

import re
from typing import Any

from langfuse_aws.config.models import InternalEdgeConfig
from synth import SynthesizedEnvironment

# Wildcard IAM actions we accept, and why. Everything else must name its actions.
ACCEPTED_WILDCARD_ACTIONS = {
    "CustomS3AutoDeleteObjectsCustomResourceProviderRole": "CDK's auto-delete provider for "
    "disposable environments empties the bucket with s3:DeleteObject*/GetBucket*/List*.",
}


def web_acl(env: SynthesizedEnvironment) -> dict[str, Any]:
    stack = env.global_stack if env.config.edge.mode == "cloudfront" else env.main_stack
    (acl,) = env.resources("AWS::WAFv2::WebACL", stack).values()
    properties: dict[str, Any] = acl["Properties"]
    return properties


def rules_by_name(env: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in web_acl(env)["Rules"]}


def test_web_acl_scope_follows_edge_mode(
    example: SynthesizedEnvironment, alb_domain: SynthesizedEnvironment
) -> None:
    assert web_acl(example)["Scope"] == "CLOUDFRONT"
    (distribution,) = example.resources("AWS::CloudFront::Distribution").values()
    assert "WebACLId" in distribution["Properties"]["DistributionConfig"]
    assert web_acl(alb_domain)["Scope"] == "REGIONAL"
    (association,) = alb_domain.resources("AWS::WAFv2::WebACLAssociation").values()
    (alb_id,) = alb_domain.resources("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert association["Properties"]["ResourceArn"] == {"Ref": alb_id}


def test_access_logs(any_env: SynthesizedEnvironment) -> None:
    (alb,) = any_env.resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    attributes = {a["Key"]: a["Value"] for a in alb["Properties"]["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == "true"
    for distribution in any_env.resources("AWS::CloudFront::Distribution").values():
        assert "Bucket" in distribution["Properties"]["DistributionConfig"]["Logging"]
    buckets = any_env.resources("AWS::S3::Bucket")
    log_bucket = next(v for k, v in buckets.items() if k.startswith("AccessLogs"))
    (expiry,) = log_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert expiry["ExpirationInDays"] == 90


def test_every_log_group_has_retention(any_env: SynthesizedEnvironment) -> None:
    for name in any_env.templates:
        for logical_id, group in any_env.resources("AWS::Logs::LogGroup", name).items():
            assert "RetentionInDays" in group["Properties"], logical_id


def test_no_wildcard_iam_action(any_env: SynthesizedEnvironment) -> None:
    for name, template in any_env.templates.items():
        for logical_id, resource in template["Resources"].items():
            for statement in _statements(resource):
                actions = statement.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                wild = [a for a in actions if "*" in a]
                if wild:
                    assert any(logical_id.startswith(k) for k in ACCEPTED_WILDCARD_ACTIONS), (
                        name,
                        logical_id,
                        wild,
                    )


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    props = resource.get("Properties", {})
    if resource["Type"] == "AWS::IAM::Policy":
        statements: list[dict[str, Any]] = props["PolicyDocument"]["Statement"]
        return statements
    if resource["Type"] == "AWS::IAM::Role":
        return [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    if resource["Type"] == "AWS::CloudFormation::CustomResource" or "Policies" in props:
        return [
            s
            for p in props.get("Policies", [])
            if isinstance(p, dict)
            for s in p.get("PolicyDocument", {}).get("Statement", [])
        ]
    return []


# (protected group, port, source): who may reach what. Names are logical-id prefixes.
_HASH = re.compile(r"(SecurityGroup)?[0-9A-F]{8}$")


def _group_name(ref: Any) -> str:
    logical_id = ref["Fn::GetAtt"][0]
    name = _HASH.sub("", logical_id)
    return name.removesuffix("SecurityGroup")


def ingress_table(env: SynthesizedEnvironment) -> set[tuple[str, str, str]]:
    rules = set()
    for resource in env.main["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::EC2::SecurityGroupIngress":
            entries = [(props["GroupId"], props)]
        elif resource["Type"] == "AWS::EC2::SecurityGroup":
            continue
        else:
            continue
        for group, rule in entries:
            port = rule.get("FromPort", "all")
            if isinstance(port, dict):  # Aurora's port attribute
                port = 5432
            source = (
                _group_name(rule["SourceSecurityGroupId"])
                if "SourceSecurityGroupId" in rule
                else rule.get("CidrIp") or rule["SourcePrefixListId"]
            )
            rules.add((_group_name(group), str(port), source))
    for logical_id, resource in env.main["Resources"].items():
        if resource["Type"] != "AWS::EC2::SecurityGroup":
            continue
        for rule in resource["Properties"].get("SecurityGroupIngress", []):
            cidr = rule.get("CidrIp") or rule["SourcePrefixListId"]
            source = "VpcCidr" if isinstance(cidr, dict) else cidr
            rules.add(
                (
                    _HASH.sub("", logical_id).removesuffix("SecurityGroup"),
                    str(rule.get("FromPort", "all")),
                    source,
                )
            )
    return rules


def expected_ingress(env: SynthesizedEnvironment) -> set[tuple[str, str, str]]:
    cfg = env.config
    table = {("Web", "3000", "EdgeLoadBalancer")}
    for client in ("Web", "Worker"):
        table |= {("DatabaseCluster", "5432", client), ("Cache", "6379", client)}
        if cfg.clickhouse.mode in ("fargate", "ec2"):
            table |= {("ClickHouse", "8123", client), ("ClickHouse", "9000", client)}
    if cfg.clickhouse.mode == "fargate":
        table.add(("ClickHouseDataEfs", "2049", "ClickHouse"))
    if cfg.edge.mode == "cloudfront":
        table.add(("EdgeLoadBalancer", "80", "EdgeCdnVpcOrigin"))
    else:
        ports = ["80", "443"] if cfg.edge.domain else ["80"]
        # internal mode admits only the listed networks; alb admits everyone without a list.
        prefix_lists = (
            cfg.edge.allowed_prefix_lists if isinstance(cfg.edge, InternalEdgeConfig) else []
        )
        sources = [*cfg.edge.allowed_networks, *prefix_lists] or ["0.0.0.0/0"]
        table |= {("EdgeLoadBalancer", p, s) for p in ports for s in sources}
    if cfg.network.nat == "instance":
        table.add(("NetworkVpcNat", "all", "VpcCidr"))
    return table


def test_every_ingress_rule_is_in_the_table(any_env: SynthesizedEnvironment) -> None:
    assert ingress_table(any_env) == expected_ingress(any_env)


def test_encryption_at_rest_everywhere(any_env: SynthesizedEnvironment) -> None:
    for cluster in any_env.resources("AWS::RDS::DBCluster").values():
        assert cluster["Properties"]["StorageEncrypted"] is True
    for fs in any_env.resources("AWS::EFS::FileSystem").values():
        assert fs["Properties"]["Encrypted"] is True
        assert "LifecyclePolicies" not in fs["Properties"]  # no Infrequent-Access tiering
    for group in any_env.resources("AWS::ElastiCache::ReplicationGroup").values():
        assert group["Properties"]["AtRestEncryptionEnabled"] is True
        assert group["Properties"]["TransitEncryptionEnabled"] is True
        assert group["Properties"]["TransitEncryptionMode"] == "required"
    for name in any_env.templates:
        for bucket in any_env.resources("AWS::S3::Bucket", name).values():
            assert "BucketEncryption" in bucket["Properties"]
            block = bucket["Properties"]["PublicAccessBlockConfiguration"]
            assert all(block.values())


def test_tls_only_buckets(any_env: SynthesizedEnvironment) -> None:
    policies = any_env.resources("AWS::S3::BucketPolicy")
    assert len(policies) == len(any_env.resources("AWS::S3::Bucket"))
    for policy in policies.values():
        denies = [
            s for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]  # fmt: skip
        assert denies


def test_ecs_exec_only_where_the_yaml_asks(any_env: SynthesizedEnvironment) -> None:
    for logical_id, service in any_env.resources("AWS::ECS::Service").items():
        enabled = service["Properties"].get("EnableExecuteCommand", False)
        if logical_id.startswith(("Web", "Worker")):
            assert enabled is any_env.config.langfuse.enable_exec, logical_id
        else:
            assert enabled is False, logical_id  # ClickHouse: never


def test_backup_plan(example: SynthesizedEnvironment, dev: SynthesizedEnvironment) -> None:
    (plan,) = example.resources("AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": 35}
    (selection,) = example.resources("AWS::Backup::BackupSelection").values()
    resources = str(selection["Properties"]["BackupSelection"]["Resources"])
    assert "DatabaseCluster5B53A178" in resources
    assert "ClickHouseData9DECA92C" in resources
    (vault,) = example.resources("AWS::Backup::BackupVault").values()
    assert vault["DeletionPolicy"] == "Retain"
    assert not dev.resources("AWS::Backup::BackupPlan")


# CDK adds these handlers while resolving cross-region references, after every aspect has run,
# so no log group can be attached to them from this app; each runs once per deployment.
FUNCTIONS_WITHOUT_OWN_LOG_GROUP = ("CustomCrossRegionExportReader", "CustomCrossRegionExportWriter")


def test_every_function_logs_to_a_group_with_retention(any_env: SynthesizedEnvironment) -> None:
    for name, template in any_env.templates.items():
        resources = template["Resources"]
        for logical_id, function in any_env.resources("AWS::Lambda::Function", name).items():
            if logical_id.startswith(FUNCTIONS_WITHOUT_OWN_LOG_GROUP):
                continue
            group_ref = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            assert "RetentionInDays" in resources[group_ref]["Properties"], logical_id
