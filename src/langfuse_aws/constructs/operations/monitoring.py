"""The environment's CloudWatch dashboard and alarms, notified through one SNS topic."""

from __future__ import annotations

from dataclasses import dataclass, field

import cdk_monitoring_constructs as mc
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from constructs import Construct

from ...langfuse.metrics import ingestion_backlog
from ...naming import dashboard_name
from ..data.protection import DataProtection
from ..edge.waf import blocked_requests
from .alarms import AlarmSpec, alarm_topic, aws_metric, notifying_alarm
from .task_stops import TaskStopCounter

# Alarm thresholds (the README's runbook explains each alarm).
USAGE_WARNING_PERCENT = 90
TARGET_5XX_PER_5_MINUTES = 10
ACU_WARNING_SHARE = 0.9
CONNECTION_WARNING_SHARE = 0.8
VALKEY_MEMORY_WARNING_PERCENT = 80
AURORA_FREE_LOCAL_STORAGE_BYTES = 1024**3
EFS_IO_LIMIT_WARNING_PERCENT = 90
GIB = 1024**3
# Running tasks: Container Insights reports a service's desired and running task counts once a
# minute. A deployment (ClickHouse stops its one task before it starts the next), a scale-out
# or the start of office hours leaves tasks missing for a few minutes in a row; a crash loop or
# a task that cannot start leaves them missing most of the time, for as long as it lasts. So
# the alarm fires when tasks were missing in half of the last half hour.
RUNNING_TASKS_WINDOW_MINUTES = 30
RUNNING_TASKS_MISSING_MINUTES = 15


@dataclass(frozen=True)
class MonitoredService:
    """One ECS service whose tasks are watched."""

    name: str
    service: ecs.FargateService


@dataclass(frozen=True)
class ClickHouseWatch:
    """The self-run ClickHouse: its service (for unexpected stops) and its EFS volume."""

    service: ecs.FargateService
    file_system: efs.FileSystem


@dataclass(frozen=True)
class AlarmThresholds:
    """The YAML's alarm thresholds (monitoring.*)."""

    waf_blocked_per_5_minutes: int
    """Requests the WAF may block in 5 minutes before it alarms."""
    efs_io_gib_per_hour: int
    """GiB ClickHouse may read and write on EFS in an hour before it alarms."""
    queue_backlog_jobs: int | None = None
    """Waiting ingestion jobs that alarm after 15 minutes; None when the worker publishes no
    queue metrics (monitoring.queue_metrics off)."""


@dataclass(frozen=True)
class MonitoringProps:
    """What is watched, where alarms go, and at which thresholds."""

    environment_name: str
    emails: list[str]
    """Who gets alarm e-mails (each confirms the subscription once)."""
    topic_arn: str | None
    """An existing SNS topic for the alarms; None makes a new one."""
    thresholds: AlarmThresholds
    services: list[MonitoredService]
    target_group: elbv2.ApplicationTargetGroup
    database: rds.DatabaseCluster
    database_max_acu: float
    cache_primary_node_id: str
    langfuse_version: str
    """The Langfuse release: which queue metrics its worker publishes."""
    protection: DataProtection
    """The retention of the ClickHouse stop log."""
    clickhouse: ClickHouseWatch | None = None
    nat_instances: list[ec2.Instance] = field(default_factory=list)
    regional_web_acl_metric: str | None = None
    """The VisibilityConfig metric name of a REGIONAL web ACL (load balancer edge)."""
    region: str | None = None
    """The stack's region (the Region dimension of a REGIONAL web ACL's metrics)."""


