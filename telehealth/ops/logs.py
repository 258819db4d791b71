"""Logs: one line per request and per task, JSON in production, readable in development.

Each line carries the request id; a task queued by a request carries that request's id too (a
message header set at publish, read back when the task starts). Lines name the route template,
never the path or the query (they can hold a patient's name or a link's token), and the user by id.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

REQUEST_ID_HEADER = "telehealth_request_id"
QUERY_STRING = re.compile(r"(/[^\s?\"']*)\?[^\s\"']+")
# The fields a request or task line adds; the text format prints them as key=value.
FIELDS = ("method", "route", "status", "duration_ms", "user_id", "task", "task_id", "outcome")

requests_log = logging.getLogger("telehealth.requests")
tasks_log = logging.getLogger("telehealth.tasks")
_task_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_task_started: dict[str, float] = {}


def current_request_id() -> str | None:
    """This request's id, or in a task the id of the request that queued it."""
    if has_request_context():
        return g.get("request_id")
    return _task_request_id.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class RedactQueryStrings(logging.Filter):
    """Access logs keep the path, never the query: it can carry a patient's name or a link's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = QUERY_STRING.sub(r"\1?[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}{request_id}",
        style="{",
        timestamp="time",
        rename_fields={"levelname": "level", "name": "logger"},
    )


class TextFormatter(logging.Formatter):
    """One readable line: time, level, request id, logger, message, then the request or task fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        line = super().format(record)
        extras = " ".join(f"{k}={getattr(record, k)}" for k in FIELDS if getattr(record, k, None) is not None)
        return f"{line} {extras}" if extras else line


def configure(app: Flask) -> None:
    """The app's loggers: LOG_FORMAT `json` (production's default) or `text` (elsewhere)."""
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger("telehealth")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    access = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactQueryStrings) for f in access.filters):
        access.addFilter(RedactQueryStrings())


def _user_id() -> str | None:
    credential = g.get("credential")
    if credential is None:
        return None
    # The identity key needs no query, even when the commit has expired the user object.
    identity = inspect(credential.user).identity
    return str(identity[0]) if identity else None


def init_app(app: Flask) -> None:
    def _started() -> None:
        g.log_started = time.perf_counter()

    # Before every other hook, so a request refused early (413 at the body cap) is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _started)

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("log_started")
        duration = time.perf_counter() - started if started is not None else 0.0
        requests_log.log(
            logging.ERROR if response.status_code >= 500 else logging.INFO,
            "request",
            extra={
                "method": request.method,
                "route": route_template(),
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "user_id": _user_id(),
            },
        )
        return response


def route_template() -> str:
    """The matched rule (`/api/v1/patients/<uuid:patient_id>`), never the path a client sent."""
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


# Celery: the request id rides on the message; each task ends with one line.


def on_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id()
    if headers is not None and request_id:
        headers[REQUEST_ID_HEADER] = request_id


def _request_id_of(task: Any) -> str | None:
    value = getattr(task.request, REQUEST_ID_HEADER, None)
    if value is None:
        value = (getattr(task.request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    return value if isinstance(value, str) else None


def on_task_start(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    _task_request_id.set(_request_id_of(task) if task is not None else None)
    if task_id:
        _task_started[task_id] = time.perf_counter()


OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried", "IGNORED": "ignored"}


def task_outcome(state: str | None) -> str:
    return OUTCOMES.get(state or "", (state or "unknown").lower())


def on_task_end(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    started = _task_started.pop(task_id or "", None)
    duration = time.perf_counter() - started if started is not None else 0.0
    outcome = task_outcome(state)
    tasks_log.log(
        logging.ERROR if outcome == "failed" else logging.INFO,
        "task",
        extra={
            "task": getattr(task, "name", None),
            "task_id": task_id,
            "outcome": outcome,
            "duration_ms": round(duration * 1000, 2),
        },
    )
    _task_request_id.set(None)


def connect_celery() -> None:
    """Once per process: the publish and task signals (weak=False: these are module functions anyway)."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(on_publish, weak=False, dispatch_uid="telehealth.logs.publish")
    task_prerun.connect(on_task_start, weak=False, dispatch_uid="telehealth.logs.prerun")
    task_postrun.connect(on_task_end, weak=False, dispatch_uid="telehealth.logs.postrun")
