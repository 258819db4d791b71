"""Delivery channels, each behind one small interface: email (SMTP), Web Push, SMS (Twilio).

A channel either returns a provider message id or raises one of three errors that tell the
engine what it may do next: retry (Transient), give up (Permanent), or give up because the
message may already have gone out and resending could double it (Ambiguous).
"""

from __future__ import annotations

import contextlib
import json
import re
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.header import Header
from email.utils import formatdate
from typing import Any, Protocol

import requests
from flask import current_app
from flask_mailman import EmailMessage
from flask_mailman.message import sanitize_address
from pywebpush import WebPushException, webpush
from urllib3.exceptions import MaxRetryError, NewConnectionError

from telehealth.extensions import db
from telehealth.reminders.messages import Message
from telehealth.reminders.models import PushSubscription


class DeliveryError(Exception):
    pass


class Transient(DeliveryError):
    """Nothing was delivered; trying again later is safe."""


class Permanent(DeliveryError):
    """The provider refused for good (bad address, unknown number)."""


class Ambiguous(DeliveryError):
    """The provider may have delivered it; a resend could double it."""


class NotConfigured(DeliveryError):
    """This channel has no credentials or no address for the patient."""


@dataclass
class Recipient:
    patient_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    phone: str | None
    unsubscribe_url: str  # one-click, for List-Unsubscribe
    unsubscribe_page: str  # the app's page, for the person reading the message
    push: list[PushSubscription] = field(default_factory=list)


class ChannelSender(Protocol):
    def send(self, notification_id: uuid.UUID, to: Recipient, message: Message) -> str: ...

    def close(self) -> None: ...


