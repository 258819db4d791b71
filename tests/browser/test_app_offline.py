"""Offline: the app opens with no connection, keeps new logs on the device (IndexedDB) across reloads
and closed tabs, and sends them with /progress-logs/batch when the connection returns: 0 lost, 0 doubled."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.patient_app import count_logs, logs_of, make_app_patient, phone, sign_in, unexpected

# The client ids of the logs the app keeps on the device, read from IndexedDB itself.
OUTBOX_IDS = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("telehealth-app");
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
  const items = await new Promise((ok) => {
    const r = db.transaction("outbox").objectStore("outbox").getAll();
    r.onsuccess = () => ok(r.result);
  });
  return items.map((item) => item.id);
}"""


def log_done(page, exercise: str, pain: str) -> None:
    card = page.locator("article.exercise", has_text=exercise)
    card.get_by_role("button", name=re.compile("^(Done|Log once more)$")).click()
    card.get_by_label("Pain during the exercise").fill(pain)
    card.get_by_role("button", name="Save").click()


def wait_until_controlled(page) -> None:
    """The service worker has taken the page, so the app's files are kept for offline use."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_logs_made_offline_survive_reloads_and_closed_tabs_and_arrive_once(browser, live_server: LiveServer):
    patient = make_app_patient(live_server)
    with phone(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, patient)
        wait_until_controlled(page)
        context = page.context

        context.set_offline(True)
        log_done(page, "Pelvic tilt", "3")
        page.get_by_text("1 log waiting to be sent").wait_for()
        expect(page.get_by_text("1 of 2 done")).to_be_visible()  # counted on the device already
        log_done(page, "Clamshell", "6")
        page.get_by_text("2 logs waiting to be sent").wait_for()
        expect(page.get_by_text("All done. Well done!")).to_be_visible()

        # Reload with no connection: the app opens from the service worker, the logs are still there.
        page.reload()
        page.get_by_text("2 logs waiting to be sent").wait_for()
        page.get_by_text("You are offline. This is what you saw last").wait_for()
        log_done(page, "Pelvic tilt", "2")
        page.get_by_text("3 logs waiting to be sent").wait_for()
        kept = sorted(page.evaluate(OUTBOX_IDS))

        # Close the tab, open the app again, still offline: nothing lost.
        page.close()
        page = context.new_page()
        page.goto(f"{live_server.url}/app/today")
        page.get_by_text("3 logs waiting to be sent").wait_for()
        assert count_logs(live_server, patient) == 0

        # Back online: the app sends them by itself, and each arrives once.
        context.set_offline(False)
        page.get_by_text("logs waiting to be sent").wait_for(state="detached")
        rows = logs_of(live_server, patient)
        assert sorted(str(row.id) for row in rows) == kept and len(kept) == 3
        assert sorted(row.pain_score for row in rows) == [2, 3, 6]
        assert page.evaluate(OUTBOX_IDS) == []

        assert unexpected(watch, offline=True) == []


def test_a_batch_whose_answer_is_lost_is_sent_again_and_stays_one_row(browser, live_server: LiveServer):
    patient = make_app_patient(live_server)
    with phone(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, patient)
        path = f"/api/v1/patients/{patient.id}/progress-logs/batch"
        sent: list[dict] = []

        def deliver_then_drop(route) -> None:
            route.fetch()  # the backend stores the log...
            sent.append(route.request.post_data_json)
            route.abort("connectionreset")  # ...and its answer never reaches the phone

        page.route(f"**{path}", deliver_then_drop, times=1)
        with page.expect_event("requestfailed"):
            log_done(page, "Pelvic tilt", "4")
        page.get_by_text("1 log waiting to be sent").wait_for()
        [stored] = logs_of(live_server, patient)
        assert [log["id"] for log in sent[0]["logs"]] == [str(stored.id)]

        # The phone cannot know the log arrived, so it sends it again: the API says "duplicate".
        page.get_by_role("button", name="Send now").click()
        page.get_by_text("1 log waiting to be sent").wait_for(state="detached")
        assert [row.id for row in logs_of(live_server, patient)] == [stored.id]

        # The very same batch twice more, at once, through the app's own API module: nothing added.
        statuses = page.evaluate(
            """async ([path, body]) => {
                const api = await import("/static/shared/api.js");
                const answers = await Promise.all([api.post(path, body), api.post(path, body)]);
                return answers.map((a) => a.results[0].status);
            }""",
            [path.removeprefix("/api/v1"), sent[0]],
        )
        assert statuses == ["duplicate", "duplicate"]
        assert count_logs(live_server, patient) == 1
        assert [
            p for p in unexpected(watch) if "progress-logs/batch" not in p and "CONNECTION_RESET" not in p
        ] == []
