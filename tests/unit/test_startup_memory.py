"""A web worker starts without the PDF and chart libraries: they cost ~65 MiB a process and only
the two PDF routes use them, so they are loaded by the first request that prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("matplotlib", "numpy", "PIL", "fpdf", "fontTools")

BUILD_APP = f"""
import json, sys
from telehealth import create_app
create_app("test")
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""

PRINT_BOTH_PDFS = f"""
import json, sys
from telehealth import create_app
from telehealth.extensions import db
from tests.factories import Api, build_clinic
app = create_app("test")
with app.app_context():
    db.create_all()
    clinic = build_clinic()
    api = Api(app)
    base = f"/api/v1/patients/{{clinic.patient.id}}"
    handout = api.get(base + "/program.pdf", clinic.therapist.user)
    report = api.get(base + "/report.pdf", clinic.therapist.user)
    print(json.dumps({{
        "statuses": [handout.status_code, report.status_code],
        "types": [handout.mimetype, report.mimetype],
        "loaded": sorted(name for name in {HEAVY!r} if name in sys.modules),
    }}))
"""


def _run(code: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.strip().splitlines()[-1]


def test_building_the_app_loads_no_pdf_or_chart_library() -> None:
    assert json.loads(_run(BUILD_APP)) == []


def test_the_pdf_routes_load_them_when_asked() -> None:
    found = json.loads(_run(PRINT_BOTH_PDFS))

    assert found["statuses"] == [200, 200]
    assert found["types"] == ["application/pdf", "application/pdf"]
    assert {"fpdf", "matplotlib"} <= set(found["loaded"])
