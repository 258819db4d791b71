"""A patient's record as a FHIR R4 Bundle: every resource valid, coded, and dated in the patient's zone."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from telehealth.demo import seed_demo
from telehealth.extensions import db
from telehealth.patients.models import Patient
from tests.factories import make_completed_visit
from tests.fhir.validate import problems

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _record(api, clinic) -> None:
    """A program, readings, the three outcomes and a completed visit, through the API."""
    therapist, patient = clinic.therapist.user, clinic.patient
    pid = patient.id
    exercise = api.get("/api/v1/exercises?q=clamshell", therapist).json["items"]
    if not exercise:
        exercise = [
            api.post(
                "/api/v1/exercises",
                therapist,
                json={
                    "name": "Clamshell",
                    "instructions": "Knees bent.",
                    "body_region": "hip",
                    "category": "strength",
                },
            ).json
        ]
    assignment = api.post(
        f"/api/v1/patients/{pid}/assignments",
        therapist,
        json={
            "exercise_id": exercise[0]["id"],
            "sets": 3,
            "reps": 10,
            "hold_seconds": 5,
            "side": "both",
            "times_per_day": 2,
            "days_of_week": ["mon", "wed", "fri"],
            "start_date": "2026-03-02",
            "notes": "Slow on the way down.",
        },
    )
    assert assignment.status_code == 201, assignment.json
    for side, degrees, source, who in (
        ("left", 32, "clinician", therapist),
        ("right", 21, "patient_reported", patient.user),
    ):
        reading = api.post(
            f"/api/v1/patients/{pid}/measurements",
            who,
            json={
                "type": "hip_internal_rotation",
                "side": side,
                "degrees": degrees,
                "measured_at": "2026-03-09T10:00:00-04:00",
                "source": source,
                "position": "seated",
                "instrument": "goniometer",
            },
        )
        assert reading.status_code == 201, reading.json
    for instrument, answers in (
        ("nprs", [6]),
        ("odi", [2, 3, 1, None, 2, 2, 3, 1, 2, 2]),
        (
            "psfs",
            [
                {"activity": "Putting on socks", "score": 4},
                {"activity": "Golf swing", "score": 3},
                {"activity": "Stairs", "score": 6},
            ],
        ),
    ):
        done = api.post(
            f"/api/v1/patients/{pid}/outcomes",
            patient.user,
            json={"instrument": instrument, "answers": answers, "completed_at": "2026-03-09T20:00:00-04:00"},
        )
        assert done.status_code == 201, done.json
    make_completed_visit(
        patient, clinic.therapist, datetime(2026, 3, 5, 15, 0, tzinfo=UTC), lasted_minutes=28
    )


def _bundle(api, patient, user):
    response = api.get(f"/api/v1/patients/{patient.id}/fhir", user)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    return response.get_json(force=True)


def _by_type(bundle) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_the_patients_bundle_is_valid_r4_with_every_part_of_the_record(api, clinic, frozen):
    _record(api, clinic)
    bundle = _bundle(api, clinic.patient, clinic.therapist.user)
    assert problems(bundle) == []
    assert [p for entry in bundle["entry"] for p in problems(entry["resource"])] == []
    assert bundle["type"] == "collection"
    kinds = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    assert kinds == {
        "Patient": 1,
        "Practitioner": 1,
        "CarePlan": 1,
        "ServiceRequest": 1,
        # two ROM readings, NPRS, the ODI and PSFS scores
        "Observation": 5,
        "QuestionnaireResponse": 2,
        "Encounter": 1,
    }
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)


def test_codes_carry_their_systems(api, clinic, frozen):
    _record(api, clinic)
    found = _by_type(_bundle(api, clinic.patient, clinic.therapist.user))
    request = found["ServiceRequest"][0]
    assert request["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "229065009",
        "display": "Exercise therapy",
    }
    repeat = request["occurrenceTiming"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (2, 1, "d")
    assert repeat["dayOfWeek"] == ["mon", "wed", "fri"]
    assert "3 sets, 10 reps, hold 5 s, both sides" in request["patientInstruction"]
    plan = found["CarePlan"][0]
    assert plan["activity"] == [{"reference": {"reference": f"ServiceRequest/{request['id']}"}}]
    codes = {obs["code"]["coding"][0]["code"]: obs for obs in found["Observation"]}
    assert codes["72514-3"]["code"]["coding"][0]["system"] == "http://loinc.org"
    assert codes["72514-3"]["valueInteger"] == 6
    assert codes["97909-6"]["valueQuantity"]["value"] == 40.0  # 18 of 45 answered points
    assert (
        codes["psfs-score"]["code"]["coding"][0]["system"]
        == "https://telehealth-pt.example/fhir/CodeSystem/outcome"
    )
    rom = [obs for obs in found["Observation"] if obs["code"]["coding"][0]["code"] == "hip_internal_rotation"]
    assert {(o["valueQuantity"]["code"], o["valueQuantity"]["system"]) for o in rom} == {
        ("deg", "http://unitsofmeasure.org")
    }
    sides = {o["bodySite"]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]: o for o in rom}
    assert set(sides) == {"7771000", "24028007"}
    assert sides["24028007"]["performer"] == [{"reference": f"Patient/{clinic.patient.id}"}]
    assert "goniometer" in sides["7771000"]["method"]["text"]
    odi = next(
        q for q in found["QuestionnaireResponse"] if q["questionnaire"] == "http://loinc.org/q/97908-8"
    )
    assert [item["linkId"] for item in odi["item"]] == [str(n) for n in range(1, 11)]
    assert "answer" not in odi["item"][3]  # the skipped section
    visit = found["Encounter"][0]
    assert visit["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "VR",
        "display": "virtual",
    }
    assert visit["status"] == "finished"


def test_times_carry_the_patients_offset_and_days_are_local(api, clinic, frozen):
    _record(api, clinic)
    found = _by_type(_bundle(api, clinic.patient, clinic.therapist.user))
    nprs = next(o for o in found["Observation"] if o["code"]["coding"][0]["code"] == "72514-3")
    # 20:00 in New York on March 9 (EDT, after the change of March 8) is 00:00 UTC on March 10.
    assert nprs["effectiveDateTime"] == "2026-03-09T20:00:00-04:00"
    # The visit on March 5, before the change: EST.
    assert found["Encounter"][0]["period"]["start"] == "2026-03-05T10:00:00-05:00"
    assert found["ServiceRequest"][0]["occurrenceTiming"]["repeat"]["boundsPeriod"]["start"] == "2026-03-02"


def test_who_may_read_the_bundle(api, clinic, frozen):
    path = f"/api/v1/patients/{clinic.patient.id}/fhir"
    assert api.get(path, clinic.patient.user).status_code == 200
    assert api.get(path, clinic.admin).status_code == 200
    assert api.get(path, clinic.other_therapist.user).status_code == 404
    assert api.get(path, clinic.other_patient.user).status_code == 404


def test_every_demo_patients_bundle_validates_with_zero_errors(api, clinic):
    seed_demo()
    db.session.commit()
    admin = clinic.admin
    patients = db.session.scalars(select(Patient)).all()
    assert len(patients) >= 3
    errors, resources = [], 0
    for patient in patients:
        bundle = _bundle(api, patient, admin)
        errors += problems(bundle)
        for entry in bundle["entry"]:
            resources += 1
            errors += problems(entry["resource"])
    assert resources > 3 * len(patients)
    assert errors == []


def test_an_unknown_patient_is_404(api, clinic):
    assert api.get(f"/api/v1/patients/{uuid.uuid4()}/fhir", clinic.admin).status_code == 404
