"""Prometheus metrics of one server process, served on ``/metrics``.

Scraped per process: each uvicorn process behind the load balancer is its
own Prometheus target (README, "Operating it"). Every app has its own
registry, so nothing here is global to the interpreter.

What the request path pays is a dictionary lookup and a cached child's
``inc``/``observe`` per operation; nothing per field or per delivered
frame. What can be read from the running parts (the database pool, the
broadcast connection, how far live subscribers are behind) is read at
scrape time by ``_Sampled``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from models.db import Database
from subscriptions.activity import LiveLag, live_lag
from subscriptions.broadcast import Broadcaster

PREFIX = "online_activity"
# Seconds: a cached page is a few ms, a mass action or a frozen database many seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class PoolUse:
    pool: str  # which engine: "shared" (PostgreSQL), "read" or "write" (SQLite)
    size: int
    checked_out: int
    overflow: int


def pool_use(database: Database) -> Callable[[], list[PoolUse]]:
    """The database's pools as they are when called (none for SQLite ``:memory:``)."""
    engines = {"shared": database.read_engine}
    if database.write_engine is not database.read_engine:
        engines = {"read": database.read_engine, "write": database.write_engine}

    def read() -> list[PoolUse]:
        found = []
        for name, engine in engines.items():
            pool: Any = engine.pool
            if all(hasattr(pool, a) for a in ("size", "checkedout", "overflow")):
                found.append(PoolUse(name, pool.size(), pool.checkedout(), pool.overflow()))
        return found

    return read


def broadcast_state(broadcaster: Broadcaster | None) -> Callable[[], tuple[bool, int]]:
    def read() -> tuple[bool, int]:
        if broadcaster is None:
            return True, 0
        return broadcaster.delivery_epoch is not None, broadcaster.reconnects

    return read


class _Sampled(Collector):
    """Values read from the running process when Prometheus asks."""

    def __init__(
        self,
        pools: Callable[[], Iterable[PoolUse]],
        broadcast: Callable[[], tuple[bool, int]],
        lag: Callable[[], LiveLag],
    ) -> None:
        self._pools = pools
        self._broadcast = broadcast
        self._lag = lag

    def collect(self) -> Iterable[Metric]:
        size = GaugeMetricFamily(
            f"{PREFIX}_db_pool_size", "Connections the pool keeps open.", labels=["pool"]
        )
        out = GaugeMetricFamily(
            f"{PREFIX}_db_pool_checked_out",
            "Connections in use by requests and live work right now.",
            labels=["pool"],
        )
        overflow = GaugeMetricFamily(
            f"{PREFIX}_db_pool_overflow",
            "Connections open beyond the pool size (negative: not all of it opened yet).",
            labels=["pool"],
        )
        for use in self._pools():
            size.add_metric([use.pool], use.size)
            out.add_metric([use.pool], use.checked_out)
            overflow.add_metric([use.pool], use.overflow)
        yield from (size, out, overflow)
        connected, reconnects = self._broadcast()
        yield GaugeMetricFamily(
            f"{PREFIX}_broadcast_connected",
            "1 while changes published anywhere reach this process's subscribers.",
            value=int(connected),
        )
        yield CounterMetricFamily(
            f"{PREFIX}_broadcast_reconnects",
            "Times the connection to Redis was lost and came back (subscribers then replay).",
            value=reconnects,
        )
        lag = self._lag()
        yield GaugeMetricFamily(
            f"{PREFIX}_live_feeds", "activityEvents subscriptions being fed.", value=lag.subscribers
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_live_lag_sequences",
            "Live lag: the most change sequence numbers one subscriber has been published "
            "and not yet delivered.",
            value=lag.max_sequences,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_live_queued_messages",
            "Published messages waiting in this process's subscriber queues.",
            value=lag.queued_messages,
        )


class Metrics:
    """The process's metrics and the registry ``/metrics`` renders."""

    def __init__(
        self,
        *,
        pools: Callable[[], Iterable[PoolUse]] = tuple,
        broadcast: Callable[[], tuple[bool, int]] = lambda: (True, 0),
        lag: Callable[[], LiveLag] = live_lag,
    ) -> None:
        # No *_created series: they would double every counter's.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        for standard in (ProcessCollector, PlatformCollector, GCCollector):
            standard(registry=self.registry)
        self.operations = Counter(
            f"{PREFIX}_graphql_operations",
            "GraphQL operations finished, by kind, root field and outcome (ok or an error code).",
            ["kind", "field", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            f"{PREFIX}_graphql_operation_seconds",
            "How long GraphQL queries and mutations took, by kind and root field.",
            ["kind", "field"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sockets = Gauge(
            f"{PREFIX}_websockets_open", "Websocket connections open.", registry=self.registry
        )
        self.subscriptions = Gauge(
            f"{PREFIX}_subscriptions_open",
            "Subscriptions running, by root field.",
            ["field"],
            registry=self.registry,
        )
        self.registry.register(_Sampled(pools, broadcast, lag))
        self._children: dict[tuple[str, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def operation_finished(
        self, kind: str, field: str, outcome: str, seconds: float, *, subscribed: bool
    ) -> None:
        self._child(self.operations, kind, field, outcome).inc()
        if subscribed:
            self._child(self.subscriptions, field).dec()
        else:  # a subscription's lifetime is no latency
            self._child(self.latency, kind, field).observe(seconds)

    def subscription_started(self, field: str) -> None:
        self._child(self.subscriptions, field).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


async def metrics_page(request: Request) -> Response:
    """``/metrics`` in Prometheus' text format."""
    metrics: Metrics = request.app.state.services.telemetry.metrics
    return Response(metrics.render(), media_type=CONTENT_TYPE)
