"""RTM: enrolment, time entries, and the monthly and per-period counts a clinic bills from.

The counting rules are in rules.py; this module gathers the facts (what the patient sent, the
therapists' minutes, completed visits) and hands them to it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from telehealth.accounts import service as accounts
from telehealth.accounts.models import Role, User
from telehealth.common import events
from telehealth.common.pagination import Page, paginate
from telehealth.common.time import utcnow, zone
from telehealth.errors import Conflict, ValidationFailed
from telehealth.extensions import db
from telehealth.measures.models import Measurement, Outcome, Source
from telehealth.patients.models import CareTeamMember, Patient
from telehealth.patients.service import scope_filter
from telehealth.progress.models import ProgressLog
from telehealth.rtm import rules
from telehealth.rtm.models import INTERACTIVE_MODALITIES, Activity, RtmEpisode, TimeEntry, ZoneChange
from telehealth.visits.models import Visit, VisitStatus


def clinic_zone() -> str:
    return current_app.config["CLINIC_TIMEZONE"]


def this_month() -> str:
    return rules.month_of(utcnow(), clinic_zone())


def patient_today(patient: Patient) -> date:
    return utcnow().astimezone(zone(patient.timezone)).date()


# --- Episodes ----------------------------------------------------------------------------------


def open_episode(patient: Patient) -> RtmEpisode | None:
    return db.session.scalar(
        select(RtmEpisode).where(RtmEpisode.patient_id == patient.id, RtmEpisode.ended_on.is_(None))
    )


def latest_episode(patient: Patient) -> RtmEpisode | None:
    return db.session.scalar(
        select(RtmEpisode)
        .where(RtmEpisode.patient_id == patient.id)
        .order_by(RtmEpisode.start_date.desc(), RtmEpisode.created_at.desc())
        .limit(1)
    )


def enroll(actor: User, patient: Patient, *, start_date: date) -> RtmEpisode:
    if start_date > patient_today(patient):
        raise ValidationFailed.field("start_date", "may not be after today in the patient's time zone")
    if open_episode(patient) is not None:
        raise Conflict("The patient already has an open RTM episode; end it first.")
    last = latest_episode(patient)
    if last is not None and last.ended_on is not None and start_date <= last.ended_on:
        raise Conflict(f"The previous RTM episode ran until {last.ended_on.isoformat()}; start after it.")
    episode = RtmEpisode(
        patient_id=patient.id,
        start_date=start_date,
        consent_recorded_at=utcnow(),
        consent_recorded_by_id=actor.id,
    )
    db.session.add(episode)
    note_zone(patient)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another enrolment of the same patient won the race
        raise Conflict("The patient already has an open RTM episode; end it first.") from None
    return episode


def end_episode(patient: Patient, *, end_date: date) -> RtmEpisode:
    episode = open_episode(patient)
    if episode is None:
        raise Conflict("The patient has no open RTM episode.")
    if end_date < episode.start_date:
        raise ValidationFailed.field("end_date", "may not be before the episode's start_date")
    if end_date > patient_today(patient):
        raise ValidationFailed.field("end_date", "may not be after today in the patient's time zone")
    episode.ended_on = end_date
    db.session.flush()
    return episode


# --- Time zones --------------------------------------------------------------------------------


def note_zone(patient: Patient, at: datetime | None = None) -> None:
    """Record the patient's zone from now on, if it differs from the last one recorded."""
    last = db.session.scalar(
        select(ZoneChange)
        .where(ZoneChange.patient_id == patient.id)
        .order_by(ZoneChange.since.desc())
        .limit(1)
    )
    if last is None:
        db.session.add(ZoneChange(patient_id=patient.id, since=rules.SINCE_ALWAYS, timezone=patient.timezone))
    elif last.timezone != patient.timezone:
        db.session.add(ZoneChange(patient_id=patient.id, since=at or utcnow(), timezone=patient.timezone))


@events.patient_changed.connect
def _on_patient_changed(patient: Patient, **_: Any) -> None:
    # Only monitored patients need the history: it keeps counted days where they were.
    if db.session.scalar(select(RtmEpisode.id).where(RtmEpisode.patient_id == patient.id).limit(1)):
        note_zone(patient)


def zone_spans(patient: Patient) -> list[rules.ZoneSpan]:
    rows = db.session.scalars(
        select(ZoneChange).where(ZoneChange.patient_id == patient.id).order_by(ZoneChange.since)
    ).all()
    spans = [rules.ZoneSpan(row.since, row.timezone) for row in rows]
    return spans or [rules.ZoneSpan(rules.SINCE_ALWAYS, patient.timezone)]


# --- Time entries ------------------------------------------------------------------------------


