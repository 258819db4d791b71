// Visits: upcoming and past video visits; "join" from the moment the room opens; add to calendar.

import * as api from "../../shared/api.js";
import { formatDateTime } from "../../shared/dates.js";
import { h, uid } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { fresh, staleNote, zone } from "../session.js";
import { alertBox, busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";

const ACTIVE = new Set(["scheduled", "in_progress"]);
const JOIN_OPENS_MINUTES = 15; // only for a visit read before the API said `join_opens_at`

function opensAt(visit) {
  return new Date(visit.join_opens_at || new Date(visit.starts_at).getTime() - JOIN_OPENS_MINUTES * 60000);
}

export function canJoin(visit, now = new Date()) {
  return ACTIVE.has(visit.status) && now >= opensAt(visit) && now < new Date(visit.ends_at);
}

function joinControls(visit) {
  const wrap = h("div", { class: "join" });
  if (!ACTIVE.has(visit.status) || new Date() >= new Date(visit.ends_at)) return null;
  const open = canJoin(visit);
  const hintId = uid("join");
  const button = h("button", { type: "button", class: "primary", disabled: !open, "aria-describedby": open ? null : hintId }, t("visits.join"));
  const result = h("div", {});
  button.addEventListener("click", () => busy(button, async () => {
    // Opened within the tap, so no pop-up blocker stops it; pointed at the room once the API answers.
    const tab = window.open("", "_blank");
    try {
      const { url } = await api.post(`/sessions/${visit.id}/join`);
      if (tab) {
        tab.opener = null;
        tab.location.href = url;
      }
      result.replaceChildren(notice(t("visits.joined")), h("p", {}, h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, t("visits.openRoom"))));
    } catch (error) {
      tab?.close();
      result.replaceChildren(alertBox(error));
    }
  }));
  wrap.append(button);
  if (!open) wrap.append(h("p", { class: "hint", id: hintId }, t("visits.joinFrom", { when: formatDateTime(opensAt(visit), zone(), { dateStyle: "medium", timeStyle: "short" }) })));
  wrap.append(result);
  return wrap;
}

function visitCard(visit, { heading = "h3", linked = true } = {}) {
  const when = formatDateTime(visit.starts_at, zone());
  const titleId = uid("visit");
  const title = linked ? h("a", { href: `/app/visits/${visit.id}` }, when) : when;
  const plan = visit.notes?.plan;
  return h("article", { class: "card visit", "aria-labelledby": titleId },
    h(heading, { id: titleId }, title),
    h("p", {}, `${t(`visits.kind.${visit.kind}`)} · ${t("visits.minutes", { count: visit.duration_minutes })}`),
    h("p", { class: `badge status-${visit.status}` }, t(`visits.status.${visit.status}`)),
    joinControls(visit),
    ACTIVE.has(visit.status)
      ? h("p", {}, h("a", { href: `/api/v1/sessions/${visit.id}/calendar.ics`, download: "visit.ics", class: "button secondary" }, t("visits.calendar")))
      : null,
    plan ? h("div", { class: "note" }, h("p", {}, h("strong", {}, t("visits.plan"))), h("p", {}, plan)) : null);
}

/** "Book a follow-up": open times with the patient's own therapist, read when asked for. */
function bookFollowUp(refresh) {
  const section = h("section", { "aria-labelledby": "book-title" }, h("h2", { id: "book-title" }, t("visits.bookTitle")));
  const opener = h("button", { type: "button", class: "secondary", "aria-expanded": "false" }, t("visits.book"));
  const body = h("div", {});
  opener.addEventListener("click", () => busy(opener, async () => {
    let slots;
    try {
      slots = (await api.get("/slots", { kind: "follow_up" })).items;
    } catch (error) {
      return body.replaceChildren(alertBox(error));
    }
    opener.setAttribute("aria-expanded", "true");
    if (!slots.length) return body.replaceChildren(notice(t("visits.bookNone")));
    const select = h("select", { name: "starts_at", required: true }, slots.map((slot) =>
      h("option", { value: slot.starts_at }, `${formatDateTime(slot.starts_at, zone())} · ${slot.therapist_name}`)));
    const form = h("form", { class: "stack" }, formError(), field(t("visits.bookSlot"), select),
      h("button", { type: "submit", class: "primary" }, t("visits.bookSubmit")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(form.querySelector("button[type=submit]"), async () => {
        try {
          const booked = await api.post("/sessions", { starts_at: select.value, kind: "follow_up" });
          body.replaceChildren(notice(t("visits.booked", { when: formatDateTime(booked.starts_at, zone()) }), "ok"));
          setTimeout(refresh, 1500);
        } catch (error) {
          showErrors(form, error);
          if (error instanceof api.ApiError && error.status === 409) {
            form.querySelector(".form-error").append(notice(t("visits.bookTaken"), "warn"));
          }
        }
      });
    });
    body.replaceChildren(form);
    select.focus();
  }));
  section.append(opener, body);
  return section;
}

/** Re-draw while the page is shown, so "join" turns on when the room opens. */
function keepFresh(view, refresh) {
  const timer = setInterval(() => {
    if (!view.isConnected) return clearInterval(timer);
    if (!view.contains(document.activeElement)) refresh();
  }, 30000);
}

export async function visits(view, { refresh }) {
  let result;
  try {
    const from = new Date(Date.now() - 180 * 86400000).toISOString();
    result = await fresh("visits", () => api.everyPage("/sessions", { from }));
  } catch (error) {
    return page(view, t("visits.title"), alertBox(error));
  }
  const now = new Date();
  const list = result.value;
  const upcoming = list.filter((v) => ACTIVE.has(v.status) && new Date(v.ends_at) > now)
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const past = list.filter((v) => !upcoming.includes(v)).sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  page(view, t("visits.title"), staleNote(result),
    h("section", { "aria-labelledby": "upcoming-title" }, h("h2", { id: "upcoming-title" }, t("visits.upcoming")),
      upcoming.length ? upcoming.map((v) => visitCard(v)) : h("p", {}, t("visits.noneUpcoming"))),
    navigator.onLine ? bookFollowUp(refresh) : null,
    h("section", { "aria-labelledby": "past-title" }, h("h2", { id: "past-title" }, t("visits.past")),
      past.length ? past.map((v) => visitCard(v)) : h("p", {}, t("visits.nonePast"))));
  keepFresh(view, refresh);
}

export async function visit(view, { params, refresh }) {
  let result;
  try {
    result = await fresh(`visit:${params.id}`, () => api.get(`/sessions/${params.id}`));
  } catch (error) {
    return page(view, t("visits.one"), alertBox(error), h("p", {}, h("a", { href: "/app/visits" }, t("visits.all"))));
  }
  page(view, t("visits.one"), staleNote(result), visitCard(result.value, { heading: "h2", linked: false }),
    h("p", {}, h("a", { href: "/app/visits" }, t("visits.all"))));
  keepFresh(view, refresh);
}
