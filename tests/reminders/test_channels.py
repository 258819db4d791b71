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


class _Mailbox:
    """aiosmtpd handler: keeps each message as the server received it; refuses chosen recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}  # recipient -> the server's answer to RCPT

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_app():
    """An app whose mail goes over SMTP to a local server; yields (app, mailbox)."""
    import socket

    from aiosmtpd.controller import Controller

    from telehealth import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app(
        "test",
        {
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_DEFAULT_SENDER": "Telehealth PT <no-reply@telehealth.local>",
        },
    )
    try:
        with app.app_context():
            yield app, mailbox
    finally:
        controller.stop()


def _as_flask_mailman_writes(to: ch.Recipient, message: Message, message_id: str):
    """The same email built by Flask-Mailman's EmailMessage, as it sent reminders before."""
    from email import message_from_bytes

    from flask_mailman import EmailMessage

    built = EmailMessage(
        subject=message.subject,
        body=f"{message.text}\n\nTo stop these emails: {to.unsubscribe_page}\n",
        to=[to.email],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{to.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    ).message()
    return message_from_bytes(built.as_bytes(linesep="\r\n"))


@pytest.mark.parametrize(
    ("first_name", "subject", "email", "envelope_to"),
    [
        ("Pat", "Your exercises for today", "pat@patients-test.org", "pat@patients-test.org"),
        (
            "Zoë",
            "Vos exercices à faire",
            "zoe.o'brien+pt@patients-test.org",
            "zoe.o'brien+pt@patients-test.org",
        ),
        # Not plain ASCII: written by Flask-Mailman's own address formatting (the domain in IDNA).
        (
            "Jürgen",
            "Your exercises for today",
            "jurgen@bücher-test.org",
            "jurgen@" + "bücher-test.org".encode("idna").decode(),
        ),
    ],
)
def test_email_over_smtp_reads_as_the_flask_mailman_message_did(
    smtp_app, first_name, subject, email, envelope_to
):
    from email import message_from_bytes
    from email.header import decode_header, make_header

    _, mailbox = smtp_app
    to = recipient(
        email=email,
        unsubscribe_url="https://app.test/api/v1/notifications/unsubscribe?token=" + "t" * 90,
        unsubscribe_page="https://app.test/app/unsubscribe?token=" + "t" * 90,
    )
    message = Message(
        subject, f"Hi {first_name}, today's home exercises are ready", "https://app.test/app/today"
    )
    sender = ch.EmailSender()
    try:
        message_id = sender.send(uuid.uuid4(), to, message)
    finally:
        sender.close()

    [(mail_from, rcpt_tos, raw)] = mailbox.received
    assert (mail_from, rcpt_tos) == ("no-reply@telehealth.local", [envelope_to])
    assert all(len(line) <= 998 and line.isascii() for line in raw.decode("ascii").split("\r\n"))
    sent = message_from_bytes(raw)
    expected = _as_flask_mailman_writes(to, message, message_id)

    def text(header_value):
        return str(make_header(decode_header(header_value)))

    for name in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe-Post", "MIME-Version"):
        assert text(sent[name]) == text(expected[name]), name
    # Folded or not, the one-click address is the same (mail clients unfold it).
    assert "".join(sent["List-Unsubscribe"].split()) == "".join(expected["List-Unsubscribe"].split())
    assert sent.get_content_type() == "text/plain" and sent.get_content_charset() == "utf-8"
    assert sent["Date"]
    body = sent.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    assert body == expected.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    assert body.startswith(f"Hi {first_name},") and to.unsubscribe_page in body


@pytest.mark.parametrize(
    ("answer", "error"),
    [("550 5.1.1 No such user", ch.Permanent), ("450 4.2.1 Try again later", ch.Transient)],
)
def test_email_refused_for_good_is_permanent_and_deferred_is_transient(smtp_app, answer, error):
    _, mailbox = smtp_app
    mailbox.refuse["gone@patients-test.org"] = answer
    sender = ch.EmailSender()
    try:
        with pytest.raises(error):
            sender.send(uuid.uuid4(), recipient(email="gone@patients-test.org"), MESSAGE)
        # The connection was dropped with the refusal; the next message opens another and goes out.
        sender.send(uuid.uuid4(), recipient(), MESSAGE)
    finally:
        sender.close()
    assert [rcpt for _, rcpt, _ in mailbox.received] == [["pat@patients-test.org"]]
