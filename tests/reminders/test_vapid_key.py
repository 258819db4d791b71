"""GET /push/vapid-public-key: the key browsers subscribe with matches the key pushes are signed with."""

from __future__ import annotations

import base64
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from telehealth.reminders import channels as ch
from telehealth.reminders.messages import Message
from telehealth.reminders.models import PushSubscription
from tests.support.fake_providers import FakeProvider, push_client_keys, vapid_private_key

KEY = "/api/v1/push/vapid-public-key"


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_without_vapid_settings_there_is_no_key(client, app):
    assert client.get(KEY).status_code == 404
    app.config.update(VAPID_PRIVATE_KEY=vapid_private_key(), VAPID_CLAIMS_EMAIL=None)
    answer = client.get(KEY)
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_an_unreadable_private_key_is_no_key_rather_than_a_server_error(client, app):
    app.config.update(VAPID_PRIVATE_KEY="not-a-key", VAPID_CLAIMS_EMAIL="ops@clinic-test.org")
    assert client.get(KEY).status_code == 404


def test_the_public_key_verifies_the_signature_of_a_real_push(client, app):
    app.config.update(VAPID_PRIVATE_KEY=vapid_private_key(), VAPID_CLAIMS_EMAIL="ops@clinic-test.org")
    answer = client.get(KEY)
    assert answer.status_code == 200
    point = b64decode(answer.json["public_key"])
    assert len(point) == 65 and point[0] == 4  # what PushManager.subscribe takes as applicationServerKey

    p256dh, auth = push_client_keys()
    with FakeProvider("push") as provider:
        recipient = ch.Recipient(
            patient_id=None,  # type: ignore[arg-type]
            user_id=None,  # type: ignore[arg-type]
            email="pat@patients-test.org",
            phone=None,
            unsubscribe_url="https://app.test/unsub",
            unsubscribe_page="https://app.test/app/unsubscribe",
            push=[PushSubscription(endpoint=f"{provider.url}/push/1", p256dh=p256dh, auth=auth)],
        )
        ch.PushSender().send(uuid.uuid4(), recipient, Message("Hi", "Hi Pat", "https://app.test/app/today"))
    [request] = provider.requests
    token, key = request.headers["authorization"].removeprefix("vapid t=").split(",k=")
    assert key == answer.json["public_key"]
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    claims = jwt.decode(token, public, algorithms=["ES256"], audience=provider.url)
    assert claims["sub"] == "mailto:ops@clinic-test.org"
