"""RTM: enrolment with consent, therapist time, a patient's counts and the clinic's monthly list."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from apiflask.types import ResponsesObjectType
from flask import Response, request

from telehealth.audit import service as audit
from telehealth.http import CLINICIANS, THERAPISTS, actor, policy
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT
from telehealth.rtm import schemas, service, sheet
from telehealth.rtm.models import RtmEpisode, TimeEntry

bp = APIBlueprint("rtm", __name__, url_prefix="/api/v1", tag="Remote monitoring")

CSV = "text/csv"
CSV_RESPONSES: ResponsesObjectType = {
    200: {
        "description": "With `Accept: text/csv`: the same rows as CSV (cells that a spreadsheet would read "
        "as a formula start with a single quote)",
        "content": {CSV: {"schema": {"type": "string"}}},
    }
}


@bp.post("/patients/<uuid:patient_id>/rtm/enroll")
@policy("rtm_episode.create", roles=THERAPISTS, scope=PATIENT)
@bp.input(schemas.EnrollIn, arg_name="body")
@bp.output(schemas.EpisodeOut, status_code=201)
def enroll_rtm(patient: Patient, body: schemas.EnrollIn) -> RtmEpisode:
    """Open a monitoring episode once the patient has consented; 409 while another is open."""
    episode = service.enroll(actor(), patient, start_date=body.start_date)
    audit.target(resource_type="rtm_episode", resource_id=episode.id)
    return episode


@bp.post("/patients/<uuid:patient_id>/rtm/end")
@policy("rtm_episode.end", roles=THERAPISTS, scope=PATIENT)
@bp.input(schemas.EndIn, arg_name="body")
@bp.output(schemas.EpisodeOut)
def end_rtm(patient: Patient, body: schemas.EndIn) -> RtmEpisode:
    """End the open episode on its last day; 409 when none is open."""
    episode = service.end_episode(patient, end_date=body.end_date)
    audit.target(resource_type="rtm_episode", resource_id=episode.id)
    return episode


@bp.post("/patients/<uuid:patient_id>/time-entries")
@policy("time_entry.create", roles=THERAPISTS, scope=PATIENT)
@bp.input(schemas.TimeEntryIn, arg_name="body")
@bp.output(schemas.TimeEntryOut, status_code=201)
def create_time_entry(patient: Patient, body: schemas.TimeEntryIn) -> TimeEntry:
    """Record minutes spent on the patient's program; the caller is the author."""
    entry = service.add_time_entry(actor(), patient, **body.model_dump())
    audit.target(resource_type="time_entry", resource_id=entry.id)
    return entry


@bp.get("/patients/<uuid:patient_id>/time-entries")
@policy("time_entry.list", roles=CLINICIANS, scope=PATIENT)
@bp.input(schemas.TimeEntryQuery, location="query", arg_name="query")
@bp.output(schemas.TimeEntryPage)
def list_time_entries(patient: Patient, query: schemas.TimeEntryQuery) -> Any:
    """Newest first."""
    return service.list_time_entries(
        patient, start=query.from_, end=query.to, page=query.page, per_page=query.per_page
    )


@bp.get("/patients/<uuid:patient_id>/rtm")
@policy("rtm.read", roles=CLINICIANS, scope=PATIENT)
@bp.output(schemas.RtmOut)
def get_rtm(patient: Patient) -> service.RtmSummary:
    """The latest episode's 30-day periods, calendar months and set-up, counted up to today."""
    return service.summarize(patient)


@bp.get("/billing/rtm")
@policy("rtm_billing.list", roles=CLINICIANS, resource_type="rtm_billing")
@bp.input(schemas.BillingQuery, location="query", arg_name="query")
@bp.output(schemas.BillingPage)
@bp.doc(responses=CSV_RESPONSES)
def list_rtm_billing(query: schemas.BillingQuery) -> Any:
    """A month's codes per enrolled patient: a therapist's caseload, or the clinic's for an admin."""
    caller = actor()
    therapist_id = service.caller_therapist_filter(caller, query.therapist_id)
    month = query.month or service.this_month()
    if request.accept_mimetypes.best_match(["application/json", CSV]) == CSV:
        rows = list(service.billing_rows(caller, month, therapist_id=therapist_id))
        audit.shown([row.patient_id for row in rows])
        filename = f"rtm-{month}.csv"
        return Response(
            sheet.render(rows),
            mimetype=CSV,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    page = service.billing_page(
        caller, month, therapist_id=therapist_id, page=query.page, per_page=query.per_page
    )
    audit.shown([row.patient_id for row in page.items])
    return page
