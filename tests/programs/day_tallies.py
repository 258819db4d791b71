"""Random histories for the day tallies (assignment_days), played through the real services, and
the counts the old algorithm made from raw logs to compare them with. Shared by the SQLite test
(tests/programs/test_day_tallies.py) and the PostgreSQL one (tests/integration/test_day_tallies.py).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import time_machine
from hypothesis import strategies as st
from sqlalchemy import select

from telehealth.common.models import BodySide
from telehealth.common.time import today_in, zone
from telehealth.extensions import db
from telehealth.patients import service as patients
from telehealth.patients.models import Patient
from telehealth.programs import service as programs
from telehealth.programs.library import seed_library
from telehealth.programs.models import WEEK, Assignment, Exercise
from telehealth.progress import service as progress
from telehealth.progress.adherence import DayCount, daily_counts, sets_done
from telehealth.progress.models import DayTally, ProgressLog
from tests.factories import make_patient, make_therapist
from tests.support.schema import schema_differences

# DST zones (half-hour shifts too), zones without DST, and offsets far either side of UTC.
ZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)
# The history runs across the March changes of several of these zones.
BEGIN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SIDES_ALLOWED = {"both": (None, "left", "right"), "left": (None, "left"), "right": (None, "right")}


def reference_sides(patients: Sequence[Patient]) -> dict[tuple[uuid.UUID, date], Counter[str | None]]:
    """What adherence computed on every read before the tallies: each raw log on its local day in
    the patient's zone, counted by side."""
    zones = {patient.id: zone(patient.timezone) for patient in patients}
    sides: dict[tuple[uuid.UUID, date], Counter[str | None]] = defaultdict(Counter)
    rows = db.session.execute(
        select(
            ProgressLog.patient_id, ProgressLog.assignment_id, ProgressLog.performed_at, ProgressLog.side
        ).where(ProgressLog.patient_id.in_(list(zones)))
    )
    for patient_id, assignment_id, performed_at, side in rows:
        sides[(assignment_id, performed_at.astimezone(zones[patient_id]).date())][side] += 1
    return dict(sides)


def reference_counts(patients: Sequence[Patient], start: date, end: date) -> dict[uuid.UUID, list[DayCount]]:
    """daily_counts as the old algorithm made it from raw logs, over every assignment of the patients."""
    sides = reference_sides(patients)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    counts = {}
    for patient in patients:
        assignments = db.session.scalars(select(Assignment).where(Assignment.patient_id == patient.id)).all()
        row = []
        for day in days:
            planned = done = 0
            for assignment in assignments:
                version = assignment.timeline().scheduled(day)
                if version is not None:
                    planned += version.times_per_day
                    logged = sides.get((assignment.id, day), Counter())
                    left, right = logged[BodySide.LEFT], logged[BodySide.RIGHT]
                    counted = sets_done(version.side, left, right, logged[None])
                    done += min(counted, version.times_per_day)
            row.append(DayCount(date=day, planned=planned, done=done))
        counts[patient.id] = row
    return counts


def stored_tallies() -> dict[tuple[uuid.UUID, date], Counter[str | None]]:
    return {
        (row.assignment_id, row.day): +Counter(
            {BodySide.LEFT: row.left_logs, BodySide.RIGHT: row.right_logs, None: row.unsided_logs}
        )
        for row in db.session.scalars(select(DayTally))
    }


