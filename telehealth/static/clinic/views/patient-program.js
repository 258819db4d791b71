// A patient's home program: the active exercises with their dose and its history, changing a dose,
// ending an exercise; searching the library to assign a new one; applying a template.

import * as api from "../../shared/api.js";
import { localDate } from "../../shared/dates.js";
import { announce, h, uid } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { busy, field, focusAfterRedraw, formError, page, showErrors } from "../../shared/ui.js";
import {
  SIDES, WEEKDAYS, day, libraryFilters, daysText, dose, fullName, loadPatient, options, patientHeader, section,
} from "../common.js";

export async function patientProgram(view, { params, query, refresh }) {
  const patient = await loadPatient(params.id);
  const [active, ended, templates] = await Promise.all([
    api.everyPage(`/patients/${patient.id}/assignments`, { status: "active" }),
    api.everyPage(`/patients/${patient.id}/assignments`, { status: "ended" }),
    api.everyPage("/program-templates"),
  ]);
  const today = localDate(patient.timezone);
  page(view, t("program.title", { name: fullName(patient) }), ...patientHeader(patient, "/program"),
    section(t("program.active"), active.length ? h("ul", { class: "assignments" }, active.map((a) => assignment(a, refresh))) : h("p", {}, t("program.none"))),
    h("div", { class: "columns" },
      await librarySearch(patient, query, today, refresh),
      templateForm(patient, templates, today, refresh)),
    ended.length ? section(t("program.ended"), h("ul", { class: "assignments" }, ended.map((a) => h("li", {},
      h("h3", {}, a.exercise.name), h("p", {}, dose(a)), h("p", { class: "hint" }, t("program.endedOn", { date: day(a.end_date || a.ended_at?.slice(0, 10)) })))))) : null);
}

/** Sets, reps, hold, side, times a day and days of the week, filled from `p`. */
export function doseFields(p, prefix) {
  const num = (name, value, min, max) => h("input", { type: "number", name, id: `${prefix}-${name}`, value: value ?? "", min, max, inputmode: "numeric" });
  const days = WEEKDAYS.map((d) => {
    const box = h("input", { type: "checkbox", name: "days_of_week", value: d, id: `${prefix}-day-${d}`, checked: (p.days_of_week || WEEKDAYS).includes(d) });
    return h("div", { class: "chip" }, box, h("label", { for: box.id }, t(`weekday.${d}`)));
  });
  return h("div", { class: "stack" },
    h("div", { class: "row" },
      field(t("dose.field.sets"), num("sets", p.sets ?? 2, 1, 20)),
      field(t("dose.field.reps"), num("reps", p.reps, 1, 100)),
      field(t("dose.field.hold"), num("hold_seconds", p.hold_seconds, 0, 600)),
      field(t("dose.field.times"), num("times_per_day", p.times_per_day ?? 1, 1, 6)),
      field(t("dose.field.side"), h("select", { name: "side", id: `${prefix}-side` }, options(SIDES, "side.", p.side || "none")))),
    h("fieldset", {}, h("legend", {}, t("dose.field.days")), h("div", { class: "chips" }, days)));
}

/** The prescription a dose form holds, as the API takes it. */
export function readDose(form) {
  const value = (name) => form.querySelector(`[name="${name}"]`).value;
  const optional = (name) => (value(name) === "" ? null : Number(value(name)));
  return {
    sets: Number(value("sets")),
    reps: optional("reps"),
    hold_seconds: optional("hold_seconds"),
    times_per_day: Number(value("times_per_day")),
    side: value("side"),
    days_of_week: [...form.querySelectorAll('[name="days_of_week"]:checked')].map((box) => box.value),
  };
}

