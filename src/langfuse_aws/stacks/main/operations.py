"""The main stack's operations: office hours, the dashboard and alarms, the cost budget."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_sns as sns

from ...config.models import EnvironmentConfig
from ...constructs.data.protection import DataProtection
from ...constructs.edge.edge import Edge
from ...constructs.network.network import Network
from ...constructs.operations.budget import BudgetProps, CostBudget
from ...constructs.operations.monitoring import (
    AlarmThresholds,
    MonitoredService,
    Monitoring,
    MonitoringProps,
)
from ...constructs.operations.office_hours import OfficeHours, OfficeHoursProps, ScheduledService
from ...langfuse import metrics
from .clickhouse import ClickHouseWiring
from .data_stores import DataStores
from .services import LangfuseServices


def build_office_hours(
    stack: Stack,
    config: EnvironmentConfig,
    services: LangfuseServices,
    clickhouse: ClickHouseWiring,
) -> None:
    """``OfficeHours``, when the YAML has a schedule: web, worker and a self-run ClickHouse
    run only then."""
    schedule, lf = config.schedule, config.langfuse
    if schedule is None:
        return
    OfficeHours(
        stack,
        "OfficeHours",
        props=OfficeHoursProps(
            timezone=schedule.timezone,
            days=list(schedule.days),
            start=schedule.start,
            stop=schedule.stop,
            services=[
                ScheduledService("Web", services.web.scaling, lf.web.min_tasks, lf.web.max_tasks),
                ScheduledService(
                    "Worker", services.worker.scaling, lf.worker.min_tasks, lf.worker.max_tasks
                ),
            ],
            clickhouse=clickhouse.scheduled_service,
        ),
    )


def build_monitoring(
    stack: Stack,
    config: EnvironmentConfig,
    *,
    services: LangfuseServices,
    clickhouse: ClickHouseWiring,
    stores: DataStores,
    network: Network,
    edge: Edge,
    protection: DataProtection,
) -> sns.ITopic | None:
    """``Monitoring`` (dashboard and alarms) and the alarms of ClickHouse's mode, when the
    YAML keeps monitoring on; the worker then publishes the queue metrics it scales out on.
    Returns the topic the alarms notify, for alarms made later (None: monitoring off)."""
    monitoring, lf = config.monitoring, config.langfuse
    if not monitoring.enabled:
        return None
    web, worker = services.web, services.worker
    if monitoring.publishes_queue_metrics:
        worker.allow_metric_publishing(metrics.NAMESPACE)
        worker.scale_out_on_backlog(metrics.ingestion_backlog(Duration.minutes(1), lf.version))
    made = Monitoring(
        stack,
        "Monitoring",
        props=MonitoringProps(
            environment_name=config.name,
            emails=list(monitoring.emails),
            topic_arn=monitoring.topic_arn,
            thresholds=AlarmThresholds(
                waf_blocked_per_5_minutes=monitoring.waf_blocked_per_5_minutes,
                efs_io_gib_per_hour=monitoring.efs_io_gib_per_hour,
                queue_backlog_jobs=monitoring.queue_backlog_jobs
                if monitoring.queue_metrics
                else None,
            ),
            services=[
                MonitoredService("Web", web.service),
                MonitoredService("Worker", worker.service),
                *clickhouse.monitored_services,
            ],
            target_group=edge.load_balancer.target_group,
            database=stores.database.cluster,
            database_max_acu=config.database.max_acu,
            # ElastiCache reports per node; the primary of the group is node 001.
            cache_primary_node_id=f"{stores.cache.replication_group.ref}-001",
            langfuse_version=lf.version,
            protection=protection,
            clickhouse=clickhouse.watch,
            nat_instances=network.nat_instances,
            regional_web_acl_metric=edge.regional_web_acl.metric_name
            if edge.regional_web_acl
            else None,
            region=config.region,
        ),
    )
    clickhouse.add_alarms(made.topic, made.prefix)
    return made.topic


def build_budget(stack: Stack, config: EnvironmentConfig) -> None:
    """``Budget``, when the YAML sets a monthly budget."""
    budget = config.budget
    if budget is None:
        return
    CostBudget(
        stack,
        "Budget",
        props=BudgetProps(
            environment_name=config.name,
            monthly_usd=budget.monthly_usd,
            emails=list(budget.emails),
            actual_percent=budget.actual_percent,
            forecast_percent=budget.forecast_percent,
        ),
    )
