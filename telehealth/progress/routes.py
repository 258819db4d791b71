"""Progress logs: single and batch writes that are safe to retry, and the patient's log list."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from telehealth.audit import service as audit
from telehealth.http import ANYONE, PATIENT_AND_CARE_TEAM, actor, policy
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT
from telehealth.progress import schemas, service

bp = APIBlueprint("progress", __name__, url_prefix="/api/v1", tag="Progress")


@bp.post("/patients/<uuid:patient_id>/progress-logs")
@policy("progress_log.create", roles=PATIENT_AND_CARE_TEAM, scope=PATIENT)
@bp.input(schemas.ProgressLogIn, arg_name="body")
@bp.output(schemas.ProgressLogOut, status_code=201, description="The log was stored")
@bp.doc(
    responses={
        200: "This id was stored before with the same body: the stored log, nothing added",
        404: "The assignment is not this patient's",
        409: "This id was stored before with a different body",
    }
)
def create_progress_log(patient: Patient, body: schemas.ProgressLogIn) -> Any:
    """201 with the new log; the same `id` and body again: 200 with the stored log; another body: 409."""
    log, created = service.record_log(actor(), patient, body.fields())
    audit.target(resource_id=log.id)
    return log, 201 if created else 200


@bp.post("/patients/<uuid:patient_id>/progress-logs/batch")
@policy("progress_log.batch", roles=PATIENT_AND_CARE_TEAM, scope=PATIENT)
@bp.input(schemas.BatchIn, arg_name="body")
@bp.output(schemas.BatchOut)
def create_progress_logs(patient: Patient, body: schemas.BatchIn) -> Any:
    """Up to 500 logs, each answered on its own: created, duplicate, conflict or invalid."""
    entries = [service.LogInput(*schemas.parse_log(raw)) for raw in body.logs]
    return {"results": service.record_logs(actor(), patient, entries)}


@bp.get("/patients/<uuid:patient_id>/progress-logs")
@policy("progress_log.list", roles=ANYONE, scope=PATIENT)
@bp.input(schemas.ProgressLogQuery, location="query", arg_name="query")
@bp.output(schemas.ProgressLogPage)
def list_progress_logs(patient: Patient, query: schemas.ProgressLogQuery) -> Any:
    """Newest first."""
    return service.list_logs(
        patient,
        start=query.from_,
        end=query.to,
        assignment_id=query.assignment_id,
        page=query.page,
        per_page=query.per_page,
    )
