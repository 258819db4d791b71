"""The Bulk Data export: kick-off, status, manifest, NDJSON files for the admin only, for 24 hours."""

from __future__ import annotations

import json
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from telehealth.extensions import db
from telehealth.fhir import service
from telehealth.jobs.models import OutboxJob
from tests.fhir.seed import seed_patients
from tests.fhir.validate import problems

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _kick_off(api, user) -> tuple[str, uuid.UUID]:
    response = api.post("/api/v1/fhir/$export", user)
    assert response.status_code == 202, response.get_data(as_text=True)
    location = response.headers["Content-Location"]
    return location.removeprefix("https://app.test"), uuid.UUID(location.rsplit("/", 1)[1])


def test_kick_off_queues_the_job_and_the_status_says_202_until_the_worker_is_done(api, clinic, frozen):
    status_url, export_id = _kick_off(api, clinic.admin)
    assert db.session.query(OutboxJob).filter_by(task_name="fhir.export").one().args == [str(export_id)]
    waiting = api.get(status_url, clinic.admin)
    assert waiting.status_code == 202
    assert waiting.headers["X-Progress"].startswith("queued")
    service.run_export(export_id)
    done = api.get(status_url, clinic.admin)
    assert done.status_code == 200
    manifest = done.json
    assert manifest["transactionTime"] == "2026-03-10T16:00:00Z"
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/api/v1/fhir/$export")
    types = {item["type"]: item for item in manifest["output"]}
    assert types["Patient"]["count"] == 2 and types["Practitioner"]["count"] == 2
    lines = 0
    for item in manifest["output"]:
        response = api.get(item["url"].removeprefix("https://app.test"), clinic.admin)
        assert response.status_code == 200
        assert response.mimetype == "application/fhir+ndjson"
        for line in response.get_data(as_text=True).splitlines():
            resource = json.loads(line)
            assert resource["resourceType"] == item["type"]
            assert problems(resource) == []
            lines += 1
    assert lines == sum(item["count"] for item in manifest["output"])


def test_only_admins_start_exports_or_read_them(api, clinic, frozen):
    assert api.post("/api/v1/fhir/$export", clinic.therapist.user).status_code == 403
    assert api.post("/api/v1/fhir/$export", clinic.patient.user).status_code == 403
    status_url, export_id = _kick_off(api, clinic.admin)
    service.run_export(export_id)
    assert api.get(status_url, clinic.therapist.user).status_code == 403
    assert api.get(f"{status_url}/Patient.ndjson", clinic.therapist.user).status_code == 403
    assert api.get(f"{status_url}/Patient.ndjson").status_code == 401
    assert api.get(f"/api/v1/fhir/exports/{uuid.uuid4()}", clinic.admin).status_code == 404


def test_the_files_expire_after_24_hours(api, clinic, frozen):
    status_url, export_id = _kick_off(api, clinic.admin)
    service.run_export(export_id)
    frozen.shift(timedelta(hours=23, minutes=59))
    assert api.get(f"{status_url}/Patient.ndjson", clinic.admin).status_code == 200
    frozen.shift(timedelta(minutes=1))
    assert api.get(f"{status_url}/Patient.ndjson", clinic.admin).status_code == 404
    assert api.get(status_url, clinic.admin).status_code == 404
    assert service.purge_expired_exports() == 1
    assert not service.export_folder(export_id).exists()


def test_a_type_with_no_resources_has_no_file(api, clinic, frozen):
    status_url, export_id = _kick_off(api, clinic.admin)
    service.run_export(export_id)
    assert "Encounter" not in {item["type"] for item in api.get(status_url, clinic.admin).json["output"]}
    assert api.get(f"{status_url}/Encounter.ndjson", clinic.admin).status_code == 404


def _peak_during_export(app, user_id, batch: int) -> int:
    from telehealth.fhir.models import FhirExport

    export = FhirExport(requested_by_id=user_id, request_url="test")
    db.session.add(export)
    db.session.commit()
    tracemalloc.start()
    try:
        service.run_export(export.id, batch=batch)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_clinic_grows(app, clinic):
    """Peak memory of an export of 5x more patients stays within a small margin (keyset batches)."""
    seed_patients(300, clinic.therapist)
    _peak_during_export(app, clinic.admin.id, batch=50)  # warm caches (compiled statements, imports)
    small = _peak_during_export(app, clinic.admin.id, batch=50)
    seed_patients(1200, clinic.therapist)
    large = _peak_during_export(app, clinic.admin.id, batch=50)
    # Held in memory all at once, 5x the patients would need several times the peak.
    print(f"export peak: 300 patients {small / 1e6:.2f} MB, 1500 patients {large / 1e6:.2f} MB")
    assert large < small * 1.5, (small, large)
