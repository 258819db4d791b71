"""ODI, NPRS and PSFS results through the API: scoring, baseline, validation, scope and audit."""

from __future__ import annotations

import uuid

import pytest

from telehealth.measures.models import Outcome
from tests.measures.helpers import audit_trail, count, post_outcome

pytestmark = pytest.mark.usefixtures("frozen")

ODI_40 = [2] * 10
ODI_28 = [2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
PSFS_4 = [
    {"activity": "golf swing", "score": 4},
    {"activity": "stairs", "score": 4},
    {"activity": "sitting 1 h", "score": 4},
]


def test_patient_submits_an_odi_and_gets_its_score_and_band(api, clinic):
    response = post_outcome(
        api,
        clinic.patient.user,
        clinic.patient,
        "odi",
        [3, 3, 2, 2, None, 1, 1, 1, 1, 1],
        "2026-03-01T09:00:00+01:00",
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["instrument"] == "odi"
    assert body["score"] == 33.3  # 15 / 45
    assert body["interpretation"] == "moderate"
    assert body["change_from_baseline"] is None
    assert body["meaningful_change"] is False
    assert body["improved"] is None
    assert body["direction"] is None
    assert body["answers"] == [3, 3, 2, 2, None, 1, 1, 1, 1, 1]
    assert body["completed_at"] == "2026-03-01T08:00:00Z"
    assert body["recorded_by_id"] == str(clinic.patient.user.id)


def test_later_results_compare_with_the_first_on_the_same_instrument(api, clinic):
    user, patient = clinic.patient.user, clinic.patient
    post_outcome(api, user, patient, "odi", ODI_40, "2026-02-01T09:00:00Z")
    post_outcome(api, user, patient, "nprs", [7], "2026-02-02T09:00:00Z")

    odi = post_outcome(api, user, patient, "odi", ODI_28, "2026-03-01T09:00:00Z").json
    assert (odi["score"], odi["change_from_baseline"]) == (28.0, -12.0)
    assert (odi["meaningful_change"], odi["improved"]) == (True, True)

    nprs = post_outcome(api, user, patient, "nprs", [6], "2026-03-01T09:00:00Z").json
    assert (nprs["change_from_baseline"], nprs["meaningful_change"], nprs["improved"]) == (-1.0, False, True)

    first_psfs = post_outcome(api, user, patient, "psfs", PSFS_4, "2026-03-01T09:00:00Z").json
    assert first_psfs["change_from_baseline"] is None  # a first PSFS is its own baseline


def test_higher_psfs_is_better_and_a_meaningful_worsening_is_still_meaningful(api, clinic):
    user, patient = clinic.therapist.user, clinic.patient
    post_outcome(api, user, patient, "psfs", PSFS_4, "2026-02-01T09:00:00Z")
    better = [{**item, "score": 6} for item in PSFS_4]
    up = post_outcome(api, user, patient, "psfs", better, "2026-03-01T09:00:00Z").json
    assert (up["change_from_baseline"], up["meaningful_change"], up["improved"]) == (2.0, True, True)
    worse = post_outcome(api, user, patient, "nprs", [2], "2026-02-01T09:00:00Z")
    assert worse.status_code == 201
    flare = post_outcome(api, user, patient, "nprs", [5], "2026-03-01T09:00:00Z").json
    assert (flare["change_from_baseline"], flare["meaningful_change"], flare["improved"]) == (
        3.0,
        True,
        False,
    )


def test_a_later_result_equal_to_the_baseline_is_a_change_of_zero(api, clinic):
    user, patient = clinic.patient.user, clinic.patient
    post_outcome(api, user, patient, "nprs", [3], "2026-03-01T09:00:00Z")
    same = post_outcome(api, user, patient, "nprs", [3], "2026-03-08T09:00:00Z").json
    assert (same["change_from_baseline"], same["meaningful_change"], same["improved"]) == (0.0, False, False)


def test_a_result_entered_late_with_an_earlier_date_becomes_the_baseline(api, clinic):
    user, patient = clinic.therapist.user, clinic.patient
    post_outcome(api, user, patient, "odi", ODI_28, "2026-03-01T09:00:00Z")
    earlier = post_outcome(api, user, patient, "odi", ODI_40, "2026-02-01T09:00:00Z").json
    assert earlier["change_from_baseline"] is None
    listed = api.get(f"/api/v1/patients/{patient.id}/outcomes", user).json["items"]
    assert [(o["score"], o["change_from_baseline"]) for o in listed] == [(40.0, None), (28.0, -12.0)]


def test_list_is_oldest_first_filters_by_instrument_and_keeps_baselines_across_pages(api, clinic):
    user, patient = clinic.patient.user, clinic.patient
    post_outcome(api, user, patient, "nprs", [8], "2026-03-03T09:00:00Z")
    post_outcome(api, user, patient, "odi", ODI_40, "2026-03-01T09:00:00Z")
    post_outcome(api, user, patient, "nprs", [5], "2026-03-05T09:00:00Z")
    post_outcome(api, user, patient, "nprs", [2], "2026-03-07T09:00:00Z")
    url = f"/api/v1/patients/{patient.id}/outcomes"

    everything = api.get(url, clinic.therapist.user).json
    assert [(o["instrument"], o["score"]) for o in everything["items"]] == [
        ("odi", 40.0),
        ("nprs", 8.0),
        ("nprs", 5.0),
        ("nprs", 2.0),
    ]
    nprs = api.get(f"{url}?instrument=nprs", clinic.admin).json
    assert nprs["total"] == 3
    assert [o["change_from_baseline"] for o in nprs["items"]] == [None, -3.0, -6.0]
    # The baseline is the first result, even when it is not on the page asked for.
    last_page = api.get(f"{url}?instrument=nprs&per_page=1&page=3", user).json
    assert [o["change_from_baseline"] for o in last_page["items"]] == [-6.0]
    assert api.get(f"{url}?instrument=sf36", user).status_code == 422


@pytest.mark.parametrize(
    ("instrument", "answers", "field"),
    [
        ("odi", [1] * 9, "answers"),
        ("odi", [1, 1, 1, 1, 1, 1, 1, None, None, None], "answers"),
        ("odi", [1, 1, 1, 6, 1, 1, 1, 1, 1, 1], "answers.3"),
        ("nprs", [11], "answers.0"),
        ("nprs", [5, 6], "answers"),
        ("nprs", [], "answers"),
        ("psfs", PSFS_4[:2], "answers"),
        ("psfs", PSFS_4 * 2, "answers"),
        ("psfs", [*PSFS_4[:2], {"activity": "golf", "score": -1}], "answers.2.score"),
        ("psfs", [*PSFS_4[:2], "golf"], "answers.2"),
        ("vas", [5], "instrument"),
    ],
)
def test_bad_answers_are_422_naming_the_field_and_nothing_is_written(api, clinic, instrument, answers, field):
    response = post_outcome(
        api, clinic.patient.user, clinic.patient, instrument, answers, "2026-03-01T09:00:00Z"
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert count(Outcome) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"instrument": "nprs", "answers": 5, "completed_at": "2026-03-01T09:00:00Z"},
        {"instrument": "nprs", "answers": {"0": 5}, "completed_at": "2026-03-01T09:00:00Z"},
        {"instrument": "nprs", "completed_at": "2026-03-01T09:00:00Z"},
    ],
)
def test_answers_that_are_not_a_list_are_422(api, clinic, body):
    response = api.post(f"/api/v1/patients/{clinic.patient.id}/outcomes", clinic.patient.user, json=body)
    assert response.status_code == 422
    assert "answers" in response.json["errors"]


