"""GET /dashboard/caseload answers any caseload size in the same few queries."""

from __future__ import annotations

from datetime import timedelta

from telehealth.accounts.models import Therapist
from tests.dashboard.conftest import NOW, TODAY, Care, days_ago
from tests.factories import Api, make_patient
from tests.support.queries import counting_queries


def _add_patients(care: Care, therapist: Therapist, count: int, first: int) -> None:
    """Patients with everything the dashboard reads: a program, logs, readings, outcomes and a visit."""
    for n in range(first, first + count):
        patient = make_patient(therapist, last_name=f"Caseload{n:03d}")
        assignment = care.assign(patient, TODAY - timedelta(days=20))
        care.logs(
            patient,
            assignment,
            [(days_ago(1), 3), (days_ago(4), 5), (days_ago(9), 2)],
            by=therapist.user,
        )
        care.rotations(patient, days_ago(2), left=(30, 40), right=(20 + n % 15, 35))
        care.outcome(patient, "nprs", [6], days_ago(8))
        care.outcome(patient, "nprs", [3 + n % 5], days_ago(1))
        # Each visit in a slot of its own: one therapist cannot be double-booked.
        care.session(patient, (NOW + timedelta(days=1, minutes=30 * n)).isoformat(), minutes=15)


def _dashboard_queries(api: Api, therapist: Therapist) -> tuple[int, int]:
    api.token_for(therapist.user)  # signing in is not part of the count
    with counting_queries() as statements:
        response = api.get("/api/v1/dashboard/caseload?per_page=200", therapist.user)
    assert response.status_code == 200, response.json
    return len(statements), response.json["total"]


def test_caseload_query_count_is_the_same_for_5_and_200_patients(api, clinic, care, frozen):
    therapist = clinic.therapist
    _add_patients(care, therapist, 4, first=1)  # with clinic.patient: five
    small, small_total = _dashboard_queries(api, therapist)
    _add_patients(care, therapist, 195, first=5)
    large, large_total = _dashboard_queries(api, therapist)

    assert (small_total, large_total) == (5, 200)
    assert small == large
    # One round of a few aggregate queries, not a loop: besides the caller's token and the audit
    # row, patients with their last log, next visit and settings; the day counts; ROM; outcomes;
    # pain.
    assert large <= 12, large
