"""GET /dashboard/caseload: who is slipping, in one look (API.md "Therapist views")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from telehealth.patients.models import Patient
from tests.dashboard.conftest import NOW, TODAY, days_ago
from tests.factories import make_patient

CASELOAD = "/api/v1/dashboard/caseload"


def _rows(api, therapist, query: str = "") -> list[dict[str, Any]]:
    response = api.get(f"{CASELOAD}{query}", therapist.user)
    assert response.status_code == 200, response.json
    return response.json["items"]


def _row_of(rows: list[dict[str, Any]], patient: Patient) -> dict[str, Any]:
    [row] = [row for row in rows if row["patient"]["id"] == str(patient.id)]
    return row


def _flags_of(api, therapist, *patients: Patient) -> list[list[str]]:
    rows = _rows(api, therapist)
    return [_row_of(rows, patient)["flags"] for patient in patients]


def test_caseload_shows_each_active_patient_with_their_figures(api, clinic, care, frozen):
    patient = clinic.patient
    assignment = care.assign(patient, TODAY - timedelta(days=20))
    # The 7 days before today: done on 5 of them. Pain 5.0 this week (today included), 3.0 the week before.
    pain_by_day = {0: 6, 1: 5, 2: 5, 3: 4, 5: 4, 6: 6, 8: 3, 10: 3, 12: 3}
    care.logs(patient, assignment, [(days_ago(n, "09:00"), pain) for n, pain in pain_by_day.items()])
    care.rotations(patient, days_ago(4), left=(35, 45), right=(30, 42))
    care.session(patient, "2026-03-25T14:00:00Z")
    care.session(patient, "2026-03-20T14:00:00Z")
    discharged = make_patient(clinic.therapist)
    assert api.post(f"/api/v1/patients/{discharged.id}/discharge", clinic.therapist.user).status_code == 200

    rows = _rows(api, clinic.therapist)

    assert [row["patient"]["id"] for row in rows] == [str(patient.id)]  # not discharged, not another's
    assert rows[0] == {
        "patient": {
            "id": str(patient.id),
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "status": "active",
            "timezone": "America/New_York",
        },
        "adherence_7d": 5 / 7,
        "last_activity_at": "2026-03-18T13:00:00Z",
        "avg_pain_7d": 5.0,
        "pain_change": 2.0,
        "rom_asymmetry_degrees": 8.0,
        "next_session_at": "2026-03-20T14:00:00Z",
        "flags": ["pain_increase"],
    }


def test_a_patient_without_any_data_shows_nulls_and_no_flags(api, clinic, frozen):
    [row] = _rows(api, clinic.therapist)
    assert row["flags"] == []
    for field in (
        "adherence_7d",
        "last_activity_at",
        "avg_pain_7d",
        "pain_change",
        "rom_asymmetry_degrees",
        "next_session_at",
    ):
        assert row[field] is None, field


def test_the_caseload_is_for_therapists_only(api, clinic, frozen):
    assert api.get(CASELOAD, clinic.admin).status_code == 403
    assert api.get(CASELOAD, clinic.patient.user).status_code == 403
    assert api.get(CASELOAD).status_code == 401
    other = _rows(api, clinic.other_therapist)
    assert [row["patient"]["id"] for row in other] == [str(clinic.other_patient.id)]


def test_next_session_skips_cancelled_and_past_visits(api, clinic, care, frozen):
    patient = clinic.patient
    soon = care.session(patient, (NOW + timedelta(hours=1)).isoformat())
    cancelled = care.session(patient, "2026-03-19T14:00:00Z")
    api.post(f"/api/v1/sessions/{cancelled['id']}/cancel", clinic.therapist.user, json={})
    care.session(patient, "2026-03-21T14:00:00Z")
    assert _row_of(_rows(api, clinic.therapist), patient)["next_session_at"] == soon["starts_at"]

    frozen.move_to(NOW + timedelta(hours=2))  # the first visit has started
    assert _row_of(_rows(api, clinic.therapist), patient)["next_session_at"] == "2026-03-21T14:00:00Z"


def test_inactive_after_the_patients_inactivity_days_of_scheduled_days_without_a_log(
    api, clinic, care, frozen
):
    silent, logging, patient_setting = (
        clinic.patient,
        make_patient(clinic.therapist),
        make_patient(clinic.therapist),
    )
    for patient, last_logged in ((silent, 4), (logging, 3), (patient_setting, 4)):
        assignment = care.assign(patient, TODAY - timedelta(days=10))
        care.logs(patient, assignment, [(days_ago(n), 2) for n in range(last_logged, 11)])
    care.inactivity_days(patient_setting, 4)  # the default is 3

    flags = _flags_of(api, clinic.therapist, silent, logging, patient_setting)

    assert ["inactive" in each for each in flags] == [True, False, False]


def test_a_log_today_clears_the_inactive_flag(api, clinic, care, frozen):
    patient = clinic.patient
    assignment = care.assign(patient, TODAY - timedelta(days=10))
    care.logs(patient, assignment, [(days_ago(n), 2) for n in range(4, 11)])
    assert "inactive" in _flags_of(api, clinic.therapist, patient)[0]

    care.log(patient, assignment, days_ago(0, "08:00"))
    assert "inactive" not in _flags_of(api, clinic.therapist, patient)[0]


def test_low_adherence_below_half_of_the_last_seven_finished_days(api, clinic, care, frozen):
    patients = {
        "3 of 7": clinic.patient,
        "7 of 14": make_patient(clinic.therapist),
        "4 of 7": make_patient(clinic.therapist),
        "starts today": make_patient(clinic.therapist),
    }
    for name, times_per_day, done_days in (
        ("3 of 7", 1, (1, 3, 5)),
        ("7 of 14", 2, range(1, 8)),  # exactly half: not below it
        ("4 of 7", 1, (1, 2, 4, 6)),
    ):
        assignment = care.assign(patients[name], TODAY - timedelta(days=10), times_per_day=times_per_day)
        care.logs(patients[name], assignment, [(days_ago(n), 2) for n in done_days])
    care.assign(patients["starts today"], TODAY)  # nothing done yet today, and today is not over

    rows = _rows(api, clinic.therapist)

    assert {name: _row_of(rows, p)["adherence_7d"] for name, p in patients.items()} == {
        "3 of 7": 3 / 7,
        "7 of 14": 0.5,
        "4 of 7": 4 / 7,
        "starts today": None,
    }
    assert [name for name, p in patients.items() if "low_adherence" in _row_of(rows, p)["flags"]] == [
        "3 of 7"
    ]


def test_pain_increase_when_the_weekly_mean_rises_two_points_or_more(api, clinic, care, frozen):
    rising, slightly, new = clinic.patient, make_patient(clinic.therapist), make_patient(clinic.therapist)
    for patient, recent in ((rising, (5, 5)), (slightly, (5, 4)), (new, (9, 9))):
        assignment = care.assign(patient, TODAY - timedelta(days=20))
        earlier = [(days_ago(9), 3), (days_ago(11), 3)] if patient is not new else []
        # The second recent score is logged today: a logged score counts at once.
        care.logs(
            patient, assignment, [*earlier, (days_ago(2), recent[0]), (days_ago(0, "08:00"), recent[1])]
        )

    rows = _rows(api, clinic.therapist)

    assert [
        (_row_of(rows, p)["avg_pain_7d"], _row_of(rows, p)["pain_change"]) for p in (rising, slightly, new)
    ] == [
        (5.0, 2.0),
        (4.5, 1.5),
        (9.0, None),
    ]
    assert ["pain_increase" in _row_of(rows, p)["flags"] for p in (rising, slightly, new)] == [
        True,
        False,
        False,
    ]


def test_pain_increase_compares_the_unrounded_means(api, clinic, care, frozen):
    # Both had a mean of 7/3 (2.33) the week before; this week 17/4 (4.25) and 13/3 (4.33).
    just_under, exactly_two = clinic.patient, make_patient(clinic.therapist)
    for patient, recent in ((just_under, (4, 4, 4, 5)), (exactly_two, (4, 4, 5))):
        assignment = care.assign(patient, TODAY - timedelta(days=20))
        earlier = [(days_ago(8), 2), (days_ago(9), 2), (days_ago(10), 3)]
        care.logs(
            patient, assignment, [*earlier, *((days_ago(n + 1), pain) for n, pain in enumerate(recent))]
        )

    rows = _rows(api, clinic.therapist)

    # Rounded first, 4.3 - 2.3 would be a rise of 2.0; the true rise is 1.92.
    under, two = _row_of(rows, just_under), _row_of(rows, exactly_two)
    assert (under["avg_pain_7d"], under["pain_change"], "pain_increase" in under["flags"]) == (
        4.3,
        1.9,
        False,
    )
    assert (two["avg_pain_7d"], two["pain_change"], "pain_increase" in two["flags"]) == (4.3, 2.0, True)


def test_rom_asymmetry_flag_at_the_patients_threshold(api, clinic, care, frozen):
    ten_apart, nine_apart = clinic.patient, make_patient(clinic.therapist)
    care.rotations(ten_apart, days_ago(3), left=(40, 40), right=(30, 40))
    care.rotations(nine_apart, days_ago(3), left=(40, 40), right=(31, 40))

    rows = _rows(api, clinic.therapist)

    assert [_row_of(rows, p)["rom_asymmetry_degrees"] for p in (ten_apart, nine_apart)] == [10.0, 9.0]
    assert [_row_of(rows, p)["flags"] for p in (ten_apart, nine_apart)] == [["rom_asymmetry"], []]


ODI_28, ODI_30, ODI_38, ODI_40 = [2] * 4 + [1] * 6, [2] * 5 + [1] * 5, [2] * 9 + [1], [2] * 10


def _psfs(score: int) -> list[dict[str, Any]]:
    return [{"activity": name, "score": score} for name in ("golf swing", "stairs", "sitting")]


def test_outcome_worsened_when_the_latest_result_on_an_instrument_is_a_meaningful_worsening(
    api, clinic, care, frozen
):
    histories = {
        "odi 30 to 40": [("odi", ODI_30), ("odi", ODI_40)],
        "odi 30 to 38": [("odi", ODI_30), ("odi", ODI_38)],  # worse, but under the MCID of 10
        "odi worse, then better": [("odi", ODI_30), ("odi", ODI_40), ("odi", ODI_28)],
        "odi better, nprs 3 to 5": [("odi", ODI_40), ("odi", ODI_28), ("nprs", [3]), ("nprs", [5])],
        "nprs 5 to 3": [("nprs", [5]), ("nprs", [3])],
        "psfs 6 to 4": [("psfs", _psfs(6)), ("psfs", _psfs(4))],  # less able: worse
        "psfs 4 to 6": [("psfs", _psfs(4)), ("psfs", _psfs(6))],
        "a baseline only": [("odi", [4] * 10)],
    }
    patients = {name: make_patient(clinic.therapist) for name in histories}
    for name, results in histories.items():
        for n, (instrument, answers) in enumerate(results):
            care.outcome(patients[name], instrument, answers, days_ago(30 - n))

    rows = _rows(api, clinic.therapist)

    assert [name for name, p in patients.items() if "outcome_worsened" in _row_of(rows, p)["flags"]] == [
        "odi 30 to 40",
        "odi better, nprs 3 to 5",
        "psfs 6 to 4",
    ]
    worsened = _rows(api, clinic.therapist, "?flag=outcome_worsened")
    assert {row["patient"]["id"] for row in worsened} == {
        str(patients[name].id) for name in ("odi 30 to 40", "odi better, nprs 3 to 5", "psfs 6 to 4")
    }


def test_rom_asymmetry_uses_clinician_readings_in_one_position_only(api, clinic, care, frozen):
    estimated, mixed = clinic.patient, make_patient(clinic.therapist)
    for patient in (estimated, mixed):
        care.rotations(patient, days_ago(60), left=(40, 40), right=(40, 40))
    # One patient's own estimate by eye today; a prone reading of the other's hip, without a partner.
    for patient, fields in (
        (estimated, {"source": "patient_reported", "instrument": "visual"}),
        (mixed, {"source": "clinician", "position": "prone"}),
    ):
        user = patient.user if fields["source"] == "patient_reported" else clinic.therapist.user
        body = {
            "type": "hip_internal_rotation",
            "side": "left",
            "degrees": 20,
            "measured_at": days_ago(0, "08:00"),
        }
        response = api.post(f"/api/v1/patients/{patient.id}/measurements", user, json=body | fields)
        assert response.status_code == 201, response.json

    rows = _rows(api, clinic.therapist)

    assert [_row_of(rows, p)["rom_asymmetry_degrees"] for p in (estimated, mixed)] == [0.0, 0.0]
    assert [_row_of(rows, p)["flags"] for p in (estimated, mixed)] == [[], []]


def _ordering_caseload(care, clinic) -> dict[str, Patient]:
    """Baker: inactive and low adherence; Brown and Young: asymmetric hips; Adams and the
    clinic's patient: nothing."""
    patients = {
        name: make_patient(clinic.therapist, last_name=name) for name in ("Young", "Adams", "Brown", "Baker")
    }
    care.assign(patients["Baker"], TODAY - timedelta(days=10))
    for name in ("Young", "Brown"):
        care.rotations(patients[name], days_ago(1), left=(45, 45), right=(30, 40))
    return patients