@pytest.mark.parametrize(
    ("completed_at", "status"),
    [("2026-03-10T12:04:59Z", 201), ("2026-03-10T12:06:00Z", 422), ("2026-03-10T12:00:00", 422)],
)
def test_completed_at_needs_an_offset_and_may_not_be_in_the_future(api, clinic, completed_at, status):
    response = post_outcome(api, clinic.patient.user, clinic.patient, "nprs", [4], completed_at)
    assert response.status_code == status
    if status == 422:
        assert list(response.json["errors"]) == ["completed_at"]


def test_admin_reads_outcomes_but_may_not_submit_them(api, clinic):
    post_outcome(api, clinic.patient.user, clinic.patient, "nprs", [4], "2026-03-01T09:00:00Z")
    assert (
        post_outcome(api, clinic.admin, clinic.patient, "nprs", [4], "2026-03-01T09:00:00Z").status_code
        == 403
    )
    assert api.get(f"/api/v1/patients/{clinic.patient.id}/outcomes", clinic.admin).json["total"] == 1


def test_outcomes_outside_the_callers_scope_are_not_found(api, clinic):
    url = f"/api/v1/patients/{clinic.patient.id}/outcomes"
    for user in (clinic.other_therapist.user, clinic.other_patient.user):
        assert api.get(url, user).status_code == 404
        assert post_outcome(api, user, clinic.patient, "nprs", [4], "2026-03-01T09:00:00Z").status_code == 404
    assert api.get(f"/api/v1/patients/{uuid.uuid4()}/outcomes", clinic.admin).status_code == 404
    assert api.get(url).status_code == 401
    assert count(Outcome) == 0


def test_outcome_writes_reads_and_refusals_are_audited(api, clinic):
    created = post_outcome(api, clinic.patient.user, clinic.patient, "nprs", [4], "2026-03-01T09:00:00Z").json
    api.get(f"/api/v1/patients/{clinic.patient.id}/outcomes", clinic.therapist.user)
    post_outcome(api, clinic.patient.user, clinic.patient, "nprs", [12], "2026-03-01T09:00:00Z")
    api.get(f"/api/v1/patients/{clinic.patient.id}/outcomes", clinic.other_patient.user)
    summary = audit_trail(clinic.patient)
    patient_id = str(clinic.patient.id)
    assert ("outcome.create", "success", clinic.patient.user.id, "outcome", created["id"]) in summary
    assert ("outcome.list", "success", clinic.therapist.user.id, "patient", patient_id) in summary
    assert ("outcome.create", "rejected", clinic.patient.user.id, "patient", patient_id) in summary
    assert ("outcome.list", "denied", clinic.other_patient.user.id, "patient", patient_id) in summary


def test_a_worse_odi_says_worsened_not_just_meaningful(api, clinic):
    user, patient = clinic.patient.user, clinic.patient
    post_outcome(api, user, patient, "odi", [3] * 10, "2026-02-01T09:00:00Z")  # 60: the baseline
    worse = post_outcome(api, user, patient, "odi", [4] * 10, "2026-03-01T09:00:00Z").json  # 80
    assert (worse["change_from_baseline"], worse["meaningful_change"], worse["direction"]) == (
        20.0,
        True,
        "worsened",
    )
    better = post_outcome(api, user, patient, "odi", [2] * 10, "2026-03-02T09:00:00Z").json  # 40
    assert (better["direction"], better["meaningful_change"]) == ("improved", True)
    listed = api.get(f"/api/v1/patients/{patient.id}/outcomes", user).json["items"]
    assert [item["direction"] for item in listed] == [None, "worsened", "improved"]
