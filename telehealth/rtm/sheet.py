"""The monthly RTM list as CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from telehealth.rtm.service import BillingRow

COLUMNS = (
    "month",
    "patient_id",
    "last_name",
    "first_name",
    "date_of_birth",
    "episode_id",
    "minutes",
    "interactive",
    "management_codes",
    "setup_code",
    "supply_codes",
    "periods",
)
# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Make a spreadsheet show the text as typed rather than evaluate it."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _cells(row: BillingRow) -> list[str]:
    periods = "; ".join(
        f"{p.start.isoformat()}/{p.end.isoformat()} {p.data_days} days {p.supply_code or '-'}"
        for p in row.periods
    )
    values = [
        row.month,
        str(row.patient_id),
        row.last_name,
        row.first_name,
        row.date_of_birth.isoformat(),
        str(row.episode_id),
        str(row.minutes),
        "yes" if row.interactive else "no",
        " ".join(row.management_codes),
        row.setup_code or "",
        " ".join(row.supply_codes),
        periods,
    ]
    return [neutralise(value) for value in values]


def render(rows: Iterable[BillingRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(_cells(row))
    return out.getvalue()
