"""API.md's Conventions, one rule at a time: instants, local dates, time zones, body types and size.

The walk in test_hostile_input.py sends these to every route; here each rule is shown on its own,
with the answers a client would read, including what is still accepted.
"""

from __future__ import annotations

import http.client
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from apiflask import APIFlask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.factories import PASSWORD, Api, Clinic

MIB = 1024 * 1024
# The security tests' clock (conftest.py) stands at 2026-03-10T15:00:00Z.


@pytest.fixture
def exercise_id(api: Api, clinic: Clinic) -> str:
    body = {
        "name": "Clamshell",
        "instructions": "Open the knees.",
        "body_region": "hip",
        "category": "strength",
    }
    response = api.post("/api/v1/exercises", clinic.therapist.user, json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def assignment(api: Api, clinic: Clinic, exercise_id: str) -> dict[str, Any]:
    body = {"exercise_id": exercise_id, "sets": 3, "side": "both", "start_date": "2026-03-01"}
    response = api.post(f"/api/v1/patients/{clinic.patient.id}/assignments", clinic.therapist.user, json=body)
    assert response.status_code == 201, response.json
    return response.json


def _log(assignment: dict[str, Any], performed_at: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "assignment_id": assignment["id"],
        "performed_at": performed_at,
        "sets_completed": 1,
        "pain_score": 2,
    }


@pytest.mark.parametrize(
    "performed_at",
    [
        1796031029,
        1773150000.5,
        "2026-03-10 09:00:00+00:00",
        "2026-03-10T09:00:00",
        "1773150000",
        "2026-03-10",
    ],
)
def test_an_instant_that_is_not_rfc_3339_text_with_an_offset_is_422_naming_the_field(
    api, clinic, assignment, performed_at
):
    path = f"/api/v1/patients/{clinic.patient.id}/progress-logs"
    response = api.post(path, clinic.patient.user, json=_log(assignment, performed_at))
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"performed_at"}
    assert api.get(path, clinic.patient.user).json["total"] == 0


@pytest.mark.parametrize("performed_at", ["2026-03-10T09:00:00Z", "2026-03-10t04:00:00.25-05:00"])
def test_an_rfc_3339_instant_with_an_offset_is_taken(api, clinic, assignment, performed_at):
    path = f"/api/v1/patients/{clinic.patient.id}/progress-logs"
    response = api.post(path, clinic.patient.user, json=_log(assignment, performed_at))
    assert response.status_code == 201, response.json
    assert response.json["performed_at"].startswith("2026-03-10T09:00:00")


def test_a_batched_log_with_a_numeric_instant_is_invalid_on_its_own(api, clinic, assignment):
    logs = [_log(assignment, 1773133200), _log(assignment, "2026-03-10T09:00:00Z")]
    response = api.post(
        f"/api/v1/patients/{clinic.patient.id}/progress-logs/batch", clinic.patient.user, json={"logs": logs}
    )
    assert response.status_code == 200
    first, second = response.json["results"]
    assert first["status"] == "invalid" and set(first["errors"]) == {"performed_at"}
    assert second["status"] == "created"


@pytest.mark.parametrize(
    "query", ["to=0.5", "from=1773133200", "from=2026-03-01%2009:00:00%2B00:00", "to=2026-03-10"]
)
def test_an_instant_in_a_query_is_held_to_the_same_rule(api, clinic, query):
    for path in ("/api/v1/sessions", f"/api/v1/patients/{clinic.patient.id}/measurements"):
        response = api.get(f"{path}?{query}", clinic.therapist.user)
        assert response.status_code == 422, path
        assert set(response.json["errors"]) == {query.split("=")[0]}


@pytest.mark.parametrize("start_date", [20260301, 1772323200, "2026-03-01T00:00", "2026-3-1"])
def test_a_local_date_that_is_not_yyyy_mm_dd_text_is_422(api, clinic, exercise_id, start_date):
    body = {"exercise_id": exercise_id, "sets": 3, "side": "both", "start_date": start_date}
    response = api.post(f"/api/v1/patients/{clinic.patient.id}/assignments", clinic.therapist.user, json=body)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"start_date"}


@pytest.mark.parametrize(
    "timezone", ["localtime", "Factory", "EST5EDT", "EST", "GMT", "Zulu", "Japan", "posixrules"]
)
def test_a_time_zone_that_is_not_an_iana_area_location_name_or_utc_is_422(api, clinic, timezone):
    path = f"/api/v1/patients/{clinic.patient.id}"
    response = api.patch(path, clinic.therapist.user, json={"timezone": timezone})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"timezone"}
    assert api.get(path, clinic.therapist.user).json["timezone"] == "America/New_York"