def play_random_history(data: st.DataObject) -> None:
    """Patients, assignments, logs (retries, conflicts, races), prescription changes, ends and zone
    changes at moments over five weeks; then the tallies and the day counts against the raw logs."""
    now = BEGIN
    with time_machine.travel(now, tick=False) as clock:
        seed_library()
        exercise_id = db.session.scalars(select(Exercise.id).order_by(Exercise.id)).first()
        therapist = make_therapist()
        people = [
            make_patient(therapist, timezone=data.draw(st.sampled_from(ZONES), label="zone"))
            for _ in range(data.draw(st.integers(1, 3), label="patients"))
        ]
        plans: dict[uuid.UUID, list[Assignment]] = {}
        for patient in people:
            plans[patient.id] = []
            for _ in range(data.draw(st.integers(1, 3), label="assignments")):
                days = data.draw(st.sets(st.sampled_from(WEEK), min_size=1), label="weekdays")
                prescription = {
                    "sets": 3,
                    "reps": 10,
                    "hold_seconds": None,
                    "side": data.draw(st.sampled_from(["both", "left", "right"]), label="side"),
                    "times_per_day": data.draw(st.integers(1, 3), label="times"),
                    "days_of_week": sorted(days, key=WEEK.index),
                    "notes": None,
                    "start_date": BEGIN.date() - timedelta(days=data.draw(st.integers(0, 20), label="began")),
                    "end_date": None,
                }
                plans[patient.id].append(
                    programs.create_assignment(
                        therapist.user, patient, exercise_id=exercise_id, prescription=prescription
                    )
                )
        db.session.commit()

        sent: list[dict[str, Any]] = []  # every body sent, for retries and conflicting reuses of an id
        for _ in range(data.draw(st.integers(1, 12), label="steps")):
            now += timedelta(minutes=data.draw(st.integers(0, 4 * 24 * 60), label="later"))
            clock.move_to(now)
            patient = data.draw(st.sampled_from(people), label="who")
            action = data.draw(st.sampled_from(["logs", "logs", "logs", "zone", "prescription", "end"]))
            if action == "logs":
                _post_logs(data, patient, plans[patient.id], sent, now)
            elif action == "zone":
                patients.update_patient(
                    therapist.user, patient, {"timezone": data.draw(st.sampled_from(ZONES), label="new zone")}
                )
            else:
                assignment = programs.get_visible_assignment(
                    therapist.user, data.draw(st.sampled_from(plans[patient.id])).id
                )
                if assignment.status == "active" and action == "prescription":
                    changes = {
                        "times_per_day": data.draw(st.integers(1, 3), label="new times"),
                        "side": data.draw(st.sampled_from(["both", "left", "right"]), label="new side"),
                    }
                    programs.update_assignment(therapist.user, assignment, changes)
                elif assignment.status == "active":
                    programs.end_assignment(therapist.user, assignment)
            db.session.commit()

        db.session.expire_all()
        assert stored_tallies() == reference_sides(people)
        todays = [today_in(patient.timezone) for patient in people]
        start, end = min(todays) - timedelta(days=36), max(todays) + timedelta(days=1)
        assert daily_counts(people, start, end) == reference_counts(people, start, end)


def _side(name: str | None) -> BodySide | None:
    return None if name is None else BodySide(name)


def _post_logs(
    data: st.DataObject,
    patient: Patient,
    assignments: list[Assignment],
    sent: list[dict[str, Any]],
    now: datetime,
) -> None:
    entries = []
    for _ in range(data.draw(st.integers(1, 8), label="batch")):
        mine = [body for body in sent if body["patient_id"] == patient.id]
        reuse = data.draw(st.sampled_from(["new", "new", "new", "retry", "conflict"]), label="kind")
        if reuse != "new" and mine:
            body = dict(data.draw(st.sampled_from(mine), label="earlier"))
            if reuse == "conflict":
                body["pain_score"] = (body["pain_score"] + 1) % 11
        else:
            assignment = data.draw(st.sampled_from(assignments), label="of")
            body = {
                "patient_id": patient.id,
                "id": uuid.uuid4(),
                "assignment_id": assignment.id,
                # Up to a little over the 30 days a log may be late (those are refused), minute-exact.
                "performed_at": now - timedelta(minutes=data.draw(st.integers(0, 31 * 24 * 60), label="ago")),
                "sets_completed": 3,
                "reps_completed": 10,
                "hold_seconds": None,
                "side": _side(data.draw(st.sampled_from(SIDES_ALLOWED[assignment.side]), label="log side")),
                "pain_score": data.draw(st.integers(0, 10), label="pain"),
                "difficulty": None,
                "notes": None,
            }
            sent.append(body)
        entries.append(body)
    fields = [{name: value for name, value in body.items() if name != "patient_id"} for body in entries]
    if data.draw(st.booleans(), label="same id twice in the batch"):
        fields.append(dict(fields[0]))
    # A retried id is skipped by the INSERT (ON CONFLICT DO NOTHING) and looked up after it, the path
    # a racing request's id takes too: only the rows that went in may be counted.
    progress.record_logs(patient.user, patient, [progress.LogInput(str(f["id"]), f) for f in fields])


