"""Hip range-of-motion readings and the ROM summary, through the API, for each role."""

from __future__ import annotations

import uuid

import pytest

from telehealth.measures.models import Measurement
from tests.factories import UNKNOWN_ID
from tests.measures.helpers import audit_trail, count, post_reading, post_rotations, reading

pytestmark = pytest.mark.usefixtures("frozen")


def test_care_team_records_a_reading_with_its_details(api, clinic):
    response = post_reading(
        api,
        clinic.therapist.user,
        clinic.patient,
        type="hip_external_rotation",
        side="right",
        degrees=42.5,
        position="prone",
        mode="passive",
        instrument="goniometer",
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["patient_id"] == str(clinic.patient.id)
    assert (body["type"], body["side"], body["degrees"]) == ("hip_external_rotation", "right", 42.5)
    assert (body["position"], body["mode"], body["instrument"]) == ("prone", "passive", "goniometer")
    assert body["source"] == "clinician"
    assert body["measured_at"] == "2026-03-09T20:30:00Z"  # the offset is kept as the same instant
    assert body["recorded_by_id"] == str(clinic.therapist.user.id)


def test_patient_may_record_only_patient_reported_readings(api, clinic):
    refused = post_reading(api, clinic.patient.user, clinic.patient, source="clinician")
    assert refused.status_code == 403
    assert count(Measurement) == 0
    accepted = post_reading(api, clinic.patient.user, clinic.patient, source="patient_reported")
    assert accepted.status_code == 201
    assert accepted.json["source"] == "patient_reported"


def test_admin_reads_readings_but_may_not_record_them(api, clinic):
    post_reading(api, clinic.therapist.user, clinic.patient)
    assert post_reading(api, clinic.admin, clinic.patient).status_code == 403
    assert api.get(f"/api/v1/patients/{clinic.patient.id}/measurements", clinic.admin).json["total"] == 1
    assert api.get(f"/api/v1/patients/{clinic.patient.id}/rom-summary", clinic.admin).status_code == 200


@pytest.mark.parametrize("path", ["measurements", "rom-summary"])
def test_readings_outside_the_callers_scope_are_not_found(api, clinic, path):
    url = f"/api/v1/patients/{clinic.patient.id}/{path}"
    assert api.get(url, clinic.other_therapist.user).status_code == 404
    assert api.get(url, clinic.other_patient.user).status_code == 404
    assert api.get(f"/api/v1/patients/{uuid.uuid4()}/{path}", clinic.admin).status_code == 404
    assert api.get(url).status_code == 401
    assert api.get(url, clinic.patient.user).status_code == 200


def test_recording_for_another_caseloads_patient_is_not_found(api, clinic):
    assert post_reading(api, clinic.other_therapist.user, clinic.patient).status_code == 404
    assert (
        post_reading(api, clinic.other_patient.user, clinic.patient, source="patient_reported").status_code
        == 404
    )
    assert count(Measurement) == 0


@pytest.mark.parametrize(
    ("rom_type", "degrees", "status"),
    [
        ("hip_internal_rotation", 0, 201),
        ("hip_internal_rotation", 90, 201),
        ("hip_internal_rotation", 90.5, 422),
        ("hip_external_rotation", 91, 422),
        ("hip_flexion", 120, 201),
        ("hip_flexion", 180, 201),
        ("hip_abduction", 181, 422),
        ("hip_extension", -1, 422),
        ("hip_flexion", True, 422),
        ("hip_flexion", "45", 422),
        ("hip_flexion", None, 422),
    ],
)
def test_degrees_outside_the_movements_range_is_422_naming_degrees(api, clinic, rom_type, degrees, status):
    response = post_reading(api, clinic.therapist.user, clinic.patient, type=rom_type, degrees=degrees)
    assert response.status_code == status, response.json
    if status == 422:
        assert list(response.json["errors"]) == ["degrees"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "knee_flexion"),
        ("side", "both"),
        ("source", "wearable"),
        ("position", "standing"),
        ("mode", "resisted"),
        ("instrument", "smartphone"),
        ("measured_at", "2026-03-09T15:30:00"),
        ("measured_at", "yesterday"),
        ("patient_id", UNKNOWN_ID),
    ],
)
def test_bad_reading_fields_are_422_naming_the_field(api, clinic, field, value):
    response = api.post(
        f"/api/v1/patients/{clinic.patient.id}/measurements",
        clinic.therapist.user,
        json={**reading(), field: value},
    )
    assert response.status_code == 422
    assert field in response.json["errors"], response.json
    assert count(Measurement) == 0


