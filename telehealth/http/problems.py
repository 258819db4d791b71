"""Every error answer as RFC 9457 problem+json: the domain exceptions, werkzeug's, APIFlask's."""

from __future__ import annotations

import contextlib
import logging
import math
import time
from http import HTTPStatus
from typing import Any

from apiflask import APIFlask, HTTPError
from flask import Response, json
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError

from telehealth.errors import DomainError
from telehealth.extensions import db, limiter

log = logging.getLogger(__name__)
PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}
# Seconds a client should wait before retrying while the database restarts or fails over.
DATABASE_RETRY_AFTER = "2"


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """APIFlask nests errors by location ({"json": {"a.b": [...]}}); clients want field paths."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, path))
    elif isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        flat[prefix or "_schema"] = list(errors)
    else:
        flat[prefix or "_schema"] = [str(errors)]
    return flat


def _strip_location(errors: dict[str, Any]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for location, fields in errors.items():
        for field, messages in _flatten(fields).items():
            # Query and path fields keep their name; the body's root is "_schema".
            name = field if location in ("json", "query", "path", "view_args") else f"{location}.{field}"
            merged.setdefault(name, []).extend(messages)
    return merged


def _limiter_retry_after() -> str:
    """Seconds until the limit this request ran into lets the next attempt through."""
    current = limiter.current_limit
    reset_at = current.reset_at if current is not None else time.time() + 60
    return str(max(1, math.ceil(reset_at - time.time())))


def init_app(app: APIFlask) -> None:
    """Every error, whichever part of the app raised it, answers as problem+json."""
    app.config["HTTP_ERROR_SCHEMA"] = PROBLEM_SCHEMA
    app.config["VALIDATION_ERROR_SCHEMA"] = PROBLEM_SCHEMA

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def handle_database_unavailable(error: SQLAlchemyError) -> Response:
        # A lost connection is the database's state, not the request's fault: tell the client to retry.
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
        return problem(
            503,
            "The database is briefly unavailable; retry the request.",
            headers={"Retry-After": DATABASE_RETRY_AFTER},
        )

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Response:
        db.session.rollback()
        return problem(
            error.status,
            error.detail,
            title=error.title,
            errors=error.errors,
            headers=error.headers,
        )

    @app.error_processor
    def handle_http_error(error: HTTPError) -> Response:
        # Every werkzeug error and validation failure passes through here.
        if error.status_code >= 500:
            db.session.rollback()
        errors = None
        if error.status_code == 422 and isinstance(error.detail, dict):
            errors = _strip_location(error.detail)
        detail = error.message
        if error.status_code == 422:
            detail = "One or more fields are invalid."
        elif error.status_code >= 500:
            detail = "The server could not complete the request; it has been logged."
        # Werkzeug writes any header value as str(value); doing it here keeps problem()'s type.
        headers = {key: str(value) for key, value in dict(error.headers or {}).items()}
        headers.pop("Content-Type", None)
        if error.status_code == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = _limiter_retry_after()
        return problem(error.status_code, detail, errors=errors, headers=headers)
