// Program templates: the clinic's reusable protocols, and building a new one from library exercises.

import * as api from "../../shared/api.js";
import { announce, h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { busy, field, formError, page, showErrors } from "../../shared/ui.js";
import { daysText, dose, section } from "../common.js";
import { doseFields, readDose } from "./patient-program.js";

export async function templates(view, { refresh }) {
  const [list, exercises] = await Promise.all([api.everyPage("/program-templates"), api.everyPage("/exercises")]);
  page(view, t("templates.title"),
    list.length ? h("div", { class: "columns" }, list.map((tpl) => section(tpl.name,
      tpl.description ? h("p", {}, tpl.description) : null,
      h("ol", {}, tpl.items.map((item) => h("li", {}, h("strong", {}, item.exercise.name), ` · ${dose(item)} · ${daysText(item.days_of_week)}`))))))
      : h("p", {}, t("templates.none")),
    builder(exercises.filter((e) => !e.archived), refresh));
}

function builder(exercises, refresh) {
  const name = h("input", { name: "name", required: true, maxlength: 200 });
  const description = h("textarea", { name: "description", rows: 2 });
  const items = h("ol", { class: "template-items" });
  let count = 0;
  const addItem = () => {
    count += 1;
    const prefix = `tpl-${count}`;
    const exercise = h("select", { name: "exercise_id", id: `${prefix}-exercise` }, exercises.map((e) => h("option", { value: e.id }, e.name)));
    const remove = h("button", { type: "button" }, t("templates.removeItem", { number: count }));
    const item = h("li", { class: "card" }, field(t("templates.exercise"), exercise), doseFields({}, prefix), remove);
    remove.addEventListener("click", () => { item.remove(); add.focus(); });
    items.append(item);
    exercise.focus();
  };
  const add = h("button", { type: "button" }, t("templates.addItem"));
  add.addEventListener("click", addItem);
  const submit = h("button", { type: "submit", class: "primary" }, t("templates.save"));
  const form = h("form", { class: "stack", novalidate: true },
    field(t("templates.name"), name), field(t("templates.description"), description), items, add, formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const body = {
        name: name.value.trim(), description: description.value.trim() || null,
        items: [...items.children].map((item) => ({ exercise_id: item.querySelector('[name="exercise_id"]').value, ...readDose(item) })),
      };
      try {
        await api.post("/program-templates", body);
        announce(t("templates.saved", { name: body.name }));
        refresh();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  addItem();
  return section(t("templates.new"), form);
}
