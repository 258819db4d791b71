// Outcome questionnaires: NPRS and PSFS forms; the ODI as its ten sections with a 0-5 choice each,
// the answers worded only by the clinic's licensed text (GET /outcomes/odi/form), else numbered.

import * as api from "../../shared/api.js";
import { h, uid } from "../../shared/dom.js";
import { lang, t } from "../../shared/i18n.js";
import { navigate } from "../../shared/router.js";
import { session } from "../session.js";
import { alertBox, alertText, busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";
import { INSTRUMENTS, scoreText } from "./progress.js";
import { painSlider } from "./today.js";

const PSFS = { min: 3, max: 5, activityLength: 200 };

function scoreSelect(name, label) {
  const select = h("select", { name, required: true },
    h("option", { value: "" }, t("psfs.choose")),
    Array.from({ length: 11 }, (_, n) => h("option", { value: String(n) }, String(n))));
  return field(label, select);
}

function psfsRow(index, activity = "") {
  const row = h("fieldset", { class: "psfs-row" }, h("legend", {}, t("psfs.activityN", { n: index + 1 })),
    field(t("psfs.activity"), h("input", { type: "text", name: `activity-${index}`, value: activity, required: true, maxlength: PSFS.activityLength, autocomplete: "off" })),
    scoreSelect(`score-${index}`, t("psfs.score")));
  return row;
}

async function psfsFields(form) {
  // The same activities as last time, so the scores can be compared; the patient may change them.
  let previous = [];
  try {
    const answer = await api.get(`/patients/${session.user.patient_id}/outcomes`, { instrument: "psfs", per_page: 200 });
    const last = answer.items[answer.items.length - 1];
    previous = last ? last.answers.map((a) => a.activity) : [];
  } catch {
    previous = [];
  }
  const rows = h("div", { class: "stack" });
  let count = Math.min(PSFS.max, Math.max(PSFS.min, previous.length));
  const addButton = h("button", { type: "button", class: "secondary" }, t("psfs.add"));
  const removeButton = h("button", { type: "button", class: "secondary" }, t("psfs.remove"));
  const draw = () => {
    const kept = [...rows.querySelectorAll("input[type=text]")].map((input) => input.value);
    rows.replaceChildren(...Array.from({ length: count }, (_, i) => psfsRow(i, kept[i] ?? previous[i] ?? "")));
    addButton.disabled = count >= PSFS.max;
    removeButton.disabled = count <= PSFS.min;
  };
  addButton.addEventListener("click", () => { count += 1; draw(); rows.lastChild.querySelector("input").focus(); });
  removeButton.addEventListener("click", () => { count -= 1; draw(); addButton.focus(); });
  draw();
  form.append(h("p", { class: "hint" }, t("psfs.scale")), rows, h("div", { class: "row" }, addButton, removeButton));
  return () => Array.from({ length: count }, (_, i) => ({
    activity: form.elements[`activity-${i}`].value.trim(),
    score: Number(form.elements[`score-${i}`].value),
  }));
}

async function odiFields(form) {
  const odi = await api.get("/outcomes/odi/form", { language: lang() });
  const worded = odi.sections.some((section) => section.answers);
  form.append(h("p", { class: "hint" }, worded ? t("odi.instructions") : t("odi.neutral")),
    h("p", { class: "hint" }, t("odi.skip", { count: odi.sections.length - odi.min_answered })));
  odi.sections.forEach((section, index) => {
    const legendId = uid("odi");
    const options = Array.from({ length: odi.max_answer + 1 }, (_, n) => {
      const id = uid("odi-opt");
      const text = section.answers ? section.answers[n] : String(n);
      return h("span", { class: section.answers ? "option" : "chip" },
        h("input", { type: "radio", name: `section-${index}`, id, value: String(n) }),
        h("label", { for: id }, section.answers ? `${n}. ${text}` : text));
    });
    form.append(h("fieldset", { class: "choices odi", "aria-labelledby": legendId },
      h("legend", { id: legendId }, `${index + 1}. ${t(`odi.section.${section.key}`)}`),
      h("div", { class: section.answers ? "options" : "chips" }, options)));
  });
  return () => {
    const answers = odi.sections.map((_, index) => {
      const chosen = form.querySelector(`input[name="section-${index}"]:checked`);
      return chosen ? Number(chosen.value) : null;
    });
    if (answers.filter((a) => a !== null).length < odi.min_answered) {
      throw new Error(t("odi.tooFew", { count: odi.min_answered }));
    }
    return answers;
  };
}

function resultPanel(outcome) {
  return h("div", { class: "stack" },
    notice(`${t("outcome.saved")} ${scoreText(outcome)}${outcome.interpretation ? ` · ${t(`band.${outcome.interpretation}`)}` : ""}`, "ok"),
    h("p", {}, h("a", { href: "/app/progress", class: "button primary" }, t("outcome.back"))));
}

export async function questionnaire(view, { params }) {
  const instrument = params.instrument;
  if (!INSTRUMENTS.includes(instrument)) return navigate("/app/progress", { replace: true });
  const form = h("form", { class: "stack questionnaire" }, formError());
  let answers;
  try {
    if (instrument === "nprs") {
      form.append(painSlider("score", t("nprs.question"), 0));
      answers = () => [Number(form.elements.score.value)];
    } else if (instrument === "psfs") {
      form.append(h("p", {}, t("psfs.intro")));
      answers = await psfsFields(form);
    } else {
      answers = await odiFields(form);
    }
  } catch (error) {
    return page(view, t(`outcome.name.${instrument}`), alertBox(error));
  }
  form.append(h("button", { type: "submit", class: "primary" }, t("outcome.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(form.querySelector("button[type=submit]"), async () => {
      let body;
      try {
        body = { instrument, answers: answers(), completed_at: new Date().toISOString() };
      } catch (problem) {
        showErrors(form, null);
        form.querySelector(".form-error").append(alertText(problem.message));
        form.querySelector(".form-error").focus();
        return;
      }
      try {
        const outcome = await api.post(`/patients/${session.user.patient_id}/outcomes`, body);
        form.replaceWith(resultPanel(outcome));
        view.querySelector(".notice")?.focus?.();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  page(view, t(`outcome.name.${instrument}`), h("p", { class: "lead" }, t(`outcome.intro.${instrument}`)), form,
    h("p", {}, h("a", { href: "/app/progress" }, t("outcome.back"))));
}
