# SPDX-License-Identifier: AGPL-3.0-or-later
"""Prometheus metrics: the counters the code bumps, the request middleware, and the scrape.

Multi-process safe: `ebok serve` (any --workers) and `ebok worker` set `PROMETHEUS_MULTIPROC_DIR`
(EBOK_DATA_DIR/prometheus unless set, backend/core/multiproc.py) before the processes start, every
process writes its counters there and a scrape, whichever process answers it, adds them up. What
the database knows (the outbox) is read at scrape time, so it is the same whoever answers.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from backend.core.clock import now
from backend.core.multiproc import MULTIPROC_ENV

REQUESTS = Counter("ebok_http_requests", "HTTP requests answered, per route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("ebok_http_request_duration_seconds", "Time to answer an HTTP request, per route template",
                    ["method", "route"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
OUTBOX_JOBS = Counter("ebok_outbox_jobs_processed", "Outbox jobs run, per kind and outcome (done, retry, failed)",
                      ["kind", "outcome"])
MAIL = Counter("ebok_mail", "E-mails handed to SMTP (or written as .eml), per result (sent, failed)", ["result"])
PUSH = Counter("ebok_push_deliveries", "Web Push deliveries tried, per result (sent, gone, retry, failed)",
               ["result"])
SMS = Counter("ebok_sms", "SMS handed to the gateway, per result (sent, retry, failed, held)", ["result"])
READINGS = Counter("ebok_readings_received", "Meter readings received, per source", ["source"])



def _text(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


def process_metrics() -> bytes:
    """The counters of every process (multi-process mode) or of this one."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return _text(registry)
    return _text(REGISTRY)


class _Snapshot:
    """A collector over values read (asynchronously) just before the scrape."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self.families


async def database_metrics() -> bytes:
    from backend.core import db
    from backend.core.tables import OutboxJob

    # one grouped query (the kind and status columns are indexed); done and failed jobs are history
    rows = await OutboxJob.raw(
        "SELECT kind, status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox_job "
        "WHERE status IN ('pending', 'running') GROUP BY kind, status")
    depth = GaugeMetricFamily("ebok_outbox_depth", "Outbox jobs waiting or running, per kind and status",
                              labels=["kind", "status"])
    age = GaugeMetricFamily("ebok_outbox_oldest_age_seconds", "Age of the oldest job waiting or running, per kind",
                            labels=["kind"])
    oldest: dict[str, Any] = {}
    for r in sorted(rows, key=lambda r: (r["kind"], r["status"])):
        depth.add_metric([r["kind"], r["status"]], int(r["n"]))
        created = r["oldest"]
        if isinstance(created, str):  # SQLite hands an aggregate back as text
            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        if r["kind"] not in oldest or created < oldest[r["kind"]]:
            oldest[r["kind"]] = created
    t = now()
    for kind, created in sorted(oldest.items()):
        age.add_metric([kind], max(0.0, (t - created).total_seconds()))
    families = [depth, age]
    pool = db.pool_usage()
    if pool is not None:
        gauge = GaugeMetricFamily("ebok_db_pool_connections",
                                  "Database connections of the answering process's pool, per state",
                                  labels=["pid", "state"])
        for state, n in pool.items():
            gauge.add_metric([str(os.getpid()), state], n)
        families.append(gauge)
    registry = CollectorRegistry()
    registry.register(_Snapshot(families))
    return _text(registry)


def route_of(scope: Any) -> str:
    """The route template (`/api/readings/{reading_id:uuid}/photo`), never the raw path: one
    series per route, and no ids or tokens in the labels."""
    return str(scope.get("path_template") or "unmatched")


def metrics_middleware(app: Any) -> Any:
    # the labelled series, looked up once per (method, route, status): labels() takes a lock and
    # checks its arguments every time (bounded: the route templates times a few methods and statuses)
    counted: dict[tuple[str, str, int], Any] = {}
    timed: dict[tuple[str, str], Any] = {}

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            route, method = route_of(scope), scope.get("method", "")
            counter = counted.get((method, route, status))
            if counter is None:
                counter = counted[(method, route, status)] = REQUESTS.labels(method, route, str(status))
            histogram = timed.get((method, route))
            if histogram is None:
                histogram = timed[(method, route)] = LATENCY.labels(method, route)
            counter.inc()
            histogram.observe(time.perf_counter() - start)

    return middleware
