"""Reminder settings, push subscriptions, the delivery log, unsubscribe."""

from __future__ import annotations

import uuid
from typing import Any

from apiflask import APIBlueprint

from telehealth.accounts.security import signed_in
from telehealth.audit import service as audit
from telehealth.errors import NotFound
from telehealth.http import ANYONE, PATIENT_AND_CARE_TEAM, PATIENTS, PUBLIC, policy
from telehealth.patients.models import Patient
from telehealth.patients.scope import PATIENT
from telehealth.reminders import schemas, service, vapid

bp = APIBlueprint("reminders", __name__, url_prefix="/api/v1", tag="Reminders")


@bp.get("/patients/<uuid:patient_id>/reminder-settings")
@policy("reminder_settings.read", roles=PATIENT_AND_CARE_TEAM, scope=PATIENT)
@bp.output(schemas.ReminderSettingsOut)
def get_reminder_settings(patient: Patient) -> Any:
    return service.get_settings(patient)


@bp.put("/patients/<uuid:patient_id>/reminder-settings")
@policy("reminder_settings.update", roles=PATIENT_AND_CARE_TEAM, scope=PATIENT)
@bp.input(schemas.ReminderSettingsIn, arg_name="body")
@bp.output(schemas.ReminderSettingsOut)
def update_reminder_settings(patient: Patient, body: schemas.ReminderSettingsIn) -> Any:
    return service.update_settings(patient, body.changes())


@bp.get("/patients/<uuid:patient_id>/notifications")
@policy("notification.list", roles=ANYONE, scope=PATIENT)
@bp.input(schemas.NotificationQuery, location="query", arg_name="query")
@bp.output(schemas.NotificationPage)
def list_notifications(patient: Patient, query: schemas.NotificationQuery) -> Any:
    return service.list_notifications(
        patient, kind=query.kind, status=query.status, page=query.page, per_page=query.per_page
    )


@bp.post("/me/push-subscriptions")
@policy("push_subscription.create", roles=PATIENTS, resource_type="push_subscription")
@bp.input(schemas.PushSubscriptionIn, arg_name="body")
@bp.output(schemas.PushSubscriptionOut, status_code=201)
def create_push_subscription(body: schemas.PushSubscriptionIn) -> Any:
    subscription = service.add_push_subscription(
        signed_in().user, str(body.endpoint), body.keys.p256dh, body.keys.auth
    )
    audit.target(resource_id=subscription.id)
    return subscription


@bp.delete("/me/push-subscriptions/<uuid:subscription_id>")
@policy("push_subscription.delete", roles=ANYONE, resource_type="push_subscription")
@bp.output({}, status_code=204)
def delete_push_subscription(subscription_id: uuid.UUID) -> tuple[str, int]:
    audit.target(resource_id=subscription_id)
    service.remove_push_subscription(signed_in().user, subscription_id)
    return "", 204


def _unsubscribe(token: str) -> dict[str, Any]:
    patient_id, channel = service.unsubscribe(token)
    audit.target(resource_id=patient_id, patient_id=patient_id)
    return {"channel": channel, "unsubscribed": True}


BAD_LINK = {400: "The link is not valid (forged or damaged)", 404: "The link's patient no longer exists"}


@bp.get("/notifications/unsubscribe")
@policy("notification.unsubscribe", roles=PUBLIC, resource_type="reminder_settings")
@bp.input(schemas.UnsubscribeQuery, location="query", arg_name="query")
@bp.output(schemas.UnsubscribeOut)
@bp.doc(responses=BAD_LINK)
def unsubscribe(query: schemas.UnsubscribeQuery) -> dict[str, Any]:
    """Turn a reminder channel off from the link in a message."""
    return _unsubscribe(query.token)


@bp.post("/notifications/unsubscribe")
@policy("notification.unsubscribe", roles=PUBLIC, resource_type="reminder_settings")
@bp.input(schemas.UnsubscribeQuery, location="query", arg_name="query")
@bp.output(schemas.UnsubscribeOut)
@bp.doc(responses=BAD_LINK)
def unsubscribe_one_click(query: schemas.UnsubscribeQuery) -> dict[str, Any]:
    """RFC 8058 one-click unsubscribe, as mail clients send it."""
    return _unsubscribe(query.token)


@bp.get("/push/vapid-public-key")
@policy(None, roles=PUBLIC)
@bp.output(schemas.VapidKeyOut)
@bp.doc(responses={404: "Web Push is not configured on this server"})
def get_vapid_public_key() -> dict[str, str]:
    """The key a browser subscribes to Web Push with; 404 while push is not configured."""
    key = vapid.public_key()
    if key is None:
        raise NotFound("Web Push is not configured on this server.")
    return {"public_key": key}
