"""GET /outcomes/odi/form: the ten section titles always; the licensed answer wording only from the clinic."""

from __future__ import annotations

import json
import logging

import pytest

from telehealth.measures.odi_form import SECTIONS
from telehealth.measures.scoring import ODI_SECTIONS

FORM = "/api/v1/outcomes/odi/form"
KEYS = [key for key, _ in SECTIONS]


def wording(prefix: str) -> dict[str, list[str]]:
    return {key: [f"{prefix} {key} {n}" for n in range(6)] for key in KEYS}


@pytest.fixture
def clinic_file(app, tmp_path):
    path = tmp_path / "odi.json"

    def write(data: object) -> None:
        path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
        app.config["ODI_FORM_FILE"] = str(path)

    return write


def test_without_the_clinics_wording_the_form_has_the_ten_sections_and_no_answer_text(api, clinic):
    form = api.get(FORM, clinic.patient.user)
    assert form.status_code == 200
    assert len(form.json["sections"]) == ODI_SECTIONS == 10
    assert form.json["sections"][0] == {"key": "pain_intensity", "title": "Pain intensity", "answers": None}
    assert [s["key"] for s in form.json["sections"]][-1] == "travelling"
    assert form.json["language"] is None
    assert (form.json["min_answered"], form.json["max_answer"]) == (8, 5)


def test_the_clinics_wording_is_served_in_the_language_asked_for(api, clinic, clinic_file):
    clinic_file({"en": wording("EN"), "es": wording("ES")})
    spanish = api.get(f"{FORM}?language=es", clinic.patient.user).json
    assert spanish["language"] == "es"
    assert spanish["sections"][2]["answers"] == [f"ES lifting {n}" for n in range(6)]
    # A language the clinic has no wording in gets its English wording rather than none.
    german = api.get(f"{FORM}?language=de", clinic.patient.user).json
    assert german["language"] == "en"
    assert german["sections"][2]["answers"][5] == "EN lifting 5"


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        {"en": {"pain_intensity": ["only one"]}},
        {"en": {**wording("EN"), "lifting": ["a", "b", "c", "d", "e"]}},
        ["en"],
    ],
)
def test_an_unusable_wording_file_leaves_the_numbers_and_says_why_in_the_log(
    api, clinic, clinic_file, content, caplog
):
    clinic_file(content)
    # The app's "telehealth" logger does not propagate to the root, where caplog listens by default.
    logger = logging.getLogger("telehealth.measures.odi_form")
    logger.addHandler(caplog.handler)
    try:
        form = api.get(FORM, clinic.patient.user)
    finally:
        logger.removeHandler(caplog.handler)
    assert form.status_code == 200
    assert {s["answers"] is None for s in form.json["sections"]} == {True}
    assert "ODI_FORM_FILE" in caplog.text


def test_a_missing_wording_file_leaves_the_numbers(api, clinic, app, tmp_path):
    app.config["ODI_FORM_FILE"] = str(tmp_path / "nowhere.json")
    assert api.get(FORM, clinic.patient.user).json["sections"][0]["answers"] is None


def test_the_form_needs_a_sign_in_and_a_language_code(api, clinic):
    assert api.get(FORM).status_code == 401
    bad = api.get(f"{FORM}?language=../../etc", clinic.patient.user)
    assert bad.status_code == 422 and "language" in bad.json["errors"]
