"""The progress report (report.pdf): what a therapist sends a physician or an insurer.

`gather` reads the period's data through the same services as the dashboard and the adherence
endpoint; `render` lays it out with fpdf2 and the charts of charts.py. A section without data says
so in words instead of drawing an empty chart, and a patient with no data at all gets a report
that says there is not enough data yet.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from telehealth.accounts.models import Therapist
from telehealth.dashboard import charts
from telehealth.dashboard.service import (
    LOW_ADHERENCE_BELOW,
    PAIN_INCREASE_POINTS,
    PAIN_WINDOW_DAYS,
    PainTrend,
    Period,
    adherence_rate,
    day_start,
    local_today,
    mean_one_decimal,
    pain_trends,
)
from telehealth.extensions import db
from telehealth.measures.models import Instrument, Measurement, Source
from telehealth.measures.scoring import EXTERNAL, INTERNAL, RomSummary, summarize_rom
from telehealth.measures.service import OutcomeResult, outcome_series, rom_history
from telehealth.patients.models import Patient
from telehealth.programs.handout import dose_text, schedule_text
from telehealth.programs.models import Assignment
from telehealth.programs.service import active_program
from telehealth.progress.adherence import daily_counts
from telehealth.progress.models import ProgressLog
from telehealth.reminders.schedule import local_date

# Twelve weeks: long enough for outcome and range-of-motion trends, as progress reports cover.
DEFAULT_DAYS = 84
NOT_ENOUGH = "Not enough data yet"
SIDE_TEXT = {"left": "left", "right": "right", "both": "both"}
ROTATION_SERIES = {
    "left internal": (INTERNAL, "left"),
    "left external": (EXTERNAL, "left"),
    "right internal": (INTERNAL, "right"),
    "right external": (EXTERNAL, "right"),
}


@dataclass(frozen=True)
class Week:
    start: date
    end: date
    planned: int
    done: int
    rate: float | None


@dataclass(frozen=True)
class RomDay:
    """A local day with readings: the readings taken that day, and the summary as of that day."""

    day: date
    readings: dict[tuple[str, str], float]
    summary: RomSummary


@dataclass(frozen=True)
class Outcomes:
    """One instrument's results in the period, and its baseline when that came earlier."""

    earlier_baseline: OutcomeResult | None
    in_period: list[OutcomeResult]

    @property
    def rows(self) -> list[OutcomeResult]:
        return ([self.earlier_baseline] if self.earlier_baseline else []) + self.in_period


@dataclass(frozen=True)
class ReportData:
    patient: Patient
    therapists: list[str]
    period: Period
    generated_on: date
    program: list[Assignment]
    weeks: list[Week]
    adherence: float | None
    planned: int
    done: int
    daily_pain: list[tuple[date, float]]
    pain: PainTrend
    outcomes: dict[str, Outcomes]
    rom_days: list[RomDay]
    rom: RomSummary | None  # as of the period's last day

    @property
    def has_data(self) -> bool:
        return bool(
            self.planned
            or self.daily_pain
            or any(found.rows for found in self.outcomes.values())
            or self.rom is not None
        )


# --- gathering -------------------------------------------------------------------------------


def gather(patient: Patient, period: Period) -> ReportData:
    since, until = (
        day_start(period.start, patient.timezone),
        day_start(period.end + timedelta(days=1), patient.timezone),
    )
    days = daily_counts([patient], period.start, period.end)[patient.id]
    weeks = [
        Week(
            start=block[0].date,
            end=block[-1].date,
            planned=sum(day.planned for day in block),
            done=sum(day.done for day in block),
            rate=adherence_rate(block),
        )
        for block in (days[n : n + 7] for n in range(0, len(days), 7))
    ]
    rom_days, rom = _rom_timeline(patient, period, until)
    return ReportData(
        patient=patient,
        therapists=_therapist_names(patient),
        period=period,
        generated_on=local_today(patient.timezone),
        program=active_program(patient),
        weeks=weeks,
        adherence=adherence_rate(days),
        planned=sum(day.planned for day in days),
        done=sum(day.done for day in days),
        daily_pain=_daily_pain(patient, since, until),
        pain=pain_trends([patient], last_day=period.end)[patient.id],
        outcomes={
            instrument: _outcomes(patient, instrument, period)
            for instrument in (Instrument.NPRS, Instrument.ODI, Instrument.PSFS)
        },
        rom_days=rom_days,
        rom=rom,
    )


def _therapist_names(patient: Patient) -> list[str]:
    therapists = db.session.scalars(
        select(Therapist).where(Therapist.id.in_(patient.therapist_ids)).options(joinedload(Therapist.user))
    )
    return sorted(f"{therapist.first_name} {therapist.last_name}" for therapist in therapists)


