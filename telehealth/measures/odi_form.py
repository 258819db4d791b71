"""The ODI as a form: its ten section titles, and the answer wording only when the clinic provides it.

The Oswestry Disability Index's item wording is licensed, so we never ship it. A clinic holding a
licence points `ODI_FORM_FILE` at a JSON file of its own: {"<language>": {"<section key>": [six
answers, 0 to 5]}}. Without one, clients label the answers with the numbers 0 to 5.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from telehealth.measures.scoring import ODI_MAX_ITEM, ODI_MIN_ANSWERED

log = logging.getLogger(__name__)

# The sections' names (not the licensed item text), in the order answers are sent.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("pain_intensity", "Pain intensity"),
    ("personal_care", "Personal care"),
    ("lifting", "Lifting"),
    ("walking", "Walking"),
    ("sitting", "Sitting"),
    ("standing", "Standing"),
    ("sleeping", "Sleeping"),
    ("sex_life", "Sex life"),
    ("social_life", "Social life"),
    ("travelling", "Travelling"),
)
DEFAULT_LANGUAGE = "en"
MAX_ANSWER_LENGTH = 300


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    answers: list[str] | None


@dataclass(frozen=True)
class OdiForm:
    language: str | None  # of the answer wording; None when the clinic provides none
    sections: list[Section]
    min_answered: int = ODI_MIN_ANSWERED
    max_answer: int = ODI_MAX_ITEM


def odi_form(language: str | None = None) -> OdiForm:
    """The form in `language` if the clinic's wording has it, else in its default language."""
    wording = _clinic_wording()
    chosen = next((code for code in (language, DEFAULT_LANGUAGE, *sorted(wording)) if code in wording), None)
    answers = wording.get(chosen, {}) if chosen else {}
    return OdiForm(chosen, [Section(key, title, answers.get(key)) for key, title in SECTIONS])


def _clinic_wording() -> dict[str, dict[str, list[str]]]:
    name = current_app.config.get("ODI_FORM_FILE")
    if not name:
        return {}
    path = Path(name)
    try:
        return _read(path, path.stat().st_mtime_ns)
    except OSError as exc:
        log.error("ODI_FORM_FILE %s cannot be read (%s); the ODI form shows numbers only", path, exc)
        return {}


_cache: dict[tuple[Path, int], dict[str, dict[str, list[str]]]] = {}


def _read(path: Path, mtime: int) -> dict[str, dict[str, list[str]]]:
    # Read again only when the clinic changes the file.
    if (path, mtime) not in _cache:
        _cache.clear()
        try:
            _cache[(path, mtime)] = parse_wording(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            log.error("ODI_FORM_FILE %s is not usable: %s; the ODI form shows numbers only", path, exc)
            _cache[(path, mtime)] = {}
    return _cache[(path, mtime)]


def parse_wording(data: object) -> dict[str, dict[str, list[str]]]:
    """Check a clinic's wording file; raises ValueError naming what is wrong."""
    if not isinstance(data, dict) or not data:
        raise ValueError('expected {"<language>": {"<section key>": [six answers]}}')
    keys = [key for key, _ in SECTIONS]
    wording: dict[str, dict[str, list[str]]] = {}
    for language, sections in data.items():
        if not isinstance(sections, dict) or sorted(sections) != sorted(keys):
            raise ValueError(f"{language}: give every section, and only these: {', '.join(keys)}")
        for key, answers in sections.items():
            if (
                not isinstance(answers, list)
                or len(answers) != ODI_MAX_ITEM + 1
                or not all(isinstance(a, str) and 0 < len(a.strip()) <= MAX_ANSWER_LENGTH for a in answers)
            ):
                raise ValueError(f"{language}.{key}: give {ODI_MAX_ITEM + 1} answers, each a short text")
        wording[str(language)] = {key: [a.strip() for a in answers] for key, answers in sections.items()}
    return wording
