"""Home programs: the exercise library, templates and assignments (the day's plan: progress.adherence)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from telehealth.accounts.models import Role, User
from telehealth.common.pagination import Page, paginate
from telehealth.common.search import contains
from telehealth.common.time import isoformat_z, today_in, utcnow
from telehealth.errors import Conflict, Forbidden, NotFound, ValidationFailed
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.patients.service import scope_filter
from telehealth.programs.models import (
    PRESCRIPTION_FIELDS,
    Assignment,
    AssignmentStatus,
    Exercise,
    ProgramTemplate,
    ProgramTemplateItem,
)

DOSE_DEFAULTS = {"sets": "default_sets", "reps": "default_reps", "hold_seconds": "default_hold_seconds"}


def local_today(patient: Patient) -> date:
    return today_in(patient.timezone)


def first_effective_from(patient: Patient, start_date: date) -> date:
    """A new assignment's prescription is in force from its start, or from today if it starts later."""
    return min(start_date, local_today(patient))


# --- exercises ------------------------------------------------------------------------------


def list_exercises(
    *,
    q: str | None,
    body_region: str | None,
    category: str | None,
    include_archived: bool,
    page: int,
    per_page: int,
) -> Page:
    stmt = select(Exercise).order_by(Exercise.name, Exercise.id)
    if not include_archived:
        stmt = stmt.where(Exercise.archived.is_(False))
    if body_region:
        stmt = stmt.where(Exercise.body_region == body_region)
    if category:
        stmt = stmt.where(Exercise.category == category)
    if q:
        stmt = stmt.where(contains(Exercise.name, q))
    return paginate(stmt, page, per_page)


def get_exercise(user: User, exercise_id: uuid.UUID) -> Exercise:
    """The library is shared by the whole clinic; archived exercises stay readable by id."""
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        raise NotFound("No such exercise.")
    return exercise


def create_exercise(actor: User, **fields: Any) -> Exercise:
    exercise = Exercise(**fields, author_id=actor.id)
    db.session.add(exercise)
    db.session.flush()
    return exercise


def update_exercise(actor: User, exercise: Exercise, changes: dict[str, Any]) -> Exercise:
    # Library exercises have no author, so only an admin edits them.
    if actor.role != Role.ADMIN and exercise.author_id != actor.id:
        raise Forbidden("Only the exercise's author or an admin may change it.")
    for name, value in changes.items():
        setattr(exercise, name, value)
    db.session.flush()
    return exercise


def _exercises_by_id(ids: set[uuid.UUID]) -> dict[uuid.UUID, Exercise]:
    found = db.session.scalars(select(Exercise).where(Exercise.id.in_(ids)))
    return {exercise.id: exercise for exercise in found}


def _exercise_problem(exercise: Exercise | None) -> str | None:
    if exercise is None:
        return "no such exercise"
    if exercise.archived:
        return "this exercise is archived and cannot be assigned"
    return None


def _assignable(exercise: Exercise | None, field: str) -> Exercise:
    problem = _exercise_problem(exercise)
    if exercise is None or problem is not None:
        raise ValidationFailed.field(field, problem or "no such exercise")
    return exercise


def _with_dose(exercise: Exercise, prescription: dict[str, Any]) -> dict[str, Any]:
    """Dose fields left out take the exercise's default dose."""
    defaults = {field: getattr(exercise, source) for field, source in DOSE_DEFAULTS.items()}
    return defaults | prescription


# --- templates ------------------------------------------------------------------------------


def create_template(
    actor: User, *, name: str, description: str | None, items: list[tuple[uuid.UUID, dict[str, Any]]]
) -> ProgramTemplate:
    exercises = _exercises_by_id({exercise_id for exercise_id, _ in items})
    errors = {
        f"items.{n}.exercise_id": [problem]
        for n, (exercise_id, _) in enumerate(items)
        if (problem := _exercise_problem(exercises.get(exercise_id)))
    }
    if errors:
        raise ValidationFailed(errors)
    template = ProgramTemplate(name=name, description=description, author_id=actor.id)
    for position, (exercise_id, prescription) in enumerate(items):
        exercise = exercises[exercise_id]
        template.items.append(
            ProgramTemplateItem(position=position, exercise=exercise, **_with_dose(exercise, prescription))
        )
    db.session.add(template)
    db.session.flush()
    return template


# A template is shown with its items and each item's exercise: one more query for all the items.
TEMPLATE_ITEMS = selectinload(ProgramTemplate.items).joinedload(ProgramTemplateItem.exercise)


def list_templates(*, q: str | None, page: int, per_page: int) -> Page:
    stmt = select(ProgramTemplate).options(TEMPLATE_ITEMS).order_by(ProgramTemplate.name, ProgramTemplate.id)
    if q:
        stmt = stmt.where(contains(ProgramTemplate.name, q))
    return paginate(stmt, page, per_page)


