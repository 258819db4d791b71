// Pieces every view uses: the page heading, fields with their hints and errors, problem messages.

import { ApiError, OfflineError } from "./api.js";
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";

/** The control to focus once the current redraw is done (a view sets it before asking for one). */
export const focusAfterRedraw = { id: null };

/** Replace the view's content with a page: its h1 first (focused after navigation), then the rest. */
export function page(view, title, ...children) {
  view.replaceChildren(h("h1", { id: "page-title", tabindex: "-1" }, title), ...children.filter((c) => c !== null && c !== undefined && c !== false));
}

export function errorText(error) {
  if (error instanceof OfflineError) return t("error.offline");
  if (!(error instanceof ApiError)) return t("error.unexpected");
  const generic = {
    401: t("error.signedOut"),
    403: t("error.forbidden"),
    404: t("error.notFound"),
    422: t("error.check"),
    429: t("error.tooMany"),
  }[error.status];
  if (error.status >= 500) return t("error.server");
  if (error.status === 409 || !generic) return error.detail || error.title || t("error.unexpected");
  return generic;
}

/** A problem shown where it happened; role=alert so it is read out at once. */
export function alertBox(error) {
  return alertText(errorText(error));
}

export function alertText(text) {
  return h("div", { class: "alert", role: "alert" }, h("p", {}, text));
}

export function notice(text, kind = "info") {
  return h("div", { class: `notice ${kind}`, role: "status" }, h("p", {}, text));
}

/** A labelled control: label, the input, an optional hint, and a slot for its error. */
export function field(label, input, { hint } = {}) {
  input.id = input.id || uid("f");
  const described = [];
  const parts = [h("label", { for: input.id }, label)];
  if (hint) {
    const hintId = uid("hint");
    described.push(hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  parts.push(input);
  return h("div", { class: "field" }, parts);
}

/** Mark each field the backend named in `errors` and say what is wrong next to it. */
export function showErrors(form, error) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const bad of form.querySelectorAll("[aria-invalid]")) bad.removeAttribute("aria-invalid");
  const slot = form.querySelector(".form-error");
  if (slot) slot.replaceChildren();
  if (!error) return;
  let firstBad = null;
  if (error instanceof ApiError) {
    for (const [name, messages] of Object.entries(error.errors || {})) {
      const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!input) continue;
      const id = uid("err");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} ${id}`.trim());
      input.closest(".field, fieldset").append(h("p", { class: "field-error", id }, messages.join(" ")));
      firstBad = firstBad || input;
    }
  }
  if (slot) slot.append(alertBox(error));
  (firstBad || slot)?.focus?.();
}

export function formError() {
  return h("div", { class: "form-error", tabindex: "-1" });
}

/** Disable a button while its work runs, so a double tap sends nothing twice. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function passwordInput(name, autocomplete) {
  return h("input", { type: "password", name, autocomplete, required: true, minlength: 10, maxlength: 128 });
}
