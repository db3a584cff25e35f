"""What ``GET /metrics`` exposes, in Prometheus' text format, from a registry private to this process.

Each process serves its own figures (docs/operations.md, "Operations: metrics and logs"): requests by route
*template* (``/api/v1/applications/{id:uuid}``, never the raw path, so the number of series stays that of the
routes), method and status class; the database pools; the outbox's depth and its oldest message per channel (one
query at scrape time); push and SMS outcomes of the notifications worker; the queue's waits; and the process
(CPU, memory, open files).

Recording is what runs per request, so it is kept to a dictionary look-up and two increments: the labelled
children of a route are made once and cached.
"""

from __future__ import annotations

import bisect
import contextlib
import hmac
import logging
from collections.abc import Iterator

import asyncpg
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from api.lib import db

log = logging.getLogger(__name__)

# The classic text format every Prometheus reads (generate_latest writes it); Litestar adds "; charset=utf-8".
CONTENT_TYPE = "text/plain; version=0.0.4"
# No "_created" series beside every counter and histogram: they double a scrape and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

# Outcomes: push_sent, push_failed (retried later), push_gone (subscription removed), sms_sent, sms_failed.
DELIVERIES = Counter(
    "mpp_notification_deliveries", "Notification deliveries by outcome", ("outcome",), registry=REGISTRY
)
QUEUE_WAIT = Histogram(
    "mpp_queue_wait_seconds",
    "From a queue ticket's issue to its first call at a counter",
    buckets=(60, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400),
    registry=REGISTRY,
)
OUTBOX_PENDING = Gauge("mpp_outbox_pending", "Outbox messages not yet done nor dead", ("channel",), registry=REGISTRY)
OUTBOX_DEAD = Gauge("mpp_outbox_dead", "Outbox messages given up on (dead letters)", ("channel",), registry=REGISTRY)
OUTBOX_OLDEST = Gauge(
    "mpp_outbox_oldest_age_seconds", "Age of the oldest pending outbox message", ("channel",), registry=REGISTRY
)

_STATUS_CLASS = ("1xx", "2xx", "3xx", "4xx", "5xx")
_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BUCKET_NAMES = tuple(repr(bound) for bound in _LATENCY_BUCKETS)  # "le" as Prometheus writes it: 0.002 … 10.0


class _RequestCollector(Collector):
    """Requests by (route template, method, status class): their count and a latency histogram.

    Kept in plain lists rather than prometheus_client's labelled Counter and Histogram, which take a lock per
    increment and per bucket: this runs for every request, and every request is recorded on the event loop's one
    thread, so nothing here is shared between threads. A scrape turns the lists into the usual families.
    """

    def __init__(self) -> None:
        # Per series: [count, sum of seconds, one slot per bucket, the slot above the last bucket].
        self.series: dict[tuple[str, str, int], list[float]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status // 100)
        slots = self.series.get(key)
        if slots is None:
            slots = self.series[key] = [0.0] * (len(_LATENCY_BUCKETS) + 3)
        slots[0] += 1
        slots[1] += seconds
        slots[2 + bisect.bisect_left(_LATENCY_BUCKETS, seconds)] += 1

    def collect(self) -> Iterator[Metric]:
        labels = ["route", "method", "status"]
        count = CounterMetricFamily("mpp_http_requests", "HTTP requests answered", labels=labels)
        latency = HistogramMetricFamily(
            "mpp_http_request_duration_seconds",
            "Time from the request's arrival in the app to the end of its answer",
            labels=labels,
        )
        for (route, method, status), slots in list(self.series.items()):
            values = [route, method, _STATUS_CLASS[min(max(status, 1), 5) - 1]]
            count.add_metric(values, slots[0])
            buckets, seen = [], 0.0
            for i, slot in enumerate(slots[2 : 2 + len(_LATENCY_BUCKETS)]):
                seen += slot
                buckets.append((_BUCKET_NAMES[i], seen))
            buckets.append(("+Inf", slots[0]))
            latency.add_metric(values, buckets, slots[1])
        yield count
        yield latency


_requests = _RequestCollector()
REGISTRY.register(_requests)
# Count one answered request and its duration (labels: route template, method, status class).
observe_request = _requests.observe


def count_deliveries(outcome: str, count: int = 1) -> None:
    if count:
        DELIVERIES.labels(outcome).inc(count)


def count_pushes(*, sent: int, gone: int, failed: int) -> None:
    """A batch's Web Push outcomes (failed ones are retried later; gone ones lose their subscription)."""
    count_deliveries("push_sent", sent)
    count_deliveries("push_gone", gone)
    count_deliveries("push_failed", failed)


class _PoolCollector(Collector):
    """The request pool's size, connections in use and idle, and its maximum, read at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pools: list[tuple[str, asyncpg.Pool]] = []
        with contextlib.suppress(RuntimeError):  # not started (yet): nothing to report
            pools.append(("primary", db.pool()))
        # Hook for the read replica: reported once lib.db exposes its pool as replica_pool().
        replica_pool = getattr(db, "replica_pool", None)
        if callable(replica_pool) and (replica := replica_pool()) is not None:
            pools.append(("replica", replica))
        families = {
            name: GaugeMetricFamily(f"mpp_db_pool_{name}", text, labels=["pool"])
            for name, text in (
                ("size", "Connections open in the pool"),
                ("in_use", "Connections lent to a request or a job"),
                ("idle", "Connections open and free"),
                ("max", "Most connections the pool may open"),
            )
        }
        for label, p in pools:
            size, idle = p.get_size(), p.get_idle_size()
            families["size"].add_metric([label], size)
            families["in_use"].add_metric([label], size - idle)
            families["idle"].add_metric([label], idle)
            families["max"].add_metric([label], p.get_max_size())
        yield from families.values()


REGISTRY.register(_PoolCollector())

# Every pending message of every channel, read from the pending index (processed_at IS NULL: the undone ones and
# the dead letters, which are few) in one statement.
_OUTBOX = """
SELECT channel,
       count(*) FILTER (WHERE dead_at IS NULL) AS pending,
       count(*) FILTER (WHERE dead_at IS NOT NULL) AS dead,
       coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE dead_at IS NULL)), 0)::float8 AS oldest
FROM outbox_message WHERE processed_at IS NULL GROUP BY channel
"""
_seen_channels: set[str] = set()


async def refresh_outbox(conn: asyncpg.Connection) -> None:
    """Read the outbox's depth per channel into its gauges (a channel that emptied reads 0, not its last value)."""
    rows = await conn.fetch(_OUTBOX)
    current = {row["channel"] for row in rows}
    for channel in _seen_channels - current:
        for gauge in (OUTBOX_PENDING, OUTBOX_DEAD, OUTBOX_OLDEST):
            gauge.labels(channel).set(0)
    for row in rows:
        OUTBOX_PENDING.labels(row["channel"]).set(row["pending"])
        OUTBOX_DEAD.labels(row["channel"]).set(row["dead"])
        OUTBOX_OLDEST.labels(row["channel"]).set(row["oldest"])
    _seen_channels.update(current)


def render() -> bytes:
    """The registry in Prometheus' text format."""
    return generate_latest(REGISTRY)


def token_matches(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header is ``Bearer <token>`` (compared in constant time)."""
    if not authorization or not token:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
