"""Account emails. They carry a name and a link, never clinical detail."""

from __future__ import annotations

from flask import current_app
from flask_mailman import EmailMessage

from telehealth import links
from telehealth.accounts.models import User
from telehealth.accounts.service import EmailChangeLink


def _send(to: str, subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, to=[to]).send(fail_silently=False)


def send_invitation(user: User, token: str) -> None:
    days = current_app.config["INVITATION_LIFETIME"].days
    _send(
        user.email,
        "You're invited to your physical therapy app",
        f"Hello {user.first_name},\n\n"
        "Your clinic has created an account for you. Choose a password to get started:\n\n"
        f"{links.invitation(token)}\n\n"
        f"This link works once and expires in {days} days.\n",
    )


def send_password_reset(user: User, token: str) -> None:
    _send(
        user.email,
        "Reset your password",
        f"Hello {user.first_name},\n\n"
        "Someone asked to reset the password of your account. If it was you, open:\n\n"
        f"{links.password_reset(token)}\n\n"
        "The link works once and expires in two hours. If it was not you, ignore this email.\n",
    )


def send_email_change(link: EmailChangeLink) -> None:
    """The notice goes first: by the time the link can be used, the current address has been told."""
    _send(
        link.current_email,
        "A change to your sign-in email was requested",
        f"Hello {link.first_name},\n\n"
        "Your clinic asked to change the email address you sign in with. A confirmation link has been "
        "sent to the new address; until it is confirmed you keep signing in with this one.\n\n"
        "If you did not expect this, contact your clinic.\n",
    )
    hours = int(current_app.config["EMAIL_CHANGE_LIFETIME"].total_seconds() // 3600)
    _send(
        link.new_email,
        "Confirm your new sign-in email",
        f"Hello {link.first_name},\n\n"
        "Your clinic asked to make this the email address you sign in with. To confirm, open:\n\n"
        f"{links.email_change(link.token)}\n\n"
        f"The link works once and expires in {hours} hours. Confirming signs you out everywhere; "
        "sign in again with this address. If you did not expect this, ignore this email.\n",
    )
