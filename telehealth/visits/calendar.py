"""The iCalendar file of a visit: enough for a calendar app, nothing clinical.

Calendars sync to third parties, so the event names no patient, condition, visit kind or note.
"""

from __future__ import annotations

import uuid

from icalendar import Calendar, Event

from telehealth import links
from telehealth.accounts.models import Role
from telehealth.common.time import utcnow
from telehealth.visits.models import JOIN_OPENS_BEFORE_MINUTES, Visit, VisitStatus

PRODID = "-//Telehealth PT//Video visits//EN"
SUMMARY: dict[str, str] = {
    Role.PATIENT: "Video visit with your physical therapist",
    Role.THERAPIST: "Video visit with a patient",
}


def join_page_url(visit_id: uuid.UUID) -> str:
    """The web app's page for a visit, where a signed-in participant asks for the room link."""
    return links.visit(visit_id)


def event_uid(visit: Visit) -> str:
    # Stable across reschedules, so calendar apps update the event rather than add one.
    return f"visit-{visit.id}@telehealth-pt"


def visit_ics(visit: Visit, role: str) -> bytes:
    link = join_page_url(visit.id)
    event = Event()
    event.add("uid", event_uid(visit))
    event.add("dtstamp", utcnow())
    event.add("last-modified", visit.updated_at)
    event.add("dtstart", visit.starts_at)
    event.add("dtend", visit.ends_at)
    event.add("summary", SUMMARY.get(role, "Video visit"))
    event.add(
        "description",
        f"Join the video visit from {link} (opens {JOIN_OPENS_BEFORE_MINUTES} minutes before the start).",
    )
    event.add("url", link)
    event.add("sequence", visit.sequence)
    event.add("status", "CANCELLED" if visit.status == VisitStatus.CANCELLED else "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