@pytest.mark.parametrize("field", ["type", "side", "degrees", "measured_at", "source"])
def test_required_reading_fields_are_422_when_missing(api, clinic, field):
    body = reading()
    del body[field]
    response = api.post(
        f"/api/v1/patients/{clinic.patient.id}/measurements", clinic.therapist.user, json=body
    )
    assert response.status_code == 422
    assert field in response.json["errors"]


@pytest.mark.parametrize(
    ("measured_at", "status"),
    [
        ("2026-03-10T12:05:00Z", 201),  # five minutes of clock skew is tolerated
        ("2026-03-10T07:05:00-05:00", 201),
        ("2026-03-10T12:05:01Z", 422),
        ("2026-03-11T12:00:00Z", 422),
    ],
)
def test_a_reading_in_the_future_is_422(api, clinic, measured_at, status):
    response = post_reading(api, clinic.therapist.user, clinic.patient, measured_at=measured_at)
    assert response.status_code == status
    if status == 422:
        assert list(response.json["errors"]) == ["measured_at"]


def test_list_is_newest_first_and_filters_by_type_side_and_window(api, clinic):
    user, patient = clinic.therapist.user, clinic.patient
    for day in ("01", "03", "05"):
        post_reading(api, user, patient, measured_at=f"2026-03-{day}T10:00:00Z")
    post_reading(api, user, patient, type="hip_flexion", degrees=110, measured_at="2026-03-04T10:00:00Z")
    post_reading(api, user, patient, side="right", measured_at="2026-03-02T10:00:00Z")
    url = f"/api/v1/patients/{patient.id}/measurements"

    everything = api.get(url, user).json
    assert everything["total"] == 5
    assert [r["measured_at"][:10] for r in everything["items"]] == [
        "2026-03-05",
        "2026-03-04",
        "2026-03-03",
        "2026-03-02",
        "2026-03-01",
    ]
    flexion = api.get(f"{url}?type=hip_flexion", user).json
    assert [r["degrees"] for r in flexion["items"]] == [110]
    right = api.get(f"{url}?side=right", user).json
    assert [r["measured_at"][:10] for r in right["items"]] == ["2026-03-02"]
    window = api.get(
        f"{url}?type=hip_internal_rotation&from=2026-03-02T10:00:00Z&to=2026-03-05T10:00:00Z", user
    ).json
    assert [r["measured_at"][:10] for r in window["items"]] == ["2026-03-03", "2026-03-02"]
    page = api.get(f"{url}?per_page=2&page=3", user).json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (5, 3, 2, 1)


@pytest.mark.parametrize(
    "query", ["type=knee", "side=both", "from=2026-03-01T00:00:00", "per_page=201", "page=0"]
)
def test_bad_list_filters_are_422(api, clinic, query):
    response = api.get(f"/api/v1/patients/{clinic.patient.id}/measurements?{query}", clinic.therapist.user)
    assert response.status_code == 422
    assert query.split("=")[0] in response.json["errors"]


def test_rom_summary_of_a_patient_without_readings_is_all_null(api, clinic):
    response = api.get(f"/api/v1/patients/{clinic.patient.id}/rom-summary", clinic.patient.user)
    assert response.status_code == 200
    empty = {
        "internal_rotation": None,
        "external_rotation": None,
        "total_rotation": None,
        "position": None,
        "measured_at": None,
    }
    assert response.json == {
        "left": empty,
        "right": empty,
        "asymmetry_degrees": None,
        "flagged": False,
        "threshold_degrees": 10.0,
        "measured_at": None,
        "readings": [],
        "patient_reported": {"left": empty, "right": empty},
    }


