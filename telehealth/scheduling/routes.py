"""Availability, open slots and free screening requests (API.md "Availability, self-booking ...")."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app, request

from telehealth.accounts.models import Role
from telehealth.audit import service as audit
from telehealth.extensions import limiter
from telehealth.http import CLINICIANS, PUBLIC, Scope, actor, optional_actor, policy
from telehealth.scheduling import intake, schemas, service
from telehealth.scheduling.models import ScreeningRequest
from telehealth.visits import schemas as visit_schemas

bp = APIBlueprint("scheduling", __name__, url_prefix="/api/v1", tag="Scheduling")

THERAPIST = Scope("therapist_id", service.get_visible_therapist, "therapist", "availability")
SCREENING = Scope("request_id", intake.get_visible_request, "screening", "screening_request")


# --- throttles ---------------------------------------------------------------------------


def _accepted(response: Any) -> bool:
    # Only requests taken in count: typos and refusals cost nothing, and a 429 for one address
    # never uses up the budget of the others behind the same network address.
    return response.status_code == 202


def _email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "screening-email:" + (email.strip().lower() if isinstance(email, str) else "-")


def _intake_limits(view: Any) -> Any:
    per_email = limiter.limit(
        lambda: current_app.config["SCREENING_REQUEST_LIMIT_PER_EMAIL"],
        key_func=_email_key,
        deduct_when=_accepted,
    )
    per_address = limiter.limit(
        lambda: current_app.config["SCREENING_REQUEST_LIMIT_PER_ADDRESS"], deduct_when=_accepted
    )
    return per_email(per_address(view))


def _bad_token(response: Any) -> bool:
    body = response.get_json(silent=True) if response.status_code == 422 else None
    return isinstance(body, dict) and "token" in (body.get("errors") or {})


def _token_limits(view: Any) -> Any:
    """Failed uses of an emailed link count per address, in the budget every link shares."""
    return limiter.shared_limit(
        lambda: current_app.config["TOKEN_FAILURE_LIMIT_PER_ADDRESS"],
        scope="one-time-token",
        deduct_when=_bad_token,
    )(view)


# --- availability and slots ----------------------------------------------------------------


@bp.get("/therapists/<uuid:therapist_id>/availability")
@policy("availability.read", roles=CLINICIANS, scope=THERAPIST)
@bp.output(schemas.AvailabilityOut)
def get_availability(therapist: Any) -> Any:
    return service.availability_of(therapist)


@bp.put("/therapists/<uuid:therapist_id>/availability")
@policy("availability.update", roles=CLINICIANS, scope=THERAPIST)
@bp.input(schemas.AvailabilityIn, arg_name="body")
@bp.output(schemas.AvailabilityOut)
def put_availability(therapist: Any, body: schemas.AvailabilityIn) -> Any:
    data = body.model_dump(mode="json", exclude_none=True)
    return service.set_availability(
        therapist, timezone=data["timezone"], weekly=data["weekly"], exceptions=data["exceptions"]
    )


@bp.get("/slots")
@policy(None, roles=PUBLIC)
@bp.doc(
    description="Screening slots for anyone; follow-up slots for a signed-in patient with their care "
    "team; any kind for staff. From BOOKING_LEAD_MINUTES ahead to 14 days ahead.",
    responses={
        401: "Follow-up slots were asked for without signing in",
        403: "A patient asked for a kind of visit only the clinic books",
        404: "Self-booking or screening requests are switched off",
    },
)
@bp.input(schemas.SlotQuery, location="query", arg_name="query")
@bp.output(schemas.SlotList)
def list_slots(query: schemas.SlotQuery) -> Any:
    items = service.list_slots(
        optional_actor(), kind=query.kind, start=query.from_, end=query.to, therapist_id=query.therapist_id
    )
    return {"items": items}


# --- screening requests ----------------------------------------------------------------------


@bp.post("/screening-requests")
@_intake_limits
@policy("screening_request.create", roles=PUBLIC, resource_type="screening_request")
@bp.doc(responses={409: "The slot is no longer open", 429: "Too many requests for this email or address"})
@bp.input(schemas.ScreeningRequestIn, arg_name="body")
@bp.output(schemas.ScreeningReceiptOut, status_code=202)
def create_screening_request(body: schemas.ScreeningRequestIn) -> Any:
    fields = body.model_dump(exclude={"consent_to_contact", "website"})
    if body.website:
        # A bot filled in the hidden field: the same answer, and nothing kept or sent.
        audit.target(resource_type="screening_request_discarded")
        return intake.discarded_receipt(), 202
    created = intake.request_screening(**fields)
    audit.target(resource_id=created.id)
    return {"id": created.id, "status": created.status}, 202


@bp.post("/screening-requests/confirm")
@_token_limits
@policy("screening_request.confirm", roles=PUBLIC, resource_type="screening_request")
@bp.input(schemas.ConfirmIn, arg_name="body")
@bp.output(schemas.ScreeningReceiptOut)
def confirm_screening_request(body: schemas.ConfirmIn) -> Any:
    confirmed = intake.confirm(body.token)
    audit.target(resource_id=confirmed.id)
    return {"id": confirmed.id, "status": confirmed.status}


@bp.get("/screening-requests")
@policy("screening_request.list", roles=CLINICIANS, resource_type="screening_request")
@bp.input(schemas.ScreeningRequestQuery, location="query", arg_name="query")
@bp.output(schemas.ScreeningRequestPage)
def list_screening_requests(query: schemas.ScreeningRequestQuery) -> Any:
    page = intake.list_requests(actor(), status=query.status, page=query.page, per_page=query.per_page)
    return {
        "items": [_shown(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }


@bp.get("/screening-requests/<uuid:request_id>")
@policy("screening_request.read", roles=CLINICIANS, scope=SCREENING)
@bp.output(schemas.ScreeningRequestOut)
def get_screening_request(screening: ScreeningRequest) -> Any:
    return _shown(screening)


@bp.post("/screening-requests/<uuid:request_id>/accept")
@policy("screening_request.accept", roles=CLINICIANS, scope=SCREENING)
@bp.doc(responses={409: "Not a confirmed request, the time is no longer free, or the email has an account"})
@bp.input(schemas.AcceptIn, arg_name="body")
@bp.output(schemas.AcceptOut, status_code=201)
def accept_screening_request(screening: ScreeningRequest, body: schemas.AcceptIn) -> Any:
    accepted = intake.accept(actor(), screening, **body.model_dump(exclude_none=True))
    audit.target(patient_id=accepted.patient.id)
    audit.also("visit.create", resource_type="visit", resource_id=accepted.visit.id)
    return {
        "patient": accepted.patient,
        "session": visit_schemas.visit_out(Role.THERAPIST, accepted.visit),
    }, 201


@bp.post("/screening-requests/<uuid:request_id>/decline")
@policy("screening_request.decline", roles=CLINICIANS, scope=SCREENING)
@bp.input(schemas.DeclineIn, arg_name="body")
@bp.output(schemas.ScreeningRequestOut)
def decline_screening_request(screening: ScreeningRequest, body: schemas.DeclineIn) -> Any:
    return _shown(intake.decline(actor(), screening, body.reason))


def _shown(item: ScreeningRequest) -> dict[str, Any]:
    slot = None
    if item.therapist_id is not None and item.starts_at is not None and item.therapist is not None:
        slot = {
            "therapist_id": item.therapist_id,
            "therapist_name": f"{item.therapist.first_name} {item.therapist.last_name}",
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
        }
    fields = schemas.ScreeningRequestOut.model_fields
    data = {name: getattr(item, name) for name in fields if hasattr(item, name) and name != "slot"}
    data |= {"slot": slot, "session_id": item.visit_id}
    return data
