"""FHIR Bulk Data export at 1,000 and 10,000 patients: does memory stay flat? (`python -m bench.fhir_export`)

Each size runs in a child process of its own (SQLite file under a temporary folder, patients
seeded in bulk, not through the API), so peak RSS is that export's alone. Prints one line per size.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SIZES = (1_000, 10_000)


def _one(count: int, folder: Path) -> dict[str, float]:
    import os

    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    from telehealth import create_app
    from telehealth.extensions import db
    from telehealth.fhir import service
    from telehealth.fhir.models import FhirExport
    from tests.factories import build_clinic
    from tests.fhir.seed import seed_patients
    from tests.fhir.validate import problems

    overrides = {"FHIR_EXPORT_DIR": folder / "exports", "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]}
    app = create_app("development", overrides)
    with app.app_context():
        db.create_all()
        clinic = build_clinic()
        seed_patients(count, clinic.therapist)
        export = FhirExport(requested_by_id=clinic.admin.id, request_url="bench")
        db.session.add(export)
        db.session.commit()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        started = time.perf_counter()
        service.run_export(export.id)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines, invalid = 0, 0
        for path in (folder / "exports" / str(export.id)).glob("*.ndjson"):
            with path.open() as handle:
                for line in handle:
                    lines += 1
                    invalid += bool(problems(json.loads(line)))
    return {
        "patients": count,
        "seconds": round(seconds, 1),
        "resources": lines,
        "invalid_resources": invalid,
        "tracemalloc_peak_mb": round(peak, 2),
        "rss_growth_mb": round(rss_after - rss_before, 1),
    }


def main() -> None:
    if len(sys.argv) > 1:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(_one(int(sys.argv[1]), Path(folder))))
        return
    for count in SIZES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.fhir_export", str(count)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
