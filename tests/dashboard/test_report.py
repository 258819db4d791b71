"""GET /patients/{id}/report.pdf: a progress report with charts, for a physician or an insurer."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from tests.dashboard.conftest import TODAY, days_ago

ODI_BASELINE = [3, 3, 3, 3, 3, 3, 2, 2, 2, 2]  # 52.0, severe
ODI_LATER = [2, 2, 2, 2, 2, 2, 2, 1, 1, 1]  # 34.0, moderate
PSFS = [{"activity": "Walking the dog", "score": 4}, {"activity": "Golf swing", "score": 3}]


def _path(patient, query: str = "") -> str:
    return f"/api/v1/patients/{patient.id}/report.pdf{query}"


def _read(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200, response.data[:300]
    assert response.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return reader, text


def _images(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def _full_record(care, patient) -> None:
    """A program, logs with pain, questionnaires and hip rotation readings over several weeks."""
    assignment = care.assign(patient, TODAY - timedelta(days=27), sets=2, reps=12)
    care.logs(patient, assignment, [(days_ago(n), 6 if n > 6 else 4) for n in range(0, 26) if n % 3])
    care.outcome(patient, "odi", ODI_BASELINE, days_ago(60))  # before the period: the baseline
    care.outcome(patient, "odi", ODI_LATER, days_ago(5))
    care.outcome(patient, "nprs", [7], days_ago(25))
    care.outcome(patient, "nprs", [4], days_ago(4))
    care.outcome(patient, "psfs", [*PSFS, {"activity": "Sitting", "score": 5}], days_ago(20))
    care.rotations(patient, days_ago(26), left=(28, 40), right=(18, 36))
    care.rotations(patient, days_ago(12), left=(32, 44), right=(25, 40))


def test_care_team_and_admin_get_the_report_the_patient_and_others_cannot(api, clinic, frozen):
    assert api.get(_path(clinic.patient), clinic.therapist.user).status_code == 200
    assert api.get(_path(clinic.patient), clinic.admin).status_code == 200
    assert api.get(_path(clinic.patient), clinic.patient.user).status_code == 403
    assert api.get(_path(clinic.patient), clinic.other_therapist.user).status_code == 404
    assert api.get(_path(clinic.other_patient), clinic.patient.user).status_code == 404
    assert api.get(_path(clinic.patient)).status_code == 401


def test_report_is_a_pdf_naming_the_patient_with_charts_of_each_measure(api, clinic, care, frozen):
    patient = clinic.patient
    _full_record(care, patient)

    reader, text = _read(api.get(_path(patient, "?from=2026-02-19&to=2026-03-18"), clinic.therapist.user))

    assert f"{patient.first_name} {patient.last_name}" in text
    assert "1980-05-17" in text  # date of birth
    assert f"{clinic.therapist.first_name} {clinic.therapist.last_name}" in text
    assert "2026-02-19 to 2026-03-18" in text
    assert "Seated hip internal rotation" in text and "2 sets of 12 reps" in text
    # Adherence, pain, ODI and PSFS, and hip rotation: one chart each.
    assert _images(reader) == 4
    assert "Not enough data yet" not in text


def test_report_compares_outcomes_with_a_baseline_taken_before_the_period(api, clinic, care, frozen):
    _full_record(care, clinic.patient)

    _, text = _read(api.get(_path(clinic.patient, "?from=2026-02-19&to=2026-03-18"), clinic.admin))

    assert f"{days_ago(60)[:10]} (baseline) 52%" in text
    assert "34% moderate -18 (improved) yes" in text
    assert "34% (moderate), -18 from baseline (improved), clinically meaningful" in text


def test_report_states_the_same_pain_and_asymmetry_as_the_dashboard(api, clinic, care, frozen):
    _full_record(care, clinic.patient)
    [row] = api.get("/api/v1/dashboard/caseload", clinic.therapist.user).json["items"]

    _, text = _read(api.get(_path(clinic.patient), clinic.therapist.user))

    assert (row["avg_pain_7d"], row["pain_change"], row["rom_asymmetry_degrees"]) == (4.0, -2.0, 11.0)
    assert "4.0 mean over the last 7 days of the period, -2.0 against the 7 days before" in text
    assert "11° difference in total rotation (at or above the 10° flag)" in text


def test_report_without_data_says_there_is_not_enough_data_yet(api, clinic, frozen):
    reader, text = _read(api.get(_path(clinic.patient), clinic.therapist.user))

    assert "Not enough data yet for a progress report" in text
    assert clinic.patient.last_name in text
    assert _images(reader) == 0


def test_a_period_without_data_is_not_enough_data_even_when_other_periods_have_some(
    api, clinic, care, frozen
):
    _full_record(care, clinic.patient)

    reader, text = _read(
        api.get(_path(clinic.patient, "?from=2025-01-01&to=2025-03-01"), clinic.therapist.user)
    )

    assert "Not enough data yet for a progress report" in text
    assert _images(reader) == 0


def test_report_period_is_validated_like_adherence(api, clinic, frozen):
    response = api.get(_path(clinic.patient, "?from=2026-03-10&to=2026-03-01"), clinic.therapist.user)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["from"]


def test_reading_the_report_is_audited_under_the_patient(api, clinic, frozen):
    api.get(_path(clinic.patient), clinic.admin)
    api.get(_path(clinic.patient), clinic.patient.user)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "progress_report.read")).all()
    assert {(e.actor_id, e.outcome, e.patient_id) for e in events} == {
        (clinic.admin.id, "success", clinic.patient.id),
        (clinic.patient.user.id, "denied", clinic.patient.id),
    }


def test_report_says_which_way_an_outcome_moved(api, clinic, care, frozen):
    patient = clinic.patient
    care.outcome(patient, "odi", [2] * 5 + [1] * 5, days_ago(20))  # 30%, the baseline
    care.outcome(patient, "odi", [2] * 10, days_ago(2))  # 40%: more disability

    _, text = _read(api.get(_path(patient), clinic.therapist.user))

    assert "40% (moderate), +10 from baseline (worsened), a clinically meaningful worsening" in text
    assert "40% moderate +10 (worsened) yes" in text


def test_report_pain_and_hip_figures_follow_the_dashboards_corrected_rules(api, clinic, care, frozen):
    patient = clinic.patient
    assignment = care.assign(patient, TODAY - timedelta(days=20))
    # Means of 7/3 (2.33) and then 17/4 (4.25): a rise of 1.92, under the 2 points that flag.
    earlier = [(days_ago(8), 2), (days_ago(9), 2), (days_ago(10), 3)]
    care.logs(
        patient,
        assignment,
        [*earlier, *((days_ago(n), pain) for n, pain in ((1, 4), (2, 4), (3, 4), (4, 5)))],
    )
    care.rotations(patient, days_ago(30), left=(40, 40), right=(35, 40))
    # The patient's own estimate of the left hip today is summarised apart, not compared.
    estimate = {
        "type": "hip_internal_rotation",
        "side": "left",
        "degrees": 20,
        "measured_at": days_ago(0, "08:00"),
        "source": "patient_reported",
        "instrument": "visual",
    }
    assert (
        api.post(f"/api/v1/patients/{patient.id}/measurements", patient.user, json=estimate).status_code
        == 201
    )

    [row] = api.get("/api/v1/dashboard/caseload", clinic.therapist.user).json["items"]
    _, text = _read(api.get(_path(patient), clinic.therapist.user))

    assert (row["avg_pain_7d"], row["pain_change"], row["rom_asymmetry_degrees"], row["flags"]) == (
        4.3,
        1.9,
        5.0,
        [],
    )
    assert "4.3 mean over the last 7 days of the period, +1.9 against the 7 days before" in text
    assert "5° difference in total rotation (below the 10° flag)" in text