function assignment(a, refresh) {
  const headingId = uid("a");
  const submit = h("button", { type: "submit", class: "primary" }, t("program.saveDose"));
  const form = h("form", { class: "stack", novalidate: true }, doseFields(a, `dose-${a.id}`), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await api.request("PATCH", `/assignments/${a.id}`, { body: readDose(form) });
        announce(t("program.doseSaved"));
        focusAfterRedraw.id = `history-${a.id}`;
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  const end = h("button", { type: "button" }, t("program.endNow", { name: a.exercise.name }));
  end.addEventListener("click", () => busy(end, async () => {
    await api.post(`/assignments/${a.id}/end`);
    announce(t("program.endedNow", { name: a.exercise.name }));
    refresh();
  }));
  const versions = [...a.history, { effective_from: a.effective_from, prescription: a, current: true }];
  return h("li", { class: "assignment", "aria-labelledby": headingId },
    h("h3", { id: headingId }, a.exercise.name),
    h("p", { class: "dose" }, dose(a)),
    h("p", { class: "hint" }, t("program.days", { days: daysText(a.days_of_week), start: day(a.start_date) })),
    h("details", { id: `history-${a.id}`, tabindex: "-1", open: a.history.length > 0 },
      h("summary", {}, t("program.history", { count: versions.length })),
      h("ol", { class: "history" }, versions.map((v) => h("li", {},
        h("strong", {}, t(v.current ? "program.fromNow" : "program.from", { date: day(v.effective_from) })), " ", dose(v.prescription))))),
    h("details", {}, h("summary", {}, t("program.changeDose")), form),
    h("details", {}, h("summary", {}, t("program.end")), h("p", { class: "hint" }, t("program.endHint")), end));
}

async function librarySearch(patient, query, today, refresh) {
  const q = query.get("q") || "";
  const region = query.get("region") || "";
  const category = query.get("category") || "";
  const found = await api.get("/exercises", { q, body_region: region, category, per_page: 20 });
  // The library's filters stay in this page's address, so the program and the search redraw together.
  const filters = libraryFilters(query, (values) => {
    const next = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
    history.replaceState(null, "", `${location.pathname}${next.toString() ? `?${next}` : ""}`);
    refresh();
  });
  const items = found.items.filter((e) => !e.archived);
  return section(t("program.assign"), filters,
    items.length ? h("ul", { class: "results" }, items.map((e) => assignForm(patient, e, today, refresh))) : h("p", {}, t("library.noMatch")));
}

function assignForm(patient, exercise, today, refresh) {
  const prefix = `new-${exercise.id}`;
  const start = h("input", { type: "date", name: "start_date", value: today, required: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("program.assignThis"));
  const form = h("form", { class: "stack", novalidate: true },
    doseFields({ sets: exercise.default_sets, reps: exercise.default_reps, hold_seconds: exercise.default_hold_seconds }, prefix),
    field(t("program.startDate"), start), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await api.post(`/patients/${patient.id}/assignments`, { exercise_id: exercise.id, ...readDose(form), start_date: start.value });
        announce(t("program.assigned", { name: exercise.name }));
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return h("li", {}, h("details", {}, h("summary", {}, exercise.name, " ",
    h("span", { class: "hint" }, `${t(`region.${exercise.body_region}`)} · ${t(`category.${exercise.category}`)}`)),
  h("p", {}, exercise.instructions), form));
}

function templateForm(patient, templates, today, refresh) {
  if (!templates.length) return section(t("program.applyTemplate"), h("p", {}, t("templates.none")));
  const select = h("select", { name: "template", required: true }, templates.map((tpl) => h("option", { value: tpl.id }, tpl.name)));
  const start = h("input", { type: "date", name: "start_date", value: today, required: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("program.apply"));
  const form = h("form", { class: "stack", novalidate: true },
    field(t("program.template"), select), field(t("program.startDate"), start), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        const answer = await api.post(`/patients/${patient.id}/program-templates/${select.value}/apply`, { start_date: start.value });
        announce(t("program.applied", { count: answer.assignments.length }));
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return section(t("program.applyTemplate"), h("p", { class: "hint" }, t("program.applyHint")), form);
}