def get_template(user: User, template_id: uuid.UUID) -> ProgramTemplate:
    template = db.session.get(ProgramTemplate, template_id, options=[TEMPLATE_ITEMS])
    if template is None:
        raise NotFound("No such program template.")
    return template


def apply_template(
    actor: User, patient: Patient, template: ProgramTemplate, *, start_date: date, end_date: date | None
) -> list[Assignment]:
    """One assignment per template item, each a copy the therapist then tailors on its own."""
    _check_can_prescribe(patient)
    _check_dates(start_date, end_date)
    for item in template.items:
        if problem := _exercise_problem(item.exercise):
            raise ValidationFailed.field("template_id", f"{item.exercise.name}: {problem}")
    assignments = [
        Assignment(
            patient_id=patient.id,
            exercise=item.exercise,
            template_id=template.id,
            start_date=start_date,
            end_date=end_date,
            effective_from=first_effective_from(patient, start_date),
            created_by=actor.id,
            **{name: getattr(item, name) for name in PRESCRIPTION_FIELDS},
        )
        for item in template.items
    ]
    db.session.add_all(assignments)
    db.session.flush()
    return assignments


# --- assignments ----------------------------------------------------------------------------


def _check_can_prescribe(patient: Patient) -> None:
    if not patient.is_active:
        raise Conflict("The patient is discharged; nothing new can be assigned.")


def _check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise ValidationFailed.field("end_date", "may not be before start_date")


def create_assignment(
    actor: User, patient: Patient, *, exercise_id: uuid.UUID, prescription: dict[str, Any]
) -> Assignment:
    _check_can_prescribe(patient)
    exercise = _assignable(db.session.get(Exercise, exercise_id), "exercise_id")
    _check_dates(prescription["start_date"], prescription.get("end_date"))
    assignment = Assignment(
        patient_id=patient.id,
        exercise=exercise,
        created_by=actor.id,
        effective_from=first_effective_from(patient, prescription["start_date"]),
        **_with_dose(exercise, prescription),
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _patient_assignments(patient: Patient) -> Select[tuple[Assignment]]:
    return (
        select(Assignment).where(Assignment.patient_id == patient.id).options(joinedload(Assignment.exercise))
    )


def list_assignments(patient: Patient, *, status: str, page: int, per_page: int) -> Page:
    stmt = _patient_assignments(patient).order_by(Assignment.start_date, Assignment.created_at, Assignment.id)
    if status != "all":
        stmt = stmt.where(Assignment.status == status)
    return paginate(stmt, page, per_page)


def get_visible_assignment(user: User, assignment_id: uuid.UUID) -> Assignment:
    assignment = db.session.scalar(
        select(Assignment)
        .join(Assignment.patient)
        .options(contains_eager(Assignment.patient), joinedload(Assignment.exercise))
        .where(Assignment.id == assignment_id, scope_filter(user))
    )
    if assignment is None:
        raise NotFound("No such assignment.")
    return assignment


def assignment_owner(assignment_id: uuid.UUID) -> uuid.UUID | None:
    """Whose assignment an id is, whoever asks: for filing refused attempts in the audit trail."""
    return db.session.scalar(select(Assignment.patient_id).where(Assignment.id == assignment_id))


def _snapshot(assignment: Assignment) -> dict[str, Any]:
    """The prescription as JSON, for the history."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in assignment.prescription().items()
    }


def update_assignment(actor: User, assignment: Assignment, changes: dict[str, Any]) -> Assignment:
    if assignment.status != AssignmentStatus.ACTIVE:
        raise Conflict("An ended assignment cannot be changed.")
    current = assignment.prescription()
    changed = {name: value for name, value in changes.items() if current[name] != value}
    if not changed:
        return assignment
    merged = current | changed
    _check_dates(merged["start_date"], merged["end_date"])
    entry = {
        "changed_at": isoformat_z(utcnow()),
        "changed_by": str(actor.id),
        "effective_from": assignment.effective_from.isoformat(),
        "prescription": _snapshot(assignment),
    }
    # A new list, so the JSON column is seen as changed.
    assignment.history = [*assignment.history, entry]
    # In force from the patient's today: the days before keep the version they were planned with.
    assignment.effective_from = max(local_today(assignment.patient), assignment.effective_from)
    for name, value in changed.items():
        setattr(assignment, name, value)
    db.session.flush()
    return assignment


def end_assignment(actor: User, assignment: Assignment) -> Assignment:
    if assignment.status != AssignmentStatus.ACTIVE:
        raise Conflict(f"The assignment is already {assignment.status}.")
    assignment.end(actor.id, local_today(assignment.patient))
    db.session.flush()
    return assignment


def active_program(patient: Patient) -> list[Assignment]:
    """What the patient does from today on: active assignments not past their end date."""
    today = local_today(patient)
    stmt = (
        _patient_assignments(patient)
        .where(
            Assignment.status == AssignmentStatus.ACTIVE,
            or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
        )
        .order_by(Assignment.start_date, Assignment.created_at, Assignment.id)
    )
    return list(db.session.scalars(stmt))