def test_flagged_patients_come_first_most_flags_first_then_by_name(api, clinic, care, frozen):
    patients = _ordering_caseload(care, clinic)

    rows = _rows(api, clinic.therapist)

    assert [row["patient"]["last_name"] for row in rows] == [
        "Baker",
        "Brown",
        "Young",
        "Adams",
        clinic.patient.last_name,
    ]
    assert rows[0]["flags"] == ["inactive", "low_adherence"]
    assert patients  # built above


def test_filter_by_flag_and_paginate(api, clinic, care, frozen):
    _ordering_caseload(care, clinic)

    asymmetric = api.get(f"{CASELOAD}?flag=rom_asymmetry", clinic.therapist.user).json
    assert [row["patient"]["last_name"] for row in asymmetric["items"]] == ["Brown", "Young"]
    assert asymmetric["total"] == 2
    inactive = api.get(f"{CASELOAD}?flag=inactive", clinic.therapist.user).json
    assert [row["patient"]["last_name"] for row in inactive["items"]] == ["Baker"]

    second = api.get(f"{CASELOAD}?per_page=2&page=2", clinic.therapist.user).json
    assert [row["patient"]["last_name"] for row in second["items"]] == ["Young", "Adams"]
    assert (second["page"], second["per_page"], second["total"]) == (2, 2, 5)


def test_an_unknown_flag_or_page_size_is_refused(api, clinic, frozen):
    response = api.get(f"{CASELOAD}?flag=sleepy", clinic.therapist.user)
    assert response.status_code == 422
    assert "flag" in response.json["errors"]
    assert api.get(f"{CASELOAD}?per_page=201", clinic.therapist.user).status_code == 422


def test_reading_the_caseload_is_audited(api, clinic, frozen):
    api.get(CASELOAD, clinic.therapist.user)
    api.get(CASELOAD, clinic.admin)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "dashboard.caseload")).all()
    assert {(e.actor_id, e.outcome, e.resource_type) for e in events} == {
        (clinic.therapist.user.id, "success", "caseload"),
        (clinic.admin.id, "denied", "caseload"),
    }
    # The page shows the caseload's patient data: the read is filed under each patient shown.
    shown = {e.patient_id for e in events if e.actor_id == clinic.therapist.user.id and e.patient_id}
    assert shown == {clinic.patient.id}
