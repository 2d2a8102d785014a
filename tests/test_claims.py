"""The README's "What gets deployed" and data claims, each checked on the synthesized templates.

Each test names the README claim it guards; scripts/mutate.py breaks each one in the code and
expects the test to fail.
"""

from __future__ import annotations

from typing import Any

from synth import SynthesizedEnvironment, role_statements


def only(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    (item,) = resources.items()
    return item


def service(env: SynthesizedEnvironment, prefix: str) -> dict[str, Any]:
    (found,) = [v for k, v in env.resources("AWS::ECS::Service").items() if k.startswith(prefix)]
    properties: dict[str, Any] = found["Properties"]
    return properties


def test_valkey_never_evicts_queue_jobs(any_env: SynthesizedEnvironment) -> None:
    """README: Valkey `maxmemory-policy noeviction`, TLS required, encrypted at rest."""
    group_id, group = only(any_env.resources("AWS::ElastiCache::ParameterGroup"))
    assert group["Properties"]["Properties"]["maxmemory-policy"] == "noeviction"
    _, replication = only(any_env.resources("AWS::ElastiCache::ReplicationGroup"))
    props = replication["Properties"]
    assert props["CacheParameterGroupName"] == {"Ref": group_id}  # attached, not just created
    assert props["TransitEncryptionEnabled"] is True
    assert props["AtRestEncryptionEnabled"] is True
    assert props["Engine"] == "valkey"


def test_clickhouse_never_runs_two_writers_and_never_on_spot(
    any_env: SynthesizedEnvironment,
) -> None:
    """README: ClickHouse never Spot, never two writers (0 %/100 %; on EC2 one instance,
    replaced old first: MinInstancesInService 0, MaxBatchSize 1, CloudFormation User Guide,
    "UpdatePolicy attribute")."""
    mode = any_env.config.clickhouse.mode
    if mode != "fargate":
        assert not [k for k in any_env.resources("AWS::ECS::Service") if k.startswith("ClickHouse")]
    if mode == "ec2":
        (group,) = any_env.resources("AWS::AutoScaling::AutoScalingGroup").values()
        assert (group["Properties"]["MinSize"], group["Properties"]["MaxSize"]) == ("1", "1")
        assert "MixedInstancesPolicy" not in group["Properties"]
        rolling = group["UpdatePolicy"]["AutoScalingRollingUpdate"]
        assert (rolling["MinInstancesInService"], rolling["MaxBatchSize"]) == (0, 1)
        (template,) = any_env.resources("AWS::EC2::LaunchTemplate").values()
        assert "InstanceMarketOptions" not in template["Properties"]["LaunchTemplateData"]
    if mode == "fargate":
        props = service(any_env, "ClickHouseService")
        assert props["DesiredCount"] == 1
        deployment = props["DeploymentConfiguration"]
        assert deployment["MaximumPercent"] == 100
        assert deployment["MinimumHealthyPercent"] == 0
        providers = {p["CapacityProvider"] for p in props["CapacityProviderStrategy"]}
        assert providers == {"FARGATE"}


def test_external_clickhouse_creates_no_server_storage_or_backup_of_it(
    alb_domain: SynthesizedEnvironment,
) -> None:
    """README: with `mode: external` no server, file system or backup of it is created."""
    assert alb_domain.config.clickhouse.mode == "external"
    assert not [k for k in alb_domain.resources("AWS::ECS::Service") if k.startswith("ClickHouse")]
    assert not alb_domain.resources("AWS::EFS::FileSystem")
    (selection,) = alb_domain.resources("AWS::Backup::BackupSelection").values()
    (backed_up,) = selection["Properties"]["BackupSelection"]["Resources"]
    assert ":cluster:" in str(backed_up)  # Aurora only


def test_every_service_rolls_back_a_failed_deployment(any_env: SynthesizedEnvironment) -> None:
    """README: circuit breaker with rollback (web, worker and ClickHouse)."""
    services = any_env.resources("AWS::ECS::Service")
    assert services
    for logical_id, resource in services.items():
        breaker = resource["Properties"]["DeploymentConfiguration"]["DeploymentCircuitBreaker"]
        assert breaker == {"Enable": True, "Rollback": True}, logical_id


def test_every_task_runs_on_arm64_linux(any_env: SynthesizedEnvironment) -> None:
    """README: Langfuse web and worker (and ClickHouse) on Fargate ARM64."""
    tasks = any_env.resources("AWS::ECS::TaskDefinition")
    expected_tasks = 3 if any_env.config.clickhouse.mode == "fargate" else 2
    assert len(tasks) == expected_tasks
    for logical_id, task in tasks.items():
        assert task["Properties"]["RuntimePlatform"] == {
            "CpuArchitecture": "ARM64",
            "OperatingSystemFamily": "LINUX",
        }, logical_id
        assert task["Properties"]["RequiresCompatibilities"] == ["FARGATE"], logical_id


def test_spot_only_where_the_yaml_asks(any_env: SynthesizedEnvironment) -> None:
    """README: Spot only where the YAML asks, and then it really runs there: ECS places a
    strategy's base first, so a single task keeps no FARGATE base; two or more keep one."""
    for name in ("Web", "Worker"):
        strategy = service(any_env, f"{name}Service")["CapacityProviderStrategy"]
        size = getattr(any_env.config.langfuse, name.lower())
        providers = {p["CapacityProvider"] for p in strategy}
        assert ("FARGATE_SPOT" in providers) is size.spot, name
        if size.spot and size.min_tasks == 1:
            assert strategy == [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}], name
        elif size.spot:
            on_demand = [p for p in strategy if p["CapacityProvider"] == "FARGATE"]
            assert on_demand == [{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1}], name


