"""Offline-safe progress logs: the client's UUID makes every write idempotent.

A log is written with INSERT ... ON CONFLICT (id) DO NOTHING, so the primary key, not a check
beforehand, decides which of several racing writes of one id lands. A write that finds its id
taken compares bodies: the same body is a duplicate (nothing added), another body a conflict.
A batch is checked in a constant number of queries and written in one INSERT statement, plus one
that adds what went in to the per-day tallies adherence reads (progress.rollup).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from telehealth.accounts.models import User
from telehealth.common.pagination import Page, paginate
from telehealth.common.time import CLOCK_SKEW, utcnow, zone
from telehealth.common.upsert import insert_unless_present
from telehealth.errors import Conflict, NotFound, ValidationFailed
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.programs.models import Assignment, AssignmentSide
from telehealth.progress import rollup
from telehealth.progress.models import BODY_FIELDS, ProgressLog

MAX_AGE = timedelta(days=30)

CREATED, DUPLICATE, CONFLICT, INVALID = "created", "duplicate", "conflict", "invalid"
NO_SUCH_ASSIGNMENT = "no such assignment for this patient"


@dataclass(frozen=True)
class LogInput:
    """One log as received: its id as sent, and either its valid fields or its errors."""

    id: str | None
    fields: dict[str, Any] | None
    errors: dict[str, list[str]] | None = None


@dataclass
class LogResult:
    id: str | None
    status: str
    errors: dict[str, list[str]] | None = None
    log: ProgressLog | None = None
    not_found: bool = False  # the assignment is not this patient's: 404 when posted alone


def _body(source: ProgressLog | dict[str, Any]) -> tuple[Any, ...]:
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
    return tuple(get(name) for name in BODY_FIELDS)


def _rule_errors(
    fields: dict[str, Any], assignment: Assignment, patient: Patient, now: datetime
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    performed_at: datetime = fields["performed_at"]
    if performed_at > now + CLOCK_SKEW:
        errors["performed_at"] = ["may not be more than 5 minutes in the future"]
    elif performed_at < now - MAX_AGE:
        errors["performed_at"] = ["may not be more than 30 days old"]
    elif performed_at.astimezone(zone(patient.timezone)).date() < assignment.start_date:
        errors["performed_at"] = [f"may not be before the assignment's start date {assignment.start_date}"]
    side = fields["side"]
    if side is not None and assignment.side != AssignmentSide.BOTH and side != assignment.side:
        errors["side"] = [f"this assignment is for side '{assignment.side}'"]
    return errors


def _insert_new(patient: Patient, rows: list[dict[str, Any]]) -> dict[uuid.UUID, ProgressLog]:
    """One INSERT for all rows; an id already taken (even by a racing request) is skipped. The day
    tallies count exactly the rows that went in, in one more statement."""
    if not rows:
        return {}
    stmt = insert_unless_present(ProgressLog, ["id"]).returning(ProgressLog)
    # render_nulls keeps one column list for every row, so rows with and without notes share a statement.
    written = db.session.scalars(stmt, rows, execution_options={"render_nulls": True}).all()
    rollup.add_logs(patient, written)
    return {log.id: log for log in written}


def _stored(ids: set[uuid.UUID]) -> dict[uuid.UUID, ProgressLog]:
    if not ids:
        return {}
    found = db.session.scalars(select(ProgressLog).where(ProgressLog.id.in_(ids)))
    return {log.id: log for log in found}


def _owned_assignments(patient: Patient, ids: set[uuid.UUID]) -> dict[uuid.UUID, Assignment]:
    """Only the patient's own assignments: a log naming another's is refused, never written."""
    found = db.session.scalars(
        select(Assignment).where(Assignment.id.in_(ids), Assignment.patient_id == patient.id)
    )
    return {assignment.id: assignment for assignment in found}


def record_logs(actor: User, patient: Patient, entries: Sequence[LogInput]) -> list[LogResult]:
    """Each log stands alone: created, duplicate, conflict or invalid (with its errors)."""
    results: list[LogResult] = [LogResult(e.id, INVALID, e.errors) for e in entries]
    valid = [(n, e.fields) for n, e in enumerate(entries) if e.fields is not None]
    assignments = _owned_assignments(patient, {fields["assignment_id"] for _, fields in valid})
    now = utcnow()
    rows: list[dict[str, Any]] = []
    settle: list[tuple[int, dict[str, Any]]] = []  # compared with what ends up stored
    refused: dict[int, tuple[dict[str, Any], dict[str, list[str]]]] = {}  # unless stored before
    claimed: set[uuid.UUID] = set()
    for n, fields in valid:
        log_id = fields["id"]
        results[n].id = str(log_id)
        assignment = assignments.get(fields["assignment_id"])
        if assignment is None:
            results[n].errors, results[n].not_found = {"assignment_id": [NO_SUCH_ASSIGNMENT]}, True
        elif log_id in claimed:
            settle.append((n, fields))
        elif errors := _rule_errors(fields, assignment, patient, now):
            refused[n] = (fields, errors)
        else:
            claimed.add(log_id)
            rows.append({**fields, "patient_id": patient.id, "recorded_by": actor.id, "created_at": now})
            settle.append((n, fields))

    # The INSERT itself tells which ids are new (a new log costs no read first); the rest, and the
    # refused ones, are looked up: a retry is answered from what is stored, even once its day has
    # left the 30-day window.
    created = _insert_new(patient, rows)
    refused_ids = {fields["id"] for fields, _ in refused.values()}
    stored = _stored({fields["id"] for _, fields in settle if fields["id"] not in created} | refused_ids)
    for n, (fields, errors) in refused.items():
        if fields["id"] in stored and fields["id"] not in created:  # stored before this call
            settle.append((n, fields))
        else:
            results[n].errors = errors
    first_of: set[uuid.UUID] = set()
    for n, fields in settle:
        log_id = fields["id"]
        if log_id in created and log_id not in first_of:
            first_of.add(log_id)
            results[n] = LogResult(str(log_id), CREATED, log=created[log_id])
            continue
        existing = created.get(log_id) or stored.get(log_id)
        same = existing is not None and _body(existing) == _body(fields)
        results[n] = LogResult(str(log_id), DUPLICATE if same else CONFLICT, log=existing if same else None)
    return results


def record_log(actor: User, patient: Patient, fields: dict[str, Any]) -> tuple[ProgressLog, bool]:
    """(the stored log, whether this call created it); 404, 422 or 409 otherwise."""
    [result] = record_logs(actor, patient, [LogInput(str(fields["id"]), fields)])
    if result.log is not None:
        return result.log, result.status == CREATED
    if result.status == CONFLICT:
        raise Conflict("A different log was already stored under this id.")
    if result.not_found:
        raise NotFound("No such assignment for this patient.")
    raise ValidationFailed(result.errors or {})


def list_logs(
    patient: Patient,
    *,
    start: datetime | None,
    end: datetime | None,
    assignment_id: uuid.UUID | None,
    page: int,
    per_page: int,
) -> Page:
    stmt = (
        select(ProgressLog)
        .where(ProgressLog.patient_id == patient.id)
        .order_by(ProgressLog.performed_at.desc(), ProgressLog.id)
    )
    if start is not None:
        stmt = stmt.where(ProgressLog.performed_at >= start)
    if end is not None:
        stmt = stmt.where(ProgressLog.performed_at < end)
    if assignment_id is not None:
        stmt = stmt.where(ProgressLog.assignment_id == assignment_id)
    return paginate(stmt, page, per_page)
