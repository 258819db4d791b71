"""Per assignment and local day, how many logs named each side: the rows adherence counts from.

`assignment_days` (models.DayTally) holds, for each assignment and each local date of its patient
(Patient.timezone) with at least one log, how many of that day's logs named the left side, the right
side and no side: the `Counter[str | None]` adherence used to build from the raw logs on every read.
Sides, not sets done: `done` is still capped at read time with the prescription in force that day
(`Timeline.scheduled`), so a prescription change needs no update here. The rows change

- with each log write, in its transaction and in one statement per batch (`add_logs`), counting only
  the logs that went in (INSERT ... RETURNING): a retried or racing id is never counted twice;
- when the patient's zone changes (`rebuild`): their rows are recomputed from their logs;
- in no other way: logs are never edited, moved or deleted, and deleting an assignment or a patient
  deletes its rows (ON DELETE CASCADE, as for the logs).

A zone change racing a log write (PostgreSQL, READ COMMITTED): `rebuild` first locks the patient row
FOR UPDATE, which waits for every open transaction that has inserted a log of theirs (the log's
foreign key holds a KEY SHARE lock on that row) and holds new inserts back until it commits. A writer
that read the old zone writes its tallies only while that zone is still the stored one; otherwise it
reads the zone again and writes under the new one (the rebuild could not see its uncommitted logs).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, exists, insert, select

from telehealth.common.models import BodySide
from telehealth.common.time import zone
from telehealth.common.upsert import insert_or_add
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.progress.models import DayTally, ProgressLog

COUNTS = ("left_logs", "right_logs", "unsided_logs")
_COLUMN_OF: dict[str | None, int] = {BodySide.LEFT: 0, BodySide.RIGHT: 1, None: 2}
_REBUILD_CHUNK = 1000

Key = tuple[uuid.UUID, date]  # (assignment, local date)


def tally(logs: Iterable[tuple[uuid.UUID, datetime, str | None]], timezone: str) -> dict[Key, list[int]]:
    """(assignment, local date) -> [left, right, unsided] of (assignment_id, performed_at, side)."""
    tz = zone(timezone)
    found: dict[Key, list[int]] = {}
    for assignment_id, performed_at, side in logs:
        key = (assignment_id, performed_at.astimezone(tz).date())
        counts = found.get(key)
        if counts is None:
            counts = found[key] = [0, 0, 0]
        counts[_COLUMN_OF[side]] += 1
    return found


def _rows(patient_id: uuid.UUID, tallies: dict[Key, list[int]]) -> list[dict[str, Any]]:
    # In key order: racing writers then lock the rows they share in the same order (no deadlock).
    return [
        {
            "assignment_id": assignment_id,
            "day": day,
            "patient_id": patient_id,
            **dict(zip(COUNTS, counts, strict=True)),
        }
        for (assignment_id, day), counts in sorted(tallies.items())
    ]


COLUMNS = ("assignment_id", "day", "patient_id", *COUNTS)
# Written only while the zone the tallies were counted in is still the patient's.
_ZONE_UNCHANGED = exists().where(
    Patient.id == bindparam("zone_patient_id"), Patient.timezone == bindparam("zone_counted_in")
)


@functools.lru_cache(maxsize=64)
def _add_statement(dialect: str, rows: int) -> Any:
    """The tally upsert for this many rows, built once per backend and row count (most writes are of
    one log, so one statement serves nearly all of them)."""
    return insert_or_add(
        DayTally, ["assignment_id", "day"], COLUMNS, rows, add=COUNTS, only_if=_ZONE_UNCHANGED
    )


def add_logs(patient: Patient, logs: Sequence[ProgressLog]) -> None:
    """Count logs just inserted for this patient, in one statement (the rare retry aside)."""
    timezone: str | None = patient.timezone
    dialect = db.session.get_bind().dialect.name
    while logs and timezone is not None:
        rows = _rows(
            patient.id, tally(((log.assignment_id, log.performed_at, log.side) for log in logs), timezone)
        )
        params = {f"{name}_{n}": row[name] for n, row in enumerate(rows) for name in COLUMNS}
        params |= {"zone_patient_id": patient.id, "zone_counted_in": timezone}
        if cast(CursorResult[Any], db.session.execute(_add_statement(dialect, len(rows)), params)).rowcount:
            return
        # The zone changed (and its rebuild committed) since the patient was read: count in the new one.
        timezone = db.session.scalar(select(Patient.timezone).where(Patient.id == patient.id))


def rebuild(patient: Patient) -> None:
    """Recount all the patient's rows from their logs in their (new) zone; call after the change is
    flushed, in the same transaction."""
    db.session.execute(select(Patient.id).where(Patient.id == patient.id).with_for_update())
    db.session.execute(delete(DayTally).where(DayTally.patient_id == patient.id))
    logs = db.session.execute(
        select(ProgressLog.assignment_id, ProgressLog.performed_at, ProgressLog.side).where(
            ProgressLog.patient_id == patient.id
        )
    )
    rows = _rows(patient.id, tally(logs.tuples(), patient.timezone))
    for start in range(0, len(rows), _REBUILD_CHUNK):
        db.session.execute(insert(DayTally), rows[start : start + _REBUILD_CHUNK])