def check_backfill_and_downgrade() -> None:
    """At 0012, logs of two patients in DST zones around their local midnights; at 0013 the tallies
    hold their side counts per local day; back at 0012 the table is gone."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    upgrade(revision="0012_intake")
    with time_machine.travel(BEGIN, tick=False):
        seed_library()
        exercise_id = db.session.scalars(select(Exercise.id).order_by(Exercise.id)).first()
        therapist = make_therapist()
        sydney = make_patient(therapist, timezone="Australia/Sydney")
        new_york = make_patient(therapist, timezone="America/New_York")
        prescription = {
            "sets": 3,
            "reps": 10,
            "hold_seconds": None,
            "side": "both",
            "times_per_day": 2,
            "days_of_week": list(WEEK),
            "notes": None,
            "start_date": date(2026, 2, 1),
            "end_date": None,
        }
        plan = {
            patient.id: programs.create_assignment(
                therapist.user, patient, exercise_id=exercise_id, prescription=prescription
            ).id
            for patient in (sydney, new_york)
        }
        logs = [
            # Sydney is UTC+11 until 5 April 2026: 13:30 UTC is 00:30 the next day there.
            (sydney, "2026-02-27T13:30:00+00:00", "left"),
            (sydney, "2026-02-27T12:30:00+00:00", "right"),
            (sydney, "2026-02-27T12:45:00+00:00", None),
            # New York moves to UTC-4 on 8 March: 03:30 UTC is 23:30 on the 8th, 04:30 on the 7th is 23:30.
            (new_york, "2026-03-09T03:30:00+00:00", "left"),
            (new_york, "2026-03-09T03:40:00+00:00", "left"),
            (new_york, "2026-03-08T04:30:00+00:00", None),
        ]
        for patient, at, side in logs:
            db.session.add(
                ProgressLog(
                    id=uuid.uuid4(),
                    patient_id=patient.id,
                    assignment_id=plan[patient.id],
                    performed_at=datetime.fromisoformat(at),
                    sets_completed=3,
                    reps_completed=10,
                    side=_side(side),
                    pain_score=2,
                    recorded_by=patient.user_id,
                )
            )
        db.session.commit()
        sydney_id, new_york_id = sydney.id, new_york.id
    db.session.remove()

    upgrade(revision="0013_assignment_days")
    assert schema_differences() == []
    rows = {
        (row.assignment_id, row.day): (row.patient_id, row.left_logs, row.right_logs, row.unsided_logs)
        for row in db.session.scalars(select(DayTally))
    }
    assert rows == {
        (plan[sydney_id], date(2026, 2, 28)): (sydney_id, 1, 0, 0),
        (plan[sydney_id], date(2026, 2, 27)): (sydney_id, 0, 1, 1),
        (plan[new_york_id], date(2026, 3, 8)): (new_york_id, 2, 0, 0),
        (plan[new_york_id], date(2026, 3, 7)): (new_york_id, 0, 0, 1),
    }
    db.session.remove()

    downgrade(revision="0012_intake")
    assert "assignment_days" not in inspect(db.engine).get_table_names()
    db.session.remove()
