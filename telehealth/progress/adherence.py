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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.orm import joinedload

from telehealth.common.time import today_in
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.programs.models import (
    DATED_PRESCRIPTION_FIELDS,
    Assignment,
    AssignmentSide,
    Exercise,
    Timeline,
    Version,
    timeline_of,
)
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


def sets_done(assignment_side: str, left: int, right: int, unsided: int) -> int:
    """Logs that count as done, from how many named each side: for `both`, a left and a right log
    are one set, and a log naming no side is one."""
    if assignment_side == AssignmentSide.BOTH:
        return unsided + min(left, right)
    return left + right + unsided


# Read as the tables' plain columns, not the models: a caseload reads hundreds of assignments and
# thousands of tallies, which as ORM objects cost most of its time.
_TALLIES = DayTally.__table__.c
_ASSIGNMENTS = Assignment.__table__.c
_PRESCRIPTION = [_ASSIGNMENTS[name] for name in DATED_PRESCRIPTION_FIELDS]


def _may_plan(start: Any, end: Any) -> ColumnElement[bool]:
    """Assignments that may plan a day from start to end (dates or bound parameters): running then,
    or changed inside those days (earlier versions, with other dates, plan its first days), and not
    ended before them. Which version plans each day is decided in Python (`Timeline.scheduled`)."""
    a = _ASSIGNMENTS
    return and_(
        or_(
            and_(a.start_date <= end, or_(a.end_date.is_(None), a.end_date >= start)),
            a.effective_from > start,
        ),
        or_(a.ended_on.is_(None), a.ended_on > start),
    )


class _Window:
    """The assignments and day tallies of some patients over some local dates, loaded once."""

    def __init__(self, patients: Sequence[Patient], start: date, end: date) -> None:
        self.start, self.end = start, end
        ids = [patient.id for patient in patients]
        a = _ASSIGNMENTS
        stmt = (
            select(a.id, a.patient_id, a.history, a.effective_from, a.ended_on, *_PRESCRIPTION)
            .where(a.patient_id.in_(ids), _may_plan(start, end))
            .order_by(a.created_at, a.id)
        )
        # Per patient, each assignment's id and versions, read once (the history column), not per day;
        # plain rows, not models: a caseload reads hundreds.
        self.assignments: dict[uuid.UUID, list[tuple[uuid.UUID, Timeline]]] = defaultdict(list)
        for row in db.session.execute(stmt).mappings().all():
            prescription = {name: row[name] for name in DATED_PRESCRIPTION_FIELDS}
            timeline = timeline_of(row["history"], row["effective_from"], prescription, row["ended_on"])
            self.assignments[row["patient_id"]].append((row["id"], timeline))

        # (assignment, local date) -> (left, right, unsided): how many logs named each side, from the
        # day tallies kept with each log write (progress.rollup); only the pairs that have logs.
        rows = db.session.execute(
            select(
                _TALLIES.assignment_id,
                _TALLIES.day,
                _TALLIES.left_logs,
                _TALLIES.right_logs,
                _TALLIES.unsided_logs,
            ).where(_TALLIES.patient_id.in_(ids), _TALLIES.day >= start, _TALLIES.day <= end)
        ).all()
        self.sides: dict[tuple[uuid.UUID, date], tuple[int, int, int]] = {
            (assignment_id, day): (left, right, unsided) for assignment_id, day, left, right, unsided in rows
        }

    def _done(self, assignment_id: uuid.UUID, version: Version, day: date) -> int:
        sides = self.sides.get((assignment_id, day))
        if sides is None:
            return 0
        return min(sets_done(version.side, *sides), version.times_per_day)

    def day_counts(self, patient_id: uuid.UUID, days: Sequence[date]) -> list[DayCount]:
        """Planned and done per day, summed over the assignments scheduled on it."""
        assignments = self.assignments.get(patient_id, ())
        counts = []
        for day in days:
            planned = done = 0
            for assignment_id, timeline in assignments:
                version = timeline.scheduled(day)
                if version is not None:
                    planned += version.times_per_day
                    done += self._done(assignment_id, version, day)
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
    .where(Assignment.patient_id == bindparam("patient_id"), _may_plan(bindparam("day"), bindparam("day")))
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
        done = min(sets_done(version.side, left or 0, right or 0, unsided or 0), version.times_per_day)
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
