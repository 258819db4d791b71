"""The measures' arithmetic in one place: hip rotation totals and asymmetry, questionnaire scores
and change from baseline (API.md "Measurements and outcomes").

Pure functions over plain values; the service feeds them rows and stores what they return.
Sums and differences are decimal, so 4.8 -> 6.8 is a change of exactly 2 and totals exactly 10
degrees apart reach a threshold of 10 (binary floats land a hair short of both).
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, NoReturn, Protocol

from telehealth.common.models import BodySide
from telehealth.errors import ValidationFailed
from telehealth.measures.models import Band, Instrument, RomType, Source

# --- Range of motion -------------------------------------------------------------------------

INTERNAL = RomType.HIP_INTERNAL_ROTATION
EXTERNAL = RomType.HIP_EXTERNAL_ROTATION
ROTATION_TYPES = frozenset({INTERNAL, EXTERNAL})
MAX_DEGREES = 180
MAX_ROTATION_DEGREES = 90


def max_degrees(rom_type: str) -> int:
    """The largest plausible reading of a movement: 90 for rotations, 180 for the others."""
    return MAX_ROTATION_DEGREES if rom_type in ROTATION_TYPES else MAX_DEGREES


class Reading(Protocol):
    # Read-only, so a model whose columns are StrEnums (a str each) is a Reading too.
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def type(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def degrees(self) -> float: ...
    @property
    def measured_at(self) -> datetime: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def source(self) -> str: ...
    @property
    def position(self) -> str | None: ...


@dataclass(frozen=True)
class RomSide:
    internal_rotation: float | None
    external_rotation: float | None
    total_rotation: float | None
    position: str | None = None  # of the readings shown; a total is never of two positions
    measured_at: datetime | None = None  # the newer of the readings shown


NO_SIDE = RomSide(internal_rotation=None, external_rotation=None, total_rotation=None)


@dataclass(frozen=True)
class RomSides:
    left: RomSide
    right: RomSide


@dataclass(frozen=True)
class RomSummary:
    left: RomSide
    right: RomSide
    asymmetry_degrees: float | None
    flagged: bool
    threshold_degrees: float
    measured_at: datetime | None  # the newest reading the summary used
    readings: list[uuid.UUID] = field(default_factory=list)  # the clinician readings it used
    patient_reported: RomSides = field(default_factory=lambda: RomSides(NO_SIDE, NO_SIDE))


def _newest(reading: Reading) -> tuple[datetime, datetime, str]:
    # Of two readings taken at the same instant, the later entry is the correction.
    return (reading.measured_at, reading.created_at, str(reading.id))


@dataclass(frozen=True)
class _SideReadings:
    """What one side shows: a same-position pair, or the one rotation its newest position has."""

    internal: Reading | None
    external: Reading | None
    position: str | None

    @property
    def used(self) -> list[Reading]:
        return [reading for reading in (self.internal, self.external) if reading is not None]

    @property
    def total(self) -> Decimal | None:
        if self.internal is None or self.external is None:
            return None
        return _dec(self.internal.degrees) + _dec(self.external.degrees)

    def shown(self) -> RomSide:
        used = self.used
        return RomSide(
            internal_rotation=self.internal.degrees if self.internal else None,
            external_rotation=self.external.degrees if self.external else None,
            total_rotation=_float(self.total),
            position=self.position if used else None,
            measured_at=max((reading.measured_at for reading in used), default=None),
        )


def _side(readings: Iterable[Reading]) -> _SideReadings:
    """The latest internal and external rotation taken in the same position (the newest such
    pair); without any pair, the newest position's one reading, and no total."""
    latest: dict[tuple[str | None, str], Reading] = {}
    for reading in readings:
        key = (reading.position, reading.type)
        if key not in latest or _newest(reading) > _newest(latest[key]):
            latest[key] = reading
    positions = {position for position, _ in latest}
    pairs = [
        _SideReadings(latest[(position, INTERNAL)], latest[(position, EXTERNAL)], position)
        for position in positions
        if (position, INTERNAL) in latest and (position, EXTERNAL) in latest
    ]
    if pairs:
        return max(pairs, key=lambda pair: sorted((_newest(r) for r in pair.used), reverse=True))
    if not latest:
        return _SideReadings(None, None, None)
    newest = max(latest.values(), key=_newest)
    internal, external = (newest, None) if newest.type == INTERNAL else (None, newest)
    return _SideReadings(internal, external, newest.position)


