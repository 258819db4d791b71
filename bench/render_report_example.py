"""Render the demo clinic's progress report for Pat Rivera, and one page of it as a PNG.

    .venv/bin/python bench/render_report_example.py [--pdf out.pdf] [--png docs/report-example.png] [--page 1]

Builds an in-memory database, runs the demo seed (the same data `make run` shows) at a fixed
instant, and asks the API for the report as Pat's therapist. Needs `pdftoppm` (poppler-utils).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import time_machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telehealth import create_app
from telehealth.demo import DEMO_PASSWORD, seed_demo
from telehealth.extensions import db

NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)  # fixed, so the example is the same on every run
PATIENT_EMAIL = "pat.rivera@demo-patients.org"
THERAPIST_EMAIL = "tess.thompson@demo-clinic.org"


def render_pdf() -> bytes:
    app = create_app("test")
    with app.app_context(), time_machine.travel(NOW, tick=False):
        db.create_all()
        seed_demo(NOW)
        db.session.commit()
        client = app.test_client()
        token = client.post("/api/v1/auth/tokens", json={"email": THERAPIST_EMAIL, "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {token.json['token']}"}
        patients = client.get(f"/api/v1/patients?q={PATIENT_EMAIL}", headers=headers).json["items"]
        report = client.get(f"/api/v1/patients/{patients[0]['id']}/report.pdf", headers=headers)
        if report.status_code != 200 or report.mimetype != "application/pdf":
            raise SystemExit(f"report failed: {report.status_code} {report.data[:200]!r}")
        return report.data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, help="also keep the whole PDF here")
    parser.add_argument("--png", type=Path, default=Path("docs/report-example.png"))
    parser.add_argument("--page", type=int, default=1)
    args = parser.parse_args()
    pdf = render_pdf()
    if args.pdf:
        args.pdf.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm not found: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.pdf"
        source.write_bytes(pdf)
        stem = Path(tmp) / "page"
        subprocess.run(
            [
                pdftoppm,
                "-png",
                "-r",
                "80",
                "-f",
                str(args.page),
                "-l",
                str(args.page),
                "-singlefile",
                str(source),
                str(stem),
            ],
            check=True,
        )
        args.png.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), args.png)
    print(f"wrote {args.png} (page {args.page}) from a {len(pdf)}-byte report")


if __name__ == "__main__":
    main()
