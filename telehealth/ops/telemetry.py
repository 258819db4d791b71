"""Optional error reports (Sentry, SENTRY_DSN) and traces (OpenTelemetry, OTEL_EXPORTER_OTLP_ENDPOINT).

Both are off unless configured, and both leave with the patient taken out first:
- Sentry events keep the stack (files, lines, functions) and the route template; exception and
  log messages, request bodies, query strings, headers, cookies, local variables, task arguments
  and every user field but the id are dropped, and any email address left anywhere is masked.
- Spans are ours alone (no auto-instrumentation): a request's span is named by method and route
  template and carries only method, route, status and scheme; a task's span its name and outcome.
  Never a raw path, a query string or an exception message.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, Response, g, request

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

log = logging.getLogger(__name__)

EMAIL = re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+\.[A-Za-z]{2,}")
REDACTED = "[redacted]"
# What an event may keep of its contexts: none of these carry request or patient data.
SAFE_CONTEXTS = ("runtime", "os", "trace", "device", "app")


# Sentry -----------------------------------------------------------------------------------------


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL.sub(REDACTED, value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(item) for item in value]
    return value


def scrub_event(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """Sentry's before_send and before_send_transaction: what may leave of an event."""
    route = event.get("transaction")
    old_request = event.get("request") or {}
    event["request"] = {"method": old_request.get("method")}
    if route:
        event["request"]["url"] = route  # the template (transaction_style="url"), never the path
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    for value in (event.get("exception") or {}).get("values") or []:
        value["value"] = REDACTED  # messages may quote the data that failed (SQL parameters, input)
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    if "logentry" in event:
        event["logentry"] = {"message": REDACTED}
    if "message" in event:
        event["message"] = REDACTED
    event.pop("extra", None)  # Celery's task arguments land here (a reset request's email among them)
    event["contexts"] = {k: v for k, v in (event.get("contexts") or {}).items() if k in SAFE_CONTEXTS}
    for span in event.get("spans") or []:
        span.pop("data", None)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        for crumb in breadcrumbs.get("values") or []:
            crumb.pop("data", None)
    event.pop("tags", None)
    return _mask(event)


def _before_send(event: Event, hint: Hint) -> Event:
    # Sentry types its events as a TypedDict; the scrubber reads and writes them as plain dicts.
    return cast("Event", scrub_event(dict(event), hint))


def init_sentry(app: Flask) -> bool:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    # A failed request or task is reported once, by its integration, not again by its log line.
    ignore_logger("telehealth.requests")
    ignore_logger("telehealth.tasks")

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["ENV_NAME"],
        release=f"telehealth@{app.config['VERSION']}",
        integrations=[FlaskIntegration(transaction_style="url"), CeleryIntegration()],
        # Collect as little as the SDK allows; scrub_event takes out what is left.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        before_send=_before_send,
        before_send_transaction=_before_send,
    )
    return True


# OpenTelemetry ----------------------------------------------------------------------------------


def init_tracing(app: Flask) -> Any:
    """A tracer exporting over OTLP/HTTP, kept on the app (and its Celery app), or None."""
    endpoint = app.config.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(
        resource=Resource.create(
            {
                "service.name": app.config["OTEL_SERVICE_NAME"],
                "service.version": app.config["VERSION"],
                "deployment.environment.name": app.config["ENV_NAME"],
            }
        )
    )
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("telehealth")
    app.extensions["tracer_provider"] = provider
    celery_app = app.extensions.get("celery")
    if celery_app is not None:
        celery_app.telehealth_tracer = tracer
    _trace_requests(app, tracer)
    return provider


def _trace_requests(app: Flask, tracer: Any) -> None:
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    propagator = TraceContextTextMapPropagator()

    def _start() -> None:
        rule = request.url_rule
        route = rule.rule if rule is not None else "<unmatched>"
        g.otel_span = tracer.start_span(
            f"{request.method} {route}",
            context=propagator.extract(dict(request.headers)),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": request.method,
                "http.route": route,
                "url.scheme": request.scheme,
            },
        )

    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _status(response: Response) -> Response:
        span = g.get("otel_span")
        if span is not None:
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                _error(span, None)
        return response

    @app.teardown_request
    def _end(exc: BaseException | None) -> None:
        span = g.pop("otel_span", None)
        if span is not None:
            if exc is not None:
                _error(span, exc)
            span.end()


def _error(span: Any, exc: BaseException | None) -> None:
    from opentelemetry.trace import Status, StatusCode

    # The type only: an exception's message may quote the data that failed.
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__ if exc is not None else None))


# Celery: the request's trace continues in the tasks it queued.

_task_spans: dict[str, Any] = {}


def on_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    from flask import has_request_context

    if headers is None or not has_request_context() or g.get("otel_span") is None:
        return
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    TraceContextTextMapPropagator().inject(headers, context=trace.set_span_in_context(g.otel_span))


def on_task_start(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    tracer = getattr(getattr(task, "app", None), "telehealth_tracer", None)
    if tracer is None or not task_id:
        return
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier = {}
    traceparent = getattr(task.request, "traceparent", None) or (task.request.headers or {}).get(
        "traceparent"
    )
    if isinstance(traceparent, str):
        carrier["traceparent"] = traceparent
    _task_spans[task_id] = tracer.start_span(
        task.name,
        context=TraceContextTextMapPropagator().extract(carrier),
        kind=SpanKind.CONSUMER,
        attributes={"celery.task.name": task.name},
    )


def on_task_end(task_id: str | None = None, state: str | None = None, **_: Any) -> None:
    span = _task_spans.pop(task_id or "", None)
    if span is None:
        return
    from telehealth.ops.logs import task_outcome

    outcome = task_outcome(state)
    span.set_attribute("celery.task.outcome", outcome)
    if outcome == "failed":
        _error(span, None)
    span.end()


def connect_celery() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(on_publish, weak=False, dispatch_uid="telehealth.telemetry.publish")
    task_prerun.connect(on_task_start, weak=False, dispatch_uid="telehealth.telemetry.prerun")
    task_postrun.connect(on_task_end, weak=False, dispatch_uid="telehealth.telemetry.postrun")


def init_app(app: Flask) -> None:
    init_sentry(app)
    init_tracing(app)
