"""The main stack of one environment, in its target region: a wiring diagram.

Each step is a builder of ``stacks/main/`` that translates its part of the config into
construct props and creates the constructs directly under this stack, so that every logical
id stays what it was deployed with.
"""

from __future__ import annotations

from aws_cdk import Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

from ..config.models import EnvironmentConfig
from .main.clickhouse import build_clickhouse, build_clickhouse_backups
from .main.data_stores import build_backups, build_data_stores, build_network
from .main.edge import build_edge
from .main.login import build_login
from .main.operations import build_budget, build_monitoring, build_office_hours
from .main.services import LangfuseWiring, build_compute, build_langfuse, connect_langfuse
from .outputs import add_alarm_destination, add_clickhouse_backup_bucket, add_outputs
from .props import data_protection


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
        protection = data_protection(config)

        network = build_network(self, config.network, protection)
        stores = build_data_stores(self, config, network.vpc, protection)
        cluster, images = build_compute(self, config, network.vpc)
        clickhouse = build_clickhouse(
            self, config, cluster=cluster, images=images, protection=protection
        )
        build_backups(self, config, stores.database, clickhouse.backed_up_file_systems, protection)

        edge = build_edge(
            self,
            config,
            vpc=network.vpc,
            access_logs=stores.access_logs.bucket,
            cloudfront_certificate=cloudfront_certificate,
            cloudfront_web_acl_arn=cloudfront_web_acl_arn,
        )
        self.public_url = edge.public_url
        self.distribution = edge.distribution
        stores.storage.allow_browser_uploads(self.public_url)
        login = build_login(
            self, config, edge=edge, cognito_certificate=cognito_certificate, protection=protection
        )
        self.cognito = login.cognito

        services = build_langfuse(
            self,
            config,
            LangfuseWiring(
                public_url=self.public_url,
                stores=stores,
                clickhouse=clickhouse,
                login=login,
                cluster=cluster,
                images=images,
                protection=protection,
            ),
        )
        self.web, self.worker = services.web, services.worker
        connect_langfuse(
            services, stores=stores, clickhouse=clickhouse, load_balancer=edge.load_balancer
        )

        build_office_hours(self, config, services, clickhouse)
        alarm_topic = build_monitoring(
            self,
            config,
            services=services,
            clickhouse=clickhouse,
            stores=stores,
            network=network,
            edge=edge,
            protection=protection,
        )
        clickhouse_backups = build_clickhouse_backups(
            self,
            config,
            clickhouse,
            access_logs=stores.access_logs.bucket,
            alarm_topic=alarm_topic,
            protection=protection,
        )
        build_budget(self, config)
        add_outputs(
            self,
            public_url=self.public_url,
            auth=config.auth,
            cognito=self.cognito,
            web_log_group_name=self.web.log_group.log_group_name,
            cluster_name=cluster.cluster.cluster_name,
        )
        add_clickhouse_backup_bucket(
            self, clickhouse_backups.bucket.bucket_name if clickhouse_backups else None
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
