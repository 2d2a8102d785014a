"""The main stack of one environment, in its target region."""

from __future__ import annotations

from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2

from constructs import Construct

from ..config.models import EnvironmentConfig
from ..constructs.compute.cluster import ServiceCluster, namespace_name
from ..constructs.compute.images import ImageSource
from ..constructs.compute.langfuse_service import LangfuseServicesProps, langfuse_services
from ..constructs.data.backup import Backups
from ..constructs.data.buckets import LogBucket
from ..constructs.data.cache import Cache
from ..constructs.data.clickhouse import ClickHouseServerProps, clickhouse_for
from ..constructs.data.database import DATABASE_NAME, Database
from ..constructs.data.protection import retention_days
from ..constructs.data.secrets import AppSecrets, langfuse_setting_secrets
from ..constructs.data.storage import Storage
from ..constructs.edge.edge import Edge, EdgeProps
from ..constructs.login.login import LoginProps, wire_login
from ..constructs.network.network import Network
from ..constructs.operations.budget import CostBudget
from ..constructs.operations.monitoring import (
    ClickHouseWatch,
    MonitoredService,
    Monitoring,
    MonitoringProps,
)
from ..constructs.operations.office_hours import OfficeHours, ScheduledService
from ..langfuse import contract, metrics
from .global_stack import cognito_domain_name, web_acl_props
from .outputs import add_alarm_destination, add_outputs