def _by_side(readings: Sequence[Reading]) -> dict[str, _SideReadings]:
    return {side: _side(r for r in readings if r.side == side) for side in BodySide}


def summarize_rom(readings: Iterable[Reading], threshold: float) -> RomSummary:
    """Summarize hip rotation readings (any may be given: older ones are passed over).

    Clinician readings only: each side shows its latest same-position pair of internal and
    external rotation and their total; the asymmetry needs both sides' pairs in one position,
    else it is null and nothing is flagged. Patient-reported readings are summarised apart and
    never flag.
    """
    rotations = [reading for reading in readings if reading.type in ROTATION_TYPES]
    clinician = _by_side([r for r in rotations if r.source == Source.CLINICIAN])
    reported = _by_side([r for r in rotations if r.source == Source.PATIENT_REPORTED])
    left, right = clinician[BodySide.LEFT], clinician[BodySide.RIGHT]
    asymmetry = None
    if left.total is not None and right.total is not None and left.position == right.position:
        asymmetry = abs(left.total - right.total)
    used = [*left.used, *right.used]
    return RomSummary(
        left=left.shown(),
        right=right.shown(),
        asymmetry_degrees=_float(asymmetry),
        flagged=is_asymmetry_flagged(asymmetry, threshold),
        threshold_degrees=threshold,
        measured_at=max((reading.measured_at for reading in used), default=None),
        readings=[reading.id for reading in used],
        patient_reported=RomSides(reported[BodySide.LEFT].shown(), reported[BodySide.RIGHT].shown()),
    )


def is_asymmetry_flagged(asymmetry: Decimal | float | None, threshold: float) -> bool:
    """At or above the threshold flags; an unknown asymmetry does not."""
    return asymmetry is not None and _dec(asymmetry) >= _dec(threshold)


# --- Outcome questionnaires ------------------------------------------------------------------

ODI_SECTIONS = 10
ODI_MIN_ANSWERED = 8
ODI_MAX_ITEM = 5
# Upper edges, inclusive: a score above an edge (20.5 say) belongs to the next band.
ODI_BANDS = (
    (20, Band.MINIMAL),
    (40, Band.MODERATE),
    (60, Band.SEVERE),
    (80, Band.CRIPPLED),
    (100, Band.BED_BOUND),
)
NPRS_MAX = 10
NPRS_BANDS = ((0, Band.NONE), (3, Band.MILD), (6, Band.MODERATE), (10, Band.SEVERE))
PSFS_MIN_ITEMS = 3
PSFS_MAX_ITEMS = 5
PSFS_MAX_ITEM = 10
PSFS_ACTIVITY_MAX_LENGTH = 200

# Minimal clinically important difference, in score points.
MCID = {Instrument.ODI: 10, Instrument.NPRS: 2, Instrument.PSFS: 2}
# ODI and NPRS measure disability and pain, so lower is better; PSFS measures ability.
HIGHER_IS_BETTER = frozenset({Instrument.PSFS})


@dataclass(frozen=True)
class Score:
    score: float
    interpretation: Band | None
    answers: list[Any]  # as stored: validated and normalized


class Direction(enum.StrEnum):
    """Which way a result moved from the baseline, read with the instrument's better side."""

    IMPROVED = "improved"
    WORSENED = "worsened"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    change_from_baseline: float | None
    meaningful_change: bool
    improved: bool | None
    direction: Direction | None  # None on the baseline itself


BASELINE = Change(change_from_baseline=None, meaningful_change=False, improved=None, direction=None)


def score_outcome(instrument: str, answers: Sequence[Any]) -> Score:
    """Validate and score one questionnaire; bad answers raise ValidationFailed naming the field."""
    scorers = {Instrument.ODI: score_odi, Instrument.NPRS: score_nprs, Instrument.PSFS: score_psfs}
    return scorers[Instrument(instrument)](answers)


