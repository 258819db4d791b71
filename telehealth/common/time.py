"""Time helpers: aware UTC everywhere, local dates through IANA zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# A device's clock may run a little ahead of ours; an instant further ahead than this is a mistake.
CLOCK_SKEW = timedelta(minutes=5)


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat_z(value: datetime) -> str:
    """RFC 3339 in UTC with a trailing Z, as the API answers every instant."""
    value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds") + "Z"


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    """An IANA `Area/Location` name, or UTC; never `localtime`, `Factory` or a POSIX TZ string."""
    return (name == "UTC" or "/" in name) and name in _zone_names()


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def today_in(timezone: str) -> date:
    """Today's date where the patient is."""
    return utcnow().astimezone(zone(timezone)).date()
