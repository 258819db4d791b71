// Free screenings for people who are not patients yet: the public request page (no sign-in) and the
// page the confirmation email links to. Nothing reaches the clinic until the email is confirmed.

import * as api from "../../shared/api.js";
import { deviceZone, formatDateTime } from "../../shared/dates.js";
import { h, uid } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { alertBox, busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";

const RED_FLAGS = ["night_pain", "fever", "unexplained_weight_loss", "bladder_or_bowel_change", "saddle_numbness", "recent_trauma"];

function check(name, value, label) {
  const id = uid("c");
  return h("div", { class: "check" }, h("input", { type: "checkbox", name, value, id }), h("label", { for: id }, label));
}

function slotChoices(slots, zone) {
  const select = h("select", { name: "slot" }, h("option", { value: "" }, t("screening.anyTime")));
  for (const slot of slots) {
    const when = formatDateTime(slot.starts_at, zone, { dateStyle: "full", timeStyle: "short" });
    select.append(h("option", { value: JSON.stringify({ therapist_id: slot.therapist_id, starts_at: slot.starts_at }) },
      t("screening.slotOption", { when, therapist: slot.therapist_name })));
  }
  return select;
}

/** The details the form gives, as POST /screening-requests takes them. */
function requestBody(form, zone) {
  const value = (name) => form.elements[name].value.trim();
  const body = {
    first_name: value("first_name"),
    last_name: value("last_name"),
    email: value("email"),
    timezone: zone,
    red_flags: [...form.querySelectorAll("input[name=red_flags]:checked")].map((box) => box.value),
    consent_to_contact: form.elements.consent_to_contact.checked,
  };
  for (const name of ["phone", "date_of_birth", "message", "website"]) if (value(name)) body[name] = value(name);
  if (form.elements.slot.value) body.slot = JSON.parse(form.elements.slot.value);
  return body;
}

export async function screening(view, { refresh }) {
  const zone = deviceZone();
  let slots = [];
  let slotsProblem = null;
  try {
    slots = (await api.get("/slots", { kind: "screening" })).items;
  } catch (error) {
    slotsProblem = alertBox(error);
  }
  const flagsId = uid("flags");
  const form = h("form", { class: "stack" },
    formError(),
    field(t("screening.firstName"), h("input", { name: "first_name", autocomplete: "given-name", required: true, maxlength: 100 })),
    field(t("screening.lastName"), h("input", { name: "last_name", autocomplete: "family-name", required: true, maxlength: 100 })),
    field(t("screening.email"), h("input", { type: "email", name: "email", autocomplete: "email", required: true, maxlength: 254 }),
      { hint: t("screening.emailHint") }),
    field(t("screening.phone"), h("input", { type: "tel", name: "phone", autocomplete: "tel", maxlength: 32 })),
    field(t("screening.birth"), h("input", { type: "date", name: "date_of_birth", autocomplete: "bday" })),
    field(t("screening.slot"), slotChoices(slots, zone), { hint: slots.length ? t("screening.slotHint", { zone }) : t("screening.noSlots") }),
    h("fieldset", { class: "choices", "aria-describedby": flagsId }, h("legend", {}, t("screening.flags")),
      h("p", { class: "hint", id: flagsId }, t("screening.flagsHint")),
      RED_FLAGS.map((flag) => check("red_flags", flag, t(`screening.flag.${flag}`)))),
    field(t("screening.message"), h("textarea", { name: "message", maxlength: 2000, rows: 3 })),
    // People never see this field; form-filling bots do, and their request is quietly dropped.
    h("div", { class: "visually-hidden", "aria-hidden": "true" },
      h("label", { for: "screening-website" }, "Website"),
      h("input", { id: "screening-website", name: "website", tabindex: "-1", autocomplete: "off" })),
    h("div", { class: "check" }, h("input", { type: "checkbox", name: "consent_to_contact", id: "screening-consent", required: true }),
      h("label", { for: "screening-consent" }, t("screening.consent"))),
    h("button", { type: "submit", class: "primary" }, t("screening.submit")),
  );
  const done = h("div", {});
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await api.postAnonymous("/screening-requests", requestBody(form, zone));
        form.hidden = true;
        done.replaceChildren(notice(t("screening.sent", { email: form.elements.email.value.trim() }), "ok"));
        done.querySelector(".notice").setAttribute("tabindex", "-1");
        done.querySelector(".notice").focus();
      } catch (error) {
        showErrors(form, error);
        if (error instanceof api.ApiError && error.status === 409) {
          form.querySelector(".form-error").append(notice(t("screening.slotTaken"), "warn"));
          const fresh = slotChoices((await api.get("/slots", { kind: "screening" })).items, zone);
          form.elements.slot.replaceWith(fresh);
        }
      }
    });
  });
  page(view, t("screening.title"), h("p", { class: "lead" }, t("screening.lead")), slotsProblem, form, done,
    h("p", {}, h("a", { href: "/app/signin" }, t("screening.patients"))));
  void refresh;
}

export async function screeningConfirm(view, { query }) {
  const token = query.get("token");
  if (!token) return page(view, t("screening.confirmTitle"), notice(t("link.incomplete"), "warn"));
  const button = h("button", { type: "button", class: "primary" }, t("screening.confirm"));
  const result = h("div", {});
  button.addEventListener("click", () => busy(button, async () => {
    try {
      await api.postAnonymous("/screening-requests/confirm", { token });
      history.replaceState(null, "", location.pathname);
      button.remove();
      result.replaceChildren(notice(t("screening.confirmed"), "ok"));
    } catch (error) {
      const bad = error instanceof api.ApiError && error.status === 422;
      result.replaceChildren(bad ? notice(t("screening.confirmExpired"), "warn") : alertBox(error));
    }
  }));
  page(view, t("screening.confirmTitle"), h("p", { class: "lead" }, t("screening.confirmLead")), button, result);
}
