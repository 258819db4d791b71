"""Measures: hip range-of-motion readings, the ROM summary, and outcome questionnaires.

The arithmetic lives in scoring.py; this module reads and writes rows and hands them to it, so the
endpoint, the caseload dashboard and the progress report all compute the same numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Row, Subquery, func, or_, select
from sqlalchemy.orm import aliased

from telehealth.accounts.models import Role, User
from telehealth.common.pagination import Page, paginate
from telehealth.errors import Forbidden
from telehealth.extensions import db
from telehealth.measures.models import Measurement, Outcome, Source
from telehealth.measures.scoring import (
    ROTATION_TYPES,
    Direction,
    Reading,
    RomSummary,
    compare_to_baseline,
    score_outcome,
    summarize_rom,
)
from telehealth.patients.models import Patient

__all__ = [
    "OutcomeResult",
    "RomSummary",
    "create_measurement",
    "create_outcome",
    "latest_outcomes",
    "list_measurements",
    "list_outcomes",
    "outcome_series",
    "rom_history",
    "rom_summaries",
    "rom_summary",
]

M = TypeVar("M", Measurement, Outcome)

# Newest reading first; of two taken at the same instant, the later entry is the correction.
_NEWEST_READING = (Measurement.measured_at.desc(), Measurement.created_at.desc(), Measurement.id.desc())
# What scoring.summarize_rom reads of a reading (scoring.Reading).
_READING_COLUMNS = (
    Measurement.id,
    Measurement.type,
    Measurement.side,
    Measurement.degrees,
    Measurement.measured_at,
    Measurement.created_at,
    Measurement.source,
    Measurement.position,
)
_OLDEST_READING = (Measurement.measured_at, Measurement.created_at, Measurement.id)
# A series runs in completion order; the first result on an instrument is the baseline.
_OLDEST_OUTCOME = (Outcome.completed_at, Outcome.created_at, Outcome.id)


# --- Range of motion -------------------------------------------------------------------------


def create_measurement(
    actor: User,
    patient: Patient,
    *,
    type: str,
    side: str,
    degrees: float,
    measured_at: datetime,
    source: str,
    position: str | None = None,
    mode: str | None = None,
    instrument: str | None = None,
) -> Measurement:
    if actor.role == Role.PATIENT and source != Source.PATIENT_REPORTED:
        raise Forbidden("A patient may record only patient_reported readings.")
    measurement = Measurement(
        patient_id=patient.id,
        type=type,
        side=side,
        degrees=degrees,
        measured_at=measured_at,
        source=source,
        position=position,
        mode=mode,
        instrument=instrument,
        recorded_by_id=actor.id,
    )
    db.session.add(measurement)
    db.session.flush()
    return measurement


def list_measurements(
    patient: Patient,
    *,
    rom_type: str | None,
    side: str | None,
    start: datetime | None,
    end: datetime | None,
    page: int,
    per_page: int,
) -> Page:
    """Readings newest first; `start` inclusive, `end` exclusive."""
    stmt = select(Measurement).where(Measurement.patient_id == patient.id).order_by(*_NEWEST_READING)
    if rom_type:
        stmt = stmt.where(Measurement.type == rom_type)
    if side:
        stmt = stmt.where(Measurement.side == side)
    if start is not None:
        stmt = stmt.where(Measurement.measured_at >= start)
    if end is not None:
        stmt = stmt.where(Measurement.measured_at < end)
    return paginate(stmt, page, per_page)


def rom_summary(patient: Patient) -> RomSummary:
    return rom_summaries([patient])[patient.id]


def rom_summaries(patients: Sequence[Patient]) -> dict[uuid.UUID, RomSummary]:
    """The rom-summary of many patients in a constant number of queries."""
    if not patients:
        return {}
    # The latest reading of each kind a summary may pair: by type, side, source and position; as
    # plain rows with a Reading's fields (a caseload reads a thousand or more: no models needed).
    latest = _first_rows_in_each(
        (Measurement.patient_id, *_READING_COLUMNS),
        where=(
            Measurement.patient_id.in_({patient.id for patient in patients}),
            Measurement.type.in_(ROTATION_TYPES),
        ),
        partition_by=(
            Measurement.patient_id,
            Measurement.type,
            Measurement.side,
            Measurement.source,
            Measurement.position,
        ),
        order_by=_NEWEST_READING,
    )
    by_patient: dict[uuid.UUID, list[Reading]] = {}
    for reading in latest:
        by_patient.setdefault(reading.patient_id, []).append(cast(Reading, reading))
    return {
        patient.id: summarize_rom(by_patient.get(patient.id, []), patient.rom_asymmetry_threshold_degrees)
        for patient in patients
    }


def rom_history(
    patient_id: uuid.UUID, *, start: datetime | None = None, end: datetime | None = None
) -> list[Measurement]:
    """Internal and external rotation readings of both sides, oldest first (for charts)."""
    stmt = (
        select(Measurement)
        .where(Measurement.patient_id == patient_id, Measurement.type.in_(ROTATION_TYPES))
        .order_by(*_OLDEST_READING)
    )
    if start is not None:
        stmt = stmt.where(Measurement.measured_at >= start)
    if end is not None:
        stmt = stmt.where(Measurement.measured_at < end)
    return list(db.session.scalars(stmt))


# --- Outcomes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeResult:
    """A stored result with its change from the patient's first result on that instrument."""

    id: uuid.UUID
    patient_id: uuid.UUID
    instrument: str
    answers: list[Any]
    score: float
    interpretation: str | None
    completed_at: datetime
    recorded_by_id: uuid.UUID
    created_at: datetime
    change_from_baseline: float | None
    meaningful_change: bool
    improved: bool | None
    direction: Direction | None

    @property
    def meaningfully_worse(self) -> bool:
        """A worsening from the baseline that reaches the instrument's MCID."""
        return self.meaningful_change and self.direction == Direction.WORSENED

    @classmethod
    def of(cls, outcome: Outcome, baseline: Outcome) -> OutcomeResult:
        # Compared on read, so a result entered late with an earlier date becomes the baseline.
        baseline_score = None if baseline.id == outcome.id else baseline.score
        change = compare_to_baseline(outcome.instrument, outcome.score, baseline_score)
        return cls(
            id=outcome.id,
            patient_id=outcome.patient_id,
            instrument=outcome.instrument,
            answers=outcome.answers,
            score=outcome.score,
            interpretation=outcome.interpretation,
            completed_at=outcome.completed_at,
            recorded_by_id=outcome.recorded_by_id,
            created_at=outcome.created_at,
            change_from_baseline=change.change_from_baseline,
            meaningful_change=change.meaningful_change,
            improved=change.improved,
            direction=change.direction,
        )


