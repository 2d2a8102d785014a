"""Break each claim in the code, one at a time, and check that a test goes red.

A claim whose mutation survives (the tests still pass) has no test that would notice it
breaking. Each mutation replaces one exact snippet of source; the file is restored afterwards.

    python scripts/mutate.py            # every mutation
    python scripts/mutate.py prefix     # only those whose claim contains "prefix"
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = "src/langfuse_aws/"


@dataclass(frozen=True)
class Mutation:
    """One broken claim: replace ``old`` by ``new`` in ``path``; ``tests`` must then fail."""

    claim: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS = [
    Mutation(
        "refactor: a provider's required setting is required",
        SRC + "config/providers.py",
        '    issuer: HttpsUrl\n    """Issuer URL (discovery',
        '    issuer: HttpsUrl | None = None\n    """Issuer URL (discovery',
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "refactor: errors name the YAML path, not the union member",
        SRC + "config/loader.py",
        "            if key is not None:\n                if index == len(loc) - 2:",
        "            if False:\n                if index == len(loc) - 2:",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "refactor: an old fargate:/external: block says where its settings went",
        SRC + "config/types.py",
        "        if old:\n",
        "        if False:\n",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "refactor: an issuer URL reaches Langfuse exactly as written",
        SRC + "config/types.py",
        "            adapter.validate_python(value)\n",
        "            value = str(adapter.validate_python(value))\n",
        ("tests/test_auth.py", "-k", "direct"),
    ),
    Mutation(
        "refactor: every service runs on ARM64",
        SRC + "constructs/compute/fargate.py",
        "cpu_architecture=ecs.CpuArchitecture.ARM64,",
        "cpu_architecture=ecs.CpuArchitecture.X86_64,",
        ("tests/test_claims.py",),
    ),
    Mutation(
        "synth never looks up availability zones",
        SRC + "stacks/langfuse_stack.py",
        "return list(zones) if zones else list(super().availability_zones)",
        "return list(super().availability_zones)",
        ("tests/cli/test_cli_synth.py", "-k", "prod"),
    ),
    Mutation(
        "the Cognito prefix domain is unique per deployment",
        SRC + "constructs/login/cognito.py",
        'return Fn.join("-", ["langfuse", environment_name, Fn.select(0, Fn.split("-", stack_uuid))])',
        'return f"langfuse-{environment_name}-0f6c2a9e"',
        ("tests/test_unique_names.py", "tests/test_auth.py", "-k", "global or prefix"),
    ),
    Mutation(
        "an explicit Cognito domain prefix wins",
        SRC + "constructs/login/cognito.py",
        "domain_prefix=config.domain_prefix\n",
        "domain_prefix=None\n",
        ("tests/test_auth.py", "-k", "explicit_prefix"),
    ),
    Mutation(
        "account-scoped names carry the environment name",
        SRC + "constructs/data/backup.py",
        'backup_plan_name=f"{Stack.of(self).stack_name}-daily"',
        'backup_plan_name="daily"',
        ("tests/test_unique_names.py",),
    ),
    Mutation(
        "web waits for the Aurora writer",
        SRC + "stacks/langfuse_stack.py",
        "self.web.service.node.add_dependency(database.writer)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "web_waits"),
    ),
    Mutation(
        "web waits for ClickHouse",
        SRC + "stacks/langfuse_stack.py",
        "self.web.service.node.add_dependency(clickhouse_server.service)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "web_waits"),
    ),
    Mutation(
        "web reads the database secret through its attachment",
        SRC + "stacks/langfuse_stack.py",
        "database_secret=database.client_secret,",
        "database_secret=database.secret,",
        ("tests/test_deploy_order.py", "-k", "web"),
    ),
    Mutation(
        "the worker rolls out after web",
        SRC + "constructs/compute/langfuse_service.py",
        "worker.service.node.add_dependency(web.service)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "worker_waits"),
    ),
    Mutation(
        "ClickHouse waits for every EFS mount target",
        SRC + "constructs/data/clickhouse.py",
        "self.service.node.add_dependency(self.file_system.mount_targets_available)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "mount_target"),
    ),
    Mutation(
        "services wait for the capacity provider associations",
        SRC + "constructs/compute/cluster.py",
        "service.node.add_dependency(self.cluster)",
        "pass",
        ("tests/test_deploy_order.py", "-k", "capacity"),
    ),
    Mutation(
        "a retaining environment's destroy does not hit Aurora deletion protection",
        SRC + "constructs/data/database.py",
        """            # cannot delete a protected cluster, so a final-snapshot policy would fail destroy.
            removal_policy=data_removal_policy(retain),""",
        """            removal_policy=RemovalPolicy.SNAPSHOT if retain else RemovalPolicy.DESTROY,""",
        ("tests/test_destroy.py",),
    ),
    Mutation(
        "the Aurora parameter group is kept with the cluster",
        SRC + "constructs/data/database.py",
        """            # RDS refuses to delete a parameter group that a kept cluster still uses.
            removal_policy=data_removal_policy(retain),""",
        "",
        ("tests/test_destroy.py",),
    ),
    Mutation(
        "Aurora instances are deleted on destroy (no interfaces left in the VPC)",
        SRC + "constructs/data/database.py",
        "instance.apply_removal_policy(RemovalPolicy.DESTROY)",
        "instance.apply_removal_policy(RemovalPolicy.RETAIN)",
        ("tests/test_destroy.py",),
    ),
    Mutation(
        "the default Langfuse release is 4.38.0",
        SRC + "config/models.py",
        'version: str = Field(default="4.38.0"',
        'version: str = Field(default="4.39.0"',
        ("tests/constructs/compute/test_images.py", "-k", "defaults"),
    ),
    Mutation(
        "floating ClickHouse tags are refused",
        SRC + "config/models.py",
        r'pattern=r"^\d+\.\d+\.\d+\.\d+$"',
        r'pattern=r"^\d+\.\d+(\.\d+){0,2}$"',
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "execution roles may make the first pull through the cache",
        SRC + "constructs/compute/images.py",
        '    "ecr:BatchImportUpstreamImage",\n',
        "",
        ("tests/constructs/compute/test_images.py",),
    ),
    Mutation(
        "a digest pins the image",
        SRC + "constructs/compute/images.py",
        'return f"{base}@{image.digest}" if image.digest else f"{base}:{image.tag}"',
        'return f"{base}:{image.tag}"',
        ("tests/constructs/compute/test_images.py",),
    ),
    Mutation(
        "make bootstrap covers us-east-1 for CloudFront environments",
        SRC + "environment.py",
        "if needs_global_stack(config):",
        "if False:",
        ("tests/test_bootstrap.py", "-k", "region"),
    ),
    Mutation(
        "the WAF lets LLM bodies through (body rules only count)",
        SRC + "constructs/edge/waf.py",
        '    "GenericLFI_BODY",\n',
        "",
        ("tests/constructs/edge/test_waf.py", "-k", "passes"),
    ),
    Mutation(
        "the WAF lets large bodies through on every path",
        SRC + "constructs/edge/waf.py",
        '    "SizeRestrictions_BODY",\n',
        "",
        ("tests/constructs/edge/test_waf.py", "-k", "passes"),
    ),
    Mutation(
        "SDK fleets behind one address are not rate-limited like the UI",
        SRC + "constructs/edge/waf.py",
        '("RateLimitApp", config.rate_limit, _not(public_api)),',
        '("RateLimitApp", config.rate_limit, _any([public_api, _not(public_api)])),',
        ("tests/constructs/edge/test_waf.py", "-k", "passes"),
    ),
    Mutation(
        "sign-in floods are stopped",
        SRC + "constructs/edge/waf.py",
        '("RateLimitSignIn", config.sign_in_rate_limit, sign_in),',
        '("RateLimitSignIn", None, sign_in),',
        ("tests/constructs/edge/test_waf.py", "-k", "blocked"),
    ),
    Mutation(
        "the allow-list holds for IPv6 viewers",
        SRC + "constructs/edge/waf.py",
        '"IPV6": [c for c in allowed_cidrs if ipaddress.ip_network(c).version == 6],',
        '"IPV6": [],',
        ("tests/constructs/edge/test_waf.py", "-k", "allow_list"),
    ),
    Mutation(
        "CloudFront serves IPv4 only with an IPv4-only allow-list",
        SRC + "constructs/edge/cloudfront.py",
        "enable_ipv6=props.ipv6,",
        "enable_ipv6=True,",
        ("tests/constructs/edge/test_waf.py", "-k", "ipv6_is_served"),
    ),
    Mutation(
        "browser uploads are admitted from the public origin only",
        SRC + "constructs/data/storage.py",
        "allowed_origins=[origin],",
        'allowed_origins=["*"],',
        ("tests/constructs/data/test_storage.py",),
    ),
    Mutation(
        "Valkey never evicts (noeviction)",
        SRC + "constructs/data/cache.py",
        'properties={"maxmemory-policy": "noeviction"},',
        'properties={"maxmemory-policy": "volatile-lru"},',
        ("tests/test_claims.py", "-k", "valkey"),
    ),
    Mutation(
        "the Valkey parameter group is attached",
        SRC + "constructs/data/cache.py",
        "cache_parameter_group_name=parameters.ref,",
        "",
        ("tests/test_claims.py", "-k", "valkey"),
    ),
    Mutation(
        "Valkey keeps a week of snapshots where data is kept",
        SRC + "constructs/data/cache.py",
        "snapshot_retention_limit=7 if retain else 1,",
        "snapshot_retention_limit=1,",
        ("tests/test_control_tower.py", "-k", "valkey"),
    ),
    Mutation(
        "ClickHouse never runs two writers",
        SRC + "constructs/data/clickhouse.py",
        "max_healthy_percent=100,",
        "max_healthy_percent=200,",
        ("tests/test_claims.py", "-k", "clickhouse"),
    ),
    Mutation(
        "services roll back a failed deployment",
        SRC + "constructs/compute/fargate.py",
        "circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),",
        "circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=False),",
        ("tests/test_claims.py", "-k", "rolls_back"),
    ),
    Mutation(
        "Aurora refuses plain connections (rds.force_ssl)",
        SRC + "constructs/data/database.py",
        'parameters={"rds.force_ssl": "1", "timezone": "UTC"},',
        'parameters={"rds.force_ssl": "0", "timezone": "UTC"},',
        ("tests/test_claims.py", "-k", "aurora"),
    ),
    Mutation(
        "the ALB speaks TLS 1.2+",
        SRC + "constructs/edge/load_balancer.py",
        "ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,",
        "ssl_policy=elbv2.SslPolicy.TLS11,",
        ("tests/test_claims.py", "-k", "alb"),
    ),
    Mutation(
        "the ALB redirects HTTP to HTTPS",
        SRC + "constructs/edge/load_balancer.py",
        "self.alb.add_redirect(source_port=HTTP_PORT, target_port=HTTPS_PORT, open=False)",
        "pass",
        ("tests/test_claims.py", "-k", "alb"),
    ),
    Mutation(
        "media never expires",
        SRC + "constructs/data/storage.py",
        "prefix=EVENTS_PREFIX,\n",
        "",
        ("tests/test_claims.py", "-k", "media"),
    ),
    Mutation(
        "task roles list only the Langfuse prefixes",
        SRC + "constructs/data/storage.py",
        'conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in LANGFUSE_PREFIXES]}},',
        "",
        ("tests/test_claims.py", "-k", "prefixes"),
    ),
    Mutation(
        "Cognito signs out to Langfuse only",
        SRC + "constructs/login/cognito.py",
        "logout_urls=[public_url],",
        'logout_urls=[public_url, "https://example.org"],',
        ("tests/test_claims.py", "-k", "signs_out"),
    ),
    Mutation(
        "key secrets survive a replacement",
        SRC + "constructs/data/secrets.py",
        "secret.apply_removal_policy(data_removal_policy(retain))",
        "secret.apply_removal_policy(data_removal_policy(retain))\n"
        '        secret.node.default_child.add_override("UpdateReplacePolicy", "Delete")',
        ("tests/test_stateful_resources.py", "-k", "retained"),
    ),
    Mutation(
        "Aurora exports its log to CloudWatch",
        SRC + "constructs/data/database.py",
        'cloudwatch_logs_exports=["postgresql"],',
        "",
        ("tests/test_control_tower.py", "-k", "aurora"),
    ),
    Mutation(
        "WAF logs redact credentials",
        SRC + "constructs/edge/waf.py",
        'REDACTED_HEADERS = ("authorization", "cookie")',
        'REDACTED_HEADERS = ("cookie",)',
        ("tests/test_control_tower.py", "-k", "waf"),
    ),
    Mutation(
        "the NAT instance requires IMDSv2",
        SRC + "constructs/network/network.py",
        "Aspects.of(instance).add(ec2.InstanceRequireImdsv2Aspect())",
        "pass",
        ("tests/test_control_tower.py", "-k", "imdsv2"),
    ),
    Mutation(
        "Langfuse containers run as their image's non-root user",
        SRC + "constructs/compute/langfuse_service.py",
        "user=LANGFUSE_IMAGE_USER,",
        "",
        ("tests/test_control_tower.py", "-k", "memory_limits"),
    ),
    Mutation(
        "make synth fails on findings left in the validation report",
        SRC + "validation_report.py",
        "                lines.append(",
        "                lines.append if False else print(",
        ("tests/test_control_tower.py", "-k", "acknowledged_finding or clean_report"),
    ),
    Mutation(
        "make plan catches a replaced stateful resource",
        SRC + "plan.py",
        '                        reason = f"create-only property {name} changes"\n',
        "                        reason = None\n",
        ("tests/test_plan.py", "-k", "create_only"),
    ),
    Mutation(
        "make plan catches a deleted stateful resource",
        SRC + "plan.py",
        'add(logical_id, "deleted", "its logical id is gone from the new template")',
        "pass",
        ("tests/test_plan.py", "-k", "renamed"),
    ),
    Mutation(
        "Valkey evictions alarm at the first eviction",
        SRC + "constructs/operations/monitoring.py",
        "                    max_items_count=0,\n",
        "                    max_items_count=100,\n",
        ("tests/constructs/operations/test_monitoring.py", "-k", "Valkey"),
    ),
    Mutation(
        "the Aurora connections alarm fires at 80 % of max_connections",
        SRC + "constructs/operations/monitoring.py",
        "CONNECTION_WARNING_SHARE = 0.8",
        "CONNECTION_WARNING_SHARE = 0.95",
        ("tests/constructs/operations/test_monitoring.py", "-k", "aurora-connections"),
    ),
    Mutation(
        "alarms notify the environment's topic",
        SRC + "constructs/operations/alarms.py",
        "    alarm.add_alarm_action(cw_actions.SnsAction(topic))\n",
        "",
        ("tests/constructs/operations/test_monitoring.py", "-k", "web-5xx"),
    ),
    Mutation(
        "duplicate YAML keys are refused",
        SRC + "config/loader.py",
        "if isinstance(key, str | int | float | bool) and key in first_line:",
        "if False:",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "credentials pasted into *_secret fields are refused",
        SRC + "config/loader.py",
        "and _looks_like_a_credential(value)",
        "and False",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "Aurora versions that cannot be created are refused",
        SRC + "config/rules.py",
        "if not too_old and db.engine_version not in versions:",
        "if False:",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "zones that do not exist are refused",
        SRC + "config/rules.py",
        "elif known is not None and zone not in known:",
        "elif False:",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "VPC CIDRs with octets over 255 are refused",
        SRC + "config/types.py",
        """raise ValueError(f"'{text}' is not {kind}") from None""",
        "return value",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "day two: a deployment's ClickHouse stop is not an alarm",
        SRC + "constructs/operations/task_stops.py",
        'HEALTH_CHECK_REASON_PREFIX = "Task failed"',
        'HEALTH_CHECK_REASON_PREFIX = ""',
        ("tests/constructs/operations/test_task_stops.py",),
    ),
    Mutation(
        "day two: the worker publishes queue metrics where the alarm reads them",
        SRC + "langfuse/metrics.py",
        'NAMESPACE = "Langfuse"',
        'NAMESPACE = "LangfuseAws"',
        ("tests/constructs/operations/test_monitoring.py", "-k", "queue or publishes"),
    ),
    Mutation(
        "day two: backlog scaling only scales out",
        SRC + "constructs/compute/langfuse_service.py",
        "appscaling.ScalingInterval(upper=BACKLOG_SCALE_OUT_JOBS, change=0)",
        "appscaling.ScalingInterval(upper=BACKLOG_SCALE_OUT_JOBS, change=-1)",
        ("tests/constructs/operations/test_monitoring.py", "-k", "scales_out"),
    ),
    Mutation(
        "day two: WAF metrics are per environment",
        SRC + "constructs/edge/waf.py",
        'self.metric_name = f"Langfuse-{props.environment_name}"',
        'self.metric_name = "Langfuse"',
        ("tests/constructs/operations/test_monitoring.py", "-k", "web_acl"),
    ),
    Mutation(
        "day two: the CloudFront 5xx alarm ignores a trickle of requests",
        SRC + "stacks/edge_alarms_stack.py",
        "CLOUDFRONT_MIN_REQUESTS = 100",
        "CLOUDFRONT_MIN_REQUESTS = 0",
        ("tests/constructs/operations/test_monitoring.py", "-k", "cloudfront"),
    ),
    Mutation(
        "day two: make plan reads the deployed templates",
        SRC + "plan.py",
        "        found[stack] = (region, body if isinstance(body, dict) else json.loads(body))",
        "        pass",
        ("tests/test_plan_deployed.py",),
    ),
    Mutation(
        "day two: the restore drill restores EFS into a new file system",
        SRC + "restore_drill.py",
        '"newFileSystem": "true"',
        '"newFileSystem": "false"',
        ("tests/test_restore_drill.py", "-k", "not role_that_may_restore"),
    ),
    Mutation(
        "day two: the NAT instance is watched",
        SRC + "constructs/network/network.py",
        "                self.nat_instances.append(instance)",
        "                pass",
        ("tests/constructs/operations/test_monitoring.py", "-k", "nat_instance"),
    ),
    Mutation(
        "cli: base tasks are priced on their provider first",
        SRC + "cli/cost.py",
        'base = min(int(entry.get("Base", 0)), remaining)',
        "base = 0",
        ("tests/cli/test_cost.py", "-k", "base_tasks"),
    ),
    Mutation(
        "a single Spot-allowed task really runs on Spot",
        SRC + "constructs/compute/langfuse_service.py",
        "    if size.min_tasks == 1:",
        "    if False:",
        ("tests/test_claims.py", "-k", "spot"),
    ),
    Mutation(
        "cli: alarms are priced per metric",
        SRC + "cli/cost.py",
        'return sum(1 for m in props.get("Metrics", []) if "MetricStat" in m)',
        "return 1",
        ("tests/cli/test_cost.py", "-k", "alarms"),
    ),
    Mutation(
        "cli: smoke checks the sign-in callback URL",
        SRC + "cli/smoke.py",
        "found == expected,",
        "bool(found),",
        ("tests/cli/test_smoke.py", "-k", "callback"),
    ),
    Mutation(
        "cli: doctor refuses an old bootstrap",
        SRC + "cli/doctor.py",
        "version >= MIN_BOOTSTRAP_VERSION,",
        "True,",
        ("tests/cli/test_doctor.py", "-k", "bootstrap"),
    ),
    Mutation(
        "cli: doctor counts the Elastic IPs of the NAT gateways",
        SRC + "cli/doctor.py",
        'self.quota("Elastic IPs", EIP_QUOTA, addresses, gateways)',
        'self.quota("Elastic IPs", EIP_QUOTA, addresses, 0)',
        ("tests/cli/test_doctor.py", "-k", "elastic"),
    ),
    Mutation(
        "cli: status is unhealthy while a service is short of tasks",
        SRC + "cli/status.py",
        "return self.running >= self.desired and",
        "return True or",
        ("tests/cli/test_status.py",),
    ),
    Mutation(
        "cli: the README's diagram is the real one",
        SRC + "cli/diagram.py",
        '("Internal" if internal else "Internet-facing")',
        '("Private" if internal else "Internet-facing")',
        ("tests/cli/test_diagram.py", "-k", "example"),
    ),
    Mutation(
        "estate: an internal load balancer admits only the allowed networks",
        SRC + "constructs/edge/load_balancer.py",
        "peers = [ec2.Peer.ipv4(c) for c in allowed_cidrs]",
        "peers = [ec2.Peer.any_ipv4()]",
        ("tests/constructs/network/test_network.py", "-k", "allowed_networks"),
    ),
    Mutation(
        "estate: the data stores use the data subnets of an existing VPC",
        SRC + "constructs/network/network.py",
        "isolated_subnet_ids=list(existing.data_subnet_ids or existing.private_subnet_ids)",
        "isolated_subnet_ids=list(existing.private_subnet_ids)",
        ("tests/constructs/network/test_network.py", "-k", "data_subnets"),
    ),
    Mutation(
        "estate: edge.mode internal needs an existing network",
        SRC + "config/rules.py",
        '    if cfg.network.existing is None:\n        yield ConfigIssue(\n            "edge.mode",',
        '    if False:\n        yield ConfigIssue(\n            "edge.mode",',
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "estate: ClickHouse starts before web and stops after it",
        SRC + "constructs/operations/office_hours.py",
        "lead=CLICKHOUSE_LEAD_MINUTES",
        "lead=0",
        ("tests/constructs/operations/test_office_hours.py", "-k", "clickhouse_starts"),
    ),
    Mutation(
        "estate: office hours are refused on a retaining environment",
        SRC + "config/rules.py",
        "if cfg.retains_data and not schedule.allow_with_retained_data:",
        "if False:",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "estate: the init API keys come from their JSON keys",
        SRC + "langfuse/contract.py",
        'rt.init_api_keys, "public_key"',
        'rt.init_api_keys, "secret_key"',
        ("tests/langfuse/test_contract.py", "-k", "headless"),
    ),
    Mutation(
        "estate: Cognito mails through SES",
        SRC + "constructs/login/cognito.py",
        "email=_ses_email(config.email) if config.email else None,",
        "email=None,",
        ("tests/langfuse/test_contract.py", "-k", "ses"),
    ),
    Mutation(
        "truth: smoke's health check makes Langfuse query PostgreSQL",
        SRC + "cli/smoke.py",
        'DATABASE_HEALTH = HEALTH_PATH + "?failIfDatabaseUnavailable=true"',
        "DATABASE_HEALTH = HEALTH_PATH",
        ("tests/cli/test_smoke.py", "-k", "database_down"),
    ),
    Mutation(
        "truth: smoke names a ClickHouse that web cannot query",
        SRC + "cli/smoke.py",
        'answered = status == 200 or (status == 503 and state.startswith("No "))',
        "answered = status in (200, 503)",
        ("tests/cli/test_smoke.py", "-k", "clickhouse"),
    ),
    Mutation(
        "truth: smoke of a default v4 goes over OTLP and the v2 observations API",
        SRC + "cli/smoke_ingestion.py",
        'return "otlp" if major == 4 and migration_mode == "none" else "legacy"',
        'return "legacy"',
        ("tests/cli/test_smoke.py", "-k", "yaml or fresh_v4"),
    ),
    Mutation(
        "truth: a 207 with a refused event fails smoke with Langfuse's reason",
        SRC + "cli/smoke_ingestion.py",
        "        if errors:\n            return _event_refused(errors[0])",
        "        if False:\n            return _event_refused(errors[0])",
        ("tests/cli/test_smoke.py", "-k", "not_the_keys"),
    ),
    Mutation(
        "truth: smoke says a missing stack is not deployed, not log in",
        SRC + "cli/smoke.py",
        'if error_code(error) == "ValidationError" and "does not exist" in str(error):',
        "if False:",
        ("tests/cli/test_smoke.py", "-k", "does_not_exist"),
    ),
    Mutation(
        "truth: only credential errors say log in",
        SRC + "cli/aws.py",
        'return f"AWS refused: {error}"',
        'return f"{error}\\n{NO_CREDENTIALS_HINT}"',
        ("tests/cli/test_smoke.py", "-k", "log_in"),
    ),
    Mutation(
        "truth: an unusable --ca-file is one line, not a traceback",
        SRC + "cli/smoke_http.py",
        'raise SmokeInputError(f"--ca-file {ca_file}: the file {problem}; {fix}")',
        "raise FileNotFoundError(ca_file)",
        ("tests/cli/test_smoke.py", "-k", "ca_file"),
    ),
    Mutation(
        "truth: CloudFront writes standard logs only where it can deliver them (not opt-in regions)",
        SRC + "constructs/edge/cloudfront.py",
        "    return region in LEGACY_LOG_REGIONS\n",
        "    return True\n",
        ("tests/constructs/edge/test_cloudfront.py", "-k", "opt_in and not deploys"),
    ),
    Mutation(
        "truth: an init user needs password login",
        SRC + "config/rules.py",
        '    if not cfg.auth.password_login:\n        yield ConfigIssue(\n            "langfuse.init.user_email",',
        '    if False:\n        yield ConfigIssue(\n            "langfuse.init.user_email",',
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "truth: an init user outside the SSO-enforced domains",
        SRC + "config/rules.py",
        "    if domain in cfg.auth.sso_enforced_domains:\n",
        "    if False:\n",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "truth: an unknown well-formed Aurora version is refused, not a traceback",
        SRC + "config/rules.py",
        'if PLAIN_VERSION.match(v) and v.split(".")[0] == major]',
        'if "." in v and v.split(".")[0] == major]',
        ("tests/config/test_config_errors.py", "tests/config/test_config_fuzz.py"),
    ),
    Mutation(
        "truth: a value in the wrong form is refused with its form and an example",
        SRC + "config/loader.py",
        '        form = expected_form(path, context.get("pattern"))\n',
        '        form = "see the field\'s description in the schema (make schema)"\n',
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "truth: type, range and length errors say how to write the value",
        SRC + "config/loader.py",
        "    message = value_fix(kind, given, context)\n",
        "    message = None\n",
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "truth: a bad URL is refused with its scheme and an example",
        SRC + "config/types.py",
        'f"not a valid URL ({reason}): use a URL starting with {form}, e.g. {example}"',
        'f"not a valid URL: {reason}"',
        ("tests/config/test_config_errors.py",),
    ),
    Mutation(
        "truth: no LANGFUSE_CSP_ENFORCE_HTTPS (read only at image build)",
        SRC + "langfuse/contract.py",
        '    env["KEEP_ALIVE_TIMEOUT"] = keep_alive_timeout_ms(idle_timeout_seconds)\n',
        '    env["KEEP_ALIVE_TIMEOUT"] = keep_alive_timeout_ms(idle_timeout_seconds)\n'
        '    env["LANGFUSE_CSP_ENFORCE_HTTPS"] = "true"\n',
        ("tests/langfuse/test_contract.py", "-k", "no_variable_that_only and example"),
    ),
    Mutation(
        "truth: a digest of an image through the cache is refused",
        SRC + "config/image_rules.py",
        "        if pin.digest and pin.registry in cached:\n",
        "        if False:\n",
        ("tests/constructs/compute/test_images.py", "-k", "reason"),
    ),
    Mutation(
        "truth: a Langfuse digest needs its registry named",
        SRC + "config/image_rules.py",
        "    if lf.web_digest or lf.worker_digest:\n",
        "    if False:\n",
        ("tests/constructs/compute/test_images.py", "-k", "langfuse_digest_needs"),
    ),
    Mutation(
        "truth: a Docker Hub-only cache needs the Langfuse registry named",
        SRC + "config/image_rules.py",
        '    elif cached == {"dockerhub"}:\n',
        "    elif False:\n",
        ("tests/constructs/compute/test_images.py", "-k", "docker_hub_only"),
    ),
    Mutation(
        "truth: the construct refuses a digest through the cache",
        SRC + "constructs/compute/images.py",
        "            if image.digest:\n                raise ValueError(",
        "            if False:\n                raise ValueError(",
        ("tests/constructs/compute/test_images.py", "-k", "construct_too"),
    ),
    Mutation(
        "truth: Langfuse comes from ghcr.io by default",
        SRC + "config/models.py",
        'registry: Literal["dockerhub", "ghcr"] = "ghcr"',
        'registry: Literal["dockerhub", "ghcr"] = "dockerhub"',
        ("tests/constructs/compute/test_images.py", "-k", "selectable"),
    ),
    Mutation(
        "truth: make plan and deploy use the environment's own deploy record",
        "Makefile",
        "DEPLOYED = $(DEPLOYED_DIR)/$(or $(ENV_NAME),",
        "DEPLOYED = $(DEPLOYED_DIR)/$(or $(ENV),",
        ("tests/test_plan_deployed.py", "-k", "record"),
    ),
    Mutation(
        "truth: make synth: a failed synth keeps the last good assembly",
        "Makefile",
        '@new="$(OUT).new.$$$$"; rm -rf "$$new";',
        '@new="$(OUT)"; rm -rf "$$new";',
        ("tests/test_makefile.py", "-k", "keeps_the_last"),
    ),
    Mutation(
        "truth: make diff passes only options the pinned CDK CLI accepts",
        "Makefile",
        "\t$(CDK) diff --no-notices --app $(OUT)\n",
        "\t$(CDK) diff --no-notices --app $(OUT) --all\n",
        ("tests/test_makefile.py", "-k", "pinned_cli"),
    ),
    Mutation(
        "truth: doctor's bootstrap fix names the environment as it was given",
        SRC + "cli/doctor.py",
        'f"langfuse-aws bootstrap {self.label}",',
        'f"langfuse-aws bootstrap {self.config.name}",',
        ("tests/cli/test_doctor.py", "-k", "config_path"),
    ),
    Mutation(
        "truth: cost refuses an unpriced region before synthesizing",
        SRC + "cli/app.py",
        "            cost_module.check_priced(target.config.region, where=str(target.path))\n",
        "            pass\n",
        ("tests/cli/test_cost.py", "-k", "unpriced"),
    ),
    Mutation(
        "truth: destroy then deploy again: the kept vault's name is unique to its deployment",
        SRC + "constructs/data/backup.py",
        "backup_vault_name=deployment_name(stack, stack.stack_name),",
        'backup_vault_name=f"{stack.stack_name}-vault",',
        ("tests/test_destroy.py", "-k", "deploy_again"),
    ),
    Mutation(
        "truth: no account-level CloudWatch Logs resource policy per environment",
        SRC + "constructs/operations/task_stops.py",
        "        cfn_group.resource_policy_document = delivery_policy(group_arn, rule.rule_arn)\n",
        "        cfn_group.resource_policy_document = delivery_policy(group_arn, rule.rule_arn)\n"
        '        logs.ResourcePolicy(self, "Delivery", policy_statements=[iam.PolicyStatement('
        'principals=[iam.ServicePrincipal("events.amazonaws.com")], '
        'actions=["logs:PutLogEvents"], resources=[group_arn])])\n',
        ("tests/constructs/operations/test_task_stops.py", "-k", "account_level"),
    ),
    Mutation(
        "truth: EventBridge's CreateLogStream is not conditioned on the rule (documented shape)",
        SRC + "constructs/operations/task_stops.py",
        '                actions=["logs:CreateLogStream"],\n'
        "                resources=[log_group_arn],\n            ),",
        '                actions=["logs:CreateLogStream"],\n'
        "                resources=[log_group_arn],\n"
        '                conditions={"ArnEquals": {"aws:SourceArn": rule_arn}},\n            ),',
        ("tests/constructs/operations/test_task_stops.py", "-k", "eventbridge_may_write"),
    ),
    Mutation(
        "truth: disposable deletes every log group",
        SRC + "constructs/data/protection.py",
        "            node.apply_removal_policy(RemovalPolicy.DESTROY)",
        "            pass",
        ("tests/test_stateful_resources.py", "-k", "disposable"),
    ),
    Mutation(
        "truth: a deploy or a scale-out is not a running-tasks alarm",
        SRC + "constructs/operations/monitoring.py",
        "RUNNING_TASKS_MISSING_MINUTES = 15",
        "RUNNING_TASKS_MISSING_MINUTES = 2",
        ("tests/constructs/operations/test_alarms.py", "-k", "deploys_are_quiet"),
    ),
    Mutation(
        "truth: a night without metrics is not an alarm",
        SRC + "constructs/operations/alarms.py",
        "        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,\n",
        "        treat_missing_data=cloudwatch.TreatMissingData.BREACHING,\n",
        ("tests/constructs/operations/test_alarms.py", "-k", "night and nothing"),
    ),
    Mutation(
        "truth: queue metrics follow the Langfuse release",
        SRC + "langfuse/metrics.py",
        "DEPTH_METRICS_SINCE = (3, 170, 0)",
        "DEPTH_METRICS_SINCE = (3, 0, 0)",
        ("tests/constructs/operations/test_monitoring.py", "-k", "v3_release"),
    ),
    Mutation(
        "truth: a retaining environment whose alarms reach nobody is warned",
        SRC + "alarm_destination.py",
        'warning = "WARNING: " if config.retains_data else ""',
        'warning = ""',
        ("tests/test_alarm_destination.py", "-k", "reach_nobody"),
    ),
    Mutation(
        "truth: doctor counts only confirmed subscribers",
        SRC + "cli/doctor.py",
        's["SubscriptionArn"].startswith("arn:")',
        "True",
        ("tests/test_alarm_destination.py", "-k", "doctor"),
    ),
    Mutation(
        "truth: a replaced certificate changes every reference to it",
        SRC + "constructs/edge/certificate.py",
        '    resource.override_logical_id(f"{id_}{replacement_fingerprint(resource)}")\n',
        "    resource.override_logical_id(id_)\n",
        ("tests/test_cross_stack_references.py", "-k", "replaced"),
    ),
    Mutation(
        "truth: a new validation zone changes the certificate references too",
        SRC + "constructs/edge/certificate.py",
        '    "domain_validation_options",\n',
        "",
        ("tests/test_cross_stack_references.py", "-k", "replaced"),
    ),
    Mutation(
        "secure by default: a public environment without an auth block gets Cognito, not open sign-up",
        SRC + "config/models.py",
        '    return {"cognito": {"self_signup": False}}\n',
        '    return {"password_login": True, "signup": "open", '
        '"allow_open_signup_with_retained_data": True}\n',
        ("tests/config/test_posture.py", "-k", "reachable and alb"),
    ),
    Mutation(
        "secure by default: auth.signup closed stops every new account (AUTH_DISABLE_SIGNUP)",
        SRC + "langfuse/auth_variables.py",
        '"AUTH_DISABLE_SIGNUP": str(auth.signup == "closed").lower(),',
        '"AUTH_DISABLE_SIGNUP": "false",',
        ("tests/config/test_posture.py", "-k", "switch or internal_or_plain"),
    ),
    Mutation(
        "secure by default: an identity provider turns password login off by default",
        SRC + "config/models.py",
        'filled = {"password_login": not sso, **data}',
        'filled = {"password_login": True, **data}',
        ("tests/config/test_posture.py", "-k", "turns_password_login_off or cloudfront_or_alb"),
    ),
    Mutation(
        "secure by default: open sign-up on a retaining environment is refused unless acknowledged",
        SRC + "config/rules.py",
        '    if auth.signup == "open" and cfg.retains_data and not auth.allow_open_signup_with_retained_data:\n',
        "    if False:\n",
        ("tests/config/test_posture.py", "-k", "acknowledgement"),
    ),
    Mutation(
        "secure by default: a retired signup: true/false says what to write now",
        SRC + "config/models.py",
        "        if isinstance(signup, bool):\n",
        "        if False:\n",
        ("tests/config/test_posture.py", "-k", "refusals"),
    ),
    Mutation(
        "secure by default: signup: sso with password login on is refused (it would be open sign-up)",
        SRC + "config/rules.py",
        '    if auth.signup == "sso" and auth.password_login:\n',
        "    if False:\n",
        ("tests/config/test_posture.py", "-k", "refusals"),
    ),
    Mutation(
        "secure by default: who can sign in names Cognito's admin-created users",
        SRC + "config/posture.py",
        '        own = "Cognito users created by an admin"\n',
        '        own = "Cognito users"\n',
        ("tests/config/test_posture.py", "-k", "who_can_sign_in"),
    ),
    Mutation(
        "secure by default: who can sign in names Google's allowed domains",
        SRC + "config/posture.py",
        "        if provider.allowed_domains:\n",
        "        if False:\n",
        ("tests/config/test_posture.py", "-k", "who_can_sign_in"),
    ),
    Mutation(
        "secure by default: doctor shows who can sign in",
        SRC + "cli/doctor.py",
        '        self.add("who can sign in", True, who_can_sign_in(self.config.auth))\n',
        "",
        ("tests/config/test_posture.py", "-k", "doctor"),
    ),
    Mutation(
        "secure by default: make synth prints who can sign in",
        "scripts/summarize.py",
        '"WhoCanSignIn", ',
        "",
        ("tests/config/test_posture.py", "-k", "deploy_output"),
    ),
    Mutation(
        "docs: the configuration reference lists every setting",
        "docs/configuration-reference.md",
        "| `network.flow_logs` | boolean | `true` | VPC flow logs to CloudWatch Logs. Default on. |\n",
        "",
        ("tests/config/test_config_reference.py",),
    ),
    Mutation(
        "docs: the configuration reference is written from the models",
        "scripts/write_config_reference.py",
        "            section.rows.append((setting, kind, default, description))",
        "            section.rows.append((setting, kind, default, description))"
        ' if kind != "boolean" else None',
        ("tests/config/test_config_reference.py", "-k", "current"),
    ),
    Mutation(
        "docs: a broken anchor fails the strict build",
        "mkdocs.yml",
        "  anchors: warn\n",
        "  anchors: info\n",
        ("tests/test_docs.py", "-k", "broken_link"),
    ),
    Mutation(
        "docs: a page left out of the navigation fails the build",
        "mkdocs.yml",
        "      - What it costs: cost.md\n",
        "",
        ("tests/test_docs.py",),
    ),
    Mutation(
        "docs: the README points to every page",
        "README.md",
        "| [What it costs](docs/cost.md) | the monthly estimate per environment, charges that grow,"
        " budget |\n",
        "",
        ("tests/test_docs.py", "-k", "every_page"),
    ),
    Mutation(
        "fast: the first set-up says what it downloads and how long it takes",
        "Makefile",
        '\t@echo "Set-up of $(VENV): the first run downloads about 200 MB of pinned Python packages',
        '\t@true "Set-up of $(VENV): the first run downloads about 200 MB of pinned Python packages',
        ("tests/test_setup.py", "-k", "how_long"),
    ),
    Mutation(
        "fast: set-up installs exactly the pinned versions (constraints.txt)",
        "Makefile",
        "$(UV) pip install --python $(PY) -c constraints.txt -e '.[dev]'",
        "$(UV) pip install --python $(PY) -e '.[dev]'",
        ("tests/test_setup.py", "-k", "pins"),
    ),
    Mutation(
        "fast: set-up bootstraps uv from PyPI at a pinned version",
        "Makefile",
        "'uv==$(UV_VERSION)'",
        "uv",
        ("tests/test_setup.py", "-k", "pins"),
    ),
    Mutation(
        "fast: set-up leaves bytecode that Python loads",
        "scripts/compile_bytecode.py",
        "py_compile.compile(path, doraise=True)",
        "py_compile.compile(path, doraise=True, "
        "invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)",
        ("tests/test_setup.py", "-k", "python_loads"),
    ),
    Mutation(
        "front door: the CDK CLI is the exact pinned version, installed once",
        SRC + "cli/cdk_cli.py",
        '        f"aws-cdk@{version}",\n',
        '        f"aws-cdk@^{version}",\n',
        ("tests/cli/test_cdk_cli.py",),
    ),
    Mutation(
        "front door: a plain synth runs no validators",
        SRC + "cli/target.py",
        '    if validate:\n        command += ["-c", "validate=true"]\n',
        '    if True:\n        command += ["-c", "validate=true"]\n',
        ("tests/cli/test_lifecycle.py", "-k", "validators"),
    ),
    Mutation(
        "front door: deploy validates the exact assembly",
        SRC + "cli/lifecycle.py",
        "    if not is_validated(target.assembly):  # validators once per assembly content\n",
        "    if False:\n",
        ("tests/cli/test_lifecycle.py", "-k", "validators"),
    ),
    Mutation(
        "front door: deploy refuses data loss unless allowed",
        SRC + "cli/lifecycle.py",
        " and not allow_data_loss:",
        " and False:",
        ("tests/cli/test_lifecycle.py", "-k", "data_loss"),
    ),
    Mutation(
        "front door: a failed synth keeps the last good assembly",
        SRC + "cli/target.py",
        "    shutil.rmtree(new, ignore_errors=True)\n",
        "    shutil.rmtree(state.assembly, ignore_errors=True)\n    shutil.rmtree(new, ignore_errors=True)\n",
        ("tests/cli/test_lifecycle.py", "-k", "failed_synth"),
    ),
    Mutation(
        "front door: names resolve in the current directory, not the source tree",
        SRC + "cli/target.py",
        "    here = cwd or Path.cwd()\n    candidates",
        "    here = Path(__file__).resolve().parents[3]\n    candidates",
        ("tests/cli/test_state.py", "-k", "source_tree"),
    ),
    Mutation(
        "front door: each environment keeps its own state",
        SRC + "cli/state.py",
        "    return EnvironmentState(base / name)",
        "    return EnvironmentState(base)",
        ("tests/cli/test_state.py", "-k", "own_state"),
    ),
    Mutation(
        "front door: an assembly is reused only for the same config and package version",
        SRC + "cli/state.py",
        "    return bool(recorded == built_from(config_path))",
        "    return True",
        ("tests/cli/test_state.py", "-k", "fresh or changed"),
    ),
    Mutation(
        "front door: cost and diagram reuse a fresh assembly",
        SRC + "cli/target.py",
        "    if is_fresh(state, target.path):\n",
        "    if False:\n",
        ("tests/cli/test_state.py", "-k", "reuse"),
    ),
    Mutation(
        "front door: init validates what it writes",
        SRC + "cli/init_command.py",
        "        parse_config(text, str(path))\n",
        "        pass\n",
        ("tests/cli/test_init.py", "-k", "bad_or_missing"),
    ),
    Mutation(
        "front door: the wheel ships the price table",
        "pyproject.toml",
        '"cli/*.json"',
        '"cli/*.md"',
        ("tests/test_wheel.py",),
    ),
    Mutation(
        "validators: CloudFormation validation runs with the others",
        SRC + "compliance/checks.py",
        "        plugins.append(CloudFormationValidatePlugin())\n",
        "        pass\n",
        ("tests/test_validators.py", "-k", "each_validators_finding"),
    ),
    Mutation(
        "validators: validate=false runs none",
        SRC + "compliance/validators.py",
        '    if text in ("", "false"):\n        return ()\n',
        '    if text in ("", "false"):\n        return VALIDATORS\n',
        ("tests/test_validators.py", "-k", "context_forms"),
    ),
    Mutation(
        "validators: a re-synth of the same config keeps its validation record",
        SRC + "validated_assembly.py",
        "        or name.endswith(NOT_DEPLOYED_SUFFIX)\n",
        "        or False\n",
        ("tests/test_validators.py", "-k", "resynth"),
    ),
    Mutation(
        "validators: make deploy validates once per assembly",
        "Makefile",
        "\t@$(PY) scripts/validated.py check $(OUT) || $(MAKE) --no-print-directory synth VALIDATE=true\n",
        "\t@$(MAKE) --no-print-directory synth VALIDATE=true\n",
        ("tests/test_validators.py", "-k", "validates_once"),
    ),
    Mutation(
        "front door: deploy skips the validators for content that passed them",
        SRC + "cli/target.py",
        "    elif state.assembly.exists():\n        carry_record(state.assembly, new)\n",
        "",
        ("tests/cli/test_lifecycle.py", "-k", "content_once"),
    ),
    Mutation(
        "fast: make test-fast leaves out every test that needs a synthesized environment",
        "tests/conftest.py",
        "            item.add_marker(SLOW)\n",
        "            pass\n",
        ("tests/test_markers.py",),
    ),
    Mutation(
        "fast: a test that reaches synthesized() without the slow mark fails and says to add it",
        "tests/conftest.py",
        "    if _RUNNING and _RUNNING[-1].get_closest_marker(SLOW) is None:\n",
        "    if False:\n",
        ("tests/test_markers.py",),
    ),
]


def run(mutation: Mutation) -> tuple[bool, float]:
    """Apply ``mutation``, run its tests, restore; True when the tests failed (killed)."""
    path = REPO / mutation.path
    original = path.read_text()
    if original.count(mutation.old) != 1:
        raise SystemExit(f"{mutation.path}: snippet for '{mutation.claim}' not found exactly once")
    started = time.monotonic()
    try:
        path.write_text(original.replace(mutation.old, mutation.new))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation.tests],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(original)
    if result.returncode in (4, 5):
        raise SystemExit(f"'{mutation.claim}': no tests ran ({' '.join(mutation.tests)})")
    return result.returncode != 0, time.monotonic() - started


def main(argv: list[str]) -> int:
    """Run the selected mutations; exit 1 when any survives."""
    selected = [m for m in MUTATIONS if len(argv) < 2 or argv[1] in m.claim]
    survived = []
    for mutation in selected:
        killed, seconds = run(mutation)
        print(f"{'killed  ' if killed else 'SURVIVED'} {seconds:5.0f} s  {mutation.claim}")
        if not killed:
            survived.append(mutation.claim)
    print(f"{len(selected) - len(survived)}/{len(selected)} mutations killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
