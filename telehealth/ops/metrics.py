"""Prometheus metrics for the web processes and the workers, on a port of their own.

Labels name routes by template, tasks by name and channels by kind: never a patient, a user or
any other id. Under gunicorn or a prefork worker set PROMETHEUS_MULTIPROC_DIR (an empty folder
per deployment unit) before the processes start: each process writes its figures there and the
process serving the port adds them up. The port is never the API's: it is left unpublished, and
with METRICS_TOKEN set a scrape must also send `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, select
from sqlalchemy.pool import Pool

from telehealth.common.time import utcnow
from telehealth.extensions import db
from telehealth.jobs.models import OutboxJob
from telehealth.ops import multiproc
from telehealth.reminders.models import Notification, Status

log = logging.getLogger(__name__)
multiproc.ensure_dir()  # before the first metric below is made

REQUESTS = Counter("telehealth_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "telehealth_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
IN_FLIGHT = Gauge(
    "telehealth_http_requests_in_flight", "HTTP requests being answered now", multiprocess_mode="livesum"
)
POOL_IN_USE = Gauge(
    "telehealth_db_pool_connections_in_use",
    "Database connections checked out of the pool now",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "telehealth_db_pool_connections_open",
    "Database connections the pool holds open (in use or idle)",
    multiprocess_mode="livesum",
)
TASKS = Counter("telehealth_tasks", "Celery tasks finished, by name and outcome", ["task", "outcome"])
TASK_DURATION = Histogram(
    "telehealth_task_duration_seconds",
    "Time a Celery task ran",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)
DELIVERIES = Counter(
    "telehealth_reminder_delivery_attempts",
    "Reminder sends tried, by channel and outcome (sent, transient, permanent, ambiguous, not_configured)",
    ["channel", "outcome"],
)


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def delivery_attempted(channel: str, outcome: str) -> None:
    DELIVERIES.labels(channel=channel, outcome=outcome).inc()


# The web processes: one figure per request, the template as route (unmatched paths share one label).


def init_app(app: Flask) -> None:
    def _started() -> None:
        g.metrics_started = time.perf_counter()
        IN_FLIGHT.inc()

    app.before_request_funcs.setdefault(None, []).insert(0, _started)

    @app.after_request
    def _count(response: Response) -> Response:
        started = g.get("metrics_started")
        if started is not None:
            rule = request.url_rule
            labels = {
                # A client chooses the method: any other word must not make a new series.
                "method": request.method if request.method in METHODS else "other",
                "route": rule.rule if rule is not None else "<unmatched>",
                "status": str(response.status_code),
            }
            REQUESTS.labels(**labels).inc()
            LATENCY.labels(**labels).observe(time.perf_counter() - started)
        return response

    @app.teardown_request
    def _done(_: BaseException | None) -> None:
        if g.pop("metrics_started", None) is not None:
            IN_FLIGHT.dec()

    _watch_pools()


_pools_watched = False


def _watch_pools() -> None:
    """Every SQLAlchemy pool of the process: connections open and checked out."""
    global _pools_watched
    if _pools_watched:
        return
    _pools_watched = True
    event.listen(Pool, "connect", lambda *_: POOL_OPEN.inc())
    event.listen(Pool, "close", lambda *_: POOL_OPEN.dec())
    event.listen(Pool, "close_detached", lambda *_: POOL_OPEN.dec())
    event.listen(Pool, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(Pool, "checkin", lambda *_: POOL_IN_USE.dec())


# The workers: tasks by name and outcome (Celery signals), the outboxes read at scrape time.

_task_started: dict[str, float] = {}


def on_task_start(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def on_task_end(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    from telehealth.ops.logs import task_outcome

    name = getattr(task, "name", None) or "unknown"
    TASKS.labels(task=name, outcome=task_outcome(state)).inc()
    started = _task_started.pop(task_id or "", None)
    if started is not None:
        TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)


def connect_celery() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(on_task_start, weak=False, dispatch_uid="telehealth.metrics.prerun")
    task_postrun.connect(on_task_end, weak=False, dispatch_uid="telehealth.metrics.postrun")
    _watch_pools()


class OutboxCollector:
    """The reminder outbox by status, the age of the oldest due reminder and the job backlog, read now."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        rows = GaugeMetricFamily(
            "telehealth_reminder_outbox_rows", "Reminder outbox rows by status", labels=["status"]
        )
        oldest = GaugeMetricFamily(
            "telehealth_reminder_oldest_due_age_seconds",
            "How long the oldest reminder that is due and not yet sent has waited (0 when none)",
        )
        backlog = GaugeMetricFamily(
            "telehealth_job_outbox_backlog", "Queued jobs not yet handed to the broker"
        )
        up = GaugeMetricFamily("telehealth_metrics_database_up", "1 when the outbox figures could be read")
        try:
            with self.app.app_context():
                counts, due_since, waiting = self._read()
        except Exception as exc:  # a scrape must answer even with the database away
            log.warning("outbox metrics unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        for status in Status:
            rows.add_metric([status.value], counts.get(status.value, 0))
        now = utcnow()
        oldest.add_metric([], max((now - due_since).total_seconds(), 0.0) if due_since else 0.0)
        backlog.add_metric([], waiting)
        up.add_metric([], 1)
        yield from (rows, oldest, backlog, up)

    @staticmethod
    def _read() -> tuple[dict[str, int], Any, int]:
        try:
            rows = db.session.execute(
                select(Notification.status, func.count()).group_by(Notification.status)
            ).all()
            counts: dict[str, int] = {status: count for status, count in rows}
            due_since = db.session.scalar(
                select(func.min(Notification.next_attempt_at)).where(
                    Notification.status.in_([Status.PENDING, Status.QUEUED, Status.SENDING]),
                    Notification.next_attempt_at <= utcnow(),
                )
            )
            if due_since is not None and due_since.tzinfo is None:  # SQLite keeps naive UTC
                due_since = due_since.replace(tzinfo=utcnow().tzinfo)
            waiting = db.session.scalar(
                select(func.count()).select_from(OutboxJob).where(OutboxJob.dispatched_at.is_(None))
            )
            return counts, due_since, int(waiting or 0)
        finally:
            db.session.rollback()


# Serving: a small threaded HTTP server on its own port.


class _Union:
    """The process's own registry (single-process mode) as one collector of the served registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        return self.source.collect()


def registry(extra: Iterable[Any] = ()) -> CollectorRegistry:
    """What a scrape sees: every process's figures (multiprocess mode) or this one's, and `extra`."""
    served = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(served)
    else:
        served.register(_Union(REGISTRY))
    for collector in extra:
        served.register(collector)
    return served


def _guarded(app: Callable[..., Any], token: str | None) -> Callable[..., Any]:
    expected = f"Bearer {token}".encode() if token else None

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        presented = environ.get("HTTP_AUTHORIZATION", "").encode()
        if expected is not None and not hmac.compare_digest(presented, expected):
            start_response(
                "401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")]
            )
            return [b"a bearer token is required\n"]
        return app(environ, start_response)

    return guarded


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every few seconds: no access log
        pass


def serve(
    port: int, address: str = "127.0.0.1", token: str | None = None, extra: Iterable[Any] = ()
) -> WSGIServer:
    """Serve /metrics (any path answers) on a thread of its own; returns the server (for shutdown())."""
    app = _guarded(make_wsgi_app(registry(extra)), token)
    server = make_server(address, port, app, server_class=_Server, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics served on port %d", port)
    return server


def serve_configured(config: Any, extra: Iterable[Any] = ()) -> WSGIServer | None:
    """Serve on METRICS_PORT (at METRICS_ADDRESS, behind METRICS_TOKEN if set); nothing when unset."""
    port = config.get("METRICS_PORT") if isinstance(config, dict) else getattr(config, "METRICS_PORT", None)
    if not port:
        return None
    get = config.get if isinstance(config, dict) else lambda name: getattr(config, name, None)
    return serve(int(port), get("METRICS_ADDRESS") or "127.0.0.1", get("METRICS_TOKEN"), extra)