class EmailSender:
    """One SMTP connection for a whole batch.

    Over SMTP each message is written out here (`reminder_email`), as one bytes string: building
    Flask-Mailman's EmailMessage (address parsing, header objects, the MIME generator) cost more
    than the rest of a send. Its other backends (the console in development, the in-memory outbox
    in tests) still get an EmailMessage with the same headers.
    """

    def __init__(self) -> None:
        self._connection: Any = None  # Flask-Mailman's backend (the library is untyped)
        self._from: str | None = None  # the configured sender, formatted once per batch

    def _open(self) -> Any:
        if self._connection is None:
            from telehealth.extensions import mail

            self._connection = mail.get_connection(fail_silently=False)
            try:
                self._connection.open()
            except (OSError, smtplib.SMTPException) as exc:
                self._connection = None
                raise Transient(f"SMTP connection failed: {exc}") from exc
        return self._connection

    def send(self, notification_id: uuid.UUID, to: Recipient, message: Message) -> str:
        message_id = f"<{notification_id}@telehealth.reminders>"
        body = f"{message.text}\n\nTo stop these emails: {to.unsubscribe_page}\n"
        headers = {
            # The id is the notification's: a resend after a lost worker is the same message.
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{to.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        backend = self._open()
        smtp = getattr(backend, "connection", None)
        try:
            if isinstance(smtp, smtplib.SMTP):
                if self._from is None:
                    self._from = _address(_mailman().default_sender)
                recipient = _address(to.email)
                data = reminder_email(self._from, recipient, message.subject, headers, body)
                smtp.sendmail(self._from, [recipient], data, mail_options=_mailman().mail_options)
            else:
                EmailMessage(
                    subject=message.subject, body=body, to=[to.email], headers=headers, connection=backend
                ).send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            self.close()
            if all(400 <= code < 500 for code in codes):
                raise Transient(f"SMTP recipient deferred: {codes}") from exc
            raise Permanent(f"SMTP recipient refused: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 400 <= exc.smtp_code < 500:
                raise Transient(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise Permanent(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Transient(f"SMTP failed: {exc}") from exc
        return message_id

    def close(self) -> None:
        if self._connection is not None:
            # The connection is being dropped anyway; a failing QUIT changes nothing.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None


def _mailman() -> Any:
    return current_app.extensions["mailman"]


# An address as plain ASCII with nothing to quote or encode; anything else goes through Flask-Mailman.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _address(address: str) -> str:
    """An address as a header holds it (ASCII), as Flask-Mailman writes it; smtplib takes the
    envelope's address from the same form."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    try:
        return str(sanitize_address(address, "utf-8"))
    except ValueError as exc:
        raise Permanent(f"not an email address: {exc}") from exc


def reminder_email(sender: str, to: str, subject: str, headers: dict[str, str], body: str) -> bytes:
    """A single-part text/plain message, as SMTP sends it (CRLF line ends).

    Header values must already be ASCII (addresses are, from `_address`); the subject and the
    body may be any text: a non-ASCII subject becomes an encoded word, a non-ASCII body
    quoted-printable UTF-8.
    """
    if not subject.isascii():
        subject = Header(subject, "utf-8").encode()
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {formatdate(localtime=_mailman().use_localtime)}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
    ]
    if any("\r" in line or "\n" in line or not line.isascii() for line in lines):
        raise Permanent("a header of this message would contain a line break or non-ASCII text")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if body.isascii() and all(len(line) <= _LONGEST_LINE for line in body.split("\n")):
        lines.append("Content-Transfer-Encoding: 7bit")
    else:
        lines.append("Content-Transfer-Encoding: quoted-printable")
        body = _UTF8_QP.body_encode(body) or ""
    text = "\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")
    return text.encode("ascii")


_LONGEST_LINE = 998  # RFC 5322; longer lines go quoted-printable, as Flask-Mailman sends them
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


class PushSender:
    """Web Push with VAPID; a 404 or 410 means the subscription is gone for good."""

    def send(self, notification_id: uuid.UUID, to: Recipient, message: Message) -> str:
        config = current_app.config
        if not config.get("VAPID_PRIVATE_KEY") or not config.get("VAPID_CLAIMS_EMAIL"):
            raise NotConfigured("Web Push is not configured (VAPID keys)")
        if not to.push:
            raise NotConfigured("the patient has no push subscription")
        payload = json.dumps({"title": message.subject, "body": message.text, "url": message.link})
        delivered = 0
        transient: list[str] = []
        for subscription in list(to.push):
            try:
                webpush(
                    {
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=payload,
                    vapid_private_key=config["VAPID_PRIVATE_KEY"],
                    vapid_claims={"sub": f"mailto:{config['VAPID_CLAIMS_EMAIL']}"},
                    ttl=3600,
                    timeout=config["PROVIDER_TIMEOUT_SECONDS"],
                    # Same topic on a resend: the push service replaces, never doubles.
                    headers={"Topic": notification_id.hex[:32]},
                )
                delivered += 1
            except WebPushException as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in (404, 410):
                    db.session.delete(subscription)
                    to.push.remove(subscription)
                elif status is None or status == 429 or status >= 500:
                    transient.append(f"push service {status or 'unreachable'}")
            except requests.RequestException as exc:
                transient.append(f"push service unreachable: {type(exc).__name__}")
        if delivered:
            return f"push:{delivered}"
        if transient:
            raise Transient("; ".join(transient))
        raise Permanent("every push subscription is gone (404/410)")

    def close(self) -> None:
        pass


class SmsSender:
    """Twilio's Messages API. SMS sends are not idempotent: never retried after an unclear answer."""

    def __init__(self) -> None:
        self._session = requests.Session()

    def send(self, notification_id: uuid.UUID, to: Recipient, message: Message) -> str:
        config = current_app.config
        sid, token, sender = (
            config.get("TWILIO_ACCOUNT_SID"),
            config.get("TWILIO_AUTH_TOKEN"),
            config.get("TWILIO_FROM_NUMBER"),
        )
        if not (sid and token and sender):
            raise NotConfigured("SMS is not configured (Twilio account)")
        if not to.phone:
            raise NotConfigured("the patient has no phone number")
        url = f"{config['TWILIO_BASE_URL']}/2010-04-01/Accounts/{sid}/Messages.json"
        try:
            response = self._session.post(
                url,
                data={"To": to.phone, "From": sender, "Body": message.text},
                auth=(sid, token),
                timeout=config["PROVIDER_TIMEOUT_SECONDS"],
            )
        except requests.ConnectionError as exc:
            if _never_sent(exc):
                raise Transient(f"SMS provider unreachable: {type(exc).__name__}") from exc
            raise Ambiguous(f"SMS outcome unknown ({type(exc).__name__}); not resent") from exc
        except requests.Timeout as exc:
            raise Ambiguous("SMS provider timed out; outcome unknown, not resent") from exc
        if response.status_code in (200, 201):
            return str(response.json().get("sid", ""))
        if response.status_code == 429:
            raise Transient("SMS provider rate limit (429)")
        if response.status_code >= 500:
            raise Ambiguous(f"SMS provider {response.status_code}; outcome unknown, not resent")
        raise Permanent(f"SMS provider refused ({response.status_code})")

    def close(self) -> None:
        self._session.close()


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the TCP connection never opened, so the request cannot have reached Twilio."""
    wrapped = exc.args[0] if exc.args else None
    return isinstance(wrapped, MaxRetryError) and isinstance(wrapped.reason, NewConnectionError)


SENDERS: dict[str, Callable[[], ChannelSender]] = {"email": EmailSender, "push": PushSender, "sms": SmsSender}
