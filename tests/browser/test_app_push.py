"""Web Push: "turn on notifications" subscribes this browser with the server's VAPID key and registers
the subscription (POST /me/push-subscriptions); the backend's reminder reaches the push stand-in, and
the service worker shows it as a notification.

Headless Chromium cannot reach a real push service, so an init script makes PushManager.subscribe
answer with the local stand-in's endpoint and keys made here (we keep the private half, to read what
the backend encrypted)."""

from __future__ import annotations

import base64
import json
import os
import uuid
from datetime import UTC, datetime

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect
from sqlalchemy import select

from telehealth.extensions import db
from telehealth.reminders.delivery import deliver
from telehealth.reminders.models import Kind, Notification, PushSubscription, ReminderSettings, Status
from tests.browser.conftest import LiveServer
from tests.browser.patient_app import local_today, make_app_patient, phone, sign_in, unexpected
from tests.support.fake_providers import FakeProvider, vapid_private_key

STAND_IN_PUSH_MANAGER = """
(() => {
  const subscription = %s;
  let current = null;
  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  PushManager.prototype.subscribe = async function (options) {
    window.__applicationServerKey = b64url(options.applicationServerKey);
    current = {
      endpoint: subscription.endpoint,
      expirationTime: null,
      toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
      unsubscribe: async () => { current = null; return true; },
    };
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();
"""


SHOWN = """async () => {
    const registration = await navigator.serviceWorker.ready;
    const shown = await registration.getNotifications();
    return shown.map((n) => ({ title: n.title, body: n.body, url: n.data.url }));
}"""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> tuple[ec.EllipticCurvePrivateKey, str, bytes]:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key, b64url(point), os.urandom(16)


def test_turning_on_notifications_registers_this_browser_and_a_reminder_is_shown(
    browser, live_server: LiveServer
):
    app = live_server.app
    patient = make_app_patient(live_server)
    private_key, p256dh, auth = browser_keys()
    saved = {key: app.config.get(key) for key in ("VAPID_PRIVATE_KEY", "VAPID_CLAIMS_EMAIL")}
    app.config.update(VAPID_PRIVATE_KEY=vapid_private_key(), VAPID_CLAIMS_EMAIL="ops@clinic-test.org")
    try:
        with FakeProvider("push") as service, phone(browser, live_server) as watch:
            endpoint = f"{service.url}/push/{uuid.uuid4()}"
            page = watch.page
            context = page.context
            context.grant_permissions(["notifications"], origin=live_server.url)
            subscription = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": b64url(auth)}}
            context.add_init_script(STAND_IN_PUSH_MANAGER % json.dumps(subscription))
            sign_in(watch, patient)
            page.get_by_role("link", name="Reminders").click()
            # No quiet hours, so the reminder below goes out whatever the time of day the test runs.
            page.get_by_label("From").fill("")
            page.get_by_label("Until").fill("")
            page.get_by_role("button", name="Save reminders").click()
            page.get_by_text("Reminder settings saved.").wait_for()
            expect(page.get_by_text("Notifications are off for this device.")).to_be_visible()
            page.get_by_role("button", name="Turn on notifications").click()
            page.get_by_text("Notifications are on for this device.").wait_for()
            expect(page.get_by_role("checkbox", name="Notifications (Web Push)")).to_be_checked()

            # The browser subscribed with the key the backend publishes, and the backend has it.
            published = page.request.get(f"{live_server.url}/api/v1/push/vapid-public-key").json()[
                "public_key"
            ]
            assert page.evaluate("window.__applicationServerKey") == published
            with app.app_context():
                rows = db.session.scalars(
                    select(PushSubscription).where(PushSubscription.user_id == uuid.UUID(patient.user_id))
                ).all()
                assert [(row.endpoint, row.p256dh, row.auth) for row in rows] == [
                    (endpoint, p256dh, b64url(auth))
                ]
                settings = db.session.get(ReminderSettings, uuid.UUID(patient.id))
                assert "push" in settings.channels
                assert (settings.quiet_hours_start, settings.quiet_hours_end) == (None, None)

                # A reminder goes out through the real delivery code to the stand-in push service.
                now = datetime.now(UTC)
                note = Notification(
                    id=uuid.uuid4(),
                    patient_id=uuid.UUID(patient.id),
                    kind=Kind.EXERCISE,
                    channel="push",
                    occurrence=local_today(),
                    scheduled_for=now,
                    next_attempt_at=now,
                    status=Status.QUEUED,
                )
                db.session.add(note)
                db.session.commit()
                deliver([note.id], now)
                db.session.expire_all()
                sent = db.session.get(Notification, note.id)
                assert sent.status == Status.SENT, (sent.status, sent.error)
            [request] = service.requests
            assert request.path == endpoint.removeprefix(service.url)
            payload = http_ece.decrypt(
                request.body, private_key=private_key, auth_secret=auth, version="aes128gcm"
            )
            message = json.loads(payload)
            assert message["title"] == "Your exercises for today"

            # The service worker shows exactly that push as a notification.
            cdp = context.new_cdp_session(page)
            registrations: list[str] = []
            cdp.on(
                "ServiceWorker.workerRegistrationUpdated",
                lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]),
            )
            cdp.send("ServiceWorker.enable")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            assert registrations
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": live_server.url, "registrationId": registrations[-1], "data": payload.decode()},
            )
            shown = []
            for _ in range(50):  # the push event and showNotification run in the worker, a moment later
                shown = page.evaluate(SHOWN)
                if shown:
                    break
                page.wait_for_timeout(100)
            assert shown == [
                {"title": message["title"], "body": message["body"], "url": f"{live_server.url}/app/today"}
            ]
            assert unexpected(watch) == []
    finally:
        app.config.update(saved)
