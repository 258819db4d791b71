"""/clinic/: one HTML shell for every page of the console (static/clinic/main.js picks the view).

The console's modules and styles live under static/clinic/, the modules it shares with the patient
app under static/shared/; it reaches the backend only through /api/v1, like every other client.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, redirect, render_template, url_for

bp = Blueprint("clinic", __name__)

STATIC_CLINIC = Path(__file__).resolve().parent.parent / "static" / "clinic"
THEME_COLOR = "#16425b"
# Asked again each visit (cheap: ETags), so a new version of the console shows at once.
REVALIDATE = {"Cache-Control": "no-cache"}


def catalog(language: str) -> dict[str, str]:
    """The console's message catalog (static/clinic/i18n), the same file the browser reads."""
    return json.loads((STATIC_CLINIC / "i18n" / f"{language}.json").read_text(encoding="utf-8"))


@bp.get("/clinic")
def clinic_root() -> Response:
    return redirect(url_for("clinic.shell"), code=308)  # type: ignore[return-value]


@bp.get("/clinic/", defaults={"page": ""})
@bp.get("/clinic/<path:page>")
def shell(page: str) -> Response:
    html = render_template("clinic/clinic.html", en=catalog("en"), es=catalog("es"), theme=THEME_COLOR)
    return Response(html, mimetype="text/html", headers=REVALIDATE)
