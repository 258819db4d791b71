"""The caseload dashboard and the adherence read-out, and the numbers they share with the report.

Each number is defined once here and used by all three views:
- adherence: done / planned summed over the days of a window (`adherence_rate`), from
  `progress.adherence.daily_counts`;
- logged pain: the mean pain score of a window of local days and its change against the window
  before (`pain_trends`);
- hip rotation asymmetry: `measures.service.rom_summaries` (the report replays the same
  `summarize_rom` over the readings known at each date);
- inactivity: `reminders.planner.is_inactive` over the same look-back the nudges use;
- a worsened outcome: the latest result on an instrument is a meaningful worsening from its
  baseline (`measures.service.latest_outcomes`, the comparison the outcomes endpoint answers).

The caseload is answered in a fixed number of queries whatever its size: the patients with their
last log, next visit and inactivity setting (one query), the day counts (two), the ROM summaries
(one), the latest outcomes (one) and the pain windows (one aggregate).
"""

from __future__ import annotations

import enum
import math
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import joinedload

from telehealth.accounts.models import User
from telehealth.common.models import UTCDateTime
from telehealth.common.pagination import Page
from telehealth.common.time import utcnow
from telehealth.errors import ValidationFailed
from telehealth.extensions import db
from telehealth.measures.service import latest_outcomes, rom_summaries
from telehealth.patients.models import Patient, PatientStatus
from telehealth.patients.service import visible_patients
from telehealth.progress.adherence import DayCount, daily_counts
from telehealth.progress.models import ProgressLog
from telehealth.reminders.models import DEFAULT_INACTIVITY_DAYS, ReminderSettings
from telehealth.reminders.planner import INACTIVITY_LOOKBACK_DAYS, is_inactive
from telehealth.reminders.schedule import at_local, local_date
from telehealth.visits.models import Visit, VisitStatus

ADHERENCE_WINDOW_DAYS = 7
LOW_ADHERENCE_BELOW = 0.5
PAIN_WINDOW_DAYS = 7
PAIN_INCREASE_POINTS = Decimal(2)
DEFAULT_ADHERENCE_DAYS = 28
MAX_PERIOD_DAYS = 366
_ONE_DECIMAL = Decimal("0.1")


class Flag(enum.StrEnum):
    INACTIVE = "inactive"
    LOW_ADHERENCE = "low_adherence"
    PAIN_INCREASE = "pain_increase"
    ROM_ASYMMETRY = "rom_asymmetry"
    OUTCOME_WORSENED = "outcome_worsened"


# --- shared definitions ----------------------------------------------------------------------


def adherence_rate(days: Sequence[DayCount]) -> float | None:
    """Done over planned across the days; None when nothing was planned in them."""
    planned = sum(day.planned for day in days)
    return sum(day.done for day in days) / planned if planned else None


def local_today(timezone: str, now: datetime | None = None) -> date:
    return local_date(now or utcnow(), timezone)


def day_start(day: date, timezone: str) -> datetime:
    """The UTC instant a local day begins (DST gaps handled as the reminders handle them)."""
    return at_local(day, time.min, timezone)


def one_decimal(value: Fraction | None) -> Decimal | None:
    """For display only: half up (away from zero), as a clinician rounds by hand."""
    if value is None:
        return None
    size = Decimal(math.floor(abs(value) * 10 + Fraction(1, 2))) / 10
    return (-size if value < 0 else size).quantize(_ONE_DECIMAL)


def mean_one_decimal(total: int, count: int) -> Decimal | None:
    return one_decimal(Fraction(total, count)) if count else None


@dataclass(frozen=True)
class PainTrend:
    """Mean logged pain of the last PAIN_WINDOW_DAYS local days, and of the days before them:
    exact, so the flag compares the true means; `mean`, `previous_mean` and `change` are rounded
    for display."""

    recent: Fraction | None
    previous: Fraction | None

    @property
    def mean(self) -> Decimal | None:
        return one_decimal(self.recent)

    @property
    def previous_mean(self) -> Decimal | None:
        return one_decimal(self.previous)

    @property
    def exact_change(self) -> Fraction | None:
        if self.recent is None or self.previous is None:
            return None
        return self.recent - self.previous

    @property
    def change(self) -> Decimal | None:
        return one_decimal(self.exact_change)

    @property
    def increased(self) -> bool:
        change = self.exact_change
        return change is not None and change >= PAIN_INCREASE_POINTS