def test_rom_summary_uses_the_latest_rotation_of_each_side(api, clinic):
    user, patient = clinic.therapist.user, clinic.patient
    post_rotations(api, user, patient, "left", 20, 30, "2026-02-01T10:00:00Z")
    post_rotations(api, user, patient, "left", 35, 45, "2026-03-01T10:00:00Z")
    post_rotations(api, user, patient, "right", 30, 40, "2026-03-02T10:00:00Z")
    # Entered later but taken earlier: not the latest reading.
    post_reading(api, user, patient, degrees=10, measured_at="2026-01-15T10:00:00Z")
    # Flexion does not count towards rotation.
    post_reading(api, user, patient, type="hip_flexion", degrees=100, measured_at="2026-03-09T10:00:00Z")

    summary = api.get(f"/api/v1/patients/{patient.id}/rom-summary", user).json
    assert summary["left"] == {
        "internal_rotation": 35,
        "external_rotation": 45,
        "total_rotation": 80,
        "position": None,
        "measured_at": "2026-03-01T10:00:00Z",
    }
    assert summary["right"] == {
        "internal_rotation": 30,
        "external_rotation": 40,
        "total_rotation": 70,
        "position": None,
        "measured_at": "2026-03-02T10:00:00Z",
    }
    assert summary["asymmetry_degrees"] == 10
    assert summary["flagged"] is True
    assert summary["measured_at"] == "2026-03-02T10:00:00Z"


def test_of_two_readings_taken_at_the_same_instant_the_later_entry_counts(api, clinic, frozen):
    user, patient = clinic.therapist.user, clinic.patient
    post_rotations(api, user, patient, "left", 30, 40, "2026-03-01T10:00:00Z")
    frozen.shift(60)
    post_reading(api, user, patient, degrees=33, measured_at="2026-03-01T10:00:00Z")
    summary = api.get(f"/api/v1/patients/{patient.id}/rom-summary", user).json
    assert summary["left"]["internal_rotation"] == 33


def test_rom_summary_flag_follows_the_patients_own_threshold(api, clinic):
    user, patient = clinic.therapist.user, clinic.patient
    post_rotations(api, user, patient, "left", 35, 45, "2026-03-01T10:00:00Z")
    post_rotations(api, user, patient, "right", 30, 38, "2026-03-01T10:00:00Z")
    url = f"/api/v1/patients/{patient.id}/rom-summary"
    assert (api.get(url, user).json["asymmetry_degrees"], api.get(url, user).json["flagged"]) == (12, True)

    changed = api.patch(f"/api/v1/patients/{patient.id}", user, json={"rom_asymmetry_threshold_degrees": 15})
    assert changed.status_code == 200
    summary = api.get(url, user).json
    assert (summary["flagged"], summary["threshold_degrees"]) == (False, 15)


def test_rom_summary_with_one_side_measured_has_no_asymmetry(api, clinic):
    post_rotations(api, clinic.therapist.user, clinic.patient, "right", 30, 38, "2026-03-01T10:00:00Z")
    summary = api.get(f"/api/v1/patients/{clinic.patient.id}/rom-summary", clinic.patient.user).json
    assert summary["right"]["total_rotation"] == 68
    assert summary["left"]["total_rotation"] is None
    assert (summary["asymmetry_degrees"], summary["flagged"]) == (None, False)


def test_reading_writes_reads_and_refusals_are_audited(api, clinic):
    created = post_reading(api, clinic.therapist.user, clinic.patient).json
    api.get(f"/api/v1/patients/{clinic.patient.id}/measurements", clinic.patient.user)
    api.get(f"/api/v1/patients/{clinic.patient.id}/rom-summary", clinic.admin)
    post_reading(api, clinic.other_therapist.user, clinic.patient)
    summary = audit_trail(clinic.patient)
    patient_id = str(clinic.patient.id)
    assert (
        "measurement.create",
        "success",
        clinic.therapist.user.id,
        "measurement",
        created["id"],
    ) in summary
    assert ("measurement.list", "success", clinic.patient.user.id, "patient", patient_id) in summary
    assert ("rom_summary.read", "success", clinic.admin.id, "patient", patient_id) in summary
    assert ("measurement.create", "denied", clinic.other_therapist.user.id, "patient", patient_id) in summary