@pytest.mark.parametrize(
    "timezone", ["UTC", "Asia/Tokyo", "America/Argentina/Buenos_Aires", "America/Indiana/Knox"]
)
def test_iana_area_location_names_and_utc_are_taken(api, clinic, timezone):
    response = api.patch(
        f"/api/v1/patients/{clinic.patient.id}", clinic.therapist.user, json={"timezone": timezone}
    )
    assert response.status_code == 200
    assert response.json["timezone"] == timezone


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_json_not_sent_as_json_is_415(api, clinic, content_type):
    path = f"/api/v1/patients/{clinic.patient.id}"
    body = b'{"first_name": "Renamed"}'
    response = api.patch(path, clinic.therapist.user, data=body, content_type=content_type)
    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    assert api.get(path, clinic.therapist.user).json["first_name"] != "Renamed"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/merge-patch+json", "application/vnd.api+json"],
)
def test_json_under_any_json_media_type_is_taken(api, clinic, content_type):
    path = f"/api/v1/patients/{clinic.patient.id}"
    response = api.patch(
        path, clinic.therapist.user, data=b'{"first_name": "Renamed"}', content_type=content_type
    )
    assert response.status_code == 200
    assert response.json["first_name"] == "Renamed"


def test_no_body_and_no_content_type_reads_as_no_fields_so_an_all_optional_action_succeeds(api, clinic):
    discharged = api.post(f"/api/v1/patients/{clinic.patient.id}/discharge", clinic.therapist.user)
    assert discharged.status_code == 200
    assert discharged.json["status"] == "discharged"
    created = api.post("/api/v1/patients", clinic.therapist.user)
    assert created.status_code == 422
    assert {"email", "first_name", "timezone"} <= set(created.json["errors"])


def test_an_empty_body_declared_as_another_type_is_415(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}/discharge"
    response = api.post(path, clinic.therapist.user, data=b"", content_type="text/plain")
    assert response.status_code == 415
    assert api.get(f"/api/v1/patients/{clinic.patient.id}", clinic.therapist.user).json["status"] == "active"


def test_an_anonymous_caller_hears_401_before_anything_about_the_body(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}"
    assert api.patch(path, data=b"[" * 100_000, content_type="text/plain").status_code == 401
    assert api.patch(path, json={"first_name": "a\x00b"}).status_code == 401
    assert api.get("/api/v1/patients?q=a%00b").status_code == 401


# --- the body cap, over a real socket: the test client cannot stream a chunked body ----------


@pytest.fixture
def server(app: APIFlask, clinic: Clinic) -> Iterator[BaseWSGIServer]:
    running = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    thread.join()


def _chunked_post(server: BaseWSGIServer, path: str, chunks: Iterator[bytes]) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"}
        connection.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_a_chunked_body_over_the_cap_is_413(server):
    def twenty_mib() -> Iterator[bytes]:
        yield b'{"email": "'
        for _ in range(20 * 16):
            yield b"a" * (64 * 1024)
        yield b'", "password": "x"}'

    status, content_type, _ = _chunked_post(server, "/api/v1/auth/tokens", twenty_mib())
    assert (status, content_type) == (413, "application/problem+json")


def test_a_chunked_body_within_the_cap_is_read_whole(server, clinic):
    email = clinic.patient.user.email.encode()
    padding = b" " * (2 * MIB - 200)  # just under the cap once the fields are added

    def body() -> Iterator[bytes]:
        yield b'{"email": "' + email + b'",'
        yield padding
        yield b'"password": "' + PASSWORD.encode() + b'"}'

    status, _, answer = _chunked_post(server, "/api/v1/auth/tokens", body())
    assert status == 201, answer


def test_an_oversized_body_does_not_reset_the_sign_in_throttle(app, clinic):
    # An error raised while the rate limiter reads the body would switch it to fresh in-memory counts.
    client = app.test_client()
    wrong = {"email": clinic.patient.user.email, "password": "not-the-password"}
    assert [client.post("/api/v1/auth/tokens", json=wrong).status_code for _ in range(4)] == [401] * 4
    oversized = client.post(
        "/api/v1/auth/tokens", data=b"{" + b" " * (3 * MIB) + b"}", content_type="application/json"
    )
    assert oversized.status_code == 413
    assert client.post("/api/v1/auth/tokens", json=wrong).status_code == 401
    assert client.post("/api/v1/auth/tokens", json=wrong).status_code == 429