class Monitoring(Construct):
    """Dashboard ``Langfuse-<env>`` and alarms named ``langfuse-<env>-...`` to one topic.

    Uses cdk-monitoring-constructs for ECS, Aurora and Valkey; the rest (load balancer,
    ClickHouse stops, EFS, Aurora local storage, NAT instance, queue backlog, WAF) are plain
    CloudWatch alarms, because the library has no alarm for those metrics.
    """

    def __init__(self, scope: Construct, id_: str, *, props: MonitoringProps) -> None:
        super().__init__(scope, id_)
        thresholds = props.thresholds
        self.topic: sns.ITopic = alarm_topic(
            self,
            environment_name=props.environment_name,
            emails=list(props.emails),
            existing_arn=props.topic_arn,
        )
        self.prefix = f"langfuse-{props.environment_name}"
        action = mc.SnsAlarmActionStrategy(on_alarm_topic=self.topic, on_ok_topic=self.topic)
        self.facade = mc.MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=mc.AlarmFactoryDefaults(
                actions_enabled=True, alarm_name_prefix=self.prefix, action=action
            ),
            dashboard_factory=mc.DefaultDashboardFactory(
                self,
                "Dashboards",
                dashboard_name_prefix=dashboard_name(props.environment_name),
                create_dashboard=True,
                create_alarm_dashboard=False,
                create_summary_dashboard=False,
            ),
        )
        self._services(props)
        self._database(props)
        self._cache(props)
        self._load_balancer(props)
        if props.clickhouse is not None:
            self._clickhouse(props, props.clickhouse)
        for index, instance in enumerate(props.nat_instances):
            self._nat_instance(index, instance)
        if thresholds.queue_backlog_jobs is not None:
            self._queue_backlog(thresholds.queue_backlog_jobs, props.langfuse_version)
        if props.regional_web_acl_metric is not None and props.region is not None:
            self._regional_waf(
                blocked_requests(props.regional_web_acl_metric, regional_in=props.region),
                thresholds.waf_blocked_per_5_minutes,
            )

    def _name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def _alarm(self, id_: str, spec: AlarmSpec) -> None:
        notifying_alarm(self, id_, spec, self.topic)

    def _graph(self, title: str, *metrics: cloudwatch.Metric | cloudwatch.MathExpression) -> None:
        """A dashboard row for metrics that no library monitoring covers."""
        self.facade.monitor_custom(
            metric_groups=[mc.CustomMetricGroup(title=title, metrics=list(metrics))],
            human_readable_name=title,
            alarm_friendly_name=title.replace(" ", ""),
        )

    def _services(self, props: MonitoringProps) -> None:
        for watched in props.services:
            self.facade.monitor_simple_fargate_service(
                fargate_service=watched.service,
                human_readable_name=f"Langfuse {watched.name}",
                alarm_friendly_name=watched.name,
                add_cpu_usage_alarm={
                    "Warning": mc.UsageThreshold(max_usage_percent=USAGE_WARNING_PERCENT)
                },
                add_memory_usage_alarm={
                    "Warning": mc.UsageThreshold(max_usage_percent=USAGE_WARNING_PERCENT)
                },
            )
            self._alarm(
                f"{watched.name}RunningTasks",
                AlarmSpec(
                    name=self._name(f"{watched.name.lower()}-running-tasks"),
                    description=f"Langfuse {watched.name} ran fewer tasks than ECS wants in "
                    f"{RUNNING_TASKS_MISSING_MINUTES} of the last {RUNNING_TASKS_WINDOW_MINUTES} "
                    "minutes: its tasks keep stopping or cannot start.",
                    metric=_missing_tasks(watched.service),
                    threshold=0,
                    periods=RUNNING_TASKS_WINDOW_MINUTES,
                    datapoints=RUNNING_TASKS_MISSING_MINUTES,
                ),
            )

    def _database(self, props: MonitoringProps) -> None:
        self.facade.monitor_aurora_cluster(
            cluster=props.database,
            human_readable_name="Aurora PostgreSQL",
            alarm_friendly_name="Aurora",
            add_max_serverless_database_capacity_alarm={
                "Warning": mc.UsageCountThreshold(
                    max_usage_count=props.database_max_acu * ACU_WARNING_SHARE
                )
            },
        )
        self._alarm(
            "AuroraConnections",
            AlarmSpec(
                name=self._name("aurora-connections"),
                description="Aurora is near max_connections at its maximum capacity.",
                metric=props.database.metric_database_connections(
                    period=Duration.minutes(5), statistic="Maximum"
                ),
                threshold=connection_alarm_threshold(props.database_max_acu),
            ),
        )
        # Aurora reports local storage (temporary tables, sorts that spill) per instance.
        free_local = {
            f"i{index}": aws_metric(
                "AWS/RDS",
                "FreeLocalStorage",
                "Minimum",
                Duration.minutes(5),
                {"DBInstanceIdentifier": instance_id},
            )
            for index, instance_id in enumerate(props.database.instance_identifiers)
        }
        lowest = cloudwatch.MathExpression(
            expression=f"MIN([{', '.join(free_local)}])",
            using_metrics=free_local,
            label="Lowest free local storage",
            period=Duration.minutes(5),
        )
        self._alarm(
            "AuroraFreeLocalStorage",
            AlarmSpec(
                name=self._name("aurora-free-local-storage"),
                description="An Aurora instance is running out of local storage.",
                metric=lowest,
                threshold=AURORA_FREE_LOCAL_STORAGE_BYTES,
                below=True,
                periods=2,
            ),
        )

    def _cache(self, props: MonitoringProps) -> None:
        """Valkey must never evict, and warns before memory is full (noeviction then refuses
        writes, so Langfuse's queue stops accepting events)."""
        self.facade.monitor_elasti_cache_cluster(
            cluster_id=props.cache_primary_node_id,
            cluster_type=mc.ElastiCacheClusterType.REDIS,
            human_readable_name="Valkey",
            alarm_friendly_name="Valkey",
            # The library's default (three 5-minute periods in a row) never fires on a burst of
            # evictions within a few minutes: the first eviction is already lost queue data.
            add_max_evicted_items_count_alarm={
                "Critical": mc.MaxItemsCountThreshold(
                    max_items_count=0,
                    evaluation_periods=1,
                    datapoints_to_alarm=1,
                    treat_missing_data_override=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            },
        )
        self._alarm(
            "ValkeyMemory",
            AlarmSpec(
                name=self._name("valkey-memory"),
                description="Valkey memory is filling up; when full it refuses new queue jobs.",
                metric=aws_metric(
                    "AWS/ElastiCache",
                    "DatabaseMemoryUsagePercentage",
                    "Maximum",
                    Duration.minutes(5),
                    {"CacheClusterId": props.cache_primary_node_id},
                ),
                threshold=VALKEY_MEMORY_WARNING_PERCENT,
            ),
        )

    def _load_balancer(self, props: MonitoringProps) -> None:
        metrics = props.target_group.metrics
        self._alarm(
            "Web5xx",
            AlarmSpec(
                name=self._name("web-5xx"),
                description="Langfuse web answered with 5xx errors (see the README runbook).",
                metric=metrics.http_code_target(
                    elbv2.HttpCodeTarget.TARGET_5XX_COUNT,
                    period=Duration.minutes(5),
                    statistic="Sum",
                ),
                threshold=TARGET_5XX_PER_5_MINUTES,
            ),
        )
        self._alarm(
            "WebUnhealthy",
            AlarmSpec(
                name=self._name("web-unhealthy-targets"),
                description="A web task fails the load balancer's health check.",
                metric=metrics.unhealthy_host_count(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                threshold=0,
                periods=3,
            ),
        )

    def _clickhouse(self, props: MonitoringProps, clickhouse: ClickHouseWatch) -> None:
        """Unexpected task stops, and the EFS volume's I/O limit and billed traffic."""
        stops = TaskStopCounter(
            self,
            "ClickHouseStops",
            environment_name=props.environment_name,
            name="clickhouse",
            service=clickhouse.service,
            log_retention=props.protection.log_retention,
        )
        self._alarm(
            "ClickHouseStopped",
            AlarmSpec(
                name=self._name("clickhouse-task-stopped"),
                description="A ClickHouse task stopped unexpectedly (crash, out of memory, "
                f"failed health check or start); reasons in {stops.log_group.log_group_name}.",
                metric=stops.metric(Duration.minutes(5)),
                threshold=0,
            ),
        )
        fs_id = clickhouse.file_system.file_system_id
        io_limit = aws_metric(
            "AWS/EFS", "PercentIOLimit", "Maximum", Duration.minutes(5), {"FileSystemId": fs_id}
        )
        total_io = aws_metric(
            "AWS/EFS", "TotalIOBytes", "Sum", Duration.hours(1), {"FileSystemId": fs_id}
        )
        self._alarm(
            "ClickHouseEfsIoLimit",
            AlarmSpec(
                name=self._name("clickhouse-efs-io-limit"),
                description="ClickHouse's EFS volume is near its I/O operations limit.",
                metric=io_limit,
                threshold=EFS_IO_LIMIT_WARNING_PERCENT,
                periods=3,
            ),
        )
        self._alarm(
            "ClickHouseEfsTraffic",
            AlarmSpec(
                name=self._name("clickhouse-efs-io-cost"),
                description="ClickHouse reads and writes more on EFS than "
                f"monitoring.efs_io_gib_per_hour ({props.thresholds.efs_io_gib_per_hour} GiB per "
                "hour); Elastic Throughput bills every GiB.",
                metric=total_io,
                threshold=props.thresholds.efs_io_gib_per_hour * GIB,
            ),
        )
        self._graph("ClickHouse EFS", io_limit, total_io, stops.metric(Duration.minutes(5)))

    def _nat_instance(self, index: int, instance: ec2.Instance) -> None:
        """The NAT instance (dev): when it fails, tasks lose the internet (image pulls, SSO)."""
        status = aws_metric(
            "AWS/EC2",
            "StatusCheckFailed",
            "Maximum",
            Duration.minutes(1),
            {"InstanceId": instance.instance_id},
        )
        suffix = "" if index == 0 else f"-{index + 1}"
        self._alarm(
            f"NatInstanceStatus{index}",
            AlarmSpec(
                name=self._name(f"nat-instance-status{suffix}"),
                description="The NAT instance fails an EC2 status check: private subnets "
                "have no internet.",
                metric=status,
                threshold=0,
                periods=2,
            ),
        )
        self._graph(f"NAT instance {index + 1}", status)

    def _queue_backlog(self, jobs: int, version: str) -> None:
        backlog = ingestion_backlog(Duration.minutes(5), version)
        self._alarm(
            "WorkerQueueBacklog",
            AlarmSpec(
                name=self._name("worker-queue-backlog"),
                description=f"More than {jobs} ingestion jobs wait for the worker.",
                metric=backlog,
                threshold=jobs,
                periods=3,
            ),
        )
        self._graph("Ingestion queue", backlog)

    def _regional_waf(self, metric: cloudwatch.Metric, blocked: int) -> None:
        self._alarm(
            "WafBlocked",
            AlarmSpec(
                name=self._name("waf-blocked"),
                description=f"The WAF blocked more than {blocked} requests in 5 minutes.",
                metric=metric,
                threshold=blocked,
            ),
        )
        self._graph("WAF", metric)


def _missing_tasks(service: ecs.FargateService) -> cloudwatch.MathExpression:
    """Tasks ECS wants minus tasks running (Container Insights), minute by minute.

    Following the desired count keeps the alarm quiet when office hours or a scale-in lower
    it, and loud when autoscaling raised it and tasks do not come up. One-minute periods
    (Container Insights' own interval) count how long tasks were missing, where five-minute
    maxima and minima turned two minutes of a scale-out into two breaching periods. A minute
    without data (a service scaled to zero may report nothing) is not a missing task.
    """
    dimensions = {
        "ClusterName": service.cluster.cluster_name,
        "ServiceName": service.service_name,
    }
    period = Duration.minutes(1)
    return cloudwatch.MathExpression(
        expression="desired - running",
        using_metrics={
            "desired": aws_metric(
                "ECS/ContainerInsights", "DesiredTaskCount", "Maximum", period, dimensions
            ),
            "running": aws_metric(
                "ECS/ContainerInsights", "RunningTaskCount", "Minimum", period, dimensions
            ),
        },
        label="Tasks missing",
        period=period,
    )


def connection_alarm_threshold(max_acu: float) -> int:
    """80 % of Aurora PostgreSQL's default max_connections at ``max_acu``.

    The default is LEAST(DBInstanceClassMemory / 9531392, 5000), and each ACU has 2 GiB.
    """
    max_connections = min(int(max_acu * 2 * 1024**3 / 9531392), 5000)
    return int(max_connections * CONNECTION_WARNING_SHARE)
