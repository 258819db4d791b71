"""Therapist views: the caseload dashboard, a patient's adherence, and the progress report PDF."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from apiflask.schemas import FileSchema
from flask import Response

from telehealth.accounts.security import signed_in
from telehealth.audit import service as audit
from telehealth.dashboard import schemas, service
from telehealth.http import CLINICIANS, PATIENT_AND_CARE_TEAM, THERAPISTS, policy
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT

bp = APIBlueprint("dashboard", __name__, url_prefix="/api/v1", tag="Therapist views")


@bp.get("/dashboard/caseload")
@policy("dashboard.caseload", roles=THERAPISTS, resource_type="caseload")
@bp.input(schemas.CaseloadQuery, location="query", arg_name="query")
@bp.output(schemas.CaseloadPage)
def get_caseload(query: schemas.CaseloadQuery) -> Any:
    """The active patients of the caller's caseload, most flags first, then by last and first name."""
    page = service.caseload(signed_in().user, flag=query.flag, page=query.page, per_page=query.per_page)
    audit.shown([row.patient.id for row in page.items])
    return page


@bp.get("/patients/<uuid:patient_id>/adherence")
@policy("adherence.read", roles=PATIENT_AND_CARE_TEAM, scope=PATIENT)
@bp.input(schemas.PeriodQuery, location="query", arg_name="query")
@bp.output(schemas.AdherenceOut)
def get_adherence(patient: Patient, query: schemas.PeriodQuery) -> service.Adherence:
    """Planned versus done per local day; default: the 28 local days ending today."""
    return service.adherence(patient, query.from_, query.to)


@bp.get("/patients/<uuid:patient_id>/report.pdf")
@policy("progress_report.read", roles=CLINICIANS, scope=PATIENT)
@bp.input(schemas.PeriodQuery, location="query", arg_name="query")
@bp.output(FileSchema(type="string", format="binary"), content_type="application/pdf")
def get_progress_report(patient: Patient, query: schemas.PeriodQuery) -> Response:
    """A progress report for a physician or insurer; default period: the 12 weeks ending today."""
    # Imported here: the report brings matplotlib, numpy and fpdf (~45 MiB a worker), which no
    # other route needs.
    from telehealth.dashboard import report

    period = service.resolve_period(patient, query.from_, query.to, default_days=report.DEFAULT_DAYS)
    document = report.render(report.gather(patient, period))
    filename = f"progress-report-{period.start.isoformat()}-{period.end.isoformat()}.pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
