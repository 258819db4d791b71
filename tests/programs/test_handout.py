"""GET /patients/{id}/program.pdf: the printable handout of the active program."""

from __future__ import annotations

import io

import time_machine
from pypdf import PdfReader

from telehealth.programs.handout import dose_text


def _pdf(patient) -> str:
    return f"/api/v1/patients/{patient.id}/program.pdf"


def _read(response) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def test_handout_is_a_pdf_of_each_active_exercise_with_its_name_and_dose(api, clinic, assign):
    with time_machine.travel("2026-03-10T15:00:00Z", tick=False):
        active = [
            assign(exercise="Clamshell", sets=3, reps=12, side="left"),
            assign(exercise="Figure-4 (piriformis) stretch", sets=2, reps=None, hold_seconds=45),
            assign(exercise="Bird dog", sets=3, reps=8, hold_seconds=5, side="none", times_per_day=2),
            assign(exercise="Glute bridge", sets=4, reps=15, days_of_week=["mon", "thu"]),
            assign(exercise="Dead bug", sets=1, reps=1, notes="Keep your back flat — gently."),
        ]
        ended = assign(exercise="Side plank", sets=5, reps=None, hold_seconds=33)
        api.post(f"/api/v1/assignments/{ended['id']}/end", clinic.therapist.user)
        assign(exercise="Cat-camel", end_date="2026-03-09")  # already over
        response = api.get(_pdf(clinic.patient), clinic.patient.user)

    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"%PDF-")
    reader, text = _read(response)
    for assignment in active:
        assert assignment["exercise"]["name"] in text
        assert dose_text(assignment["sets"], assignment["reps"], assignment["hold_seconds"]) in text
    assert "3 sets of 12 reps" in text and "left side only" in text
    assert "2 sets, hold 45 seconds" in text
    assert "1 set of 1 rep" in text and "Keep your back flat — gently." in text
    assert "2 times a day" in text and "Mon, Thu" in text
    assert "Side plank" not in text and "Cat-camel" not in text
    assert clinic.patient.user.last_name in text
    assert len(reader.pages) == 2  # a few exercises per page


def test_handout_prints_names_in_any_script_and_long_words_without_failing(api, clinic, assign):
    api.patch(
        f"/api/v1/patients/{clinic.patient.id}", clinic.therapist.user, json={"last_name": "Nguyễn-Żółć 山田"}
    )
    assign(notes="x" * 300)
    response = api.get(_pdf(clinic.patient), clinic.patient.user)
    assert response.status_code == 200
    _, text = _read(response)
    assert "Nguyễn-Żółć" in text


def test_handout_with_no_active_exercises_says_so(api, clinic, library):
    response = api.get(_pdf(clinic.patient), clinic.therapist.user)
    assert response.status_code == 200
    assert "no active exercises" in _read(response)[1]


def test_handout_is_for_the_patient_and_their_care_team(api, clinic, library):
    path = _pdf(clinic.patient)
    assert api.get(path, clinic.admin).status_code == 403
    assert api.get(path, clinic.other_therapist.user).status_code == 404
    assert api.get(path, clinic.other_patient.user).status_code == 404
    assert api.get(path).status_code == 401
