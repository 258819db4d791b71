// The exercise library: search and filter it, add exercises of one's own, archive them (an archived
// exercise is never assigned again; programs that have it keep it).

import * as api from "../../shared/api.js";
import { announce, h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { busy, field, formError, page, showErrors } from "../../shared/ui.js";
import { CATEGORIES, REGIONS, applyFilters, libraryFilters, options, section, table } from "../common.js";
import { session } from "../session.js";

export async function library(view, { query, refresh }) {
  const q = query.get("q") || "";
  const region = query.get("region") || "";
  const category = query.get("category") || "";
  const list = await api.everyPage("/exercises", { q, body_region: region, category });
  const filters = libraryFilters(query, (values) => applyFilters("/clinic/library", values));
  const mine = (e) => e.author_id === session.user.id || session.user.role === "admin";
  page(view, t("library.title"), filters,
    list.length ? table(t("library.title"), [t("library.col.name"), t("library.region"), t("library.category"), t("library.col.dose"), t("library.col.state")],
      list.map((e) => [e.name, t(`region.${e.body_region}`), t(`category.${e.category}`),
        e.default_reps ? t("dose.setsReps", { sets: e.default_sets, reps: e.default_reps }) : t("dose.sets", { count: e.default_sets }),
        e.archived ? t("library.archived") : mine(e) && e.author_id ? archiveButton(e, refresh) : t("library.inUse")]))
      : h("p", {}, t("library.noMatch")),
    createForm(refresh));
}

function archiveButton(exercise, refresh) {
  const button = h("button", { type: "button" }, t("library.archive", { name: exercise.name }));
  button.addEventListener("click", () => busy(button, async () => {
    await api.request("PATCH", `/exercises/${exercise.id}`, { body: { archived: true } });
    announce(t("library.archivedNow", { name: exercise.name }));
    refresh();
  }));
  return button;
}

function createForm(refresh) {
  const name = h("input", { name: "name", required: true, maxlength: 200 });
  const instructions = h("textarea", { name: "instructions", rows: 3, required: true });
  const region = h("select", { name: "body_region" }, options(REGIONS, "region.", "hip"));
  const category = h("select", { name: "category" }, options(CATEGORIES, "category.", "mobility"));
  const sets = h("input", { type: "number", name: "default_sets", value: 2, min: 1, max: 20 });
  const reps = h("input", { type: "number", name: "default_reps", value: 10, min: 1, max: 100 });
  const hold = h("input", { type: "number", name: "default_hold_seconds", min: 0, max: 600 });
  const media = h("input", { type: "url", name: "media_url", placeholder: "https://" });
  const submit = h("button", { type: "submit", class: "primary" }, t("library.create"));
  const form = h("form", { class: "stack", novalidate: true }, field(t("library.col.name"), name), field(t("library.instructions"), instructions),
    h("div", { class: "row" }, field(t("library.region"), region), field(t("library.category"), category),
      field(t("dose.field.sets"), sets), field(t("dose.field.reps"), reps), field(t("dose.field.hold"), hold)),
    field(t("library.media"), media, { hint: t("library.mediaHint") }), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const optional = (input) => (input.value === "" ? null : Number(input.value));
      try {
        await api.post("/exercises", {
          name: name.value.trim(), instructions: instructions.value.trim(), body_region: region.value, category: category.value,
          default_sets: Number(sets.value || 1), default_reps: optional(reps), default_hold_seconds: optional(hold), media_url: media.value.trim() || null,
        });
        announce(t("library.created", { name: name.value.trim() }));
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return section(t("library.new"), form);
}
