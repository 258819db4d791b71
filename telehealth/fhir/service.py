"""A patient's record as a FHIR Bundle, and the clinic's Bulk Data export run by the worker.

Both read patients a batch at a time through `resources_of`, so the export never holds more than
one batch of patients in memory whatever the clinic's size.
"""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from telehealth import jobs
from telehealth.accounts.models import Therapist, User
from telehealth.common.time import isoformat_z, utcnow
from telehealth.common.tx import transaction
from telehealth.errors import NotFound
from telehealth.extensions import db
from telehealth.fhir import mapping
from telehealth.fhir.models import ExportStatus, FhirExport
from telehealth.measures.models import Measurement, Outcome
from telehealth.patients.models import CareTeamMember, Patient
from telehealth.programs.models import Assignment, Exercise
from telehealth.visits.models import Visit

log = logging.getLogger(__name__)

BATCH = 200
# One NDJSON file per type, in this order in the manifest.
EXPORT_TYPES = (
    "Patient",
    "Practitioner",
    "CarePlan",
    "ServiceRequest",
    "Observation",
    "QuestionnaireResponse",
    "Encounter",
)
FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"


def _code_system_base() -> str:
    return current_app.config["FHIR_CODE_SYSTEM_BASE"]


def _practitioner_ids() -> dict[uuid.UUID, uuid.UUID]:
    """Every therapist's user id -> Practitioner id (a clinic has few therapists)."""
    return dict(db.session.execute(select(Therapist.user_id, Therapist.id)).tuples().all())


def _grouped(rows: Sequence[Any], key: str) -> dict[uuid.UUID, list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def resources_of(patients: Sequence[Patient], practitioners: dict[uuid.UUID, uuid.UUID]) -> Iterator[dict]:
    """Every resource of a batch of patients but Practitioners, read with one query per kind of record."""
    ids = [p.id for p in patients]
    assignments = _grouped(
        db.session.execute(
            select(Assignment, Exercise.name, Exercise.instructions)
            .join(Exercise, Exercise.id == Assignment.exercise_id)
            .where(Assignment.patient_id.in_(ids))
            .order_by(Assignment.start_date, Assignment.id)
        ).all(),
        "Assignment",
    )
    measurements = _grouped(
        db.session.scalars(
            select(Measurement).where(Measurement.patient_id.in_(ids)).order_by(Measurement.measured_at)
        ).all(),
        "patient_id",
    )
    outcomes = _grouped(
        db.session.scalars(
            select(Outcome).where(Outcome.patient_id.in_(ids)).order_by(Outcome.completed_at)
        ).all(),
        "patient_id",
    )
    visits = _grouped(
        db.session.scalars(select(Visit).where(Visit.patient_id.in_(ids)).order_by(Visit.starts_at)).all(),
        "patient_id",
    )
    by_patient: dict[uuid.UUID, list[Any]] = {pid: [] for pid in ids}
    for rows in assignments.values():
        for row in rows:
            by_patient[row.Assignment.patient_id].append(row)
    for patient in patients:
        ctx = mapping.Context(
            code_system_base=_code_system_base(),
            timezone=patient.timezone,
            practitioners=practitioners,
            patient_user_id=patient.user_id,
        )
        yield mapping.patient(patient)
        program = by_patient[patient.id]
        yield mapping.care_plan(ctx, patient, [row.Assignment for row in program])
        for row in program:
            yield mapping.service_request(ctx, row.Assignment, row.name, row.instructions)
        for measurement in measurements.get(patient.id, []):
            yield mapping.rom_observation(ctx, measurement)
        for outcome in outcomes.get(patient.id, []):
            yield from mapping.outcome_resources(ctx, outcome)
        for visit in visits.get(patient.id, []):
            yield mapping.encounter(ctx, visit)


def _practitioners(therapist_ids: Sequence[uuid.UUID] | None = None) -> Iterator[dict]:
    stmt = select(Therapist.id, User.first_name, User.last_name, User.email).join(
        User, User.id == Therapist.user_id
    )
    if therapist_ids is not None:
        stmt = stmt.where(Therapist.id.in_(therapist_ids))
    for row in db.session.execute(stmt.order_by(Therapist.id)):
        yield mapping.practitioner(*row)


def patient_bundle(patient: Patient) -> dict[str, Any]:
    """The patient's record as a FHIR R4 Bundle of type collection."""
    base = current_app.config["PUBLIC_BASE_URL"] + "/api/v1/fhir"
    care_team = db.session.scalars(
        select(CareTeamMember.therapist_id).where(CareTeamMember.patient_id == patient.id)
    ).all()
    resources = [*resources_of([patient], _practitioner_ids()), *_practitioners(care_team)]
    # The Patient first, then the care team, then the record.
    resources.sort(key=lambda r: (r["resourceType"] != "Patient", r["resourceType"] != "Practitioner"))
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": isoformat_z(utcnow()),
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }


