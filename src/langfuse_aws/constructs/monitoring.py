"""The environment's CloudWatch dashboard and alarms, notified through one SNS topic."""

from __future__ import annotations

from dataclasses import dataclass

import cdk_monitoring_constructs as mc
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from ..compliance import acknowledge
from ..config.models import MonitoringConfig

# Alarm thresholds (the README's runbook explains each alarm).
USAGE_WARNING_PERCENT = 90
TARGET_5XX_PER_5_MINUTES = 10
ACU_WARNING_SHARE = 0.9
CONNECTION_WARNING_SHARE = 0.8
VALKEY_MEMORY_WARNING_PERCENT = 80


@dataclass(frozen=True)
class MonitoredService:
    """One ECS service and how many tasks it must keep running."""

    name: str
    service: ecs.FargateService
    min_running: int


@dataclass(frozen=True)
class MonitoringProps:
    """What is watched."""

    environment_name: str
    config: MonitoringConfig
    services: list[MonitoredService]
    target_group: elbv2.ApplicationTargetGroup
    database: rds.DatabaseCluster
    database_max_acu: float
    cache_primary_node_id: str


class Monitoring(Construct):
    """Dashboard ``Langfuse-<env>`` and alarms named ``langfuse-<env>-...`` to one topic.

    Uses cdk-monitoring-constructs for ECS, Aurora and Valkey; the load balancer's 5xx and
    unhealthy-target alarms are plain CloudWatch alarms on the target group's metrics.
    """

    def __init__(self, scope: Construct, id_: str, *, props: MonitoringProps) -> None:
        super().__init__(scope, id_)
        config = props.config
        if config.topic_arn:
            self.topic: sns.ITopic = sns.Topic.from_topic_arn(self, "Topic", config.topic_arn)
        else:
            topic = sns.Topic(
                self,
                "Alarms",
                display_name=f"Langfuse {props.environment_name} alarms",
                enforce_ssl=True,
            )
            acknowledge(
                topic,
                "AwsSolutions-SNS2",
                "Alarm notifications carry only alarm names and states, and CloudWatch cannot "
                "publish to a topic encrypted with the AWS-managed SNS key.",
            )
            for address in config.emails:
                topic.add_subscription(subscriptions.EmailSubscription(address))
            self.topic = topic
        action = mc.SnsAlarmActionStrategy(on_alarm_topic=self.topic, on_ok_topic=self.topic)
        prefix = f"langfuse-{props.environment_name}"
        facade = mc.MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=mc.AlarmFactoryDefaults(
                actions_enabled=True, alarm_name_prefix=prefix, action=action
            ),
            dashboard_factory=mc.DefaultDashboardFactory(
                self,
                "Dashboards",
                dashboard_name_prefix=f"Langfuse-{props.environment_name}",
                create_dashboard=True,
                create_alarm_dashboard=False,
                create_summary_dashboard=False,
            ),
        )
        for watched in props.services:
            facade.monitor_simple_fargate_service(
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
            self._running_tasks_alarm(prefix, watched)
        facade.monitor_aurora_cluster(
            cluster=props.database,
            human_readable_name="Aurora PostgreSQL",
            alarm_friendly_name="Aurora",
            add_max_serverless_database_capacity_alarm={
                "Warning": mc.UsageCountThreshold(
                    max_usage_count=props.database_max_acu * ACU_WARNING_SHARE
                )
            },
        )
        facade.monitor_elasti_cache_cluster(
            cluster_id=props.cache_primary_node_id,
            cluster_type=mc.ElastiCacheClusterType.REDIS,
            human_readable_name="Valkey",
            alarm_friendly_name="Valkey",
            add_max_evicted_items_count_alarm={
                "Critical": mc.MaxItemsCountThreshold(max_items_count=0)
            },
        )
        self._load_balancer_alarms(prefix, props)
        self._store_alarms(prefix, props)

    def _alarm(
        self,
        id_: str,
        name: str,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        *,
        below: bool = False,
        periods: int = 1,
        missing_breaches: bool = False,
    ) -> None:
        """A plain CloudWatch alarm that notifies the topic on alarm and on recovery."""
        alarm = cloudwatch.Alarm(
            self,
            id_,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
            if below
            else cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING
            if missing_breaches
            else cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        alarm.add_ok_action(cw_actions.SnsAction(self.topic))

    def _running_tasks_alarm(self, prefix: str, watched: MonitoredService) -> None:
        """Fewer tasks running than the service must keep (Container Insights' count)."""
        metric = cloudwatch.Metric(
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            dimensions_map={
                "ClusterName": watched.service.cluster.cluster_name,
                "ServiceName": watched.service.service_name,
            },
            statistic="Minimum",
            period=Duration.minutes(5),
        )
        self._alarm(
            f"{watched.name}RunningTasks",
            f"{prefix}-{watched.name.lower()}-running-tasks",
            f"Langfuse {watched.name} runs fewer tasks than it must.",
            metric,
            watched.min_running,
            below=True,
            periods=2,
            missing_breaches=True,
        )

    def _load_balancer_alarms(self, prefix: str, props: MonitoringProps) -> None:
        target_5xx = props.target_group.metrics.http_code_target(
            elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=Duration.minutes(5), statistic="Sum"
        )
        unhealthy = props.target_group.metrics.unhealthy_host_count(
            period=Duration.minutes(1), statistic="Maximum"
        )
        self._alarm(
            "Web5xx",
            f"{prefix}-web-5xx",
            "Langfuse web answered with 5xx errors (see the README runbook).",
            target_5xx,
            TARGET_5XX_PER_5_MINUTES,
        )
        self._alarm(
            "WebUnhealthy",
            f"{prefix}-web-unhealthy-targets",
            "A web task fails the load balancer's health check.",
            unhealthy,
            0,
            periods=3,
        )

    def _store_alarms(self, prefix: str, props: MonitoringProps) -> None:
        """Aurora near its connection limit; Valkey memory filling up (noeviction refuses
        writes when it is full, so Langfuse's queue stops accepting events)."""
        self._alarm(
            "AuroraConnections",
            f"{prefix}-aurora-connections",
            "Aurora is near max_connections at its maximum capacity.",
            props.database.metric_database_connections(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            connection_alarm_threshold(props.database_max_acu),
        )
        self._alarm(
            "ValkeyMemory",
            f"{prefix}-valkey-memory",
            "Valkey memory is filling up; when full it refuses new queue jobs.",
            cloudwatch.Metric(
                namespace="AWS/ElastiCache",
                metric_name="DatabaseMemoryUsagePercentage",
                dimensions_map={"CacheClusterId": props.cache_primary_node_id},
                statistic="Maximum",
                period=Duration.minutes(5),
            ),
            VALKEY_MEMORY_WARNING_PERCENT,
        )


def connection_alarm_threshold(max_acu: float) -> int:
    """80 % of Aurora PostgreSQL's default max_connections at ``max_acu``.

    The default is LEAST(DBInstanceClassMemory / 9531392, 5000), and each ACU has 2 GiB.
    """
    max_connections = min(int(max_acu * 2 * 1024**3 / 9531392), 5000)
    return int(max_connections * CONNECTION_WARNING_SHARE)