def _daily_pain(patient: Patient, since: datetime, until: datetime) -> list[tuple[date, float]]:
    rows = db.session.execute(
        select(ProgressLog.performed_at, ProgressLog.pain_score).where(
            ProgressLog.patient_id == patient.id,
            ProgressLog.performed_at >= since,
            ProgressLog.performed_at < until,
        )
    )
    by_day: dict[date, list[int]] = defaultdict(list)
    for performed_at, pain_score in rows:
        by_day[local_date(performed_at, patient.timezone)].append(pain_score)
    return [
        (day, float(mean_one_decimal(sum(scores), len(scores))))  # type: ignore[arg-type]
        for day, scores in sorted(by_day.items())
    ]


def _outcomes(patient: Patient, instrument: str, period: Period) -> Outcomes:
    series = outcome_series(patient.id, instrument)
    in_period = [
        result
        for result in series
        if period.start <= local_date(result.completed_at, patient.timezone) <= period.end
    ]
    # The first result ever is the baseline; shown too when it came before the period.
    earlier = (
        series[0] if series and local_date(series[0].completed_at, patient.timezone) < period.start else None
    )
    return Outcomes(earlier_baseline=earlier, in_period=in_period)


def _rom_timeline(
    patient: Patient, period: Period, until: datetime
) -> tuple[list[RomDay], RomSummary | None]:
    """Replays the readings up to the period's end, so each day's asymmetry is the ROM summary the
    patient would have had that day (readings before the period still count)."""
    by_day: dict[date, list[Measurement]] = defaultdict(list)
    for reading in rom_history(patient.id, end=until):  # oldest first
        by_day[local_date(reading.measured_at, patient.timezone)].append(reading)
    # The newest reading of each kind the summary may pair (it picks among them as the endpoint does).
    latest: dict[tuple[str, str, str, str | None], Measurement] = {}
    timeline: list[RomDay] = []
    summary: RomSummary | None = None
    for day, readings in sorted(by_day.items()):
        taken: dict[tuple[str, str], float] = {}
        for reading in readings:
            latest[(reading.type, reading.side, reading.source, reading.position)] = reading
            if reading.source == Source.CLINICIAN:  # a patient's own estimate is not charted as measured
                taken[(reading.type, reading.side)] = reading.degrees
        summary = summarize_rom(latest.values(), patient.rom_asymmetry_threshold_degrees)
        if day >= period.start and taken:
            timeline.append(RomDay(day=day, readings=taken, summary=summary))
    return timeline, summary


# --- layout ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    # DejaVu ships with matplotlib, which draws the charts; it covers far more than Latin-1.
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return str(folder / "DejaVuSans.ttf"), str(folder / "DejaVuSans-Bold.ttf")


def _text(value: str) -> str:
    return value.replace("_", " ")


def _number(value: Decimal | float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:g}{unit}"


