"""The printable program handout (program.pdf) for patients who prefer paper."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from telehealth.patients.models import Patient
from telehealth.programs.models import WEEK, Assignment, AssignmentSide

EXERCISES_PER_PAGE = 3
SIDE_TEXT = {
    AssignmentSide.LEFT: "left side only",
    AssignmentSide.RIGHT: "right side only",
    AssignmentSide.BOTH: "both sides (left and right)",
}
SAFETY_NOTE = (
    "Do each exercise as prescribed. Move slowly and breathe normally. Stop and contact your "
    "therapist if pain becomes sharp, spreads down your leg, or lasts after you finish."
)


def dose_text(sets: int, reps: int | None, hold_seconds: int | None) -> str:
    """'3 sets of 10 reps, hold 5 seconds', as the handout and the app show a dose."""
    text = f"{sets} set{'s' if sets != 1 else ''}"
    if reps is not None:
        text += f" of {reps} rep{'s' if reps != 1 else ''}"
    if hold_seconds:
        text += f", hold {hold_seconds} second{'s' if hold_seconds != 1 else ''}"
    return text


def schedule_text(assignment: Assignment) -> str:
    days = (
        "every day"
        if len(assignment.days_of_week) == len(WEEK)
        else ", ".join(day.capitalize() for day in assignment.days_of_week)
    )
    times = "once a day" if assignment.times_per_day == 1 else f"{assignment.times_per_day} times a day"
    return f"{times}, {days}"


@lru_cache(maxsize=1)
def _unicode_fonts() -> tuple[Path, Path] | None:
    """DejaVu Sans, shipped with matplotlib (pinned for charts); found without importing it."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        fonts = Path(folder) / "mpl-data" / "fonts" / "ttf"
        regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Handout(FPDF):
    def __init__(self) -> None:
        super().__init__(format="letter")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        fonts = _unicode_fonts()
        if fonts is not None:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            self._face, self._unicode = "Body", True
        else:
            self._face, self._unicode = "Helvetica", False

    def text_of(self, value: str) -> str:
        # The core font only covers Latin-1; without DejaVu, other characters print as "?".
        return value if self._unicode else value.encode("latin-1", "replace").decode("latin-1")

    def paragraph(self, value: str, *, size: float = 11, bold: bool = False, height: float = 6) -> None:
        self.set_font(self._face, "B" if bold else "", size)
        self.multi_cell(0, height, self.text_of(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self._face, "", 8)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")


def render_program(patient: Patient, assignments: Sequence[Assignment], printed_on: date) -> bytes:
    """A few exercises per page: name, dose, side, schedule, our instructions and the therapist's notes."""
    pdf = _Handout()
    pdf.set_title("Home exercise program")
    pdf.set_creator("Telehealth PT")
    pdf.add_page()
    pdf.paragraph("Home exercise program", size=18, bold=True, height=9)
    pdf.paragraph(f"{patient.first_name} {patient.last_name}", size=12)
    pdf.paragraph(f"Printed {printed_on.isoformat()}", size=9)
    pdf.ln(2)
    pdf.paragraph(SAFETY_NOTE, size=9, height=5)
    if not assignments:
        pdf.ln(6)
        pdf.paragraph("You have no active exercises right now.")
    for number, assignment in enumerate(assignments, start=1):
        if number > 1 and (number - 1) % EXERCISES_PER_PAGE == 0:
            pdf.add_page()
        pdf.ln(6)
        exercise = assignment.exercise
        pdf.paragraph(f"{number}. {exercise.name}", size=14, bold=True, height=8)
        pdf.paragraph(
            f"Dose: {dose_text(assignment.sets, assignment.reps, assignment.hold_seconds)}", bold=True
        )
        if assignment.side in SIDE_TEXT:
            pdf.paragraph(f"Side: {SIDE_TEXT[AssignmentSide(assignment.side)]}")
        pdf.paragraph(f"How often: {schedule_text(assignment)}")
        until = f" until {assignment.end_date.isoformat()}" if assignment.end_date else ""
        pdf.paragraph(f"From {assignment.start_date.isoformat()}{until}", size=9)
        pdf.ln(1)
        pdf.paragraph(exercise.instructions, size=10, height=5)
        if assignment.notes:
            pdf.paragraph(f"Your therapist's notes: {assignment.notes}", size=10, height=5)
    return bytes(pdf.output())
