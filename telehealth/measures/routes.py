"""Measurements and outcomes: hip range of motion, the ROM summary, ODI, NPRS and PSFS."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from telehealth.accounts.models import Role
from telehealth.audit import service as audit
from telehealth.http import ANYONE, actor, policy
from telehealth.measures import odi_form, schemas, service
from telehealth.measures.models import Measurement
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT

bp = APIBlueprint("measures", __name__, url_prefix="/api/v1", tag="Measures")

# The patient and the care team record; admins read but do not record clinical data.
RECORDERS = ANYONE - {Role.ADMIN}


@bp.post("/patients/<uuid:patient_id>/measurements")
@policy("measurement.create", roles=RECORDERS, scope=PATIENT)
@bp.input(schemas.MeasurementIn, arg_name="body")
@bp.output(schemas.MeasurementOut, status_code=201)
def create_measurement(patient: Patient, body: schemas.MeasurementIn) -> Measurement:
    measurement = service.create_measurement(actor(), patient, **body.model_dump())
    audit.target(resource_type="measurement", resource_id=measurement.id)
    return measurement


@bp.get("/patients/<uuid:patient_id>/measurements")
@policy("measurement.list", roles=ANYONE, scope=PATIENT)
@bp.input(schemas.MeasurementQuery, location="query", arg_name="query")
@bp.output(schemas.MeasurementPage)
def list_measurements(patient: Patient, query: schemas.MeasurementQuery) -> Any:
    return service.list_measurements(
        patient,
        rom_type=query.type,
        side=query.side,
        start=query.from_,
        end=query.to,
        page=query.page,
        per_page=query.per_page,
    )


@bp.get("/patients/<uuid:patient_id>/rom-summary")
@policy("rom_summary.read", roles=ANYONE, scope=PATIENT)
@bp.output(schemas.RomSummaryOut)
def get_rom_summary(patient: Patient) -> service.RomSummary:
    return service.rom_summary(patient)


@bp.post("/patients/<uuid:patient_id>/outcomes")
@policy("outcome.create", roles=RECORDERS, scope=PATIENT)
@bp.input(schemas.OutcomeIn, arg_name="body")
@bp.output(schemas.OutcomeOut, status_code=201)
def create_outcome(patient: Patient, body: schemas.OutcomeIn) -> service.OutcomeResult:
    result = service.create_outcome(actor(), patient, **body.model_dump())
    audit.target(resource_type="outcome", resource_id=result.id)
    return result


@bp.get("/patients/<uuid:patient_id>/outcomes")
@policy("outcome.list", roles=ANYONE, scope=PATIENT)
@bp.input(schemas.OutcomeQuery, location="query", arg_name="query")
@bp.output(schemas.OutcomePage)
def list_outcomes(patient: Patient, query: schemas.OutcomeQuery) -> Any:
    return service.list_outcomes(
        patient, instrument=query.instrument, page=query.page, per_page=query.per_page
    )


@bp.get("/outcomes/odi/form")
@policy(None, roles=ANYONE)
@bp.input(schemas.OdiFormQuery, location="query", arg_name="query")
@bp.output(schemas.OdiFormOut)
def get_odi_form(query: schemas.OdiFormQuery) -> odi_form.OdiForm:
    """The ODI's section titles, with the clinic's licensed answer wording when it provides one."""
    return odi_form.odi_form(query.language)
