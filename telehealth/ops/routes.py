"""Liveness and readiness for load balancers and orchestrators, and the OpenAPI document."""

from __future__ import annotations

import logging
from typing import Any

from apiflask import APIBlueprint
from apiflask.types import ResponsesObjectType
from flask import current_app
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from telehealth.common.schemas import OutputModel
from telehealth.extensions import db
from telehealth.http import PUBLIC, policy, problem

bp = APIBlueprint("ops", __name__, tag="Operations")
OPENAPI_RESPONSES: ResponsesObjectType = {
    200: {
        "description": "The OpenAPI 3 document",
        "content": {"application/json": {}},
    }
}
log = logging.getLogger(__name__)


class HealthOut(OutputModel):
    status: str
    checks: dict[str, str] = {}


@bp.get("/healthz")
@policy(None, roles=PUBLIC)
@bp.output(HealthOut)
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


def _check_database() -> None:
    db.session.execute(text("SELECT 1"))


def _check_broker() -> None:
    with current_app.extensions["celery"].connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)


@bp.get("/readyz")
@policy(None, roles=PUBLIC)
@bp.output(HealthOut)
@bp.doc(responses={503: "A dependency named in `checks` is failing"})
def readyz() -> Any:
    checks: dict[str, str] = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure means not ready; report, don't raise
            log.warning("readiness check %s failed: %s", name, type(exc).__name__)
            checks[name] = "failing"
            if name == "database":
                db.session.rollback()
    failing = sorted(name for name, state in checks.items() if state != "ok")
    if failing:
        return problem(503, f"Not ready: {', '.join(failing)} failing.", extra={"checks": checks})
    return {"status": "ok", "checks": checks}


@bp.get("/api/v1/openapi.json")
@policy(None, roles=PUBLIC)
@bp.doc(
    summary="The OpenAPI document",
    operation_id="getOpenApiDocument",
    description="This document, as at `/openapi.json`; the page at `/docs` reads it.",
    responses=OPENAPI_RESPONSES,
)
def openapi_document() -> ResponseReturnValue:
    # The very answer APIFlask gives at /openapi.json: one document, whichever path asks.
    return current_app.ensure_sync(current_app.view_functions["openapi.spec"])()