def test_aurora_refuses_plain_connections(any_env: SynthesizedEnvironment) -> None:
    """README: Aurora with `rds.force_ssl`, encrypted."""
    group_id, group = only(any_env.resources("AWS::RDS::DBClusterParameterGroup"))
    assert group["Properties"]["Parameters"]["rds.force_ssl"] == "1"
    _, cluster = only(any_env.resources("AWS::RDS::DBCluster"))
    assert cluster["Properties"]["DBClusterParameterGroupName"] == {"Ref": group_id}
    assert cluster["Properties"]["StorageEncrypted"] is True


def test_internet_facing_alb_speaks_tls12_plus_and_redirects_http(
    alb_domain: SynthesizedEnvironment,
) -> None:
    """README: an internet-facing ALB with TLS 1.2+ and HTTP→HTTPS."""
    listeners = {
        v["Properties"]["Port"]: v["Properties"]
        for v in alb_domain.resources("AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert listeners[443]["Protocol"] == "HTTPS"
    assert listeners[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    (action,) = listeners[80]["DefaultActions"]
    assert action["Type"] == "redirect"
    assert action["RedirectConfig"] == {
        "Protocol": "HTTPS",
        "Port": "443",
        "StatusCode": "HTTP_301",
    }


def data_bucket(env: SynthesizedEnvironment) -> dict[str, Any]:
    (bucket,) = [
        v for k, v in env.resources("AWS::S3::Bucket").items() if k.startswith("StorageBucket")
    ]
    properties: dict[str, Any] = bucket["Properties"]
    return properties


def test_media_never_expires_and_events_only_where_configured(
    any_env: SynthesizedEnvironment,
) -> None:
    """README: events may expire, media never does."""
    rules = data_bucket(any_env)["LifecycleConfiguration"]["Rules"]
    expiring = [r for r in rules if "ExpirationInDays" in r or "ExpirationDate" in r]
    for rule in expiring:
        assert rule.get("Prefix") == "events/", rule  # never all objects, never media/
    expected = any_env.config.storage.events_expiry_days
    assert [r["ExpirationInDays"] for r in expiring] == ([expected] if expected else [])
    assert data_bucket(any_env)["VersioningConfiguration"] == {"Status": "Enabled"}


def test_task_roles_are_limited_to_the_langfuse_prefixes(any_env: SynthesizedEnvironment) -> None:
    """README: task roles limited to `events/` `media/` `exports/`."""
    for name in ("Web", "Worker"):
        statements = role_statements(any_env, name, "TaskRoleArn")
        listing = [s for s in statements if s["Action"] == "s3:ListBucket"]
        assert len(listing) == 1, name
        assert listing[0]["Condition"] == {
            "StringLike": {"s3:prefix": ["events/*", "media/*", "exports/*"]}
        }
        for statement in statements:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            if any(a.startswith("s3:") and a != "s3:ListBucket" for a in actions):
                resources = (
                    statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]]
                )
                suffixes = {r["Fn::Join"][1][-1] for r in resources}
                assert suffixes <= {"/events/*", "/media/*", "/exports/*"}, suffixes


def test_cognito_signs_out_to_langfuse(any_env: SynthesizedEnvironment) -> None:
    """Cognito's sign-out redirects only to the Langfuse URL (NEXTAUTH_URL)."""
    clients = any_env.resources("AWS::Cognito::UserPoolClient")
    if any_env.config.auth.cognito is None:
        assert clients == {}
    else:
        _, client = only(clients)
        web = [
            v
            for k, v in any_env.resources("AWS::ECS::TaskDefinition").items()
            if k.startswith("WebTask")
        ]
        (container,) = web[0]["Properties"]["ContainerDefinitions"]
        url = {e["Name"]: e["Value"] for e in container["Environment"]}["NEXTAUTH_URL"]
        assert client["Properties"]["LogoutURLs"] == [url]
