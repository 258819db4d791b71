// What several console screens share: sections, tables, names of people, doses in words, and the
// header of a patient's pages (with their tabs and printable documents).

import * as api from "../shared/api.js";
import { deviceZone, formatDateTime, formatDay } from "../shared/dates.js";
import { h, uid } from "../shared/dom.js";
import { number, t } from "../shared/i18n.js";
import { navigate } from "../shared/router.js";
import { busy, field, focusAfterRedraw, formError, showErrors } from "../shared/ui.js";

export const CONDITIONS = [
  "low_back_pain", "hip_mobility_deficit", "hip_osteoarthritis", "sacroiliac_joint_dysfunction", "sciatica",
  "spinal_osteoarthritis", "herniated_lumbar_disc", "pregnancy_related_pain", "muscle_strain", "ligament_sprain",
];
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export const SIDES = ["none", "both", "left", "right"];
export const REGIONS = ["hip", "lumbar", "core", "pelvis", "lower_limb"];
export const CATEGORIES = ["mobility", "stretch", "strength", "motor_control"];

export function section(title, ...children) {
  const id = uid("sec");
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** A table with a caption (read out by screen readers), column headings and rows of cells. */
export function table(caption, headings, rows, { hideCaption = true } = {}) {
  // Focusable, so a table wider than a tablet's screen can be scrolled from the keyboard.
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, h("table", {},
    h("caption", { class: hideCaption ? "visually-hidden" : null }, caption),
    h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell))))))));
}

export function options(values, prefix, selected, { any = null } = {}) {
  const list = values.map((value) => h("option", { value, selected: value === selected }, t(`${prefix}${value}`)));
  return any ? [h("option", { value: "" }, any), ...list] : list;
}

/**
 * The zone a therapist's hours are kept in (GET /therapists/{id}/availability), or this computer's
 * while they have set none: `{zone, own}`, `own` false on the fallback.
 */
export async function therapistZone(therapistId) {
  if (!therapistId) return { zone: deviceZone(), own: false };
  try {
    const hours = await api.get(`/therapists/${therapistId}/availability`);
    return hours.updated_at ? { zone: hours.timezone, own: true } : { zone: deviceZone(), own: false };
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 401) throw error;
    return { zone: deviceZone(), own: false };
  }
}

export const fullName = (person) => (person ? `${person.first_name} ${person.last_name}` : "");
export const zone = () => deviceZone();
export const when = (instant, tz = zone()) => (instant ? formatDateTime(instant, tz, { dateStyle: "medium", timeStyle: "short" }) : "–");
export const day = (isoDate) => (isoDate ? formatDay(isoDate, { dateStyle: "medium" }) : "–");
export const degrees = (value) => (value === null || value === undefined ? "–" : `${number(value)}°`);

/** "3 × 12 reps, hold 5 s, both sides, twice a day" */
export function dose(p) {
  const parts = [p.reps ? t("dose.setsReps", { sets: p.sets, reps: p.reps }) : t("dose.sets", { count: p.sets })];
  if (p.hold_seconds) parts.push(t("dose.hold", { seconds: p.hold_seconds }));
  if (p.side && p.side !== "none") parts.push(t(`side.${p.side}`));
  parts.push(t("dose.perDay", { count: p.times_per_day }));
  return parts.join(", ");
}

export function daysText(days) {
  if (!days || days.length === 7) return t("days.every");
  return days.map((d) => t(`weekday.${d}`)).join(", ");
}

/** A flag as a badge: its words, never its colour alone. */
export function flagBadge(flag) {
  return h("span", { class: `badge flag flag-${flag}` }, t(`flag.${flag}`));
}

/** Every patient the caller may see, by id (GET /patients, page by page). */
export async function patientsById() {
  return new Map((await api.everyPage("/patients")).map((p) => [p.id, p]));
}

const TABS = [
  ["", "patient.tab.overview"],
  ["/program", "patient.tab.program"],
  ["/measures", "patient.tab.measures"],
  ["/record", "patient.tab.record"],
];

/** The heading of every patient page: name, status, the patient's tabs and the printable documents. */
export function patientHeader(patient, current) {
  const base = `/clinic/patients/${patient.id}`;
  return [
    h("p", { class: "crumbs" }, h("a", { href: "/clinic/patients" }, t("nav.patients"))),
    h("div", { class: "patient-meta" },
      h("span", { class: `badge status-${patient.status}` }, t(`patientStatus.${patient.status}`)),
      h("span", {}, t("patient.zoneShort", { zone: patient.timezone })),
      h("a", { class: "button", href: `/api/v1/patients/${patient.id}/program.pdf`, download: "" }, t("patient.programPdf")),
      h("a", { class: "button", href: `/api/v1/patients/${patient.id}/report.pdf`, download: "" }, t("patient.reportPdf"))),
    h("nav", { class: "subnav", "aria-label": t("patient.tabs") }, h("ul", {}, TABS.map(([path, key]) =>
      h("li", {}, h("a", { href: base + path, "aria-current": path === current ? "page" : null }, t(key)))))),
  ];
}

export async function loadPatient(id) {
  return api.get(`/patients/${id}`);
}

/** Go to a list's address with the filters set in a form, keeping the control in use focused. */
export function applyFilters(path, values) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) query.set(name, value);
  const search = query.toString();
  navigate(`${path}${search ? `?${search}` : ""}`, { replace: true });
}

/** A form of one optional reason that posts `{reason}` to `path` (discharge, cancel) and redraws. */
export function reasonForm(path, { label, button, refresh }) {
  const reason = h("input", { name: "reason", maxlength: 500 });
  const submit = h("button", { type: "submit" }, button);
  const form = h("form", { class: "stack", novalidate: true }, field(label, reason), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await api.post(path, { reason: reason.value.trim() || null });
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}

/** Search, body region and category over the exercise library, kept in the address (`q`, `region`, `category`). */
export function libraryFilters(query, go) {
  const search = h("input", { id: "library-q", type: "search", name: "q", value: query.get("q") || "", autocomplete: "off" });
  const region = h("select", { id: "library-region", name: "region" }, options(REGIONS, "region.", query.get("region") || "", { any: t("library.anyRegion") }));
  const category = h("select", { id: "library-category", name: "category" }, options(CATEGORIES, "category.", query.get("category") || "", { any: t("library.anyCategory") }));
  const form = h("form", { class: "filters row", role: "search", "aria-label": t("library.search") },
    field(t("library.searchLabel"), search), field(t("library.region"), region), field(t("library.category"), category),
    h("button", { type: "submit" }, t("library.find")));
  const apply = (control) => {
    focusAfterRedraw.id = control.id;
    go({ q: search.value.trim(), region: region.value, category: category.value });
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(search); });
  region.addEventListener("change", () => apply(region));
  category.addEventListener("change", () => apply(category));
  return form;
}