def _signed(value: Decimal | float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:+g}{unit}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{round(100 * value)}%"


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="letter")
        self.footer_text = footer_text
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=16)
        regular, bold = _fonts()
        self.add_font("Body", "", regular)
        self.add_font("Body", "B", bold)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Body", "", 7)
        self.cell(0, 5, f"{self.footer_text} · Page {self.page_no()} of {{nb}}", align="C")

    def paragraph(self, value: str, *, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font("Body", "B" if bold else "", size)
        self.multi_cell(0, height, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, value: str, chart: charts.Chart | None = None) -> None:
        # Keep a heading on the page of the chart (or first lines) that follow it.
        room_after = self.epw * chart.aspect if chart else 15
        if self.will_page_break(12 + room_after):
            self.add_page()
        self.ln(4)
        self.paragraph(value, size=13, bold=True, height=7)
        self.ln(1)

    def key_values(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font("Body", "B", 9)
            self.cell(42, 5, label)
            self.set_font("Body", "", 9)
            self.multi_cell(0, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headings: list[str], rows: list[list[str]], widths: list[int]) -> None:
        self.set_font("Body", "", 8)
        with self.table(col_widths=widths, line_height=5, text_align="LEFT", padding=1) as table:
            for values in [headings, *rows]:
                row = table.row()
                for value in values:
                    row.cell(value)

    def section(self, title: str, chart: charts.Chart | None, missing: str) -> bool:
        """A heading and its chart, or why there is none yet; False when there is none."""
        self.heading(title, chart)
        if chart is None:
            self.paragraph(f"{NOT_ENOUGH}: {missing}", size=9)
            return False
        self.image(io.BytesIO(chart.png), w=self.epw, h=self.epw * chart.aspect)
        self.ln(2)
        return True


def render(data: ReportData) -> bytes:
    patient, period = data.patient, data.period
    pdf = _Report(f"Confidential: protected health information of {patient.first_name} {patient.last_name}")
    pdf.set_title("Physical therapy progress report")
    pdf.set_creator("Telehealth PT")
    pdf.add_page()
    pdf.paragraph("Physical therapy progress report", size=18, bold=True, height=9)
    pdf.ln(2)
    pdf.key_values(
        [
            ("Patient", f"{patient.first_name} {patient.last_name}"),
            ("Date of birth", patient.date_of_birth.isoformat()),
            ("Conditions", ", ".join(_text(c).capitalize() for c in patient.conditions) or "none recorded"),
            ("Therapist", ", ".join(data.therapists) or "none assigned"),
            ("Period", f"{period.start.isoformat()} to {period.end.isoformat()} ({period.days} days)"),
            ("Prepared on", f"{data.generated_on.isoformat()} (dates are local to {patient.timezone})"),
        ]
    )
    _summary(pdf, data)
    _program(pdf, data)
    _adherence(pdf, data)
    _pain(pdf, data)
    _function(pdf, data)
    _hip_rotation(pdf, data)
    return bytes(pdf.output())


def _summary(pdf: _Report, data: ReportData) -> None:
    pdf.heading("Summary")
    if not data.has_data:
        pdf.paragraph(
            f"{NOT_ENOUGH} for a progress report on this period: no exercise was planned or logged, "
            "and no questionnaire or hip range-of-motion reading was recorded. The sections below "
            "fill in as the patient logs exercises and the care team records measures.",
            size=10,
        )
        return
    odi, psfs = data.outcomes[Instrument.ODI].rows, data.outcomes[Instrument.PSFS].rows
    rows = [
        ("Adherence", f"{_percent(data.adherence)} ({data.done} of {data.planned} planned sessions done)"),
        (
            "Logged pain",
            f"{_number(data.pain.mean)} mean over the last {PAIN_WINDOW_DAYS} days of the period, "
            f"{_signed(data.pain.change)} against the {PAIN_WINDOW_DAYS} days before",
        ),
        ("ODI", _latest_outcome(odi, "%")),
        ("PSFS", _latest_outcome(psfs, "")),
        (
            "Hip asymmetry",
            "n/a"
            if data.rom is None or data.rom.asymmetry_degrees is None
            else f"{data.rom.asymmetry_degrees:g}° difference in total rotation"
            + (" (at or above" if data.rom.flagged else " (below")
            + f" the {data.rom.threshold_degrees:g}° flag)",
        ),
    ]
    pdf.key_values(rows)


def _latest_outcome(results: list[OutcomeResult], unit: str) -> str:
    if not results:
        return "no results"
    last = results[-1]
    text = f"{last.score:g}{unit}"
    if last.interpretation:
        text += f" ({_text(last.interpretation)})"
    if last.change_from_baseline is not None:
        meaningful = "clinically meaningful" if last.meaningful_change else "not yet clinically meaningful"
        if last.meaningfully_worse:
            meaningful = "a clinically meaningful worsening"
        text += f", {_signed(last.change_from_baseline)} from baseline ({last.direction}), {meaningful}"
    return text


def _change_text(result: OutcomeResult) -> str:
    if result.change_from_baseline is None:
        return "-"
    return f"{_signed(result.change_from_baseline)} ({result.direction})"


def _program(pdf: _Report, data: ReportData) -> None:
    pdf.heading("Current home program")
    if not data.program:
        pdf.paragraph(f"{NOT_ENOUGH}: no active exercises are prescribed.", size=9)
        return
    pdf.grid(
        ["Exercise", "Dose", "Side", "How often", "Since"],
        [
            [
                assignment.exercise.name,
                dose_text(assignment.sets, assignment.reps, assignment.hold_seconds),
                SIDE_TEXT.get(assignment.side, "-"),
                schedule_text(assignment),
                assignment.start_date.isoformat(),
            ]
            for assignment in data.program
        ],
        [34, 26, 10, 30, 14],
    )


def _adherence(pdf: _Report, data: ReportData) -> None:
    weeks = [(week.start, week.planned, week.done) for week in data.weeks]
    chart = charts.adherence_by_week(weeks, LOW_ADHERENCE_BELOW) if data.planned else None
    if not pdf.section("Adherence by week", chart, "no exercise was planned in this period."):
        return
    pdf.paragraph(
        f"Overall {_percent(data.adherence)}: {data.done} of {data.planned} planned sessions done. "
        f"Weeks run from {data.period.start.isoformat()}; a week below "
        f"{_percent(LOW_ADHERENCE_BELOW)} is flagged as low adherence.",
        size=8,
    )


def _pain(pdf: _Report, data: ReportData) -> None:
    tz = data.patient.timezone
    nprs = [
        (local_date(result.completed_at, tz), result.score)
        for result in data.outcomes[Instrument.NPRS].in_period
    ]
    chart = (
        charts.pain_over_time(data.daily_pain, nprs, data.period.start, data.period.end)
        if data.daily_pain or nprs
        else None
    )
    missing = "no pain score was logged and no NPRS was completed in this period."
    if not pdf.section("Pain over time", chart, missing):
        return
    if data.pain.change is not None:
        pdf.paragraph(
            f"Logged pain averaged {data.pain.mean} over the last {PAIN_WINDOW_DAYS} days of the period "
            f"against {data.pain.previous_mean} over the {PAIN_WINDOW_DAYS} days before "
            f"({_signed(data.pain.change)} points; a rise of {PAIN_INCREASE_POINTS} or more is flagged).",
            size=8,
        )
    _outcome_table(pdf, data, Instrument.NPRS, "")


def _function(pdf: _Report, data: ReportData) -> None:
    odi, psfs = data.outcomes[Instrument.ODI], data.outcomes[Instrument.PSFS]
    tz = data.patient.timezone
    chart = None
    if odi.in_period or psfs.in_period:
        chart = charts.outcome_scores(
            [(local_date(r.completed_at, tz), r.score) for r in odi.rows],
            [(local_date(r.completed_at, tz), r.score) for r in psfs.rows],
            # An earlier baseline is drawn too, so the change from it shows.
            min([data.period.start, *(local_date(r.completed_at, tz) for r in odi.rows + psfs.rows)]),
            data.period.end,
        )
    title, missing = "Disability and function: ODI and PSFS", "no ODI or PSFS was completed in this period."
    if pdf.section(title, chart, missing):
        _outcome_table(pdf, data, Instrument.ODI, "%")
        _outcome_table(pdf, data, Instrument.PSFS, "")


def _outcome_table(pdf: _Report, data: ReportData, instrument: str, unit: str) -> None:
    found = data.outcomes[instrument]
    if not found.rows:
        return
    # The label stays with its table: a header row and a result row at least.
    if pdf.will_page_break(22):
        pdf.add_page()
    pdf.ln(2)
    pdf.paragraph(instrument.upper(), size=9, bold=True)
    tz = data.patient.timezone
    pdf.grid(
        ["Completed", "Score", "Interpretation", "Change from baseline", "Clinically meaningful"],
        [
            [
                local_date(result.completed_at, tz).isoformat()
                + (" (baseline)" if result.change_from_baseline is None else ""),
                f"{result.score:g}{unit}",
                _text(result.interpretation or "-"),
                _change_text(result),
                "-" if result.change_from_baseline is None else ("yes" if result.meaningful_change else "no"),
            ]
            for result in found.rows
        ],
        [30, 16, 24, 26, 24],
    )


def _hip_chart(data: ReportData) -> charts.Chart | None:
    if not data.rom_days:
        return None
    readings = {
        name: [(day.day, day.readings[key]) for day in data.rom_days if key in day.readings]
        for name, key in ROTATION_SERIES.items()
    }
    asymmetry = [
        (day.day, day.summary.asymmetry_degrees)
        for day in data.rom_days
        if day.summary.asymmetry_degrees is not None
    ]
    threshold = data.patient.rom_asymmetry_threshold_degrees
    return charts.hip_rotation(readings, asymmetry, threshold, data.period.start, data.period.end)


def _hip_rotation(pdf: _Report, data: ReportData) -> None:
    missing = "no hip rotation was measured in this period."
    if not pdf.section("Hip internal and external rotation", _hip_chart(data), missing) or data.rom is None:
        return
    rows = [
        [
            side.capitalize(),
            rom.position or "-",
            _number(rom.internal_rotation, "°"),
            _number(rom.external_rotation, "°"),
            _number(rom.total_rotation, "°"),
        ]
        for side, rom in (("left", data.rom.left), ("right", data.rom.right))
    ]
    flagged = " (flagged)" if data.rom.flagged else ""
    rows.append(["Asymmetry", "", "", "", _number(data.rom.asymmetry_degrees, "°") + flagged])
    pdf.grid(
        ["As of " + data.period.end.isoformat(), "Position", "Internal", "External", "Total"],
        rows,
        [30, 18, 20, 20, 30],
    )
