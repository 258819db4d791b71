"""Video visits (the API's /sessions): booking, the lifecycle, joining and the calendar file."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from apiflask.types import ResponsesObjectType
from flask import Response

from telehealth.accounts.models import Role
from telehealth.audit import service as audit
from telehealth.http import (
    ANYONE,
    CLINICIANS,
    PATIENT_AND_CARE_TEAM,
    THERAPISTS,
    Scope,
    actor,
    policy,
)
from telehealth.scheduling import service as scheduling
from telehealth.visits import schemas, service
from telehealth.visits.models import Visit

bp = APIBlueprint("visits", __name__, url_prefix="/api/v1", tag="Visits")
CALENDAR_RESPONSES: ResponsesObjectType = {
    200: {
        "description": "The visit as an iCalendar event",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}

# Out of the caller's own visits is 404, whatever the role.
VISIT = Scope("visit_id", service.get_visible_visit, "visit", "visit", owner=service.visit_owner)
PATIENT_VIEW = "Patients receive the visit with only the plan of the notes."


def _shown(visit: Visit) -> Any:
    return schemas.visit_out(actor().role, visit)


@bp.post("/sessions")
@policy("visit.create", roles=ANYONE, resource_type="visit")
@bp.doc(
    description="Staff book any kind for a patient they see. A patient books a follow-up with their own "
    "therapist into an open slot (GET /slots?kind=follow_up): 409 when it is not open.",
    responses={409: "Overlaps a visit of the therapist or patient, or (a patient booking) not an open slot"},
)
@bp.input(schemas.VisitIn, arg_name="body")
@bp.output(schemas.VisitOut, status_code=201, description=PATIENT_VIEW)
def create_session(body: schemas.VisitIn) -> Any:
    user = actor()
    if user.role == Role.PATIENT:
        own = scheduling.patient_of_user(user)
        audit.target(patient_id=own.id if own else None)
        visit = scheduling.book_follow_up(user, **body.model_dump())
    else:
        audit.target(patient_id=body.patient_id)  # a refused booking is still filed under that patient
        visit = service.schedule(user, **body.model_dump())
    audit.target(resource_id=visit.id)
    return _shown(visit)


@bp.get("/sessions")
@policy("visit.list", roles=ANYONE, resource_type="visit")
@bp.input(schemas.VisitQuery, location="query", arg_name="query")
@bp.output(schemas.VisitPage, description=PATIENT_VIEW)
def list_sessions(query: schemas.VisitQuery) -> Any:
    user = actor()
    audit.target(patient_id=service.listed_patient_id(user, query.patient_id))
    page = service.list_visits(
        user,
        start=query.from_,
        end=query.to,
        status=query.status,
        patient_id=query.patient_id,
        page=query.page,
        per_page=query.per_page,
    )
    return schemas.visit_page(user.role, page)


@bp.get("/sessions/<uuid:visit_id>")
@policy("visit.read", roles=ANYONE, scope=VISIT)
@bp.output(schemas.VisitOut, description=PATIENT_VIEW)
def get_session(visit: Visit) -> Any:
    return _shown(visit)


@bp.patch("/sessions/<uuid:visit_id>")
@policy("visit.reschedule", roles=CLINICIANS, scope=VISIT)
@bp.input(schemas.RescheduleIn, arg_name="body")
@bp.output(schemas.VisitOut)
def reschedule_session(visit: Visit, body: schemas.RescheduleIn) -> Any:
    return _shown(service.reschedule(visit, **body.model_dump(exclude_unset=True)))


@bp.post("/sessions/<uuid:visit_id>/cancel")
@policy("visit.cancel", roles=ANYONE, scope=VISIT)
@bp.input(schemas.CancelIn, arg_name="body")
@bp.output(schemas.VisitOut, description=PATIENT_VIEW)
def cancel_session(visit: Visit, body: schemas.CancelIn) -> Any:
    return _shown(service.cancel(actor(), visit, body.reason))


@bp.post("/sessions/<uuid:visit_id>/join")
@policy("visit.join", roles=PATIENT_AND_CARE_TEAM, scope=VISIT)
@bp.output(schemas.JoinOut)
def join_session(visit: Visit) -> Any:
    return service.join_link(actor(), visit)


@bp.post("/sessions/<uuid:visit_id>/start")
@policy("visit.start", roles=THERAPISTS, scope=VISIT)
@bp.output(schemas.VisitOut)
def start_session(visit: Visit) -> Any:
    return _shown(service.start(visit))


@bp.post("/sessions/<uuid:visit_id>/complete")
@policy("visit.complete", roles=THERAPISTS, scope=VISIT)
@bp.input(schemas.CompleteIn, arg_name="body")
@bp.output(schemas.VisitOut)
def complete_session(visit: Visit, body: schemas.CompleteIn) -> Any:
    return _shown(service.complete(visit, body.notes.model_dump()))


@bp.post("/sessions/<uuid:visit_id>/no-show")
@policy("visit.no_show", roles=THERAPISTS, scope=VISIT)
@bp.output(schemas.VisitOut)
def mark_session_no_show(visit: Visit) -> Any:
    return _shown(service.mark_no_show(visit))


@bp.get("/sessions/<uuid:visit_id>/calendar.ics")
@policy("visit.calendar", roles=PATIENT_AND_CARE_TEAM, scope=VISIT)
@bp.doc(responses=CALENDAR_RESPONSES)
def get_session_calendar(visit: Visit) -> Response:
    response = Response(service.calendar_file(actor(), visit), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="video-visit.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response