def create_outcome(
    actor: User, patient: Patient, *, instrument: str, answers: list[Any], completed_at: datetime
) -> OutcomeResult:
    scored = score_outcome(instrument, answers)
    outcome = Outcome(
        patient_id=patient.id,
        instrument=instrument,
        answers=scored.answers,
        score=scored.score,
        interpretation=scored.interpretation,
        completed_at=completed_at,
        recorded_by_id=actor.id,
    )
    db.session.add(outcome)
    db.session.flush()
    return OutcomeResult.of(outcome, _baselines(patient.id, {instrument})[instrument])


def list_outcomes(patient: Patient, *, instrument: str | None, page: int, per_page: int) -> Page:
    """Results oldest first, each compared with its instrument's baseline."""
    stmt = select(Outcome).where(Outcome.patient_id == patient.id).order_by(*_OLDEST_OUTCOME)
    if instrument:
        stmt = stmt.where(Outcome.instrument == instrument)
    found = paginate(stmt, page, per_page)
    baselines = _baselines(patient.id, {outcome.instrument for outcome in found.items})
    found.items = [OutcomeResult.of(outcome, baselines[outcome.instrument]) for outcome in found.items]
    return found


def outcome_series(patient_id: uuid.UUID, instrument: str) -> list[OutcomeResult]:
    """Every result of one instrument, oldest first; the first is the baseline."""
    outcomes = db.session.scalars(
        select(Outcome)
        .where(Outcome.patient_id == patient_id, Outcome.instrument == instrument)
        .order_by(*_OLDEST_OUTCOME)
    ).all()
    return [OutcomeResult.of(outcome, outcomes[0]) for outcome in outcomes]


