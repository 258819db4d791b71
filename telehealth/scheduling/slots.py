"""Open slots, computed from weekly hours and exceptions: pure functions, no database.

Hours are local wall-clock times in the therapist's zone, resolved day by day, so a 09:00-12:00
Monday is 09:00-12:00 local on both sides of a DST change. Within a day's span, slots follow each
other in real minutes from the span's start; a span that crosses a change (rare: the small hours)
holds as many slots as real time allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from telehealth.common.time import zone
from telehealth.scheduling.models import WEEKDAYS

DURATIONS = {
    "screening": timedelta(minutes=15),
    "initial_evaluation": timedelta(minutes=60),
    "follow_up": timedelta(minutes=30),
}
ALL_KINDS = tuple(DURATIONS)


@dataclass(frozen=True)
class Span:
    start: time
    end: time
    kinds: frozenset[str]


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    kind: str


def parse_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _spans(entries: Iterable[dict[str, Any]]) -> list[Span]:
    return [
        Span(parse_time(e["start"]), parse_time(e["end"]), frozenset(e.get("kinds") or ALL_KINDS))
        for e in entries
    ]


def _minus(spans: list[Span], start: time, end: time) -> list[Span]:
    """The spans with [start, end) taken out of each."""
    kept: list[Span] = []
    for span in spans:
        if span.end <= start or span.start >= end:
            kept.append(span)
            continue
        if span.start < start:
            kept.append(Span(span.start, start, span.kinds))
        if span.end > end:
            kept.append(Span(end, span.end, span.kinds))
    return kept


def day_spans(
    day: date, weekly: Sequence[dict[str, Any]], exceptions: Sequence[dict[str, Any]]
) -> list[Span]:
    """A date's open hours: the weekly ones, or the exception's; minus any blocked part."""
    weekday = WEEKDAYS[day.weekday()]
    usual = _spans(e for e in weekly if e["day"] == weekday)
    todays = [e for e in exceptions if e["date"] == day.isoformat()]
    if any(not e["available"] and not e.get("start") for e in todays):
        return []  # a day off
    opened = [e for e in todays if e["available"]]
    if opened:
        # A changed day (a shortened one): these hours instead, for the kinds the weekday offers.
        usual_kinds = frozenset().union(*(s.kinds for s in usual)) if usual else frozenset(ALL_KINDS)
        spans = [
            Span(parse_time(e["start"]), parse_time(e["end"]), frozenset(e.get("kinds") or usual_kinds))
            for e in opened
        ]
    else:
        spans = usual
    for blocked in (e for e in todays if not e["available"]):
        spans = _minus(spans, parse_time(blocked["start"]), parse_time(blocked["end"]))
    return spans


def _instant(day: date, at: time, tz: Any) -> datetime:
    # fold=0: a wall time in a fall-back hour is its first occurrence; one in a spring-forward gap
    # reads with the offset before the change (02:30 becomes 03:30), as calendar apps do.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def open_slots(
    *,
    timezone: str,
    weekly: Sequence[dict[str, Any]],
    exceptions: Sequence[dict[str, Any]],
    kind: str,
    start: datetime,
    end: datetime,
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> Iterator[Slot]:
    """Slots of `kind` starting in [start, end), none overlapping a busy span (half-open)."""
    tz = zone(timezone)
    length = DURATIONS[kind]
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    day = first
    while day <= last:
        for span in sorted(day_spans(day, weekly, exceptions), key=lambda s: s.start):
            if kind not in span.kinds:
                continue
            at, until = _instant(day, span.start, tz), _instant(day, span.end, tz)
            while at + length <= until:
                slot_end = at + length
                if start <= at < end and not any(b0 < slot_end and b1 > at for b0, b1 in busy):
                    yield Slot(at, slot_end, kind)
                at = slot_end
        day += timedelta(days=1)