def add_time_entry(
    actor: User,
    patient: Patient,
    *,
    minutes: int,
    activity: str,
    occurred_at: datetime,
    modality: str | None = None,
    note: str | None = None,
) -> TimeEntry:
    if modality is not None and activity != Activity.PATIENT_COMMUNICATION:
        raise ValidationFailed.field("modality", "is given only with activity patient_communication")
    entry = TimeEntry(
        patient_id=patient.id,
        author_id=actor.id,
        minutes=minutes,
        activity=activity,
        modality=modality,
        interactive=modality in INTERACTIVE_MODALITIES,
        occurred_at=occurred_at,
        note=note,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def list_time_entries(
    patient: Patient, *, start: datetime | None, end: datetime | None, page: int, per_page: int
) -> Page:
    stmt = select(TimeEntry).where(TimeEntry.patient_id == patient.id)
    if start is not None:
        stmt = stmt.where(TimeEntry.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(TimeEntry.occurred_at < end)
    return paginate(stmt.order_by(TimeEntry.occurred_at.desc(), TimeEntry.id), page, per_page)


# --- The counts --------------------------------------------------------------------------------


@dataclass
class PeriodCount:
    start: date
    end: date
    data_days: int
    supply_code: str | None
    complete: bool


@dataclass
class MonthCount:
    month: str
    minutes: int
    interactive: bool
    management_codes: list[str]


@dataclass
class RtmSummary:
    episode: RtmEpisode | None
    periods: list[PeriodCount] = field(default_factory=list)
    months: list[MonthCount] = field(default_factory=list)
    setup_code: str | None = None
    setup_qualified_on: date | None = None


def _sent_instants(patient_id: uuid.UUID, start: datetime, end: datetime) -> Iterator[datetime]:
    """When the patient sent anything that makes a data day, between two instants."""
    queries = (
        select(ProgressLog.performed_at).where(
            ProgressLog.patient_id == patient_id,
            ProgressLog.performed_at >= start,
            ProgressLog.performed_at < end,
        ),
        select(Outcome.completed_at).where(
            Outcome.patient_id == patient_id, Outcome.completed_at >= start, Outcome.completed_at < end
        ),
        select(Measurement.measured_at).where(
            Measurement.patient_id == patient_id,
            Measurement.source == Source.PATIENT_REPORTED,
            Measurement.measured_at >= start,
            Measurement.measured_at < end,
        ),
    )
    for query in queries:
        yield from db.session.scalars(query)


def episode_data_days(patient: Patient, episode: RtmEpisode, through: date) -> set[date]:
    spans = zone_spans(patient)
    # A local day runs at most 14 hours either side of UTC; read a margin and keep the episode's days.
    start = datetime.combine(episode.start_date, datetime.min.time(), UTC) - timedelta(days=1)
    end = datetime.combine(through, datetime.min.time(), UTC) + timedelta(days=2)
    days = rules.data_days(_sent_instants(patient.id, start, end), spans)
    return {day for day in days if episode.start_date <= day <= through}


def _last_counted_day(patient: Patient, episode: RtmEpisode) -> date:
    today = patient_today(patient)
    return min(today, episode.ended_on) if episode.ended_on else today


def _month_facts(patient_id: uuid.UUID, start: datetime, end: datetime) -> tuple[dict[str, int], set[str]]:
    """Minutes per clinic month, and the months with a real-time interactive contact."""
    tz = clinic_zone()
    minutes: dict[str, int] = defaultdict(int)
    interactive: set[str] = set()
    entries = db.session.execute(
        select(TimeEntry.occurred_at, TimeEntry.minutes, TimeEntry.interactive).where(
            TimeEntry.patient_id == patient_id, TimeEntry.occurred_at >= start, TimeEntry.occurred_at < end
        )
    )
    for occurred_at, count, is_interactive in entries:
        month = rules.month_of(occurred_at, tz)
        minutes[month] += count
        if is_interactive:
            interactive.add(month)
    # A visit completed that month is a real-time contact by itself.
    visits = db.session.scalars(
        select(Visit.completed_at).where(
            Visit.patient_id == patient_id,
            Visit.status == VisitStatus.COMPLETED,
            Visit.completed_at >= start,
            Visit.completed_at < end,
        )
    )
    interactive.update(rules.month_of(at, tz) for at in visits if at is not None)
    return minutes, interactive


def _clinic_instant(day: date, *, end: bool = False) -> datetime:
    """Where a clinic-calendar day begins (or, with end, where the next begins), in UTC."""
    moment = datetime.combine(
        day + timedelta(days=1) if end else day, datetime.min.time(), zone(clinic_zone())
    )
    return moment.astimezone(UTC)


def summarize(patient: Patient, episode: RtmEpisode | None = None) -> RtmSummary:
    """The periods, months and set-up of the patient's latest (or a given) episode, up to today."""
    episode = episode or latest_episode(patient)
    if episode is None:
        return RtmSummary(episode=None)
    through = _last_counted_day(patient, episode)
    days = episode_data_days(patient, episode, through)
    summary = RtmSummary(episode=episode)
    for period in rules.periods(episode.start_date, through):
        count = sum(1 for day in days if period.start <= day <= period.end)
        summary.periods.append(
            PeriodCount(
                period.start, period.end, count, rules.supply_code(count), complete=period.end <= through
            )
        )
    summary.setup_qualified_on = rules.setup_day(days)
    summary.setup_code = rules.SETUP if summary.setup_qualified_on else None
    minutes, interactive = _month_facts(
        patient.id, _clinic_instant(episode.start_date), _clinic_instant(through, end=True)
    )
    for month in rules.months_between(episode.start_date, through):
        total = minutes.get(month, 0)
        summary.months.append(
            MonthCount(
                month, total, month in interactive, rules.management_codes(total, month in interactive)
            )
        )
    return summary


# --- The monthly list ---------------------------------------------------------------------------


@dataclass
class BillingRow:
    patient: Patient
    episode: RtmEpisode
    month: str
    minutes: int
    interactive: bool
    management_codes: list[str]
    periods: list[PeriodCount]
    setup_code: str | None

    @property
    def patient_id(self) -> uuid.UUID:
        return self.patient.id

    @property
    def episode_id(self) -> uuid.UUID:
        return self.episode.id

    @property
    def first_name(self) -> str:
        return self.patient.user.first_name

    @property
    def last_name(self) -> str:
        return self.patient.user.last_name

    @property
    def date_of_birth(self) -> date:
        return self.patient.date_of_birth

    @property
    def supply_codes(self) -> list[str]:
        return [period.supply_code for period in self.periods if period.supply_code]


def month_dates(month: str) -> tuple[date, date]:
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return first, following - timedelta(days=1)


def _billing_query(actor: User, month: str, therapist_id: uuid.UUID | None) -> Select:
    first, last = month_dates(month)
    stmt = (
        select(RtmEpisode, Patient)
        .join(Patient, Patient.id == RtmEpisode.patient_id)
        .join(Patient.user)
        .options(contains_eager(Patient.user))
        .where(
            scope_filter(actor),
            RtmEpisode.start_date <= last,
            or_(RtmEpisode.ended_on.is_(None), RtmEpisode.ended_on >= first),
        )
        .order_by(User.last_name, User.first_name, Patient.id, RtmEpisode.start_date)
    )
    if therapist_id is not None:
        stmt = stmt.where(
            select(CareTeamMember.id)
            .where(and_(CareTeamMember.patient_id == Patient.id, CareTeamMember.therapist_id == therapist_id))
            .exists()
        )
    return stmt


def billing_rows(actor: User, month: str, *, therapist_id: uuid.UUID | None = None) -> Iterator[BillingRow]:
    """Every row of the month's list in the caller's scope, one patient's episode at a time (for CSV)."""
    for episode, patient in db.session.execute(_billing_query(actor, month, therapist_id)):
        yield _billing_row(patient, episode, month)


def billing_page(
    actor: User, month: str, *, therapist_id: uuid.UUID | None, page: int, per_page: int
) -> Page:
    """One row per patient with an episode overlapping the month, a page at a time."""
    found = paginate(_billing_query(actor, month, therapist_id), page, per_page, scalars=False)
    found.items = [_billing_row(patient, episode, month) for episode, patient in found.items]
    return found


def _billing_row(patient: Patient, episode: RtmEpisode, month: str) -> BillingRow:
    first, last = month_dates(month)
    summary = summarize(patient, episode)
    counted = next((m for m in summary.months if m.month == month), None)
    setup_in_month = summary.setup_qualified_on is not None and first <= summary.setup_qualified_on <= last
    return BillingRow(
        patient=patient,
        episode=episode,
        month=month,
        minutes=counted.minutes if counted else 0,
        interactive=counted.interactive if counted else False,
        management_codes=counted.management_codes if counted else [],
        periods=[p for p in summary.periods if first <= p.end <= last and p.complete],
        setup_code=rules.SETUP if setup_in_month else None,
    )


def caller_therapist_filter(actor: User, therapist_id: uuid.UUID | None) -> uuid.UUID | None:
    """A therapist's list is their caseload already; an admin may narrow the clinic's to one therapist."""
    if actor.role == Role.THERAPIST:
        return accounts.therapist_id_of(actor)
    return therapist_id