class LangfuseStack(Stack):
    """Network, data stores, ClickHouse, Langfuse web and worker, and the edge."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        cloudfront_certificate: acm.ICertificate | None = None,
        cognito_certificate: acm.ICertificate | None = None,
        cloudfront_web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id_,
            env=Environment(account=config.account, region=config.region),
            cross_region_references=bool(
                cloudfront_certificate or cognito_certificate or cloudfront_web_acl_arn
            ),
            description=f"Langfuse {config.name}: self-hosted Langfuse {config.langfuse.version}",
            termination_protection=config.retains_data,
        )
        self.config = config
        retain = config.retains_data
        retention = retention_days(config.logs.retention_days)

        network = Network(self, "Network", config=config.network, log_retention=retention)
        vpc = network.vpc
        access_logs = LogBucket(self, "AccessLogs", retain=retain)
        # The data bucket logs into a bucket of its own: its CORS rule names the CloudFront
        # URL, and CloudFront (through the load balancer's access logs) already depends on the
        # shared log bucket's policy, which would otherwise name the data bucket: a cycle.
        data_access_logs = LogBucket(self, "DataAccessLogs", retain=retain)
        storage = Storage(
            self,
            "Storage",
            config=config.storage,
            retain=retain,
            access_logs=data_access_logs.bucket,
        )
        secrets = AppSecrets(self, "Secrets", retain=retain)
        database = Database(
            self,
            "Database",
            vpc=vpc,
            config=config.database,
            retain=retain,
            log_retention=retention,
        )
        cache = Cache(self, "Cache", vpc=vpc, config=config.cache, retain=retain)
        cluster = ServiceCluster(
            self,
            "Compute",
            vpc=vpc,
            namespace=namespace_name(config.name, shared_vpc=config.network.existing is not None),
        )
        images = ImageSource(
            self, "Images", environment_name=config.name, cache=config.registry_cache
        )
        clickhouse_server, clickhouse = clickhouse_for(
            self,
            config.clickhouse,
            ClickHouseServerProps(
                cluster=cluster,
                images=images,
                retain=retain,
                backed_up=config.backup.enabled,
                log_retention=retention,
            ),
        )
        if config.backup.enabled:
            Backups(
                self,
                "Backup",
                config=config.backup,
                database=database.cluster,
                file_system=clickhouse_server.file_system if clickhouse_server else None,
                retain=retain,
            )

        edge = Edge(
            self,
            "Edge",
            props=EdgeProps(
                edge=config.edge,
                web_acl=web_acl_props(config),
                vpc=vpc,
                access_logs=access_logs.bucket,
                target_port=contract.WEB_PORT,
                health_path=contract.WEB_HEALTH_PATH,
                cloudfront_certificate=cloudfront_certificate,
                cloudfront_web_acl_arn=cloudfront_web_acl_arn,
            ),
        )
        self.public_url = edge.public_url
        self.distribution = edge.distribution
        storage.allow_browser_uploads(self.public_url)
        login = wire_login(
            self,
            LoginProps(
                auth=config.auth,
                environment_name=config.name,
                public_url=self.public_url,
                retain=retain,
                log_retention=retention,
                custom_domain_name=cognito_domain_name(config),
                cognito_certificate=cognito_certificate,
                zone=edge.zone,
                app_record=edge.app_record,
            ),
        )
        self.cognito = login.cognito

        runtime = contract.LangfuseRuntime(
            public_url=self.public_url,
            region=self.region,
            bucket_name=storage.bucket.bucket_name,
            database_secret=database.client_secret,
            database_name=DATABASE_NAME,
            redis_host=cache.host,
            redis_port=cache.port,
            redis_auth=cache.auth_token,
            clickhouse=clickhouse,
            nextauth_secret=secrets.nextauth_secret,
            salt=secrets.salt,
            encryption_key=secrets.encryption_key,
            auth_environment=login.environment,
            auth_secrets=login.secrets,
            **langfuse_setting_secrets(self, config.langfuse.email, config.langfuse.init),
        )
        lf = config.langfuse
        services = langfuse_services(
            self,
            LangfuseServicesProps(
                langfuse=lf,
                runtime=runtime,
                cluster=cluster,
                images=images,
                log_retention=retention,
                idle_timeout_seconds=config.edge.idle_timeout_seconds,
                publishes_queue_metrics=config.monitoring.publishes_queue_metrics,
            ),
        )
        self.web, self.worker = services.web, services.worker
        # Web runs the Postgres and ClickHouse migrations at start and exits when they fail:
        # it starts only once the database writer and ClickHouse run.
        self.web.service.node.add_dependency(database.writer)
        if clickhouse_server is not None:
            self.web.service.node.add_dependency(clickhouse_server.service)
        load_balancer = edge.load_balancer
        self.web.service.attach_to_application_target_group(load_balancer.target_group)
        load_balancer.security_group.connections.allow_to(
            self.web.connections, ec2.Port.tcp(contract.WEB_PORT), "Load balancer to Langfuse web"
        )
        for service in (self.web, self.worker):
            storage.grant_langfuse_access(service.task_definition.task_role)
            database.connections.allow_default_port_from(service.connections, "Langfuse to Aurora")
            cache.connections.allow_default_port_from(service.connections, "Langfuse to Valkey")
        if clickhouse_server is not None:
            clickhouse_server.allow_clients(self.web.connections, self.worker.connections)

        if config.schedule is not None:
            OfficeHours(
                self,
                "OfficeHours",
                schedule=config.schedule,
                services=[
                    ScheduledService("Web", self.web.scaling, lf.web.min_tasks, lf.web.max_tasks),
                    ScheduledService(
                        "Worker", self.worker.scaling, lf.worker.min_tasks, lf.worker.max_tasks
                    ),
                ],
                clickhouse=clickhouse_server.service if clickhouse_server else None,
            )

        if config.monitoring.enabled:
            watched = [
                MonitoredService("Web", self.web.service),
                MonitoredService("Worker", self.worker.service),
            ]
            if clickhouse_server is not None:
                watched.append(MonitoredService("ClickHouse", clickhouse_server.service))
            if config.monitoring.publishes_queue_metrics:
                self.worker.allow_metric_publishing(metrics.NAMESPACE)
                self.worker.scale_out_on_backlog(
                    metrics.ingestion_backlog(Duration.minutes(1), lf.version)
                )
            Monitoring(
                self,
                "Monitoring",
                props=MonitoringProps(
                    environment_name=config.name,
                    config=config.monitoring,
                    services=watched,
                    target_group=load_balancer.target_group,
                    database=database.cluster,
                    database_max_acu=config.database.max_acu,
                    # ElastiCache reports per node; the primary of the group is node 001.
                    cache_primary_node_id=f"{cache.replication_group.ref}-001",
                    langfuse_version=lf.version,
                    log_retention=retention,
                    clickhouse=ClickHouseWatch(
                        clickhouse_server.service, clickhouse_server.file_system
                    )
                    if clickhouse_server
                    else None,
                    nat_instances=network.nat_instances,
                    regional_web_acl_metric=edge.regional_web_acl.metric_name
                    if edge.regional_web_acl
                    else None,
                    region=config.region,
                ),
            )
        if config.budget is not None:
            CostBudget(self, "Budget", environment_name=config.name, config=config.budget)

        add_outputs(
            self,
            public_url=self.public_url,
            auth=config.auth,
            cognito=self.cognito,
            web_log_group_name=self.web.log_group.log_group_name,
            cluster_name=cluster.cluster.cluster_name,
        )
        add_alarm_destination(self, config)

    @property
    def availability_zones(self) -> list[str]:
        """The zones from the YAML, so that synth never looks them up in the account.

        ``ec2.Vpc`` checks configured zones against this list; CDK's default answers it with a
        context lookup, which needs AWS credentials once an account is set. Without an account
        and zone list the stack is environment-agnostic and CDK's own answer (Fn::GetAZs) is
        used.
        """
        network = self.config.network
        zones = (
            network.existing.availability_zones if network.existing else network.availability_zones
        )
        return list(zones) if zones else list(super().availability_zones)