def latest_outcomes(patients: Sequence[Patient]) -> dict[uuid.UUID, list[OutcomeResult]]:
    """Per patient, the latest result on each instrument compared with its baseline, in one query."""
    if not patients:
        return {}
    partition = (Outcome.patient_id, Outcome.instrument)
    first = func.row_number().over(partition_by=partition, order_by=_OLDEST_OUTCOME).label("first")
    last = (
        func.row_number()
        .over(partition_by=partition, order_by=[column.desc() for column in _OLDEST_OUTCOME])
        .label("last")
    )
    ranked = (
        select(Outcome, first, last)
        .where(Outcome.patient_id.in_({patient.id for patient in patients}))
        .subquery()
    )
    row = aliased(Outcome, ranked)
    ends: dict[tuple[uuid.UUID, str], dict[str, Outcome]] = {}
    for outcome, is_first, is_last in db.session.execute(
        select(row, ranked.c.first == 1, ranked.c.last == 1).where(
            or_(ranked.c.first == 1, ranked.c.last == 1)
        )
    ):
        found = ends.setdefault((outcome.patient_id, outcome.instrument), {})
        if is_first:
            found["baseline"] = outcome
        if is_last:
            found["latest"] = outcome
    results: dict[uuid.UUID, list[OutcomeResult]] = {patient.id: [] for patient in patients}
    for (patient_id, _), found in sorted(ends.items()):
        results[patient_id].append(OutcomeResult.of(found["latest"], found["baseline"]))
    return results


def _baselines(patient_id: uuid.UUID, instruments: Collection[str]) -> dict[str, Outcome]:
    if not instruments:
        return {}
    firsts = _first_in_each(
        Outcome,
        where=(Outcome.patient_id == patient_id, Outcome.instrument.in_(instruments)),
        partition_by=(Outcome.instrument,),
        order_by=_OLDEST_OUTCOME,
    )
    return {outcome.instrument: outcome for outcome in firsts}


def _ranked(
    selected: tuple[Any, ...],
    *,
    where: tuple[ColumnElement[bool], ...],
    partition_by: tuple[Any, ...],
    order_by: tuple[Any, ...],
) -> Subquery:
    """`selected` with each row's place in its group as `rank` (1 for the first): a window
    function, on SQLite and PostgreSQL."""
    rank = func.row_number().over(partition_by=partition_by, order_by=order_by).label("rank")
    return select(*selected, rank).where(*where).subquery()


def _first_in_each(
    model: type[M],
    *,
    where: tuple[ColumnElement[bool], ...],
    partition_by: tuple[Any, ...],
    order_by: tuple[Any, ...],
) -> list[M]:
    """The first row of each group as models, in one query."""
    ranked = _ranked((model,), where=where, partition_by=partition_by, order_by=order_by)
    first = aliased(model, ranked)
    return list(db.session.scalars(select(first).where(ranked.c.rank == 1)))


def _first_rows_in_each(
    columns: tuple[Any, ...],
    *,
    where: tuple[ColumnElement[bool], ...],
    partition_by: tuple[Any, ...],
    order_by: tuple[Any, ...],
) -> Sequence[Row[Any]]:
    """The first row of each group as plain rows of `columns` (and its rank), in one query: for
    many rows where models are not needed."""
    ranked = _ranked(columns, where=where, partition_by=partition_by, order_by=order_by)
    return db.session.execute(select(ranked).where(ranked.c.rank == 1)).all()
