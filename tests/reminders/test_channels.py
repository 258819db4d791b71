"""Each delivery channel against a local server speaking the provider's protocol."""

from __future__ import annotations

import uuid

import pytest

from telehealth.reminders import channels as ch
from telehealth.reminders.messages import Message
from telehealth.reminders.models import PushSubscription
from tests.support.fake_providers import FakeProvider, push_client_keys, vapid_private_key

MESSAGE = Message(
    "Your exercises for today", "Hi Pat, today's home exercises are ready", "https://app.test/app/today"
)


def recipient(**kw) -> ch.Recipient:
    base = dict(
        patient_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        email="pat@patients-test.org",
        phone="+15555550100",
        unsubscribe_url="https://app.test/unsub",
        unsubscribe_page="https://app.test/app/unsubscribe",
    )
    base.update(kw)
    return ch.Recipient(**base)


@pytest.fixture
def twilio(app):
    with FakeProvider("twilio") as provider:
        app.config.update(
            TWILIO_BASE_URL=provider.url,
            TWILIO_ACCOUNT_SID=provider.account_sid,
            TWILIO_AUTH_TOKEN=provider.auth_token,
            TWILIO_FROM_NUMBER="+15550001111",
            PROVIDER_TIMEOUT_SECONDS=2,
        )
        yield provider


def test_sms_is_posted_to_twilio_with_first_name_and_link_only(twilio):
    sid = ch.SmsSender().send(uuid.uuid4(), recipient(), MESSAGE)
    assert sid.startswith("SM")
    [request] = twilio.requests
    assert request.form["To"] == ["+15555550100"] and request.form["From"] == ["+15550001111"]
    assert request.form["Body"] == [MESSAGE.text]


def test_sms_refused_by_twilio_is_permanent(twilio):
    twilio.status = 400
    with pytest.raises(ch.Permanent):
        ch.SmsSender().send(uuid.uuid4(), recipient(), MESSAGE)


def test_sms_after_a_twilio_5xx_is_ambiguous_and_never_retried(twilio):
    twilio.status = 503
    with pytest.raises(ch.Ambiguous):
        ch.SmsSender().send(uuid.uuid4(), recipient(), MESSAGE)
    assert len(twilio.requests) == 1  # no blind second attempt


def test_sms_whose_answer_never_came_is_ambiguous(twilio):
    twilio.drop_connection = True
    with pytest.raises(ch.Ambiguous):
        ch.SmsSender().send(uuid.uuid4(), recipient(), MESSAGE)


def test_sms_to_an_unreachable_provider_is_safe_to_retry(app):
    app.config.update(
        TWILIO_BASE_URL="http://127.0.0.1:9",
        TWILIO_ACCOUNT_SID="AC",
        TWILIO_AUTH_TOKEN="t",
        TWILIO_FROM_NUMBER="+1555",
        PROVIDER_TIMEOUT_SECONDS=2,
    )
    with pytest.raises(ch.Transient):
        ch.SmsSender().send(uuid.uuid4(), recipient(), MESSAGE)


def test_sms_without_configuration_or_phone_is_not_configured(app, twilio):
    with pytest.raises(ch.NotConfigured):
        ch.SmsSender().send(uuid.uuid4(), recipient(phone=None), MESSAGE)
    app.config["TWILIO_ACCOUNT_SID"] = None
    with pytest.raises(ch.NotConfigured):
        ch.SmsSender().send(uuid.uuid4(), recipient(), MESSAGE)


@pytest.fixture
def push_service(app):
    with FakeProvider("push") as provider:
        app.config.update(
            VAPID_PRIVATE_KEY=vapid_private_key(),
            VAPID_CLAIMS_EMAIL="ops@telehealth.local",
            PROVIDER_TIMEOUT_SECONDS=2,
        )
        yield provider


def _subscription(url: str) -> PushSubscription:
    p256dh, auth = push_client_keys()
    return PushSubscription(id=uuid.uuid4(), user_id=uuid.uuid4(), endpoint=url, p256dh=p256dh, auth=auth)


def test_push_is_encrypted_and_signed_with_vapid(push_service):
    sub = _subscription(f"{push_service.url}/push/one")
    ch.PushSender().send(uuid.uuid4(), recipient(push=[sub]), MESSAGE)
    [request] = push_service.requests
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["authorization"].startswith("vapid t=")
    assert b"Pat" not in request.body  # the payload is encrypted end to end


def test_push_410_removes_the_subscription(push_service, app):
    from telehealth.extensions import db

    push_service.status = 410
    sub = _subscription(f"{push_service.url}/push/gone")
    db.session.add(sub)
    db.session.flush()
    to = recipient(push=[sub])
    with pytest.raises(ch.Permanent):
        ch.PushSender().send(uuid.uuid4(), to, MESSAGE)
    db.session.flush()
    assert db.session.get(PushSubscription, sub.id) is None


def test_push_service_overloaded_is_transient(push_service):
    push_service.status = 503
    with pytest.raises(ch.Transient):
        ch.PushSender().send(uuid.uuid4(), recipient(push=[_subscription(f"{push_service.url}/p")]), MESSAGE)