NO_PAIN_DATA = PainTrend(recent=None, previous=None)


def pain_trends(
    patients: Sequence[Patient], last_day: date | None = None, now: datetime | None = None
) -> dict[uuid.UUID, PainTrend]:
    """Per patient, the pain trend of the window ending on `last_day` (default: each patient's
    local today, included: a logged score is complete the moment it is logged). One aggregate
    query; the window edges are local midnights, chosen per time zone inside the query."""
    if not patients:
        return {}
    edges: dict[str, tuple[datetime, datetime, datetime]] = {}
    for timezone in {patient.timezone for patient in patients}:
        last = last_day or local_today(timezone, now)
        recent_first = last - timedelta(days=PAIN_WINDOW_DAYS - 1)
        edges[timezone] = (
            day_start(recent_first - timedelta(days=PAIN_WINDOW_DAYS), timezone),
            day_start(recent_first, timezone),
            day_start(last + timedelta(days=1), timezone),
        )

    def edge(index: int) -> ColumnElement[datetime]:
        by_zone = {timezone: literal(bounds[index], UTCDateTime()) for timezone, bounds in edges.items()}
        return case(by_zone, value=Patient.timezone)

    earliest = min(bounds[0] for bounds in edges.values())
    latest = max(bounds[2] for bounds in edges.values())
    recent = ProgressLog.performed_at >= edge(1)
    rows = db.session.execute(
        select(
            ProgressLog.patient_id,
            func.sum(case((recent, ProgressLog.pain_score), else_=0)),
            func.sum(case((recent, 1), else_=0)),
            func.sum(ProgressLog.pain_score),
            func.count(),
        )
        .join(Patient, Patient.id == ProgressLog.patient_id)
        .where(
            ProgressLog.patient_id.in_([patient.id for patient in patients]),
            # The plain bounds let the (patient_id, performed_at) index narrow the scan.
            ProgressLog.performed_at >= earliest,
            ProgressLog.performed_at < latest,
            ProgressLog.performed_at >= edge(0),
            ProgressLog.performed_at < edge(2),
        )
        .group_by(ProgressLog.patient_id)
    )
    trends = {patient.id: NO_PAIN_DATA for patient in patients}
    for patient_id, recent_sum, recent_count, total_sum, total_count in rows:
        trends[patient_id] = PainTrend(
            recent=_mean(recent_sum, recent_count),
            previous=_mean(total_sum - recent_sum, total_count - recent_count),
        )
    return trends


def _mean(total: int, count: int) -> Fraction | None:
    return Fraction(int(total), int(count)) if count else None


# --- periods of local dates ------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def resolve_period(patient: Patient, start: date | None, end: date | None, *, default_days: int) -> Period:
    """from/to as asked; `to` defaults to the patient's local today, `from` to `default_days`
    ending on `to`."""
    end = end or local_today(patient.timezone)
    start = start or end - timedelta(days=default_days - 1)
    if start > end:
        raise ValidationFailed.field("from", "must be on or before to")
    period = Period(start, end)
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationFailed.field("from", f"the period may cover at most {MAX_PERIOD_DAYS} days")
    return period


# --- GET /patients/{id}/adherence ------------------------------------------------------------


@dataclass(frozen=True)
class Adherence:
    days: list[DayCount]
    rate: float | None


def adherence(patient: Patient, start: date | None, end: date | None) -> Adherence:
    period = resolve_period(patient, start, end, default_days=DEFAULT_ADHERENCE_DAYS)
    days = daily_counts([patient], period.start, period.end)[patient.id]
    return Adherence(days=days, rate=adherence_rate(days))


# --- GET /dashboard/caseload -----------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadRow:
    patient: Patient
    adherence_7d: float | None
    last_activity_at: datetime | None
    avg_pain_7d: float | None
    pain_change: float | None
    rom_asymmetry_degrees: float | None
    next_session_at: datetime | None
    flags: list[Flag]

    def sort_key(self) -> tuple[int, str, str, str]:
        # Most flags first; then by name, and the id settles namesakes.
        patient = self.patient
        return (
            -len(self.flags),
            patient.last_name.casefold(),
            patient.first_name.casefold(),
            str(patient.id),
        )


