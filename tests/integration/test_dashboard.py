"""The caseload dashboard and the report on a migrated PostgreSQL: the aggregate queries with
per-zone window edges, correlated subqueries and typed bound instants."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tests.dashboard.conftest import NOW, TODAY, Care, days_ago
from tests.factories import Api, build_clinic, make_patient
from tests.support.queries import counting_queries


def test_caseload_figures_and_query_count_on_postgresql(pg_app):
    clinic = build_clinic()
    api = Api(pg_app)
    care = Care(api, clinic)
    tokyo = make_patient(clinic.therapist, timezone="Asia/Tokyo", last_name="Sato")
    with time_machine.travel(NOW, tick=False):
        ny_program = care.assign(clinic.patient, TODAY - timedelta(days=20))
        care.logs(
            clinic.patient,
            ny_program,
            [(days_ago(n, "09:00"), 6 if n < 7 else 3) for n in range(10)],
        )
        # Both on 12 March in UTC; in Tokyo one hour apart across midnight, the windows' edge.
        jp_program = care.assign(tokyo, TODAY - timedelta(days=20))
        care.logs(tokyo, jp_program, [("2026-03-12T23:30:00+09:00", 8), ("2026-03-13T00:30:00+09:00", 2)])
        care.rotations(tokyo, days_ago(1), left=(40, 40), right=(30, 40))
        care.session(clinic.patient, "2026-03-20T14:00:00Z")

        api.token_for(clinic.therapist.user)
        with counting_queries() as statements:
            response = api.get("/api/v1/dashboard/caseload", clinic.therapist.user)
        report = api.get(f"/api/v1/patients/{tokyo.id}/report.pdf", clinic.therapist.user)

    assert response.status_code == 200, response.json
    rows = {row["patient"]["last_name"]: row for row in response.json["items"]}
    ny, jp = rows[clinic.patient.last_name], rows["Sato"]
    assert (ny["avg_pain_7d"], ny["pain_change"], ny["next_session_at"]) == (6.0, 3.0, "2026-03-20T14:00:00Z")
    assert ny["last_activity_at"] == "2026-03-18T13:00:00Z"
    assert ny["flags"] == ["pain_increase"]
    # Tokyo's today is the 19th: the 13th opens the last 7 days, the 12th closes the week before.
    assert (jp["avg_pain_7d"], jp["pain_change"]) == (2.0, -6.0)
    assert jp["rom_asymmetry_degrees"] == 10.0
    assert [row["patient"]["last_name"] for row in response.json["items"]] == [
        "Sato",
        ny["patient"]["last_name"],
    ]
    assert jp["flags"] == ["inactive", "low_adherence", "rom_asymmetry"]
    assert len(statements) <= 12
    assert report.status_code == 200 and report.data.startswith(b"%PDF-")
