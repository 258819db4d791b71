"""The monthly RTM list: per therapist, for the clinic, as JSON and as CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telehealth.extensions import db
from telehealth.rtm.sheet import COLUMNS, neutralise
from tests.rtm.conftest import send_outcome

pytestmark = pytest.mark.usefixtures("frozen")
NEW_YORK = ZoneInfo("America/New_York")


def _enroll(api, user, patient, start: str) -> None:
    response = api.post(
        f"/api/v1/patients/{patient.id}/rtm/enroll",
        user,
        json={"start_date": start, "consent_obtained": True},
    )
    assert response.status_code == 201, response.json


def _march(api, clinic):
    _enroll(api, clinic.therapist.user, clinic.patient, "2026-03-01")
    _enroll(api, clinic.other_therapist.user, clinic.other_patient, "2026-03-10")
    for n in range(16):
        day = date(2026, 3, 1) + timedelta(days=n)
        send_outcome(clinic.patient, datetime(day.year, day.month, day.day, 9, tzinfo=NEW_YORK))
    db.session.commit()
    api.post(
        f"/api/v1/patients/{clinic.patient.id}/time-entries",
        clinic.therapist.user,
        json={
            "minutes": 45,
            "activity": "patient_communication",
            "modality": "video",
            "occurred_at": "2026-03-12T10:00:00-04:00",
        },
    )


def test_a_therapist_lists_their_caseload_and_an_admin_the_clinic(api, clinic):
    _march(api, clinic)
    mine = api.get("/api/v1/billing/rtm?month=2026-03", clinic.therapist.user).json
    assert [row["patient_id"] for row in mine["items"]] == [str(clinic.patient.id)]
    row = mine["items"][0]
    assert row["management_codes"] == ["98980", "98981"]
    assert row["setup_code"] == "98975"
    assert row["supply_codes"] == ["98977"]
    assert [(p["start"], p["end"], p["data_days"]) for p in row["periods"]] == [
        ("2026-03-01", "2026-03-30", 16)
    ]
    everyone = api.get("/api/v1/billing/rtm?month=2026-03", clinic.admin).json
    assert everyone["total"] == 2
    narrowed = api.get(
        f"/api/v1/billing/rtm?month=2026-03&therapist_id={clinic.other_therapist.id}", clinic.admin
    ).json
    assert [row["patient_id"] for row in narrowed["items"]] == [str(clinic.other_patient.id)]
    # The other patient's first period ends in April: March lists no period for them.
    assert narrowed["items"][0]["periods"] == [] and narrowed["items"][0]["supply_codes"] == []
    assert api.get("/api/v1/billing/rtm?month=2026-03", clinic.patient.user).status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "26-03", "1999-12", "", "2026-03-01"])
def test_the_month_must_be_written_yyyy_mm(api, clinic, month):
    response = api.get(f"/api/v1/billing/rtm?month={month}", clinic.admin)
    assert response.status_code == 422
    assert "month" in response.json["errors"]


def test_the_csv_round_trips_and_no_cell_is_a_formula(api, clinic):
    clinic.patient.user.first_name = '=HYPERLINK("http://x")'
    clinic.patient.user.last_name = "-Smith"
    clinic.other_patient.user.last_name = "@SUM(A1)"
    clinic.other_patient.user.first_name = "\tTab"
    db.session.commit()
    _march(api, clinic)
    response = api.get("/api/v1/billing/rtm?month=2026-03", clinic.admin, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == COLUMNS
    by_patient = {row[1]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert len(by_patient) == 2
    mine = by_patient[str(clinic.patient.id)]
    assert mine["first_name"] == '\'=HYPERLINK("http://x")'
    assert mine["last_name"] == "'-Smith"
    assert mine["management_codes"] == "98980 98981"
    assert mine["supply_codes"] == "98977"
    assert mine["minutes"] == "45" and mine["interactive"] == "yes"
    theirs = by_patient[str(clinic.other_patient.id)]
    assert theirs["last_name"] == "'@SUM(A1)" and theirs["first_name"] == "'\tTab"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ana", "Ana"),
    ],
)
def test_cells_a_spreadsheet_would_evaluate_are_quoted(cell, shown):
    assert neutralise(cell) == shown


def test_json_stays_the_default_answer(api, clinic):
    _march(api, clinic)
    response = api.get("/api/v1/billing/rtm?month=2026-03", clinic.admin, headers={"Accept": "*/*"})
    assert response.mimetype == "application/json"


def test_without_a_month_the_list_is_this_months_on_the_clinics_clock(api, clinic):
    _march(api, clinic)
    response = api.get("/api/v1/billing/rtm", clinic.admin)
    assert response.status_code == 200
    assert {row["month"] for row in response.json["items"]} == {"2026-04"}