def _caseload(user: User, now: datetime) -> list[tuple[Patient, datetime | None, datetime | None, int]]:
    """Active patients of the caseload, each with their last log, next visit and inactivity days."""
    last_activity = (
        select(func.max(ProgressLog.performed_at))
        .where(ProgressLog.patient_id == Patient.id)
        .scalar_subquery()
    )
    next_session = (
        select(func.min(Visit.starts_at))
        .where(Visit.patient_id == Patient.id, Visit.status == VisitStatus.SCHEDULED, Visit.starts_at > now)
        .scalar_subquery()
    )
    inactivity_days = (
        select(ReminderSettings.inactivity_days)
        .where(ReminderSettings.patient_id == Patient.id)
        .scalar_subquery()
    )
    stmt = (
        visible_patients(user)
        .add_columns(last_activity, next_session, inactivity_days)
        .where(Patient.status == PatientStatus.ACTIVE)
        .options(joinedload(Patient.user))  # shown; the care team is not
    )
    return [
        (patient, last, upcoming, days if days is not None else DEFAULT_INACTIVITY_DAYS)
        for patient, last, upcoming, days in db.session.execute(stmt)
    ]


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def caseload_rows(user: User, now: datetime | None = None) -> list[CaseloadRow]:
    """Every active patient of the therapist's caseload with their figures and flags, unsorted."""
    now = now or utcnow()
    found = _caseload(user, now)
    patients = [patient for patient, *_ in found]
    if not patients:
        return []
    todays = {patient.id: local_today(patient.timezone, now) for patient in patients}
    counts = daily_counts(
        patients,
        min(todays.values()) - timedelta(days=INACTIVITY_LOOKBACK_DAYS),
        max(todays.values()),
    )
    summaries = rom_summaries(patients)
    outcomes = latest_outcomes(patients)
    pains = pain_trends(patients, now=now)
    rows = []
    for patient, last_activity_at, next_session_at, inactivity_days in found:
        today = todays[patient.id]
        # Finished days only: today's exercises may still be done tonight. The look-back is the
        # reminder planner's, so the flag and the inactivity nudge judge the same days.
        lookback = today - timedelta(days=INACTIVITY_LOOKBACK_DAYS)
        finished = [day for day in counts[patient.id] if lookback <= day.date < today]
        week = [day for day in finished if day.date >= today - timedelta(days=ADHERENCE_WINDOW_DAYS)]
        rate = adherence_rate(week)
        # A patient who has logged today is active again, though today is not over.
        [today_count] = [day for day in counts[patient.id] if day.date == today]
        judged = [*finished, today_count] if today_count.done else finished
        pain = pains[patient.id]
        rom = summaries[patient.id]
        flags = [
            flag
            for flag, raised in (
                (Flag.INACTIVE, is_inactive(judged, inactivity_days)),
                (Flag.LOW_ADHERENCE, rate is not None and rate < LOW_ADHERENCE_BELOW),
                (Flag.PAIN_INCREASE, pain.increased),
                (Flag.ROM_ASYMMETRY, rom.flagged),
                (Flag.OUTCOME_WORSENED, any(result.meaningfully_worse for result in outcomes[patient.id])),
            )
            if raised
        ]
        rows.append(
            CaseloadRow(
                patient=patient,
                adherence_7d=rate,
                last_activity_at=last_activity_at,
                avg_pain_7d=_float(pain.mean),
                pain_change=_float(pain.change),
                rom_asymmetry_degrees=rom.asymmetry_degrees,
                next_session_at=next_session_at,
                flags=flags,
            )
        )
    return rows


# A caseload of 200 patients holds ~3 MiB of rows and counts while it is built, and a process keeps
# the peak of what its threads built at the same time (CPython's allocator rarely gives memory
# back). Building is CPU work under the GIL: two at a time overlap one's database waits with the
# other's counting; more add memory, not speed. So each process builds at most two at once.
_BUILDING = threading.BoundedSemaphore(2)


def caseload(user: User, *, flag: Flag | None, page: int, per_page: int) -> Page:
    """The caseload page: flagged patients first (see CaseloadRow.sort_key), optionally only
    those raising one flag. Sorting needs every row's flags, so the page is cut after computing
    them all, which the fixed query count keeps cheap."""
    with _BUILDING:
        rows = sorted(caseload_rows(user), key=CaseloadRow.sort_key)
    if flag is not None:
        rows = [row for row in rows if flag in row.flags]
    first = (page - 1) * per_page
    return Page(items=rows[first : first + per_page], page=page, per_page=per_page, total=len(rows))
