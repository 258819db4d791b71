// Visits: the therapist's week in their own time zone (their availability's, else this computer's), scheduling with the
// conflicts shown before saving and a refused overlap (409) explained; one visit: start, join,
// complete with SOAP notes, reschedule, cancel, no-show.

import * as api from "../../shared/api.js";
import { addDays, formatDay, instantAt, localDate } from "../../shared/dates.js";
import { announce, h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { navigate } from "../../shared/router.js";
import { alertText, busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";
import { session } from "../session.js";
import { fullName, options, patientsById, reasonForm, section, therapistZone, when as whenIn } from "../common.js";

const KINDS = ["follow_up", "initial_evaluation", "screening"];
const OPEN = ["scheduled", "in_progress"];

function monday(isoDate) {
  const weekday = new Date(`${isoDate}T12:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(isoDate, -((weekday + 6) % 7));
}

// The zone every time on these pages is read and typed in: the therapist's hours' zone, set by each view.
let shown = { zone: "UTC", own: false };
const zone = () => shown.zone;
const when = (instant) => whenIn(instant, zone());

const time = (instant) => new Intl.DateTimeFormat(document.documentElement.lang, { timeStyle: "short", timeZone: zone() }).format(new Date(instant));

/** The instant a local date and "HH:MM" name in this computer's zone. */
function localInstant(isoDate, hhmm) {
  const [hours, minutes] = hhmm.split(":").map(Number);
  const noon = instantAt(zone(), isoDate, 12);
  return new Date(noon.getTime() + ((hours - 12) * 60 + minutes) * 60000);
}

function overlaps(visit, start, end) {
  return OPEN.includes(visit.status) && new Date(visit.starts_at) < end && new Date(visit.ends_at) > start;
}

export async function visits(view, { query, refresh }) {
  shown = await therapistZone(session.user.therapist_id);
  const today = localDate(zone());
  const week = monday(/^\d{4}-\d{2}-\d{2}$/.test(query.get("week") || "") ? query.get("week") : today);
  const from = instantAt(zone(), week, 0);
  const to = instantAt(zone(), addDays(week, 7), 0);
  const [list, patients] = await Promise.all([
    api.everyPage("/sessions", { from: from.toISOString(), to: to.toISOString() }),
    patientsById(),
  ]);
  const days = [...Array(7).keys()].map((i) => addDays(week, i));
  const grid = h("ol", { class: "week" }, days.map((date) => {
    const mine = list.filter((v) => localDate(zone(), new Date(v.starts_at)) === date);
    return h("li", { class: date === today ? "day today" : "day" },
      h("h2", {}, formatDay(date, { weekday: "short", day: "numeric", month: "short" })),
      mine.length ? h("ul", {}, mine.map((v) => h("li", { class: `visit status-${v.status}` },
        h("a", { href: `/clinic/visits/${v.id}` }, h("span", { class: "time" }, `${time(v.starts_at)}–${time(v.ends_at)}`),
          h("span", {}, fullName(patients.get(v.patient_id)) || t("visits.patient")),
          h("span", { class: "hint" }, `${t(`visits.kind.${v.kind}`)} · ${t(`visits.status.${v.status}`)}`)))))
        : h("p", { class: "hint" }, t("visits.free")));
  }));
  const weekNav = h("nav", { class: "row weeknav", "aria-label": t("visits.weeks") },
    h("a", { class: "button", href: `/clinic/visits?week=${addDays(week, -7)}` }, t("visits.previous")),
    h("a", { class: "button", href: "/clinic/visits" }, t("visits.thisWeek")),
    h("a", { class: "button", href: `/clinic/visits?week=${addDays(week, 7)}` }, t("visits.next")));
  page(view, t("visits.title"),
    h("p", { class: "lead" }, t(shown.own ? "visits.weekOf" : "visits.weekOfDevice", { date: formatDay(week, { dateStyle: "long" }), zone: zone() })),
    weekNav, grid, scheduleForm([...patients.values()].filter((p) => p.status === "active"), list, today, refresh, query.get("patient")));
}

function scheduleForm(patients, weekVisits, today, refresh, chosen) {
  const patient = h("select", { name: "patient_id", required: true },
    h("option", { value: "" }, t("visits.choosePatient")),
    patients.map((p) => h("option", { value: p.id, selected: p.id === chosen }, fullName(p))));
  const date = h("input", { type: "date", name: "date", value: today, required: true });
  const at = h("input", { type: "time", name: "starts_at", value: "10:00", step: 300, required: true });
  const duration = h("input", { type: "number", name: "duration_minutes", value: 30, min: 15, max: 120, step: 5, required: true });
  const kind = h("select", { name: "kind" }, options(KINDS, "visits.kind.", "follow_up"));
  const conflicts = h("div", { class: "conflicts", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, t("visits.schedule"));
  const form = h("form", { class: "stack", novalidate: true },
    h("div", { class: "row" }, field(t("visits.patientField"), patient), field(t("visits.date"), date), field(t("visits.time"), at),
      field(t("visits.duration"), duration), field(t("visits.kindField"), kind)),
    conflicts, formError(), submit);
  let known = weekVisits;
  let asked = 0;
  const check = async () => {
    const number = ++asked;
    conflicts.replaceChildren();
    if (!date.value || !at.value || !duration.value) return;
    const start = localInstant(date.value, at.value);
    const end = new Date(start.getTime() + Number(duration.value) * 60000);
    // The therapist's visits of that day and the chosen patient's, as this caller may see them.
    const [ownDay, patientsOwn] = await Promise.all([
      api.everyPage("/sessions", { from: instantAt(zone(), date.value, 0).toISOString(), to: instantAt(zone(), addDays(date.value, 1), 0).toISOString() }),
      patient.value ? api.everyPage("/sessions", { patient_id: patient.value, from: new Date(start.getTime() - 86400000).toISOString() }) : [],
    ]).catch(() => [known, []]);
    if (number !== asked) return;
    known = ownDay;
    const clashes = [...new Map([...ownDay, ...patientsOwn].map((v) => [v.id, v])).values()].filter((v) => overlaps(v, start, end));
    if (clashes.length) {
      conflicts.replaceChildren(notice(t("visits.conflict", { count: clashes.length }), "warn"),
        h("ul", {}, clashes.map((v) => h("li", {}, `${when(v.starts_at)}–${time(v.ends_at)} · ${t(`visits.kind.${v.kind}`)}`))));
    }
  };
  form.addEventListener("change", check);
  check();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      if (!patient.value) {
        showErrors(form, null);
        form.querySelector(".form-error").append(alertText(t("visits.choosePatient")));
        return;
      }
      try {
        const visit = await api.post("/sessions", {
          patient_id: patient.value, kind: kind.value, duration_minutes: Number(duration.value),
          starts_at: localInstant(date.value, at.value).toISOString(),
        });
        announce(t("visits.scheduled"));
        navigate(`/clinic/visits/${visit.id}`);
      } catch (error) {
        if (error.status === 409) error.detail = t("visits.refused", { detail: error.detail });
        showErrors(form, error);
        check();
      }
    });
  });
  return section(t("visits.new"), h("p", { class: "hint" }, t("visits.newHint")), form);
}

export async function visit(view, { params, refresh }) {
  const v = await api.get(`/sessions/${params.id}`);
  shown = await therapistZone(v.therapist_id);
  const patient = await api.get(`/patients/${v.patient_id}`);
  const act = (label, path, body, primary = false) => {
    const button = h("button", { type: "button", class: primary ? "primary" : null }, label);
    const slot = h("div", { class: "form-error" });
    button.addEventListener("click", () => busy(button, async () => {
      try {
        const answer = await api.post(`/sessions/${v.id}/${path}`, body);
        if (path === "join") {
          slot.replaceChildren(h("p", {}, h("a", { href: answer.url, target: "_blank", rel: "noopener noreferrer", class: "button primary", id: "room-link" }, t("visit.openRoom"))),
            h("p", { class: "hint" }, t("visit.roomUntil", { when: when(answer.expires_at) })));
          document.getElementById("room-link").focus();
          return;
        }
        refresh();
      } catch (error) {
        slot.replaceChildren(alertText(error.status === 409 ? t("visit.notNow", { detail: error.detail }) : error.message));
      }
    }));
    return h("div", { class: "action" }, button, slot);
  };
  const facts = h("dl", { class: "facts" },
    h("dt", {}, t("visits.patientField")), h("dd", {}, h("a", { href: `/clinic/patients/${patient.id}` }, fullName(patient))),
    h("dt", {}, t("visit.when")), h("dd", {}, `${when(v.starts_at)}–${time(v.ends_at)} (${zone()})`),
    h("dt", {}, t("visits.kindField")), h("dd", {}, t(`visits.kind.${v.kind}`)),
    h("dt", {}, t("visit.status")), h("dd", {}, h("span", { class: `badge status-${v.status}` }, t(`visits.status.${v.status}`))),
    h("dt", {}, t("visit.joinOpens")), h("dd", {}, when(v.join_opens_at)));
  const parts = [section(t("visit.details"), facts)];
  if (v.status === "scheduled") {
    parts.push(section(t("visit.actions"), h("div", { class: "row actions" },
      act(t("visit.start"), "start", undefined, true), act(t("visit.join"), "join"), act(t("visit.noShow"), "no-show"))),
    reschedule(v, refresh), cancel(v, refresh));
  } else if (v.status === "in_progress") {
    parts.push(section(t("visit.actions"), act(t("visit.join"), "join", undefined, true)), soapForm(v, refresh));
  }
  if (v.notes) parts.push(section(t("visit.notes"), h("dl", { class: "facts" },
    ["subjective", "objective", "assessment", "plan"].map((k) => [h("dt", {}, t(`soap.${k}`)), h("dd", {}, v.notes[k] || "–")]))));
  page(view, t("visit.title", { name: fullName(patient) }), h("p", { class: "crumbs" }, h("a", { href: "/clinic/visits" }, t("nav.visits"))), ...parts);
}

function soapForm(v, refresh) {
  const areas = ["subjective", "objective", "assessment", "plan"].map((k) => field(t(`soap.${k}`),
    h("textarea", { name: k, rows: 3, maxlength: 5000 }), { hint: t(`soap.${k}Hint`) }));
  const submit = h("button", { type: "submit", class: "primary" }, t("visit.complete"));
  const form = h("form", { class: "stack", novalidate: true }, areas, formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const notes = Object.fromEntries(["subjective", "objective", "assessment", "plan"].map((k) => [k, form.querySelector(`[name="${k}"]`).value.trim()]));
      try {
        await api.post(`/sessions/${v.id}/complete`, { notes });
        announce(t("visit.completed"));
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return section(t("visit.soap"), h("p", { class: "hint" }, t("visit.soapHint")), form);
}

function reschedule(v, refresh) {
  const startLocal = localDate(zone(), new Date(v.starts_at));
  const date = h("input", { type: "date", name: "date", value: startLocal, required: true });
  const at = h("input", { type: "time", name: "starts_at", value: time24(v.starts_at), step: 300, required: true });
  const duration = h("input", { type: "number", name: "duration_minutes", value: v.duration_minutes, min: 15, max: 120, step: 5 });
  const submit = h("button", { type: "submit", class: "primary" }, t("visit.reschedule"));
  const form = h("form", { class: "stack", novalidate: true },
    h("div", { class: "row" }, field(t("visits.date"), date), field(t("visits.time"), at), field(t("visits.duration"), duration)), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await api.request("PATCH", `/sessions/${v.id}`, { body: { starts_at: localInstant(date.value, at.value).toISOString(), duration_minutes: Number(duration.value) } });
        refresh();
      } catch (error) {
        if (error.status === 409) error.detail = t("visits.refused", { detail: error.detail });
        showErrors(form, error);
      }
    });
  });
  return h("details", { class: "card" }, h("summary", {}, t("visit.reschedule")), form);
}

function cancel(v, refresh) {
  const form = reasonForm(`/sessions/${v.id}/cancel`, { label: t("visit.cancelReason"), button: t("visit.cancel"), refresh });
  return h("details", { class: "card" }, h("summary", {}, t("visit.cancel")), form);
}

function time24(instant) {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone() }).format(new Date(instant));
}
