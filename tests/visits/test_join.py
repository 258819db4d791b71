"""Joining a video visit: participants only, inside the window, an unguessable Jitsi room, a signed JWT."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from telehealth.extensions import db
from telehealth.visits.models import Visit
from tests.factories import make_patient
from tests.visits.conftest import TOMORROW_10, book, path

SECRET = "jitsi-shared-secret-for-tests-0123456789"


def join(api, user, visit):
    return api.post(path(visit, "join"), user)


@pytest.fixture
def open_room(clock):
    clock.move_to(TOMORROW_10 - timedelta(minutes=5), tick=False)


@pytest.mark.parametrize("who", ["therapist", "patient"])
def test_the_room_opens_15_minutes_before_the_start_and_closes_at_the_end(api, clinic, visit, clock, who):
    user = clinic.therapist.user if who == "therapist" else clinic.patient.user
    clock.move_to(TOMORROW_10 - timedelta(minutes=15, seconds=1), tick=False)
    early = join(api, user, visit)
    assert early.status_code == 409
    assert early.mimetype == "application/problem+json"

    clock.move_to(TOMORROW_10 - timedelta(minutes=15), tick=False)
    assert join(api, user, visit).status_code == 200
    clock.move_to(TOMORROW_10 + timedelta(minutes=59, seconds=59), tick=False)
    assert join(api, user, visit).status_code == 200
    clock.move_to(TOMORROW_10 + timedelta(minutes=60), tick=False)
    assert join(api, user, visit).status_code == 409


def test_the_join_link_points_at_an_unguessable_jitsi_room(api, clinic, visit, open_room):
    therapist_link = join(api, clinic.therapist.user, visit).json
    patient_link = join(api, clinic.patient.user, visit).json
    url = urlsplit(therapist_link["url"])
    assert (url.scheme, url.netloc, url.query) == ("https", "meet.jit.si", "")
    room = url.path.strip("/")
    assert len(room) >= 40
    assert str(visit["id"]) not in room and str(clinic.patient.id) not in room
    assert patient_link["url"] == therapist_link["url"]  # both in the same room
    # The link lasts to the scheduled end plus a short grace for a visit that runs over.
    assert therapist_link["expires_at"] == "2026-10-31T15:15:00Z"

    other = book(api, clinic.therapist.user, make_patient(clinic.therapist), TOMORROW_10 + timedelta(hours=1))
    assert db.session.get(Visit, uuid.UUID(other.json["id"])).room not in ("", room)


def test_the_jitsi_base_url_is_configurable(app, api, clinic, visit, open_room):
    app.config["JITSI_BASE_URL"] = "https://video.clinic-test.org/"
    url = join(api, clinic.patient.user, visit).json["url"]
    assert url.startswith("https://video.clinic-test.org/") and "//" not in url.removeprefix("https://")


def _token(url: str) -> str:
    [token] = parse_qs(urlsplit(url).query)["jwt"]
    return token


def test_with_an_app_secret_the_link_carries_a_signed_jwt_for_the_participant(
    app, api, clinic, visit, open_room
):
    app.config.update(JITSI_APP_ID="telehealth-pt", JITSI_APP_SECRET=SECRET)
    therapist_url = join(api, clinic.therapist.user, visit).json["url"]
    patient_url = join(api, clinic.patient.user, visit).json["url"]
    room = urlsplit(therapist_url).path.strip("/")

    claims = jwt.decode(_token(therapist_url), SECRET, algorithms=["HS256"], audience="jitsi")
    assert claims["iss"] == "telehealth-pt"
    assert claims["sub"] == "meet.jit.si"
    assert claims["room"] == room
    assert datetime.fromtimestamp(claims["exp"], UTC) == TOMORROW_10 + timedelta(minutes=75)
    therapist = clinic.therapist.user
    assert claims["context"]["user"] == {
        "id": str(therapist.id),
        "name": f"{therapist.first_name} {therapist.last_name}",
        "moderator": True,
    }

    patient_claims = jwt.decode(_token(patient_url), SECRET, algorithms=["HS256"], audience="jitsi")
    assert patient_claims["room"] == room
    assert patient_claims["context"]["user"]["id"] == str(clinic.patient.user.id)
    assert patient_claims["context"]["user"]["moderator"] is False

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(_token(patient_url), "x" * len(SECRET), algorithms=["HS256"], audience="jitsi")


def test_an_app_id_without_a_secret_gives_a_plain_link(app, api, clinic, visit, open_room):
    app.config["JITSI_APP_ID"] = "telehealth-pt"
    assert "jwt=" not in join(api, clinic.patient.user, visit).json["url"]


def test_only_participants_join(api, clinic, visit, open_room):
    assert join(api, clinic.admin, visit).status_code == 403
    assert join(api, clinic.other_therapist.user, visit).status_code == 404
    assert join(api, clinic.other_patient.user, visit).status_code == 404
    assert api.post(path(visit, "join")).status_code == 401


def test_a_visit_in_progress_can_be_joined(api, clinic, visit, open_room):
    assert api.post(path(visit, "start"), clinic.therapist.user).status_code == 200
    assert join(api, clinic.patient.user, visit).status_code == 200


def test_a_cancelled_visit_cannot_be_joined(api, clinic, visit, open_room):
    assert api.post(path(visit, "cancel"), clinic.patient.user).status_code == 200
    response = join(api, clinic.therapist.user, visit)
    assert response.status_code == 409
    assert "cancelled" in response.json["detail"]


def test_a_visit_in_progress_can_be_rejoined_after_its_scheduled_end(api, clinic, visit, clock, open_room):
    assert api.post(path(visit, "start"), clinic.therapist.user).status_code == 200
    # The visit runs over; the patient's connection drops 40 minutes past the scheduled end.
    clock.move_to(TOMORROW_10 + timedelta(minutes=100), tick=False)
    rejoined = join(api, clinic.patient.user, visit)
    assert rejoined.status_code == 200, rejoined.json
    # The link outlasts the moment of joining, not just the scheduled end.
    assert rejoined.json["expires_at"] == "2026-10-31T15:55:00Z"
    assert join(api, clinic.therapist.user, visit).status_code == 200

    notes = {"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"}
    assert api.post(path(visit, "complete"), clinic.therapist.user, json={"notes": notes}).status_code == 200
    assert join(api, clinic.patient.user, visit).status_code == 409


def test_a_visit_never_started_cannot_be_joined_after_its_scheduled_end(api, clinic, visit, clock):
    clock.move_to(TOMORROW_10 + timedelta(minutes=60), tick=False)
    assert join(api, clinic.patient.user, visit).status_code == 409


def test_a_visit_says_when_its_room_opens_so_clients_can_enable_join_then(api, clinic, visit, clock):
    opens = datetime.fromisoformat(visit["join_opens_at"])
    assert opens == TOMORROW_10 - timedelta(minutes=15)
    listed = api.get("/api/v1/sessions", clinic.patient.user).json["items"]
    assert [item["join_opens_at"] for item in listed] == [visit["join_opens_at"]]
    clock.move_to(opens - timedelta(seconds=1), tick=False)
    assert join(api, clinic.patient.user, visit).status_code == 409
    clock.move_to(opens, tick=False)
    assert join(api, clinic.patient.user, visit).status_code == 200