# --- Bulk Data export -------------------------------------------------------------------------


def start_export(actor: User, request_url: str) -> FhirExport:
    export = FhirExport(requested_by_id=actor.id, request_url=request_url[:300], requested_at=utcnow())
    db.session.add(export)
    db.session.flush()
    jobs.enqueue_after_commit(jobs.FHIR_EXPORT, str(export.id))
    return export


def get_export(_: User, export_id: uuid.UUID) -> FhirExport:
    export = db.session.get(FhirExport, export_id)
    if export is None or _expired(export):
        raise NotFound("No such export, or its files have expired.")
    return export


def _expired(export: FhirExport) -> bool:
    return export.expires_at is not None and export.expires_at <= utcnow()


def export_folder(export_id: uuid.UUID) -> Path:
    return Path(current_app.config["FHIR_EXPORT_DIR"]) / str(export_id)


def export_file(export: FhirExport, resource_type: str) -> Path:
    if export.status != ExportStatus.COMPLETED or not any(o["type"] == resource_type for o in export.output):
        raise NotFound(f"The export has no {resource_type} file.")
    return export_folder(export.id) / f"{resource_type}.ndjson"


def _patient_batches(batch: int) -> Iterator[list[Patient]]:
    """Every patient, a batch at a time by keyset on id (the session holds rows weakly; used ones go)."""
    after: uuid.UUID | None = None
    while True:
        stmt = select(Patient).order_by(Patient.id).limit(batch)
        if after is not None:
            stmt = stmt.where(Patient.id > after)
        patients = list(db.session.scalars(stmt))
        if not patients:
            return
        yield patients
        after = patients[-1].id


def run_export(export_id: uuid.UUID, batch: int = BATCH) -> None:
    """Write one NDJSON file per resource type for every patient; progress is committed per batch."""
    export = db.session.get(FhirExport, export_id)
    if export is None or export.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return  # already done (a redelivered task) or gone
    folder = export_folder(export.id)
    shutil.rmtree(folder, ignore_errors=True)  # a retry starts afresh
    folder.mkdir(parents=True)
    with transaction():
        export.status = ExportStatus.RUNNING
        export.patients_total = db.session.scalar(select(func.count()).select_from(Patient)) or 0
        export.patients_done = 0
    counts = dict.fromkeys(EXPORT_TYPES, 0)
    files = {kind: (folder / f"{kind}.ndjson").open("w", encoding="utf-8") for kind in EXPORT_TYPES}
    try:
        practitioners = _practitioner_ids()
        for resource in _practitioners():
            _write(files, counts, resource)
        done = 0
        for patients in _patient_batches(batch):
            for resource in resources_of(patients, practitioners):
                _write(files, counts, resource)
            done += len(patients)
            with transaction():
                db.session.execute(
                    update(FhirExport)
                    .where(FhirExport.id == export_id)
                    .values(patients_done=done)
                    .execution_options(synchronize_session=False)
                )
    except Exception:
        db.session.rollback()
        with transaction():
            db.session.execute(
                update(FhirExport)
                .where(FhirExport.id == export_id)
                .values(status=ExportStatus.FAILED, error="The export stopped; see the worker's log.")
                .execution_options(synchronize_session=False)
            )
        raise
    finally:
        for handle in files.values():
            handle.close()
    for kind, count in counts.items():
        if count == 0:
            (folder / f"{kind}.ndjson").unlink()
    now = utcnow()
    with transaction():
        export = db.session.get_one(FhirExport, export_id)
        export.status = ExportStatus.COMPLETED
        export.output = [{"type": kind, "count": count} for kind, count in counts.items() if count]
        export.completed_at = now
        export.expires_at = now + current_app.config["FHIR_EXPORT_LIFETIME"]


def _write(files: dict[str, Any], counts: dict[str, int], resource: dict) -> None:
    kind = resource["resourceType"]
    files[kind].write(json.dumps(resource, separators=(",", ":"), ensure_ascii=False) + "\n")
    counts[kind] += 1


def manifest(export: FhirExport, base_url: str) -> dict[str, Any]:
    """The Bulk Data manifest of a completed export."""
    return {
        "transactionTime": isoformat_z(export.requested_at),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": o["type"],
                "url": f"{base_url}/api/v1/fhir/exports/{export.id}/{o['type']}.ndjson",
                "count": o["count"],
            }
            for o in export.output
        ],
        "error": [],
    }


def failure(export: FhirExport) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": "Export failed",
        "status": 500,
        "detail": export.error or "The export stopped.",
    }


def purge_expired_exports() -> int:
    """Delete the files of exports past their 24 hours; the rows stay for the record."""
    expired = db.session.scalars(
        select(FhirExport).where(
            FhirExport.expires_at <= utcnow(), FhirExport.status == ExportStatus.COMPLETED
        )
    ).all()
    for export in expired:
        shutil.rmtree(export_folder(export.id), ignore_errors=True)
    return len(expired)
