"""Thin tasks: take ids, call a service. Each task is one unit of work (jobs.FlaskTask commits it).
Logic lives in telehealth/."""

from __future__ import annotations

import uuid
from typing import TypedDict

from celery import shared_task

from telehealth import jobs
from telehealth.accounts import emails
from telehealth.accounts import service as accounts
from telehealth.common.tx import transaction
from telehealth.fhir import service as fhir
from telehealth.reminders import delivery
from telehealth.reminders import dispatch as reminders
from telehealth.scheduling import emails as screening_emails
from telehealth.scheduling import intake
from telehealth.visits import service as visits


class RetryOptions(TypedDict):
    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


# SMTP hiccups are worth a few retries with backoff; the link is regenerated each time.
MAIL_RETRY: RetryOptions = {
    "autoretry_for": (OSError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 4,
}


@shared_task(name=jobs.SEND_INVITATION, **MAIL_RETRY)
def send_invitation(user_id: str) -> None:
    # The link must work the moment it arrives: commit the token before the mail leaves.
    with transaction():
        issued = accounts.issue_invitation(uuid.UUID(user_id))
    if issued:
        emails.send_invitation(*issued)


@shared_task(name=jobs.SEND_PASSWORD_RESET, **MAIL_RETRY)
def send_password_reset(email: str) -> None:
    # Every request queues this; only here, unseen by the caller, is the account looked for.
    with transaction():
        issued = accounts.issue_password_reset(email)
    if issued:
        emails.send_password_reset(*issued)


@shared_task(name=jobs.SEND_EMAIL_CHANGE, **MAIL_RETRY)
def send_email_change(user_id: str) -> None:
    with transaction():
        link = accounts.issue_email_change(uuid.UUID(user_id))
    if link:
        emails.send_email_change(link)


@shared_task(name=jobs.PURGE_EXPIRED_CREDENTIALS)
def purge_expired_credentials() -> None:
    accounts.purge_expired_credentials()


@shared_task(name=jobs.REMINDER_SCAN)
def scan_reminders() -> None:
    reminders.scan_and_hand_off()


@shared_task(name=jobs.REMINDER_SEND)
def send_reminders(notification_ids: list[str]) -> None:
    # Each row's outcome is committed inside, step by step, on a session of its own (compare-and-set).
    delivery.deliver(notification_ids)


@shared_task(name=jobs.DISPATCH_PENDING_JOBS)
def dispatch_pending_jobs() -> None:
    jobs.dispatch_pending()


@shared_task(name=jobs.FHIR_EXPORT)
def run_fhir_export(export_id: str) -> None:
    fhir.run_export(uuid.UUID(export_id))


@shared_task(name=jobs.PURGE_EXPIRED_EXPORTS)
def purge_expired_fhir_exports() -> None:
    # Export files live 24 hours; the rows stay as the record of what left.
    fhir.purge_expired_exports()


@shared_task(name=jobs.SEND_SCREENING_CONFIRMATION, **MAIL_RETRY)
def send_screening_confirmation(request_id: str) -> None:
    # The link must work the moment it arrives: commit its digest before the mail leaves.
    with transaction():
        issued = intake.issue_confirmation(uuid.UUID(request_id))
    if issued:
        screening_emails.send_confirmation(*issued)


@shared_task(name=jobs.SEND_SCREENING_BOOKED, **MAIL_RETRY)
def send_screening_booked(visit_id: str) -> None:
    visit = visits.find_visit(uuid.UUID(visit_id))
    if visit is not None:
        screening_emails.send_booked(visit)


@shared_task(name=jobs.SEND_SCREENING_DECLINED, **MAIL_RETRY)
def send_screening_declined(request_id: str) -> None:
    request = intake.declined_notice(uuid.UUID(request_id))
    if request is not None:
        screening_emails.send_declined(request)


@shared_task(name=jobs.PURGE_SCREENING_REQUESTS)
def purge_screening_requests() -> None:
    intake.purge()
