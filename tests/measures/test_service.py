"""The measures interface the dashboard and the progress report build on."""

from __future__ import annotations

import pytest

from telehealth.extensions import db
from telehealth.measures import service
from telehealth.patients.models import Patient
from tests.factories import make_patient
from tests.measures.helpers import post_outcome, post_reading, post_rotations
from tests.support.queries import counting_queries

pytestmark = pytest.mark.usefixtures("frozen")


def test_rom_summaries_of_many_patients_take_as_many_queries_as_of_one(api, clinic):
    user = clinic.therapist.user
    caseload = [clinic.patient, *(make_patient(clinic.therapist) for _ in range(9))]
    for patient in caseload:
        post_rotations(api, user, patient, "left", 35, 45, "2026-03-01T10:00:00Z")
        post_rotations(api, user, patient, "right", 30, 40, "2026-03-01T10:00:00Z")
    # As the dashboard holds them: freshly loaded, so only the summaries' own queries count.
    caseload = db.session.scalars(db.select(Patient).where(Patient.id.in_([p.id for p in caseload]))).all()

    with counting_queries() as one:
        service.rom_summaries(caseload[:1])
    with counting_queries() as ten:
        summaries = service.rom_summaries(caseload)
    assert len(ten) == len(one) == 1
    assert set(summaries) == {patient.id for patient in caseload}
    assert all(summary.asymmetry_degrees == 10 for summary in summaries.values())


def test_rom_summaries_keep_each_patients_readings_and_threshold_apart(api, clinic):
    user = clinic.therapist.user
    lenient = make_patient(clinic.therapist)
    unmeasured = make_patient(clinic.therapist)
    api.patch(f"/api/v1/patients/{lenient.id}", user, json={"rom_asymmetry_threshold_degrees": 20})
    post_rotations(api, user, clinic.patient, "left", 40, 50, "2026-03-01T10:00:00Z")
    post_rotations(api, user, clinic.patient, "right", 30, 45, "2026-03-01T10:00:00Z")
    post_rotations(api, user, lenient, "left", 40, 50, "2026-03-01T10:00:00Z")
    post_rotations(api, user, lenient, "right", 30, 45, "2026-03-01T10:00:00Z")
    post_rotations(
        api, clinic.other_therapist.user, clinic.other_patient, "left", 10, 10, "2026-03-01T10:00:00Z"
    )

    summaries = service.rom_summaries([clinic.patient, lenient, unmeasured])
    assert (summaries[clinic.patient.id].asymmetry_degrees, summaries[clinic.patient.id].flagged) == (
        15,
        True,
    )
    assert (summaries[lenient.id].asymmetry_degrees, summaries[lenient.id].flagged) == (15, False)
    assert summaries[unmeasured.id].asymmetry_degrees is None
    assert clinic.other_patient.id not in summaries
    assert service.rom_summaries([]) == {}


def test_rom_history_holds_rotation_readings_oldest_first(api, clinic):
    user, patient = clinic.therapist.user, clinic.patient
    post_reading(api, user, patient, side="right", degrees=28, measured_at="2026-03-05T10:00:00Z")
    post_reading(api, user, patient, type="hip_external_rotation", measured_at="2026-03-01T10:00:00Z")
    post_reading(api, user, patient, type="hip_flexion", degrees=100, measured_at="2026-03-03T10:00:00Z")
    history = service.rom_history(patient.id)
    assert [(m.type, m.side, m.measured_at.day) for m in history] == [
        ("hip_external_rotation", "left", 1),
        ("hip_internal_rotation", "right", 5),
    ]


def test_outcome_series_is_oldest_first_and_measured_from_the_first_result(api, clinic):
    user, patient = clinic.patient.user, clinic.patient
    post_outcome(api, user, patient, "nprs", [3], "2026-03-08T09:00:00Z")
    post_outcome(api, user, patient, "nprs", [7], "2026-03-01T09:00:00Z")
    post_outcome(api, user, patient, "odi", [2] * 10, "2026-03-02T09:00:00Z")
    series = service.outcome_series(patient.id, "nprs")
    assert [(r.score, r.change_from_baseline, r.meaningful_change) for r in series] == [
        (7.0, None, False),
        (3.0, -4.0, True),
    ]
    assert service.outcome_series(patient.id, "psfs") == []
