"""Patients: intake, the caseload list, edits and discharge."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from telehealth.accounts.service import EmailChange
from telehealth.audit import service as audit
from telehealth.http import ANYONE, CLINICIANS, actor, policy
from telehealth.patients import schemas, service
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT

bp = APIBlueprint("patients", __name__, url_prefix="/api/v1", tag="Patients")


@bp.post("/patients")
@policy("patient.create", roles=CLINICIANS, resource_type="patient")
@bp.input(schemas.PatientIn, arg_name="body")
@bp.output(schemas.PatientOut, status_code=201)
def create_patient(body: schemas.PatientIn) -> Patient:
    patient = service.create_patient(actor(), **body.model_dump())
    audit.target(resource_id=patient.id, patient_id=patient.id)
    return patient


@bp.get("/patients")
@policy("patient.list", roles=CLINICIANS, resource_type="patient")
@bp.input(schemas.PatientQuery, location="query", arg_name="query")
@bp.output(schemas.PatientPage)
def list_patients(query: schemas.PatientQuery) -> Any:
    page = service.list_patients(
        actor(), q=query.q, status=query.status, page=query.page, per_page=query.per_page
    )
    audit.shown([patient.id for patient in page.items])
    return page


@bp.get("/patients/<uuid:patient_id>")
@policy("patient.read", roles=ANYONE, scope=PATIENT)
@bp.output(schemas.PatientOut)
def get_patient(patient: Patient) -> Patient:
    return patient


@bp.patch("/patients/<uuid:patient_id>")
@policy("patient.update", roles=ANYONE, scope=PATIENT)
@bp.input(schemas.PatientPatch, arg_name="body")
@bp.output(schemas.PatientOut)
def update_patient(patient: Patient, body: schemas.PatientPatch) -> Patient:
    patient, email_change = service.update_patient(actor(), patient, body.changes())
    if email_change is not EmailChange.UNCHANGED:
        audit.also(email_change.audit_action, resource_type="user", resource_id=patient.user_id)
    return patient


@bp.post("/patients/<uuid:patient_id>/discharge")
@policy("patient.discharge", roles=CLINICIANS, scope=PATIENT)
@bp.input(schemas.DischargeIn, arg_name="body")
@bp.output(schemas.PatientOut)
def discharge_patient(patient: Patient, body: schemas.DischargeIn) -> Patient:
    return service.discharge(patient, body.reason)
