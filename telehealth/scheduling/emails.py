"""Screening emails. They carry a first name, a time and a link; never a condition or a message."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_mailman import EmailMessage

from telehealth import links
from telehealth.accounts.models import Role
from telehealth.common.time import zone
from telehealth.scheduling.models import ScreeningRequest
from telehealth.visits import calendar
from telehealth.visits.models import Visit

PHYSICIAN_ADVICE = (
    "Some of what you told us is best looked at by a physician first. Please see your doctor "
    "promptly, or urgent care if it is getting worse; we will still be in touch about your screening.\n\n"
)


def _local(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(zone(timezone))
    return local.strftime("%A %d %B %Y, %H:%M") + f" ({timezone})"


def send_confirmation(request: ScreeningRequest, token: str) -> None:
    hold = int(current_app.config["SCREENING_HOLD"].total_seconds() // 60)
    slot = ""
    if request.starts_at is not None:
        slot = (
            f"We are holding your free screening on {_local(request.starts_at, request.timezone)} for "
            f"{hold} minutes. Confirm within that time to keep it; after that your request still "
            "reaches us, without the time.\n\n"
        )
    advice = PHYSICIAN_ADVICE if request.urgent else ""
    EmailMessage(
        subject="Confirm your free screening request",
        body=f"Hello {request.first_name},\n\n"
        "Someone, hopefully you, asked our clinic for a free physical therapy screening with this "
        "email address. To send the request to our therapists, open:\n\n"
        f"{links.screening_confirmation(token)}\n\n"
        f"{slot}{advice}"
        "If it was not you, ignore this email: nothing happens, and the request is deleted within a week.\n",
        to=[request.email],
    ).send(fail_silently=False)


def send_booked(visit: Visit) -> None:
    """The screening's time, the visit's page and its calendar file; the invitation comes on its own."""
    patient = visit.patient
    message = EmailMessage(
        subject="Your free screening is booked",
        body=f"Hello {patient.first_name},\n\n"
        f"Your free screening video visit is on {_local(visit.starts_at, patient.timezone)}.\n\n"
        "A separate email invites you to set a password for the app; from there you join the visit:\n\n"
        f"{links.visit(visit.id)}\n\n"
        "The attached file adds the visit to your calendar.\n",
        to=[patient.email],
    )
    message.attach("video-visit.ics", calendar.visit_ics(visit, Role.PATIENT), "text/calendar")
    message.send(fail_silently=False)


def send_declined(request: ScreeningRequest) -> None:
    # The reason is for staff; the person gets a kind, general answer.
    EmailMessage(
        subject="About your free screening request",
        body=f"Hello {request.first_name},\n\n"
        "Thank you for asking us for a free screening. We are sorry that we cannot offer you one at "
        "this time. If your symptoms continue or worsen, please see your doctor.\n",
        to=[request.email],
    ).send(fail_silently=False)
