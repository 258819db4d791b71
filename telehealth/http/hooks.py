"""Request hooks: request ids, security headers, the body read once within its cap."""

from __future__ import annotations

import re
import uuid

from apiflask import APIFlask
from flask import Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from telehealth.http.edge import BODY_METHODS, ApiRequest, StrictJSONProvider

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
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
# /clinic/ (the clinic console) likewise; no service worker and no manifest there.
CLINIC_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "media-src 'self' https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _read_body_within_the_cap() -> None:
    if request.method in BODY_METHODS:
        request.get_data(cache=True)  # 413 here, once, for a body over MAX_CONTENT_LENGTH


def init_app(app: APIFlask) -> None:
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
        elif request.path == "/clinic" or request.path.startswith("/clinic/"):
            response.headers["Content-Security-Policy"] = CLINIC_CSP
        else:
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        if request.path.startswith("/api/"):
            # Patient data must never sit in a shared or browser cache.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        if app.config["ENV_NAME"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