def _goniometer(api, user, patient, side, position, internal, external, at) -> list[str]:
    """A clinician's internal and external rotation of one side in one position; their ids."""
    ids = []
    for rom_type, degrees in (("hip_internal_rotation", internal), ("hip_external_rotation", external)):
        response = post_reading(
            api,
            user,
            patient,
            type=rom_type,
            side=side,
            degrees=degrees,
            measured_at=at,
            position=position,
            instrument="goniometer",
        )
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
    return ids


def _summary(api, user, patient) -> dict:
    response = api.get(f"/api/v1/patients/{patient.id}/rom-summary", user)
    assert response.status_code == 200
    return response.json


def test_a_patients_own_estimate_is_summarised_apart_and_never_flags(api, clinic):
    therapist, patient = clinic.therapist.user, clinic.patient
    used = _goniometer(api, therapist, patient, "left", "seated", 35, 45, "2025-12-01T10:00:00Z")
    used += _goniometer(api, therapist, patient, "right", "seated", 35, 45, "2025-12-01T10:00:00Z")
    # Months later the patient estimates their own left internal rotation by eye.
    own = post_reading(
        api,
        patient.user,
        patient,
        degrees=20,
        measured_at="2026-03-09T10:00:00Z",
        source="patient_reported",
        position="seated",
        instrument="visual",
    )
    assert own.status_code == 201, own.json

    summary = _summary(api, therapist, patient)

    assert (summary["left"]["internal_rotation"], summary["left"]["total_rotation"]) == (35, 80)
    assert (summary["asymmetry_degrees"], summary["flagged"]) == (0, False)
    assert sorted(summary["readings"]) == sorted(used)
    assert summary["measured_at"] == "2025-12-01T10:00:00Z"
    assert summary["patient_reported"]["left"] == {
        "internal_rotation": 20,
        "external_rotation": None,
        "total_rotation": None,
        "position": "seated",
        "measured_at": "2026-03-09T10:00:00Z",
    }


def test_a_sides_total_is_never_made_of_a_seated_and_a_prone_reading(api, clinic):
    therapist, patient = clinic.therapist.user, clinic.patient
    seated = _goniometer(api, therapist, patient, "left", "seated", 35, 45, "2026-01-10T10:00:00Z")
    _goniometer(api, therapist, patient, "right", "seated", 30, 40, "2026-01-10T10:00:00Z")
    # A newer prone internal rotation of the left hip, with no prone external rotation to go with it.
    prone = post_reading(
        api, therapist, patient, degrees=25, measured_at="2026-03-01T10:00:00Z", position="prone"
    )
    assert prone.status_code == 201

    summary = _summary(api, therapist, patient)

    # Mixing positions would read 25 + 45 = 70 against 70: no asymmetry at all.
    assert summary["left"] == {
        "internal_rotation": 35,
        "external_rotation": 45,
        "total_rotation": 80,
        "position": "seated",
        "measured_at": "2026-01-10T10:00:00Z",
    }
    assert (summary["asymmetry_degrees"], summary["flagged"]) == (10, True)
    assert set(seated) <= set(summary["readings"]) and prone.json["id"] not in summary["readings"]


def test_no_asymmetry_when_the_sides_were_measured_in_different_positions(api, clinic):
    therapist, patient = clinic.therapist.user, clinic.patient
    _goniometer(api, therapist, patient, "left", "seated", 40, 45, "2026-03-01T10:00:00Z")
    _goniometer(api, therapist, patient, "right", "prone", 25, 40, "2026-03-01T10:00:00Z")

    summary = _summary(api, therapist, patient)

    assert (summary["left"]["total_rotation"], summary["left"]["position"]) == (85, "seated")
    assert (summary["right"]["total_rotation"], summary["right"]["position"]) == (65, "prone")
    assert (summary["asymmetry_degrees"], summary["flagged"]) == (None, False)

    # Once the right hip is also measured seated, the sides compare.
    _goniometer(api, therapist, patient, "right", "seated", 30, 40, "2026-03-05T10:00:00Z")
    summary = _summary(api, therapist, patient)
    assert (summary["right"]["position"], summary["asymmetry_degrees"], summary["flagged"]) == (
        "seated",
        15,
        True,
    )
