"""Measurements and outcomes on a migrated PostgreSQL: the 0003_measures tables, the window-function
queries behind the ROM summary and baselines, and JSON answers with nulls."""

from __future__ import annotations

from sqlalchemy import inspect

from telehealth.extensions import db
from telehealth.measures import service
from tests.factories import Api, build_clinic


def test_migration_builds_the_measures_tables_and_their_indexes(pg_app):
    inspector = inspect(db.engine)
    assert {"measurements", "outcomes"} <= set(inspector.get_table_names())
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("measurements")}
    assert indexes["ix_measurements_patient_type_side_measured"] == [
        "patient_id",
        "type",
        "side",
        "measured_at",
    ]
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("outcomes")}
    assert indexes["ix_outcomes_patient_instrument_completed"] == ["patient_id", "instrument", "completed_at"]


def test_readings_and_outcomes_posted_through_the_api_are_summarized_on_postgresql(pg_app):
    clinic = build_clinic()
    api = Api(pg_app)
    therapist, patient = clinic.therapist.user, clinic.patient
    base = f"/api/v1/patients/{patient.id}"

    def reading(
        rom_type: str, side: str, degrees: float, at: str, user=therapist, source="clinician"
    ) -> None:
        body = {"type": rom_type, "side": side, "degrees": degrees, "measured_at": at, "source": source}
        response = api.post(f"{base}/measurements", user, json=body)
        assert response.status_code == 201, response.json

    reading("hip_internal_rotation", "left", 20, "2026-02-01T10:00:00-05:00")  # superseded
    reading("hip_internal_rotation", "left", 53.8, "2026-03-01T10:00:00-05:00")
    reading("hip_external_rotation", "left", 36.4, "2026-03-01T10:00:00-05:00")
    reading("hip_internal_rotation", "right", 24.6, "2026-03-01T10:05:00-05:00")
    reading("hip_external_rotation", "right", 55.6, "2026-03-01T10:06:00-05:00")
    # The patient's own later estimate is summarised apart and never paired with the clinician's.
    reading(
        "hip_external_rotation",
        "right",
        30,
        "2026-03-01T10:07:00-05:00",
        clinic.patient.user,
        "patient_reported",
    )

    summary = api.get(f"{base}/rom-summary", clinic.admin).json
    assert summary["left"] == {
        "internal_rotation": 53.8,
        "external_rotation": 36.4,
        "total_rotation": 90.2,
        "position": None,
        "measured_at": "2026-03-01T15:00:00Z",
    }
    assert summary["right"]["total_rotation"] == 80.2
    assert (summary["asymmetry_degrees"], summary["flagged"]) == (10.0, True)
    assert summary["measured_at"] == "2026-03-01T15:06:00Z"
    assert len(summary["readings"]) == 4
    assert summary["patient_reported"]["right"]["external_rotation"] == 30
    assert service.rom_summaries([patient])[patient.id].asymmetry_degrees == 10.0
    window = api.get(f"{base}/measurements?type=hip_internal_rotation&side=left", clinic.patient.user).json
    assert [r["degrees"] for r in window["items"]] == [53.8, 20]

    first = api.post(
        f"{base}/outcomes",
        clinic.patient.user,
        json={
            "instrument": "odi",
            "answers": [4, 4, 3, 3, None, 3, 3, 3, 3, 2],
            "completed_at": "2026-02-01T09:00:00Z",
        },
    )
    assert first.status_code == 201, first.json
    assert (first.json["score"], first.json["interpretation"]) == (62.2, "crippled")
    later = api.post(
        f"{base}/outcomes",
        therapist,
        json={
            "instrument": "odi",
            "answers": [2, 2, 2, 2, None, 2, 2, 2, 2, None],
            "completed_at": "2026-03-01T09:00:00Z",
        },
    ).json
    assert (later["score"], later["change_from_baseline"], later["meaningful_change"]) == (40.0, -22.2, True)
    listed = api.get(f"{base}/outcomes?instrument=odi", clinic.admin).json
    assert [o["answers"][4] for o in listed["items"]] == [None, None]
    assert [o["change_from_baseline"] for o in listed["items"]] == [None, -22.2]
    assert api.get(f"{base}/outcomes", clinic.other_therapist.user).status_code == 404
