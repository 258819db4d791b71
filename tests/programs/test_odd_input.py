"""API.md: 5xx never on any client input. Every field of every write gets values of every odd kind."""

from __future__ import annotations

import uuid

import time_machine

ODD_VALUES = [
    None,
    True,
    -1,
    10**30,
    1.5,
    "",
    "x" * 5000,
    [],
    {},
    [1],
    {"a": 1},
    "2026-13-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "NaN",
    "\x00",
    "😀",
]
ODD_BODIES = ["[]", "1", '"text"', "{", "null", ""]


def test_no_odd_input_causes_a_server_error(api, clinic, assign, library):
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):
        assignment = assign()
        template_body = {"name": "Phase 1", "items": [{"exercise_id": library["Clamshell"], "side": "both"}]}
        template = api.post("/api/v1/program-templates", clinic.therapist.user, json=template_body).json
        patient = f"/api/v1/patients/{clinic.patient.id}"
        log = {
            "id": str(uuid.uuid4()),
            "assignment_id": assignment["id"],
            "performed_at": "2026-03-10T12:00:00Z",
            "sets_completed": 1,
            "pain_score": 1,
        }
        writes = [
            (
                "POST",
                f"{patient}/assignments",
                clinic.therapist.user,
                {**template_body["items"][0], "start_date": "2026-03-01"},
            ),
            (
                "PATCH",
                f"/api/v1/assignments/{assignment['id']}",
                clinic.therapist.user,
                {"sets": 2, "end_date": None},
            ),
            (
                "POST",
                "/api/v1/exercises",
                clinic.therapist.user,
                {"name": "n", "instructions": "i", "body_region": "hip", "category": "stretch"},
            ),
            (
                "PATCH",
                f"/api/v1/exercises/{library['Clamshell']}",
                clinic.admin,
                {"name": "n", "archived": False},
            ),
            ("POST", "/api/v1/program-templates", clinic.therapist.user, template_body),
            (
                "POST",
                f"{patient}/program-templates/{template['id']}/apply",
                clinic.therapist.user,
                {"start_date": "2026-03-01"},
            ),
            ("POST", f"{patient}/progress-logs", clinic.patient.user, log),
        ]
        statuses = []
        for method, path, user, body in writes:
            for field in [*body, "unknown"]:
                for value in ODD_VALUES:
                    statuses.append(api.call(method, path, user, json=body | {field: value}).status_code)
            for raw in ODD_BODIES:
                statuses.append(
                    api.call(method, path, user, data=raw, content_type="application/json").status_code
                )
        batch = f"{patient}/progress-logs/batch"
        for field in log:
            for value in ODD_VALUES:
                response = api.post(batch, clinic.patient.user, json={"logs": [log | {field: value}, log]})
                statuses.append(response.status_code)
        for value in ODD_VALUES:
            statuses.append(api.post(batch, clinic.patient.user, json={"logs": value}).status_code)
            statuses.append(api.post(batch, clinic.patient.user, json={"logs": [value]}).status_code)
        reads = [
            f"{patient}/today?date=99999-01-01",
            f"{patient}/today?date=2026-03-10T00:00",
            f"{patient}/progress-logs?from=0001-01-01T00:00:00%2B14:00",
            f"{patient}/progress-logs?to=9999-12-31T23:59:59-14:00&page=999999",
            f"{patient}/assignments?status=paused&per_page=0",
            "/api/v1/exercises?q=%00&include_archived=2",
            "/api/v1/program-templates?q=" + "%25" * 50,
        ]
        for path in reads:
            statuses.append(api.get(path, clinic.therapist.user).status_code)
    assert len(statuses) > 600
    assert max(statuses) < 500
