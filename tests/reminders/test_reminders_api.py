"""Reminder settings, push subscriptions, the delivery log and unsubscribe links (API.md)."""

from __future__ import annotations

import base64
import os
import uuid

import pytest

from telehealth.extensions import db
from telehealth.reminders.messages import unsubscribe_token
from telehealth.reminders.models import ReminderSettings

P256DH = base64.urlsafe_b64encode(b"\x04" + os.urandom(64)).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


def settings_path(patient) -> str:
    return f"/api/v1/patients/{patient.id}/reminder-settings"


def test_new_patient_has_default_settings_and_a_next_daily_check(api, clinic):
    body = api.get(settings_path(clinic.patient), clinic.patient.user).json
    assert body["enabled"] is True
    assert body["channels"] == ["email"]
    assert body["session_reminder_offsets_minutes"] == [1440, 60]
    assert body["inactivity_days"] == 3
    assert body["exercise_reminder_time"] == "18:00"
    assert body["next_daily_at"].endswith("Z")


def test_patient_and_care_team_change_settings_others_cannot(api, clinic):
    change = {"exercise_reminder_time": "07:15", "quiet_hours_start": "22:00", "quiet_hours_end": "06:30"}
    assert api.put(settings_path(clinic.patient), clinic.patient.user, json=change).status_code == 200
    assert (
        api.put(settings_path(clinic.patient), clinic.therapist.user, json={"inactivity_days": 5}).status_code
        == 200
    )
    assert api.put(settings_path(clinic.patient), clinic.other_therapist.user, json={}).status_code == 404
    assert api.put(settings_path(clinic.patient), clinic.other_patient.user, json={}).status_code == 404
    assert api.put(settings_path(clinic.patient), clinic.admin, json={}).status_code == 403
    body = api.get(settings_path(clinic.patient), clinic.patient.user).json
    assert (body["exercise_reminder_time"], body["quiet_hours_end"], body["inactivity_days"]) == (
        "07:15",
        "06:30",
        5,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("exercise_reminder_time", "25:00"),
        ("exercise_reminder_time", "7:5"),
        ("channels", ["email", "pigeon"]),
        ("channels", ["email", "email"]),
        ("session_reminder_offsets_minutes", [0]),
        ("inactivity_days", 0),
        ("enabled", None),
    ],
)
def test_bad_settings_are_422_and_change_nothing(api, clinic, field, value):
    before = api.get(settings_path(clinic.patient), clinic.patient.user).json
    response = api.put(settings_path(clinic.patient), clinic.patient.user, json={field: value})
    assert response.status_code == 422
    assert any(key.startswith(field) or key == "_schema" for key in response.json["errors"]), response.json
    assert api.get(settings_path(clinic.patient), clinic.patient.user).json == before


def test_sms_needs_a_phone_number_and_quiet_hours_need_both_bounds(api, clinic):
    no_phone = api.put(settings_path(clinic.patient), clinic.patient.user, json={"channels": ["sms"]})
    assert no_phone.status_code == 422 and "channels" in no_phone.json["errors"]
    half = api.put(settings_path(clinic.patient), clinic.patient.user, json={"quiet_hours_start": None})
    assert half.status_code == 422


def test_disabling_reminders_clears_the_daily_check(api, clinic):
    body = api.put(settings_path(clinic.patient), clinic.patient.user, json={"enabled": False}).json
    assert body["next_daily_at"] is None


def test_patient_registers_and_removes_a_push_subscription(api, clinic):
    body = {"endpoint": "https://push.example.net/send/abc", "keys": {"p256dh": P256DH, "auth": AUTH}}
    created = api.post("/api/v1/me/push-subscriptions", clinic.patient.user, json=body)
    assert created.status_code == 201
    sub_id = created.json["id"]
    assert api.delete(f"/api/v1/me/push-subscriptions/{sub_id}", clinic.other_patient.user).status_code == 404
    assert api.delete(f"/api/v1/me/push-subscriptions/{sub_id}", clinic.patient.user).status_code == 204
    assert api.delete(f"/api/v1/me/push-subscriptions/{sub_id}", clinic.patient.user).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "not a url", "keys": {"p256dh": P256DH, "auth": AUTH}},
        {"endpoint": "https://push.example.net/x", "keys": {"p256dh": "short", "auth": AUTH}},
        {"endpoint": "https://push.example.net/x", "keys": {"p256dh": P256DH, "auth": "!!!!"}},
        {"endpoint": "https://push.example.net/x"},
    ],
)
def test_malformed_push_subscription_is_422(api, clinic, body):
    assert api.post("/api/v1/me/push-subscriptions", clinic.patient.user, json=body).status_code == 422


def test_only_patients_register_push_subscriptions(api, clinic):
    body = {"endpoint": "https://push.example.net/send/abc", "keys": {"p256dh": P256DH, "auth": AUTH}}
    assert api.post("/api/v1/me/push-subscriptions", clinic.therapist.user, json=body).status_code == 403


def test_unsubscribe_link_turns_the_channel_off_and_is_idempotent(api, clinic, app):
    token = unsubscribe_token(clinic.patient.id, "email")
    first = api.get(f"/api/v1/notifications/unsubscribe?token={token}")
    assert first.status_code == 200 and first.json == {"channel": "email", "unsubscribed": True}
    assert api.get(f"/api/v1/notifications/unsubscribe?token={token}").status_code == 200
    assert db.session.get(ReminderSettings, clinic.patient.id).channels == []
    assert api.post(f"/api/v1/notifications/unsubscribe?token={token}").status_code == 200


def test_forged_or_tampered_unsubscribe_token_changes_nothing(api, clinic):
    token = unsubscribe_token(clinic.patient.id, "email")
    forged = token.replace(str(clinic.patient.id)[:4], "ffff")
    other = unsubscribe_token(uuid.uuid4(), "email")
    assert api.get(f"/api/v1/notifications/unsubscribe?token={forged}x").status_code == 400
    assert api.get("/api/v1/notifications/unsubscribe?token=garbage").status_code == 400
    assert api.get(f"/api/v1/notifications/unsubscribe?token={other}").status_code == 404
    assert api.get("/api/v1/notifications/unsubscribe").status_code == 422
    assert api.get(settings_path(clinic.patient), clinic.patient.user).json["channels"] == ["email"]


def test_delivery_log_is_scoped_and_filterable(api, clinic):
    path = f"/api/v1/patients/{clinic.patient.id}/notifications"
    assert api.get(path, clinic.patient.user).json == {"items": [], "page": 1, "per_page": 50, "total": 0}
    assert api.get(path, clinic.admin).status_code == 200
    assert api.get(path, clinic.other_therapist.user).status_code == 404
    assert api.get(path + "?status=exploded", clinic.patient.user).status_code == 422
