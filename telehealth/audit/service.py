"""Recording and reading the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from flask import g, has_request_context, request
from sqlalchemy import Table, insert, select

from telehealth.accounts.models import User
from telehealth.audit.models import AuditEvent, AuditOutcome
from telehealth.common.pagination import Page, paginate
from telehealth.common.time import utcnow
from telehealth.extensions import db


@dataclass
class Entry:
    """What one request did, filled in as the policy and the view learn it."""

    action: str | None
    resource_type: str | None
    actor: User | None = None
    resource_id: str | None = None
    patient_id: uuid.UUID | None = None
    # A list view shows several patients' data: each of them gets an event of its own.
    patients_shown: list[uuid.UUID] = field(default_factory=list)
    # Further actions the request took on the way (action, resource type, resource id).
    also: list[tuple[str, str, str]] = field(default_factory=list)


def begin(action: str | None, resource_type: str | None) -> Entry:
    entry = Entry(action=action, resource_type=resource_type)
    g.audit_entry = entry
    return entry


def current() -> Entry | None:
    return g.get("audit_entry") if has_request_context() else None


def target(
    *,
    resource_id: object | None = None,
    patient_id: uuid.UUID | None = None,
    resource_type: str | None = None,
) -> None:
    """Let a view name what it created or touched once it knows."""
    entry = current()
    if entry is None:
        return
    if resource_type is not None:
        entry.resource_type = resource_type
    if resource_id is not None:
        entry.resource_id = str(resource_id)
    if patient_id is not None:
        entry.patient_id = patient_id


def shown(patient_ids: list[uuid.UUID]) -> None:
    """Record that the answer shows these patients' data (a caseload, a list)."""
    entry = current()
    if entry is not None:
        entry.patients_shown.extend(patient_ids)


def also(action: str, *, resource_type: str, resource_id: object) -> None:
    """Record a further action this request took (an email change inside a patient edit), as its own event."""
    entry = current()
    if entry is not None:
        entry.also.append((action, resource_type, str(resource_id)))


def _outcome(status: int) -> AuditOutcome:
    if status < 400:
        return AuditOutcome.SUCCESS
    if status in (401, 403, 404):
        return AuditOutcome.DENIED
    if status >= 500:
        return AuditOutcome.ERROR
    return AuditOutcome.REJECTED


def _rows(entry: Entry, status: int) -> list[dict[str, Any]]:
    """The request's event, one more for each patient a list showed, and one for each further action."""
    at = utcnow()
    base = {
        "at": at,
        "actor_id": entry.actor.id if entry.actor else None,
        "actor_role": entry.actor.role if entry.actor else None,
        "action": entry.action or "",
        "outcome": _outcome(status),
        "status_code": status,
        "resource_type": entry.resource_type,
        "resource_id": entry.resource_id,
        "ip": request.remote_addr if has_request_context() else None,
        "request_id": g.get("request_id") if has_request_context() else None,
    }
    patients = [entry.patient_id, *entry.patients_shown]
    rows = [{**base, "id": uuid.uuid4(), "patient_id": patient_id} for patient_id in patients]
    for action, resource_type, resource_id in entry.also:
        further = {"action": action, "resource_type": resource_type, "resource_id": resource_id}
        rows.append({**base, **further, "id": uuid.uuid4(), "patient_id": entry.patient_id})
    return rows


# Built once. On the table, not the model: a Core INSERT whose rows go out as one statement, without
# the ORM's bulk path (its per-row work cost a caseload page of 200 patients about a third of its time).
_INSERT_EVENTS = insert(cast(Table, AuditEvent.__table__))


def _write(entry: Entry, status: int) -> None:
    # One INSERT for all of a request's events: cheaper than the ORM's unit of work, which mattered
    # on every request (and 200-fold on a caseload page).
    db.session.execute(_INSERT_EVENTS, _rows(entry, status))


def finish(entry: Entry, status: int) -> None:
    """Write the events into the current transaction: the request's, so they commit with its work (or,
    when the work was rolled back, the policy's own unit of work for the refusal)."""
    if entry.action:
        _write(entry, status)


def list_events(
    *,
    patient_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    start: datetime | None,
    end: datetime | None,
    page: int,
    per_page: int,
) -> Page:
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id)
    if patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if start is not None:
        stmt = stmt.where(AuditEvent.at >= start)
    if end is not None:
        stmt = stmt.where(AuditEvent.at < end)
    return paginate(stmt, page, per_page)
