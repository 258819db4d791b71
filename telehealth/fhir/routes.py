"""FHIR R4: a patient's record as a Bundle; the clinic's Bulk Data export, its status and files."""

from __future__ import annotations

from apiflask import APIBlueprint
from apiflask.schemas import EmptySchema
from apiflask.types import ResponsesObjectType
from flask import Response, current_app, json, request, send_file

from telehealth.audit import service as audit
from telehealth.fhir import service
from telehealth.fhir.models import ExportStatus, FhirExport
from telehealth.http import ANYONE, STAFF_ONLY, Scope, actor, policy
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT

bp = APIBlueprint("fhir", __name__, url_prefix="/api/v1", tag="FHIR")

EXPORT = Scope("export_id", service.get_export, "export", "fhir_export")
TYPES = ",".join(service.EXPORT_TYPES)
BUNDLE_RESPONSES: ResponsesObjectType = {
    200: {
        "description": "A FHIR R4 Bundle of type `collection`",
        "content": {service.FHIR_JSON: {"schema": {"type": "object"}}},
    }
}
STATUS_RESPONSES: ResponsesObjectType = {
    200: {
        "description": "Done: the Bulk Data manifest {transactionTime, request, requiresAccessToken, output}",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    202: {
        "description": "Still running; `X-Progress` says how far",
        "headers": {"X-Progress": {"description": "patients exported so far", "schema": {"type": "string"}}},
    },
}
FILE_RESPONSES: ResponsesObjectType = {
    200: {
        "description": "One resource per line, each a FHIR R4 resource of that type",
        "content": {service.FHIR_NDJSON: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@bp.get("/patients/<uuid:patient_id>/fhir")
@policy("fhir_bundle.read", roles=ANYONE, scope=PATIENT)
@bp.doc(responses=BUNDLE_RESPONSES)
def get_patient_fhir(patient: Patient) -> Response:
    """The patient's record (program, hip range of motion, outcomes, visits) as FHIR R4 resources."""
    return Response(json.dumps(service.patient_bundle(patient)), mimetype=service.FHIR_JSON)


@bp.post("/fhir/$export")
@policy("fhir_export.create", roles=STAFF_ONLY, resource_type="fhir_export")
@bp.output(EmptySchema, status_code=202, description="Accepted; poll the `Content-Location` status URL")
def export_fhir() -> tuple[str, int, dict[str, str]]:
    """Bulk Data kick-off for every patient of the clinic; the worker writes the files."""
    export = service.start_export(actor(), request.url)
    audit.target(resource_id=export.id)
    location = f"{current_app.config['PUBLIC_BASE_URL']}/api/v1/fhir/exports/{export.id}"
    return "", 202, {"Content-Location": location}


@bp.get("/fhir/exports/<uuid:export_id>")
@policy("fhir_export.read", roles=STAFF_ONLY, scope=EXPORT)
@bp.doc(responses=STATUS_RESPONSES)
def get_fhir_export(export: FhirExport) -> Response:
    """The export's status: 202 while it runs, then the manifest of its files (kept 24 hours)."""
    if export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        progress = f"{export.status}: {export.patients_done} of {export.patients_total} patients"
        return Response(status=202, headers={"X-Progress": progress, "Retry-After": "5"})
    if export.status == ExportStatus.FAILED:
        return Response(json.dumps(service.failure(export)), status=500, mimetype="application/problem+json")
    return Response(
        json.dumps(service.manifest(export, current_app.config["PUBLIC_BASE_URL"])),
        mimetype="application/json",
    )


@bp.get(f"/fhir/exports/<uuid:export_id>/<any({TYPES}):resource_type>.ndjson")
@policy("fhir_export_file.read", roles=STAFF_ONLY, scope=EXPORT)
@bp.doc(responses=FILE_RESPONSES)
def get_fhir_export_file(export: FhirExport, resource_type: str) -> Response:
    """One NDJSON file of a completed export, streamed from disk."""
    path = service.export_file(export, resource_type)
    return send_file(path, mimetype=service.FHIR_NDJSON, as_attachment=True, download_name=path.name)
