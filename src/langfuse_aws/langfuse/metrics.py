"""The queue metrics Langfuse's worker publishes to CloudWatch, and the backlog read from them.

With ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING=true, Langfuse (packages/shared, instrumentation)
sends its gauges to the namespace ``Langfuse`` without dimensions. The worker's queue metrics
runner records ``<base>.depth`` per job state, where ``<base>`` is ``langfuse.queue.`` plus the
queue name with ``-`` as ``_`` and without ``_queue``; for metrics ending in ``.depth`` the tags
(except ``unit``) are folded into the name, sorted: ``.shard_all.type_waiting`` is the total of
waiting jobs over every shard of a sharded queue.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from ..constructs.alarms import aws_metric

NAMESPACE = "Langfuse"
PUBLISHING_VARIABLE = "ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING"

# Langfuse's sharded ingestion queues (ingestion-queue, otel-ingestion-queue and their
# secondary queues for high-throughput projects): what the worker's backlog is made of.
INGESTION_QUEUES = (
    "ingestion",
    "otel_ingestion",
    "secondary_ingestion",
    "secondary_otel_ingestion",
)


def waiting_jobs_metric_name(queue: str) -> str:
    """The gauge of jobs waiting in every shard of ``queue`` (a metric base without prefix)."""
    return f"langfuse.queue.{queue}.depth.shard_all.type_waiting"


def ingestion_backlog(period: Duration) -> cloudwatch.MathExpression:
    """Jobs waiting in Langfuse's ingestion queues, the highest reading in each period.

    FILL treats a queue that publishes nothing (no project uses it) as empty; when no queue
    publishes at all, the expression has no data and alarms on it stay quiet.
    """
    using = {
        f"q{index}": aws_metric(NAMESPACE, waiting_jobs_metric_name(queue), "Maximum", period)
        for index, queue in enumerate(INGESTION_QUEUES)
    }
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({name}, 0)" for name in using),
        using_metrics=using,
        label="Ingestion jobs waiting",
        period=period,
    )
