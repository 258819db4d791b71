"""Planned versus done, per local day, for one patient or a whole caseload in two queries.

A day is the patient's own local date (Patient.timezone). Each day is planned with the
prescription in force on it (`programs.models.Timeline`): an assignment plans that version's
`times_per_day` on a date it is running (started, not past `end_date`, not ended) whose weekday
it prescribes. `done` counts that day's logs of the assignments scheduled that day, each capped at
that version's `times_per_day`; for a `side: both` prescription a left log and a right log make one
set, and a log naming no side covers both.

The logs are read as day tallies (`progress.rollup`: per assignment and local day, how many logs named
each side), kept with every log write, not as raw logs; the cap by the prescription stays here, at
read time, so a prescription change needs no rewrite of those tallies.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import joinedload

from telehealth.common.models import BodySide
from telehealth.common.time import today_in
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.programs.models import Assignment, AssignmentSide, Exercise, Timeline, Version
from telehealth.progress.models import DayTally


@dataclass(frozen=True)
class DayCount:
    date: date  # a local date in the patient's zone
    planned: int  # sum of times_per_day of the assignments scheduled that day
    done: int  # that day's logs, per scheduled assignment capped at its times_per_day

    @property
    def rate(self) -> float | None:
        return self.done / self.planned if self.planned else None

    @property
    def complete(self) -> bool:
        return self.planned > 0 and self.done >= self.planned


@dataclass(frozen=True)
class AssignmentDay:
    """One scheduled assignment on one local day, with the prescription in force that day."""

    assignment: Assignment
    prescription: Version
    planned: int
    done: int

    @property
    def complete(self) -> bool:
        return self.done >= self.planned


def sets_done(assignment_side: str, sides: Counter[str | None]) -> int:
    """Logs that count as done: for `both`, a left and a right log are one set."""
    if assignment_side == AssignmentSide.BOTH:
        return sides[None] + min(sides[BodySide.LEFT], sides[BodySide.RIGHT])
    return sum(sides.values())


class _Window:
    """The assignments and logs of some patients over some local dates, loaded once."""

    def __init__(self, patients: Sequence[Patient], start: date, end: date) -> None:
        self.start, self.end = start, end
        ids = [patient.id for patient in patients]
        stmt = (
            select(Assignment)
            .where(
                Assignment.patient_id.in_(ids),
                or_(
                    and_(
                        Assignment.start_date <= end,
                        or_(Assignment.end_date.is_(None), Assignment.end_date >= start),
                    ),
                    # Changed inside the window: earlier versions, with other dates, plan its first days.
                    Assignment.effective_from > start,
                ),
                or_(Assignment.ended_on.is_(None), Assignment.ended_on > start),
            )
            .order_by(Assignment.created_at, Assignment.id)
        )
        self.assignments: dict[uuid.UUID, list[tuple[Assignment, Timeline]]] = defaultdict(list)
        # Each assignment's versions come with its row (the history column): read once, not per day.
        for assignment in db.session.scalars(stmt):
            self.assignments[assignment.patient_id].append((assignment, assignment.timeline()))

        # (assignment, local date) -> how many logs named each side (None: no side named), from the
        # day tallies kept with each log write (progress.rollup); only the pairs that have logs.
        rows = db.session.execute(
            select(
                DayTally.assignment_id,
                DayTally.day,
                DayTally.left_logs,
                DayTally.right_logs,
                DayTally.unsided_logs,
            ).where(DayTally.patient_id.in_(ids), DayTally.day >= start, DayTally.day <= end)
        )
        self.sides: dict[tuple[uuid.UUID, date], Counter[str | None]] = {
            (assignment_id, day): Counter({BodySide.LEFT: left, BodySide.RIGHT: right, None: unsided})
            for assignment_id, day, left, right, unsided in rows
        }

    def _done(self, assignment: Assignment, version: Version, day: date) -> int:
        sides = self.sides.get((assignment.id, day))
        if not sides:
            return 0
        return min(sets_done(version.side, sides), version.times_per_day)

    def day_counts(self, patient_id: uuid.UUID, days: Sequence[date]) -> list[DayCount]:
        """Planned and done per day, summed over the assignments scheduled on it."""
        assignments = self.assignments.get(patient_id, ())
        counts = []
        for day in days:
            planned = done = 0
            for assignment, timeline in assignments:
                version = timeline.scheduled(day)
                if version is not None:
                    planned += version.times_per_day
                    done += self._done(assignment, version, day)
            counts.append(DayCount(date=day, planned=planned, done=done))
        return counts

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def daily_counts(patients: Sequence[Patient], start: date, end: date) -> dict[uuid.UUID, list[DayCount]]:
    """Per patient, one DayCount per local date from start to end inclusive, in a constant number of
    queries (whatever the number of patients, assignments or logs)."""
    if not patients:
        return {}
    window = _Window(patients, start, end)
    days = window.dates()
    return {patient.id: window.day_counts(patient.id, days) for patient in patients}


# GET /today's read, built once: the assignments that may plan the day, each with its exercise and
# the day's tally of its logs (none: no log yet), in one statement. Which version plans the day is
# decided in Python, as for every other day count.
_DAY_PLAN = (
    select(Assignment, DayTally.left_logs, DayTally.right_logs, DayTally.unsided_logs)
    .outerjoin(DayTally, and_(DayTally.assignment_id == Assignment.id, DayTally.day == bindparam("day")))
    .where(
        Assignment.patient_id == bindparam("patient_id"),
        or_(
            and_(
                Assignment.start_date <= bindparam("day"),
                or_(Assignment.end_date.is_(None), Assignment.end_date >= bindparam("day")),
            ),
            Assignment.effective_from > bindparam("day"),
        ),
        or_(Assignment.ended_on.is_(None), Assignment.ended_on > bindparam("day")),
    )
    .options(joinedload(Assignment.exercise))
    .order_by(Assignment.created_at, Assignment.id)
)


def day_plan(patient: Patient, day: date) -> tuple[list[AssignmentDay], DayCount]:
    """One patient's scheduled assignments on one local day (exercises loaded), and the day's count:
    the numbers `daily_counts` gives for that day, in one query."""
    rows = db.session.execute(_DAY_PLAN, {"patient_id": patient.id, "day": day})
    items = []
    for assignment, left, right, unsided in rows:
        version = assignment.timeline().scheduled(day)
        if version is None:
            continue
        counts = {BodySide.LEFT: left or 0, BodySide.RIGHT: right or 0, None: unsided or 0}
        sides: Counter[str | None] = Counter(counts)
        done = min(sets_done(version.side, sides), version.times_per_day)
        items.append(AssignmentDay(assignment, version, version.times_per_day, done))
    return items, _total(day, items)


def _total(day: date, items: Sequence[AssignmentDay]) -> DayCount:
    return DayCount(date=day, planned=sum(i.planned for i in items), done=sum(i.done for i in items))


# The day's plan, as the patient's "today" shows it.


@dataclass(frozen=True)
class TodayItem:
    assignment: Assignment
    exercise: Exercise
    prescription: Version  # the one in force that day
    planned: int
    done: int
    complete: bool


@dataclass(frozen=True)
class Today:
    date: date
    items: list[TodayItem]
    completion: float | None  # None when nothing is planned that day


def today(patient: Patient, day: date | None) -> Today:
    """The patient's plan for a local date (default: today in their zone), with what is done."""
    day = day or today_in(patient.timezone)
    scheduled, count = day_plan(patient, day)
    items = [
        TodayItem(
            assignment=item.assignment,
            exercise=item.assignment.exercise,
            prescription=item.prescription,
            planned=item.planned,
            done=item.done,
            complete=item.complete,
        )
        for item in scheduled
    ]
    return Today(date=day, items=items, completion=count.rate)
