"""Promise 8: transport and headers, on every answer the API gives, errors included."""

from __future__ import annotations

import re

from telehealth import create_app
from tests.security.world import World, api_routes

EVIL = "https://evil.example"


def _answers(world: World):
    """Every readable route as a caller allowed to read it, plus the error answers."""
    for route in api_routes(world.app):
        if route.method == "GET" and not route.policy.public:
            yield route.label, world.api.get(route.path(world.mine.ids), world.allowed_caller(route))
    client = world.api.client()
    yield "401", client.get(f"/api/v1/patients/{world.mine.ids['patient_id']}")
    yield "404", client.get("/api/v1/no-such-thing")
    yield "405", client.delete("/api/v1/me")
    yield (
        "413",
        client.post("/api/v1/auth/login", data="x" * (3 * 1024 * 1024), content_type="application/json"),
    )
    yield "docs", client.get("/docs")
    yield "openapi", client.get("/openapi.json")
    yield "static", client.get("/static/apidocs/docs.js")


def test_every_answer_carries_the_security_headers_and_patient_data_is_never_stored(world):
    problems, count = [], 0
    for where, response in _answers(world):
        count += 1
        headers = response.headers
        if headers.get("X-Content-Type-Options") != "nosniff":
            problems.append(f"{where}: X-Content-Type-Options")
        if headers.get("Referrer-Policy") != "no-referrer":
            problems.append(f"{where}: Referrer-Policy")
        if "frame-ancestors 'none'" not in headers.get("Content-Security-Policy", ""):
            problems.append(f"{where}: CSP lets the page be framed")
        if "Strict-Transport-Security" in headers:
            problems.append(f"{where}: HSTS outside production")
        if where not in ("docs", "openapi", "static") and "no-store" not in headers.get("Cache-Control", ""):
            problems.append(f"{where}: {response.status_code} may be cached ({headers.get('Cache-Control')})")
    assert count > 30
    assert problems == []


def test_production_answers_carry_a_year_of_hsts_including_subdomains():
    app = create_app("production", {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    client = app.test_client()
    for response in (client.get("/healthz"), client.get("/api/v1/me"), client.get("/docs")):
        hsts = response.headers["Strict-Transport-Security"]
        assert int(re.search(r"max-age=(\d+)", hsts)[1]) >= 31_536_000
        assert "includeSubDomains" in hsts


def test_the_docs_page_runs_only_the_backends_own_files(client):
    csp = dict(
        part.strip().split(" ", 1)
        for part in client.get("/docs").headers["Content-Security-Policy"].split(";")
        if " " in part.strip()
    )
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert "'unsafe-inline'" not in " ".join(csp.values())
    assert "'unsafe-eval'" not in " ".join(csp.values())
    assert not [value for value in csp.values() if "http" in value or "*" in value]
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert client.get("/api/v1/me").headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_cross_origin_requests_get_no_cors_grant(world):
    client = world.api.client()
    preflight = client.options(
        "/api/v1/me",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    token = world.api.token_for(world.mine.patient)
    read = client.get("/api/v1/me", headers={"Origin": EVIL, "Authorization": f"Bearer {token}"})
    assert read.status_code == 200
    for response in (preflight, read):
        assert not [
            name for name, _ in response.headers.items() if name.lower().startswith("access-control-")
        ]


def test_a_body_over_the_cap_is_refused_before_anyone_signs_in(client):
    response = client.post(
        "/api/v1/auth/tokens", data=b"{" + b" " * (2 * 1024 * 1024) + b"}", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    assert (
        client.post("/api/v1/auth/tokens", json={"email": "a@b.org", "password": "x" * 20}).status_code == 401
    )
