"""The queue metrics Langfuse's worker publishes to CloudWatch, and the backlog read from them.

With ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING=true, Langfuse (packages/shared, instrumentation)
sends its gauges to the namespace ``Langfuse`` without dimensions. A queue's metric base is
``langfuse.queue.`` plus the queue name with ``-`` as ``_`` and without ``_queue``
(``convertQueueNameToMetricName``). Which gauge holds the waiting jobs depends on the release:

- from 3.170.0 the worker's queue metrics runner (worker/src/features/queue-metrics-runner)
  records ``<base>.depth`` per job state, and the CloudWatch publisher folds the tags (except
  ``unit``) into the name, sorted (``buildCloudWatchKey``, added in 3.170.0 by "make new queue
  depth metrics usable in cloud watch"): ``.depth.shard_all.type_waiting`` is the total of
  waiting jobs over every shard of a sharded queue;
- before 3.170.0 the only waiting-jobs gauge is ``<base>.length`` (worker/src/queues/
  workerManager.ts, ``getWaitingCount``), recorded after each processed job; an earlier
  ``.depth`` reached CloudWatch without its tags, every state and shard under one name.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from ..constructs.operations.alarms import aws_metric

NAMESPACE = "Langfuse"
PUBLISHING_VARIABLE = "ENABLE_AWS_CLOUDWATCH_METRIC_PUBLISHING"

# The first release whose waiting-jobs gauge is ``.depth.shard_all.type_waiting``.
DEPTH_METRICS_SINCE = (3, 170, 0)

# Langfuse's ingestion queues (ingestion-queue, otel-ingestion-queue and their secondary
# queues for high-throughput projects): what the worker's backlog is made of.
INGESTION_QUEUES = (
    "ingestion",
    "otel_ingestion",
    "secondary_ingestion",
    "secondary_otel_ingestion",
)


def _release(version: str) -> tuple[int, int, int]:
    """``3.150.0`` as (3, 150, 0) (the config admits only MAJOR.MINOR.PATCH)."""
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


def waiting_jobs_metric_name(queue: str, version: str) -> str:
    """The gauge of jobs waiting in ``queue`` (a metric base without prefix) as Langfuse
    ``version`` publishes it: every shard from 3.170.0, the queue itself before."""
    if _release(version) >= DEPTH_METRICS_SINCE:
        return f"langfuse.queue.{queue}.depth.shard_all.type_waiting"
    return f"langfuse.queue.{queue}.length"


def ingestion_backlog(period: Duration, version: str) -> cloudwatch.MathExpression:
    """Jobs waiting in Langfuse's ingestion queues, the highest reading in each period, read
    from the gauges Langfuse ``version`` publishes.

    FILL treats a queue that publishes nothing in a period (no project uses it) as empty.
    """
    using = {
        f"q{index}": aws_metric(
            NAMESPACE, waiting_jobs_metric_name(queue, version), "Maximum", period
        )
        for index, queue in enumerate(INGESTION_QUEUES)
    }
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({name}, 0)" for name in using),
        using_metrics=using,
        label="Ingestion jobs waiting",
        period=period,
    )
