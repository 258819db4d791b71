"""The console's screening requests: urgent ones first with their red flags named, the held slot in
the therapist's own zone; accepting (the held slot or another open one; a missing date of birth
asked for; a taken time explained) and declining with a reason that stays in the clinic."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from telehealth.demo import DEMO_PASSWORD
from tests.browser.clinic_console import (
    ADMIN_EMAIL,
    THERAPIST,
    ZONE,
    laptop,
    screening_request,
    seed,
    sign_in,
    therapist_id_of,
)
from tests.browser.conftest import LiveServer
from tests.browser.patient_app import unexpected


def _book_over(live: LiveServer, starts_at: str) -> None:
    """Tess books one of her patients into the time a request holds (staff bookings ignore holds)."""
    client = live.app.test_client()
    signed = client.post("/api/v1/auth/tokens", json={"email": THERAPIST, "password": DEMO_PASSWORD})
    token = signed.json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    patient = client.get("/api/v1/patients?q=sato", headers=auth).json["items"][0]
    booked = client.post(
        "/api/v1/sessions",
        headers=auth,
        json={
            "patient_id": patient["id"],
            "starts_at": starts_at,
            "duration_minutes": 15,
            "kind": "follow_up",
        },
    )
    assert booked.status_code == 201, booked.json


def test_a_therapist_sees_urgent_requests_first_and_accepts_by_keyboard(browser, live_server: LiveServer):
    seed(live_server)
    tag = uuid.uuid4().hex[:6]
    tess = therapist_id_of(live_server, THERAPIST)
    calm = f"Calm{tag}"
    urgent = f"Urgent{tag}"
    taken = screening_request(
        live_server,
        f"calm.{tag}@screening-test.org",
        first_name=calm,
        slot_of=tess,
        date_of_birth="1979-02-03",
    )
    screening_request(
        live_server,
        f"urgent.{tag}@screening-test.org",
        first_name=urgent,
        slot_of=tess,
        slot_index=1,
        red_flags=["night_pain", "fever"],
        message="Pain wakes me at 3 am.",
    )
    with laptop(browser, live_server) as watch:
        page = watch.page
        keys = page.keyboard
        sign_in(watch, THERAPIST, landing="Caseload")
        page.get_by_role("link", name="Screening requests").click()
        page.get_by_role("heading", name="Screening requests", level=1).wait_for()
        rows = page.locator("main tbody tr")
        names = rows.locator("th").all_inner_texts()
        mine = [i for i, text in enumerate(names) if tag in text]
        assert len(mine) == 2 and urgent in names[mine[0]] and calm in names[mine[1]], names
        urgent_row = rows.nth(mine[0])
        expect(urgent_row).to_contain_text("Urgent")
        expect(urgent_row).to_contain_text("Fever, Night pain")
        expect(urgent_row).to_contain_text("Pain wakes me at 3 am.")
        expect(urgent_row).to_contain_text(f"({ZONE}) with Tess Thompson")
        expect(rows.nth(mine[1])).not_to_contain_text("Urgent")

        # By keyboard: open the urgent request, try to accept without a date of birth, then with one.
        page.get_by_role("link", name=f"{urgent} Seeker").focus()
        keys.press("Enter")
        page.get_by_role("heading", name=f"Screening request from {urgent} Seeker").wait_for()
        expect(page.get_by_role("note")).to_contain_text("Urgent: Fever, Night pain")
        expect(page.get_by_label(f"Time (in {ZONE})")).to_contain_text("The slot asked for:")
        page.get_by_role("button", name="Accept and book the screening").focus()
        keys.press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("Not done: something is missing or wrong")
        birth = page.get_by_label("Date of birth")
        expect(birth).to_have_attribute("aria-invalid", "true")
        birth.focus()
        keys.type("04121985")
        page.get_by_role("button", name="Accept and book the screening").focus()
        keys.press("Enter")
        page.locator("main").get_by_text(f"Accepted: {urgent} Seeker is now a patient").wait_for()
        page.get_by_role("link", name="Open the screening visit").click()
        page.get_by_role("heading", name=f"Visit with {urgent} Seeker").wait_for()

        # Meanwhile the other request's time was booked: accepting it is refused and explained.
        _book_over(live_server, taken["slot"]["starts_at"])
        page.goto(f"{live_server.url}/clinic/screening")
        page.get_by_role("link", name=f"{calm} Seeker").click()
        page.get_by_role("button", name="Accept and book the screening").click()
        expect(page.get_by_role("alert")).to_contain_text("Not done: the request or the time changed")
        time = page.get_by_label(f"Time (in {ZONE})")
        expect(time.locator("option").first).to_have_text("Choose an open slot")
        time.select_option(index=1)
        page.get_by_role("button", name="Accept and book the screening").click()
        page.locator("main").get_by_text(f"Accepted: {calm} Seeker is now a patient").wait_for()
        refused = [status for status, url in watch.refused if "/accept" in url]
        assert refused == [422, 409]
        assert unexpected(watch, allowed=((422, "/accept"), (409, "/accept"))) == []


def test_an_admin_chooses_the_therapist_for_a_request_without_a_slot_and_declines_another(
    browser, live_server: LiveServer
):
    seed(live_server)
    tag = uuid.uuid4().hex[:6]
    free = f"Free{tag}"
    other = f"Other{tag}"
    screening_request(
        live_server, f"free.{tag}@screening-test.org", first_name=free, date_of_birth="1990-01-01"
    )
    screening_request(live_server, f"other.{tag}@screening-test.org", first_name=other)
    with laptop(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, ADMIN_EMAIL, landing="Patients")
        page.get_by_role("link", name="Screening requests").click()
        row = page.locator("main tbody tr", has=page.get_by_role("link", name=f"{free} Seeker"))
        expect(row).to_contain_text("No slot")
        row.get_by_role("link").click()
        time = page.get_by_label("Time")
        expect(time).to_contain_text("Choose a therapist first")
        page.get_by_label("Therapist").select_option(label="Tess Thompson")
        expect(page.get_by_label(f"Time (in {ZONE})")).to_contain_text("Choose an open slot")
        page.get_by_label(f"Time (in {ZONE})").select_option(index=1)
        page.get_by_role("button", name="Accept and book the screening").click()
        page.locator("main").get_by_text(f"Accepted: {free} Seeker is now a patient").wait_for()
        expect(page.get_by_role("link", name=f"Open {free} Seeker's record")).to_have_attribute(
            "href", re.compile(r"^/clinic/patients/[0-9a-f-]{36}$")
        )

        page.goto(f"{live_server.url}/clinic/screening")
        page.get_by_role("link", name=f"{other} Seeker").click()
        page.locator("summary", has_text="Decline the request").click()
        reason = page.get_by_label("Reason (optional)")
        expect(reason).to_have_accessible_description(re.compile("For the clinic only: it is not emailed"))
        reason.fill("Outside our area")
        page.get_by_role("button", name="Decline the request").click()
        page.locator("main").get_by_text(
            "Declined: the person is told by email, without the reason."
        ).wait_for()
        expect(page.locator(".facts")).to_contain_text("Outside our area")
        page.goto(f"{live_server.url}/clinic/screening?status=declined")
        expect(page.get_by_label("Status")).to_have_value("declined")
        expect(page.get_by_role("link", name=f"{other} Seeker")).to_be_visible()
        assert unexpected(watch) == []
