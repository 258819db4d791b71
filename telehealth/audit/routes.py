from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from telehealth.audit import schemas, service
from telehealth.http import STAFF_ONLY, policy

bp = APIBlueprint("audit", __name__, url_prefix="/api/v1", tag="Audit")


@bp.get("/audit-events")
@policy("audit.read", roles=STAFF_ONLY, resource_type="audit_event")
@bp.input(schemas.AuditQuery, location="query", arg_name="query")
@bp.output(schemas.AuditEventPage)
def list_audit_events(query: schemas.AuditQuery) -> Any:
    return service.list_events(
        patient_id=query.patient_id,
        actor_id=query.actor_id,
        start=query.from_,
        end=query.to,
        page=query.page,
        per_page=query.per_page,
    )