def score_odi(answers: Sequence[Any]) -> Score:
    if len(answers) != ODI_SECTIONS:
        _refuse_count(f"the ODI has {ODI_SECTIONS} sections: send 10 answers, null for a skipped one")
    _raise_item_errors(
        {
            f"answers.{i}": [f"must be an integer 0-{ODI_MAX_ITEM}, or null for a skipped section"]
            for i, answer in enumerate(answers)
            if answer is not None and not _is_int_between(answer, 0, ODI_MAX_ITEM)
        }
    )
    answered = [answer for answer in answers if answer is not None]
    if len(answered) < ODI_MIN_ANSWERED:
        _refuse_count(f"at least {ODI_MIN_ANSWERED} of the {ODI_SECTIONS} sections must be answered")
    score = _round_one_decimal(Fraction(sum(answered) * 100, ODI_MAX_ITEM * len(answered)))
    return Score(score, odi_band(score), list(answers))


def score_nprs(answers: Sequence[Any]) -> Score:
    if len(answers) != 1:
        _refuse_count("the NPRS takes one answer: [n]")
    [rating] = answers
    if not _is_int_between(rating, 0, NPRS_MAX):
        _raise_item_errors({"answers.0": [f"must be an integer 0-{NPRS_MAX}"]})
    return Score(float(rating), nprs_band(rating), [rating])


def score_psfs(answers: Sequence[Any]) -> Score:
    if not PSFS_MIN_ITEMS <= len(answers) <= PSFS_MAX_ITEMS:
        _refuse_count(f"the PSFS takes {PSFS_MIN_ITEMS} to {PSFS_MAX_ITEMS} activities")
    errors: dict[str, list[str]] = {}
    items = []
    for i, answer in enumerate(answers):
        item = _psfs_item(answer, f"answers.{i}", errors)
        if item is not None:
            items.append(item)
    _raise_item_errors(errors)
    score = _round_one_decimal(Fraction(sum(item["score"] for item in items), len(items)))
    # The PSFS has no validated severity bands; the score and its change speak for themselves.
    return Score(score, None, items)


def _psfs_item(answer: Any, path: str, errors: dict[str, list[str]]) -> dict[str, Any] | None:
    if not isinstance(answer, dict):
        errors[path] = ["must be an object {activity, score}"]
        return None
    for unknown in sorted(set(answer) - {"activity", "score"}):
        errors[f"{path}.{unknown}"] = ["unknown field"]
    activity = answer.get("activity")
    activity = activity.strip() if isinstance(activity, str) else None
    if not activity or len(activity) > PSFS_ACTIVITY_MAX_LENGTH:
        errors[f"{path}.activity"] = [f"must name the activity in 1 to {PSFS_ACTIVITY_MAX_LENGTH} characters"]
    if not _is_int_between(answer.get("score"), 0, PSFS_MAX_ITEM):
        errors[f"{path}.score"] = [f"must be an integer 0-{PSFS_MAX_ITEM}"]
    return {"activity": activity, "score": answer.get("score")}


def odi_band(score: float) -> Band:
    return _band(ODI_BANDS, score)


def nprs_band(rating: float) -> Band:
    return _band(NPRS_BANDS, rating)


def compare_to_baseline(instrument: str, score: float, baseline: float | None) -> Change:
    """Change from the first result; meaningful when its size reaches the MCID, either way, and
    `direction` says which way (ODI and NPRS improve downwards, PSFS upwards)."""
    if baseline is None:
        return BASELINE
    change = _dec(score) - _dec(baseline)
    better = change > 0 if instrument in HIGHER_IS_BETTER else change < 0
    worse = change < 0 if instrument in HIGHER_IS_BETTER else change > 0
    direction = Direction.IMPROVED if better else Direction.WORSENED if worse else Direction.UNCHANGED
    return Change(
        change_from_baseline=float(change),
        meaningful_change=abs(change) >= MCID[Instrument(instrument)],
        improved=better,
        direction=direction,
    )


# --- Helpers ---------------------------------------------------------------------------------


def _is_int_between(value: Any, low: int, high: int) -> bool:
    # JSON true/false arrive as bool, a subclass of int: not an answer.
    return type(value) is int and low <= value <= high


def _band(bands: tuple[tuple[int, Band], ...], score: float) -> Band:
    return next(name for upper, name in bands if score <= upper)


def _round_one_decimal(value: Fraction) -> float:
    # Half up, as a clinician rounds by hand (6.25 -> 6.3), not Python's half-to-even.
    return math.floor(value * 10 + Fraction(1, 2)) / 10


def _dec(value: Decimal | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _refuse_count(message: str) -> NoReturn:
    raise ValidationFailed.field("answers", message)


def _raise_item_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(errors)
