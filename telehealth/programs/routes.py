"""Exercises, program templates, assignments, the day's plan and the printable handout."""

from __future__ import annotations

import uuid
from typing import Any

from apiflask import APIBlueprint
from apiflask.schemas import FileSchema
from flask import Response

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
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT
from telehealth.programs import schemas, service
from telehealth.programs.models import Assignment, Exercise, ProgramTemplate
from telehealth.progress import adherence

bp = APIBlueprint("programs", __name__, url_prefix="/api/v1", tag="Programs")

EXERCISE = Scope("exercise_id", service.get_exercise, "exercise", "exercise")
TEMPLATE = Scope("template_id", service.get_template, "template", "program_template")
ASSIGNMENT = Scope(
    "assignment_id",
    service.get_visible_assignment,
    "assignment",
    "assignment",
    owner=service.assignment_owner,
)


# --- exercises ------------------------------------------------------------------------------


@bp.get("/exercises")
@policy("exercise.list", roles=ANYONE, resource_type="exercise")
@bp.input(schemas.ExerciseQuery, location="query", arg_name="query")
@bp.output(schemas.ExercisePage)
def list_exercises(query: schemas.ExerciseQuery) -> Any:
    """The library; archived exercises are hidden unless `include_archived=true`."""
    return service.list_exercises(
        q=query.q,
        body_region=query.body_region,
        category=query.category,
        include_archived=query.include_archived,
        page=query.page,
        per_page=query.per_page,
    )


@bp.get("/exercises/<uuid:exercise_id>")
@policy("exercise.read", roles=ANYONE, scope=EXERCISE)
@bp.output(schemas.ExerciseOut)
def get_exercise(exercise: Exercise) -> Exercise:
    return exercise


@bp.post("/exercises")
@policy("exercise.create", roles=CLINICIANS, resource_type="exercise")
@bp.input(schemas.ExerciseIn, arg_name="body")
@bp.output(schemas.ExerciseOut, status_code=201)
def create_exercise(body: schemas.ExerciseIn) -> Exercise:
    exercise = service.create_exercise(actor(), **body.model_dump())
    audit.target(resource_id=exercise.id)
    return exercise


@bp.patch("/exercises/<uuid:exercise_id>")
@policy("exercise.update", roles=CLINICIANS, scope=EXERCISE)
@bp.input(schemas.ExercisePatch, arg_name="body")
@bp.output(schemas.ExerciseOut)
def update_exercise(exercise: Exercise, body: schemas.ExercisePatch) -> Exercise:
    """Its author or an admin; `archived: true` hides it from new assignments, never deletes."""
    return service.update_exercise(actor(), exercise, body.changes())


# --- program templates ----------------------------------------------------------------------


@bp.post("/program-templates")
@policy("program_template.create", roles=CLINICIANS, resource_type="program_template")
@bp.input(schemas.TemplateIn, arg_name="body")
@bp.output(schemas.TemplateOut, status_code=201)
def create_program_template(body: schemas.TemplateIn) -> ProgramTemplate:
    template = service.create_template(
        actor(),
        name=body.name,
        description=body.description,
        items=[(item.exercise_id, item.prescription()) for item in body.items],
    )
    audit.target(resource_id=template.id)
    return template


@bp.get("/program-templates")
@policy("program_template.list", roles=CLINICIANS, resource_type="program_template")
@bp.input(schemas.TemplateQuery, location="query", arg_name="query")
@bp.output(schemas.TemplatePage)
def list_program_templates(query: schemas.TemplateQuery) -> Any:
    return service.list_templates(q=query.q, page=query.page, per_page=query.per_page)


@bp.get("/program-templates/<uuid:template_id>")
@policy("program_template.read", roles=CLINICIANS, scope=TEMPLATE)
@bp.output(schemas.TemplateOut)
def get_program_template(template: ProgramTemplate) -> ProgramTemplate:
    return template


