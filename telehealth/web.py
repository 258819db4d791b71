"""Request plumbing: request ids, JSON body rules, security headers, logging."""

from __future__ import annotations

import json
import logging
import math
import re
import uuid
from collections.abc import Iterable
from typing import Any

from apiflask import APIFlask
from flask import Request, Response, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from telehealth.errors import BadRequest, UnsupportedMediaType, ValidationFailed

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
QUERY_STRING = re.compile(r"(/[^\s?\"']*)\?[^\s\"']+")
# /docs runs only our own files (vendored Swagger UI); data: images are the icons inside its CSS.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# /app/ (the patient app) runs only our own modules; exercise media may come from any https host.
APP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "media-src 'self' https:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# No body the API takes nests deeper than a few levels; anything far deeper is an attack.
MAX_JSON_DEPTH = 32
# PostgreSQL text cannot hold NUL, and an unpaired surrogate cannot be encoded as UTF-8.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "must be text without NUL characters or unpaired surrogates"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ApiRequest(Request):
    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False) -> Any:
        unread = getattr(self, "_cached_data", None) is None
        data = super().get_data(cache, as_text, parse_form_data)  # type: ignore[call-overload]
        if unread:
            self._refuse_streamed_excess()
        return data

    def _refuse_streamed_excess(self) -> None:
        # Werkzeug stops a streamed (chunked) body at the cap without a word; one byte more is a 413.
        limit = self.max_content_length
        if self.content_length is not None or limit is None or self.stream.tell() < limit:
            return
        if self.input_stream.read(1):
            raise RequestEntityTooLarge()

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        # An empty body reads as "no fields"; the schema then names what is missing.
        if not self.get_data(cache=True):
            return None
        raise BadRequest(f"The body is not valid JSON: {e}." if e else "The body is not valid JSON.")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body = dict(pairs)
    if len(body) != len(pairs):
        raise ValueError("a key appears twice in one object")
    return body


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _deeper_than(data: Any, limit: int) -> bool:
    level: list[Any] = [data]
    for _ in range(limit):
        level = [v for item in level if isinstance(item, dict | list) for v in _children(item)]
        if not level:
            return False
    return any(isinstance(item, dict | list) for item in level)


def _children(item: dict | list) -> Iterable[Any]:
    return item.values() if isinstance(item, dict) else item


class StrictJSONProvider(DefaultJSONProvider):
    """JSON as RFC 8259 means it: no NaN or Infinity, no duplicate keys, no absurd depth."""

    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("object_pairs_hook", _unique_keys)
        kwargs.setdefault("parse_float", _finite)
        kwargs.setdefault("parse_constant", _no_constant)
        too_deep = ValueError(f"it nests deeper than {MAX_JSON_DEPTH} levels")
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise too_deep from None
        if _deeper_than(data, MAX_JSON_DEPTH):
            raise too_deep
        return data


def refuse_unacceptable_input(view: Any) -> None:
    """The edge, for every route: the body's type and shape, and text no database can store.

    Runs after the policy has decided who may call (so 401, 403 and 404 come first) and before any
    field is validated: 415 wrong content type, 400 not a JSON object or an unknown query
    parameter holding unstorable text, 422 naming each field whose text is unstorable.
    """
    spec = getattr(view, "_spec", {})
    body = _json_object() if "body" in spec and request.method in BODY_METHODS else None
    fields = _query_fields(spec)
    errors: dict[str, list[str]] = {}
    for name, value in request.args.items(multi=True):
        if not _storable(name) or (name not in fields and not _storable(value)):
            raise BadRequest("A query parameter that is not a field of this route holds unstorable text.")
        if not _storable(value):
            errors[name] = [UNSTORABLE_MESSAGE]
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and not _storable(value):
            errors[name] = [UNSTORABLE_MESSAGE]
    for path in unstorable_paths(body):
        errors[path] = [UNSTORABLE_MESSAGE]
    if errors:
        raise ValidationFailed(errors)


def _json_object() -> dict[str, Any] | None:
    data = request.get_data(cache=True)
    if not data and not request.content_type:
        return None  # no body at all: a body whose fields are all optional may be left out
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as application/json (or another +json type).")
    if not data:
        return None
    body = request.get_json(force=True)  # invalid JSON raises a 400 of its own
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def _query_fields(spec: dict[str, Any]) -> frozenset[str]:
    names: set[str] = set()
    for schema, location in spec.get("args") or ():
        if location in ("query", "querystring"):
            for name, info in getattr(schema, "model_fields", {}).items():
                names.add(info.alias or name)
    return frozenset(names)


def _storable(text: str) -> bool:
    return UNSTORABLE_TEXT.search(text) is None


def unstorable_paths(data: Any) -> list[str]:
    """Dotted paths ("logs.0.notes") of every string, or key, in a JSON value that cannot be stored."""
    found: list[str] = []
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str) and not _storable(value):
            found.append(path or "_schema")
        elif isinstance(value, dict):
            for key, item in value.items():
                if _storable(key):
                    pending.append((f"{path}.{key}" if path else key, item))
                else:
                    found.append(path or "_schema")  # a key can name no field; blame its object
        elif isinstance(value, list):
            pending.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return sorted(set(found))


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class _RedactQueryStrings(logging.Filter):
    """Access logs keep the path, never the query: it can carry a patient's name or a link's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = QUERY_STRING.sub(r"\1?[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _read_body_within_the_cap() -> None:
    if request.method in BODY_METHODS:
        request.get_data(cache=True)  # 413 here, once, for a body over MAX_CONTENT_LENGTH


def configure_logging(app: APIFlask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger("telehealth")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    access = logging.getLogger("werkzeug")
    if not any(isinstance(f, _RedactQueryStrings) for f in access.filters):
        access.addFilter(_RedactQueryStrings())


def register_hooks(app: APIFlask) -> None:
    app.request_class = ApiRequest
    app.json = StrictJSONProvider(app)
    # First of all hooks: the rate limiter's keys read the body too, and any error raised there
    # would make it drop its counts and switch to in-memory storage.
    app.before_request_funcs.setdefault(None, []).insert(0, _read_body_within_the_cap)
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    @app.before_request
    def _request_id() -> None:
        # Identity is decided per request, never inherited from an enclosing app context.
        for key in ("_login_user", "credential", "audit_entry"):
            g.pop(key, None)
        presented = request.headers.get("X-Request-ID", "")
        g.request_id = presented if REQUEST_ID.match(presented) else uuid.uuid4().hex

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/docs"):
            response.headers["Content-Security-Policy"] = DOCS_CSP
        elif request.path == "/app" or request.path.startswith("/app/"):
            response.headers["Content-Security-Policy"] = APP_CSP
        else:
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        if request.path.startswith("/api/"):
            # Patient data must never sit in a shared or browser cache.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        if app.config["ENV_NAME"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
