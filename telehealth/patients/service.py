"""Patients: the caseload scope, intake, edits and discharge."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, exists, or_, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, Therapist, User
from telehealth.common import events
from telehealth.common.pagination import Page, paginate
from telehealth.common.search import contains
from telehealth.common.time import utcnow
from telehealth.errors import Conflict, Forbidden, NotFound, ValidationFailed
from telehealth.extensions import db
from telehealth.patients.models import CareTeamMember, Patient, PatientStatus
from telehealth.progress import rollup

# Fields a patient may change on their own record; the care team may change all.
PATIENT_EDITABLE = frozenset({"phone", "timezone"})


def scope_filter(user: User) -> Any:
    """A WHERE clause limiting Patient rows to what the user may see."""
    return _scope_rule(user.role, user.id)


def _scope_rule(role: Role, user_id: Any) -> Any:
    """scope_filter's rule for a role; `user_id` is a value or a bound parameter."""
    if role == Role.ADMIN:
        return True
    if role == Role.THERAPIST:
        return exists().where(
            CareTeamMember.patient_id == Patient.id,
            CareTeamMember.therapist_id == Therapist.id,
            Therapist.user_id == user_id,
        )
    return Patient.user_id == user_id


def visible_patients(user: User) -> Select[tuple[Patient]]:
    """The patients the user may see; the query loads no relationship (add what the caller reads)."""
    return select(Patient).where(scope_filter(user))


def _visible_patient_by_id(role: Role) -> Select[tuple[Patient]]:
    """One patient through the scope of a role, the caller's user id as the parameter `user_id`."""
    # A patient can only see themselves: their user is the caller, already in the session's identity
    # map, where `patient.user` finds it without a query; anyone else's is loaded with the patient.
    user = lazyload(Patient.user) if role == Role.PATIENT else joinedload(Patient.user)
    return (
        select(Patient)
        .where(_scope_rule(role, bindparam("user_id")), Patient.id == bindparam("patient_id"))
        .options(user, lazyload(Patient.care_team))
    )


# Every route under /patients/{id} looks its patient up here, so the statement is built once per
# role. The care team is loaded only by the few routes that read it (a query of its own either
# way), not by every request.
_VISIBLE_PATIENT_BY_ID = {role: _visible_patient_by_id(role) for role in Role}


def get_visible_patient(user: User, patient_id: uuid.UUID) -> Patient:
    patient = db.session.scalar(
        _VISIBLE_PATIENT_BY_ID[user.role], {"user_id": user.id, "patient_id": patient_id}
    )
    if patient is None:
        raise NotFound("No such patient.")
    return patient


def is_on_care_team(user: User, patient: Patient) -> bool:
    therapist_id = accounts.therapist_id_of(user)
    return therapist_id is not None and therapist_id in patient.therapist_ids


def patient_for_user(user: User) -> Patient | None:
    return db.session.scalar(
        select(Patient).where(Patient.user_id == user.id).options(joinedload(Patient.user))
    )


def list_patients(user: User, *, q: str | None, status: str | None, page: int, per_page: int) -> Page:
    stmt = (
        visible_patients(user)
        .join(Patient.user)
        .options(contains_eager(Patient.user), selectinload(Patient.care_team))
        .order_by(User.last_name, User.first_name, Patient.id)
    )
    if status:
        stmt = stmt.where(Patient.status == status)
    if q:
        stmt = stmt.where(
            or_(contains(User.first_name, q), contains(User.last_name, q), contains(User.email, q))
        )
    return paginate(stmt, page, per_page)


def _resolve_therapist(actor: User, therapist_id: uuid.UUID | None) -> uuid.UUID:
    if actor.role == Role.THERAPIST:
        own = accounts.therapist_id_of(actor)
        if own is None:
            raise Forbidden("This therapist account has no therapist profile.")
        return own
    if therapist_id is None:
        raise ValidationFailed.field("therapist_id", "an admin must name the patient's therapist")
    if db.session.get(Therapist, therapist_id) is None:
        raise ValidationFailed.field("therapist_id", "no such therapist")
    return therapist_id


def create_patient(
    actor: User,
    *,
    email: str,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    timezone: str,
    phone: str | None = None,
    conditions: list[str] | None = None,
    therapist_id: uuid.UUID | None = None,
) -> Patient:
    care_therapist = _resolve_therapist(actor, therapist_id)
    user = accounts.create_user(email, first_name, last_name, Role.PATIENT)
    patient = Patient(
        user=user,
        date_of_birth=date_of_birth,
        timezone=timezone,
        phone=phone,
        conditions=sorted(set(conditions or [])),
        status=PatientStatus.ACTIVE,
    )
    patient.care_team.append(CareTeamMember(therapist_id=care_therapist))
    db.session.add(patient)
    db.session.flush()
    accounts.invite(user)
    events.patient_created.send(patient)
    return patient


def update_patient(
    actor: User, patient: Patient, changes: dict[str, Any]
) -> tuple[Patient, accounts.EmailChange]:
    """The patient, and what the edit did to their sign-in address (see accounts.change_email)."""
    if actor.role == Role.PATIENT:
        refused = sorted(set(changes) - PATIENT_EDITABLE)
        if refused:
            raise Forbidden(f"Patients may change only phone and timezone, not {', '.join(refused)}.")
    email_change = accounts.EmailChange.UNCHANGED
    if "email" in changes:
        email_change = accounts.change_email(patient.user, changes.pop("email"))
    for name in ("first_name", "last_name"):
        if name in changes:
            setattr(patient.user, name, changes.pop(name))
    if "conditions" in changes:
        changes["conditions"] = sorted(set(changes["conditions"] or []))
    zone_moved = "timezone" in changes and changes["timezone"] != patient.timezone
    for name, value in changes.items():
        setattr(patient, name, value)
    patient.updated_at = utcnow()
    db.session.flush()
    if zone_moved:
        # Their logs fall on other local days now: the day tallies are recounted in this transaction.
        rollup.rebuild(patient)
    events.patient_changed.send(patient)
    return patient, email_change


def discharge(patient: Patient, reason: str | None) -> Patient:
    if patient.status != PatientStatus.ACTIVE:
        raise Conflict(f"The patient is already {patient.status}.")
    patient.status = PatientStatus.DISCHARGED
    patient.discharged_at = utcnow()
    patient.discharge_reason = reason
    # A discharged patient's copied cookies and tokens stop working.
    accounts.deactivate_user(patient.user)
    db.session.flush()
    events.patient_changed.send(patient)
    return patient
