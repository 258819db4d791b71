"""Listing one's own visits, reading one, and the audit trail of every read and write."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from telehealth.audit.models import AuditEvent
from telehealth.extensions import db
from tests.factories import make_patient
from tests.visits.conftest import TOMORROW_10, book, path


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


@pytest.fixture
def calendar(api, clinic):
    """Three visits of clinic.therapist (two patients) and one of clinic.other_therapist."""
    second = make_patient(clinic.therapist)
    therapist = clinic.therapist.user
    late = book(api, therapist, clinic.patient, TOMORROW_10 + timedelta(days=2)).json
    early = book(api, therapist, second, TOMORROW_10).json
    middle = book(api, therapist, clinic.patient, TOMORROW_10 + timedelta(days=1)).json
    elsewhere = book(api, clinic.other_therapist.user, clinic.other_patient, TOMORROW_10).json
    return {"early": early, "middle": middle, "late": late, "elsewhere": elsewhere, "second": second}


def test_each_caller_lists_their_own_visits_by_start(api, clinic, calendar):
    early, middle, late, elsewhere = (calendar[k]["id"] for k in ("early", "middle", "late", "elsewhere"))
    assert ids(api.get("/api/v1/sessions", clinic.therapist.user)) == [early, middle, late]
    assert ids(api.get("/api/v1/sessions", clinic.patient.user)) == [middle, late]
    assert ids(api.get("/api/v1/sessions", clinic.other_patient.user)) == [elsewhere]
    everything = api.get("/api/v1/sessions", clinic.admin)
    assert set(ids(everything)) == {early, middle, late, elsewhere}
    assert everything.json["total"] == 4


def test_lists_filter_by_time_span_status_and_patient(api, clinic, calendar):
    therapist = clinic.therapist.user
    # from/to keep visits overlapping the span: one still running at `from` is in.
    span = {"from": "2026-10-31T14:30:00Z", "to": "2026-11-01T14:00:00Z"}
    assert ids(api.get("/api/v1/sessions", therapist, query_string=span)) == [calendar["early"]["id"]]
    api.post(path(calendar["late"], "cancel"), clinic.patient.user)
    cancelled = api.get("/api/v1/sessions", therapist, query_string={"status": "cancelled"})
    assert ids(cancelled) == [calendar["late"]["id"]]
    one_patient = api.get(
        "/api/v1/sessions", therapist, query_string={"patient_id": str(calendar["second"].id)}
    )
    assert ids(one_patient) == [calendar["early"]["id"]]
    # Naming someone else's patient finds nothing rather than their visits.
    foreign = api.get(
        "/api/v1/sessions", therapist, query_string={"patient_id": str(clinic.other_patient.id)}
    )
    assert ids(foreign) == []


def test_lists_are_paginated(api, clinic, calendar):
    page = api.get("/api/v1/sessions", clinic.therapist.user, query_string={"per_page": 2, "page": 2}).json
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 3)
    assert [item["id"] for item in page["items"]] == [calendar["late"]["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-10-31T00:00:00"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"status": "postponed"}, "status"),
        ({"per_page": 201}, "per_page"),
        ({"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "_schema"),
    ],
)
def test_bad_list_queries_are_422(api, clinic, query, field):
    response = api.get("/api/v1/sessions", clinic.therapist.user, query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_a_visit_is_read_by_its_participants_and_admins_only(api, clinic, visit):
    for user in (clinic.therapist.user, clinic.patient.user, clinic.admin):
        assert api.get(path(visit), user).json["id"] == visit["id"]
    assert api.get(path(visit), clinic.other_therapist.user).status_code == 404
    assert api.get(path(visit), clinic.other_patient.user).status_code == 404
    assert api.get(f"/api/v1/sessions/{uuid.uuid4()}", clinic.admin).status_code == 404
    assert api.get(path(visit)).status_code == 401


def test_every_read_and_write_of_a_visit_is_audited_under_the_patient(api, clinic, visit, clock):
    clock.move_to(TOMORROW_10, tick=False)
    therapist, patient = clinic.therapist.user, clinic.patient.user
    api.get(path(visit), patient)
    api.get("/api/v1/sessions", patient)
    api.get(path(visit, "calendar.ics"), patient)
    api.post(path(visit, "join"), patient)
    api.get(path(visit), clinic.other_therapist.user)  # refused, and recorded as such
    api.patch(path(visit), therapist, json={"duration_minutes": 45})
    api.post(path(visit, "cancel"), therapist, json={"reason": "therapist ill"})
    book(api, therapist, clinic.other_patient)  # outside the caseload: refused

    events = db.session.scalars(select(AuditEvent)).all()
    about_visit = sorted(
        (event.action, event.outcome, event.actor_id)
        for event in events
        if event.resource_id == visit["id"] and event.patient_id == clinic.patient.id
    )
    assert about_visit == sorted(
        [
            ("visit.create", "success", therapist.id),
            ("visit.read", "success", patient.id),
            ("visit.calendar", "success", patient.id),
            ("visit.join", "success", patient.id),
            ("visit.reschedule", "success", therapist.id),
            ("visit.cancel", "success", therapist.id),
            # The other therapist's refused read is filed under the visit's patient too.
            ("visit.read", "denied", clinic.other_therapist.user.id),
        ]
    )
    actions = [(event.action, event.outcome, event.patient_id) for event in events]
    assert ("visit.list", "success", clinic.patient.id) in actions
    assert ("visit.create", "denied", clinic.other_patient.id) in actions