@bp.post("/patients/<uuid:patient_id>/program-templates/<uuid:template_id>/apply")
@policy("program_template.apply", roles=THERAPISTS, scope=PATIENT)
@bp.input(schemas.ApplyIn, arg_name="body")
@bp.output(schemas.AppliedOut, status_code=201)
def apply_program_template(patient: Patient, template_id: uuid.UUID, body: schemas.ApplyIn) -> Any:
    """One assignment per template item, each then tailored on its own."""
    template = service.get_template(actor(), template_id)
    assignments = service.apply_template(
        actor(), patient, template, start_date=body.start_date, end_date=body.end_date
    )
    audit.target(resource_id=template.id)
    return {"assignments": assignments}


# --- assignments ----------------------------------------------------------------------------


@bp.post("/patients/<uuid:patient_id>/assignments")
@policy("assignment.create", roles=THERAPISTS, scope=PATIENT)
@bp.input(schemas.AssignmentIn, arg_name="body")
@bp.output(schemas.AssignmentOut, status_code=201)
def create_assignment(patient: Patient, body: schemas.AssignmentIn) -> Assignment:
    assignment = service.create_assignment(
        actor(), patient, exercise_id=body.exercise_id, prescription=body.prescription()
    )
    audit.target(resource_id=assignment.id)
    return assignment


@bp.get("/patients/<uuid:patient_id>/assignments")
@policy("assignment.list", roles=ANYONE, scope=PATIENT)
@bp.input(schemas.AssignmentQuery, location="query", arg_name="query")
@bp.output(schemas.AssignmentPage)
def list_assignments(patient: Patient, query: schemas.AssignmentQuery) -> Any:
    return service.list_assignments(patient, status=query.status, page=query.page, per_page=query.per_page)


@bp.get("/assignments/<uuid:assignment_id>")
@policy("assignment.read", roles=ANYONE, scope=ASSIGNMENT)
@bp.output(schemas.AssignmentOut)
def get_assignment(assignment: Assignment) -> Assignment:
    return assignment


@bp.patch("/assignments/<uuid:assignment_id>")
@policy("assignment.update", roles=THERAPISTS, scope=ASSIGNMENT)
@bp.input(schemas.AssignmentPatch, arg_name="body")
@bp.output(schemas.AssignmentOut)
@bp.doc(responses={409: "The assignment has ended"})
def update_assignment(assignment: Assignment, body: schemas.AssignmentPatch) -> Assignment:
    """Tailor the prescription from the patient's today (`effective_from`); the earlier one stays
    readable in `history` and keeps planning the days before."""
    return service.update_assignment(actor(), assignment, body.changes())


@bp.post("/assignments/<uuid:assignment_id>/end")
@policy("assignment.end", roles=THERAPISTS, scope=ASSIGNMENT)
@bp.output(schemas.AssignmentOut)
@bp.doc(responses={409: "The assignment has already ended"})
def end_assignment(assignment: Assignment) -> Assignment:
    """Status `ended`; from the patient's today on it plans nothing, and its logs stay."""
    return service.end_assignment(actor(), assignment)


# --- the day's plan and the handout ---------------------------------------------------------


@bp.get("/patients/<uuid:patient_id>/today")
@policy("program.today", roles=PATIENT_AND_CARE_TEAM, scope=PATIENT)
@bp.input(schemas.TodayQuery, location="query", arg_name="query")
@bp.output(schemas.TodayOut)
def get_today(patient: Patient, query: schemas.TodayQuery) -> Any:
    """The plan for a local date in the patient's zone: planned and done per exercise, each planned
    with the prescription in force that day (`prescription`)."""
    return adherence.today(patient, query.date)


@bp.get("/patients/<uuid:patient_id>/program.pdf")
@policy("program.handout", roles=PATIENT_AND_CARE_TEAM, scope=PATIENT)
@bp.output(FileSchema(type="string", format="binary"), content_type="application/pdf")
def get_program_pdf(patient: Patient) -> Response:
    """A printable handout of the active program: exercise, instructions, dose and side."""
    # Imported here: fpdf (and the PIL it brings) is loaded only by the workers that print.
    from telehealth.programs import handout

    document = handout.render_program(
        patient, service.active_program(patient), printed_on=service.local_today(patient)
    )
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="program.pdf"'},
    )
