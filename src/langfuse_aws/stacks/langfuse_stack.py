"""The main stack of one environment, in its target region."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from ..auth.login import LoginProps, wire_login
from ..auth.providers import callback_path
from ..config.models import ClickHouseFargateConfig, EnvironmentConfig
from ..constructs.app_secrets import AppSecrets
from ..constructs.backup import Backups
from ..constructs.budget import CostBudget
from ..constructs.cache import Cache
from ..constructs.clickhouse import ClickHouseEndpoint, ClickHouseServer, external_clickhouse
from ..constructs.cluster import ServiceCluster, namespace_name
from ..constructs.database import DATABASE_NAME, Database
from ..constructs.edge import Edge, EdgeProps
from ..constructs.images import ImageSource
from ..constructs.langfuse_service import LangfuseService, LangfuseServiceProps
from ..constructs.log_retention import retention_days
from ..constructs.monitoring import (
    ClickHouseWatch,
    MonitoredService,
    Monitoring,
    MonitoringProps,
)
from ..constructs.network import Network
from ..constructs.office_hours import OfficeHours, ScheduledService
from ..constructs.secret_refs import import_secret
from ..constructs.storage import LogBucket, Storage
from ..langfuse import contract, metrics
from .global_stack import cognito_domain_name, web_acl_props


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

        clickhouse_server: ClickHouseServer | None = None
        if isinstance(config.clickhouse, ClickHouseFargateConfig):
            clickhouse_server = ClickHouseServer(
                self,
                "ClickHouse",
                cluster=cluster,
                config=config.clickhouse,
                images=images,
                retain=retain,
                backed_up=config.backup.enabled,
                log_retention=retention,
            )
            clickhouse: ClickHouseEndpoint = clickhouse_server.endpoint
        else:
            clickhouse = external_clickhouse(self, config.clickhouse)

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
                config=config,
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
            clickhouse_url=clickhouse.url,
            clickhouse_migration_url=clickhouse.migration_url,
            clickhouse_user=clickhouse.user,
            clickhouse_password=clickhouse.password,
            clickhouse_cluster_enabled=clickhouse.cluster_enabled,
            clickhouse_migration_ssl=clickhouse.migration_ssl,
            nextauth_secret=secrets.nextauth_secret,
            salt=secrets.salt,
            encryption_key=secrets.encryption_key,
            auth_environment=login.environment,
            auth_secrets=login.secrets,
            **self._optional_secrets(),
        )
        lf = config.langfuse
        self.web = LangfuseService(
            self,
            "Web",
            props=LangfuseServiceProps(
                cluster=cluster,
                image=contract.web_image(config),
                images=images,
                size=lf.web,
                port=contract.WEB_PORT,
                health_path=contract.WEB_HEALTH_PATH,
                environment=contract.web_environment(config, runtime),
                secrets=contract.web_secrets(runtime),
                enable_exec=lf.enable_exec,
                log_retention=retention,
                health_check_grace=Duration.seconds(lf.health_check_grace_seconds),
            ),
        )
        self.worker = LangfuseService(
            self,
            "Worker",
            props=LangfuseServiceProps(
                cluster=cluster,
                image=contract.worker_image(config),
                images=images,
                size=lf.worker,
                port=contract.WORKER_PORT,
                health_path=contract.WORKER_HEALTH_PATH,
                environment=contract.worker_environment(config, runtime),
                secrets=contract.worker_secrets(runtime),
                enable_exec=lf.enable_exec,
                log_retention=retention,
            ),
        )
        # Web runs the Postgres and ClickHouse migrations at start and exits when they fail:
        # it starts only once the database writer and ClickHouse run. The worker follows web.
        self.web.service.node.add_dependency(database.writer)
        if clickhouse_server is not None:
            self.web.service.node.add_dependency(clickhouse_server.service)
        self.worker.service.node.add_dependency(self.web.service)
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
                self.worker.scale_out_on_backlog(metrics.ingestion_backlog(Duration.minutes(1)))
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

        self._outputs(cluster)

    def _optional_secrets(self) -> dict[str, secretsmanager.ISecret]:
        """Existing secrets the YAML names for Langfuse's e-mail and headless first start."""
        lf = self.config.langfuse
        found: dict[str, secretsmanager.ISecret] = {}
        if lf.email is not None:
            found["smtp_url"] = import_secret(self, "SmtpUrl", lf.email.smtp_url_secret)
        if lf.init is not None and lf.init.api_keys_secret:
            found["init_api_keys"] = import_secret(self, "InitApiKeys", lf.init.api_keys_secret)
        if lf.init is not None and lf.init.user_password_secret:
            found["init_user_password"] = import_secret(
                self, "InitUserPassword", lf.init.user_password_secret
            )
        return found

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

    def _outputs(self, cluster: ServiceCluster) -> None:
        CfnOutput(self, "LangfuseUrl", value=self.public_url, description="Open Langfuse here")
        auth = self.config.auth
        modes = (["cognito"] if auth.cognito else []) + [p.type for p in auth.providers]
        if auth.password_login:
            modes.append("password")
        CfnOutput(self, "AuthMode", value=" + ".join(modes), description="Ways to log in")
        CfnOutput(
            self,
            "LoginUrl",
            value=f"{self.public_url}/auth/sign-in",
            description="Langfuse sign-in page",
        )
        for provider in auth.providers:
            CfnOutput(
                self,
                f"CallbackUrl{provider.type.title().replace('-', '')}",
                value=f"{self.public_url}{callback_path(provider.type)}",
                description=f"Register this redirect URI at {provider.type}",
            )
        if self.cognito is not None:
            pool_id = self.cognito.user_pool.user_pool_id
            CfnOutput(self, "UserPoolId", value=pool_id, description="Cognito user pool")
            CfnOutput(self, "CognitoCallbackUrl", value=self.cognito.callback_url)
            CfnOutput(
                self,
                "CognitoLoginUrl",
                value=self.cognito.login_url,
                description="Cognito managed login page",
            )
            CfnOutput(
                self,
                "CreateUserCommand",
                value=(
                    f"aws cognito-idp admin-create-user --region {self.region} --user-pool-id "
                    f"{pool_id} --username you@example.com --user-attributes "
                    "Name=email,Value=you@example.com Name=email_verified,Value=true"
                ),
                description="Creates the first user (Cognito emails a temporary password)",
            )
        CfnOutput(
            self,
            "HealthCheckCommand",
            value=f"curl -fsS {self.public_url}{contract.WEB_HEALTH_PATH}",
            description="Checks that Langfuse web answers",
        )
        CfnOutput(
            self,
            "WebLogsCommand",
            value=(
                f"aws logs tail {self.web.log_group.log_group_name} --follow --region {self.region}"
            ),
            description="Follows the web container logs",
        )
        CfnOutput(
            self,
            "ClusterName",
            value=cluster.cluster.cluster_name,
            description="ECS cluster (aws ecs list-services --cluster <name>)",
        )
