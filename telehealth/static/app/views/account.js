// Account: who is signed in (and a pending email change), language, the printable program,
// password change and sign-out.

import * as api from "../../shared/api.js";
import { h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { navigate } from "../../shared/router.js";
import { fresh, session, signOut } from "../session.js";
import * as sync from "../sync.js";
import { busy, field, formError, notice, page, passwordInput, showErrors } from "../../shared/ui.js";
import { languagePicker } from "./auth.js";

function passwordForm() {
  const form = h("form", { class: "stack" },
    formError(),
    field(t("password.current"), passwordInput("current_password", "current-password")),
    field(t("password.new"), passwordInput("new_password", "new-password"), { hint: t("password.rules") }),
    field(t("password.confirm"), passwordInput("confirm", "new-password")),
    h("button", { type: "submit", class: "primary" }, t("password.change")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const confirm = form.elements.confirm;
    confirm.setCustomValidity(confirm.value === form.elements.new_password.value ? "" : t("password.mismatch"));
    if (!confirm.reportValidity()) return;
    await busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await api.post("/me/password", { current_password: form.elements.current_password.value, new_password: form.elements.new_password.value });
        form.reset();
        showErrors(form, null);
        form.querySelector(".form-error").append(notice(t("password.changed"), "ok"));
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}

export async function account(view, { refresh }) {
  // Fresh, not the copy from sign-in: a pending email change may have been asked for since.
  const user = (await fresh("me", () => api.get("/me"))).value;
  session.user = user;
  const waiting = (await sync.waiting(user.patient_id)).length;
  const signOutButton = h("button", { type: "button", class: "secondary" }, t("account.signOut"));
  signOutButton.addEventListener("click", () => busy(signOutButton, async () => {
    await signOut();
    navigate("/app/signin", { replace: true });
  }));
  page(view, t("account.title"),
    h("section", { class: "card", "aria-labelledby": "me-title" },
      h("h2", { id: "me-title" }, `${user.first_name} ${user.last_name}`),
      h("p", {}, t("account.email", { email: user.email })),
      user.pending_email ? notice(t("account.pendingEmail", { pending: user.pending_email, email: user.email }), "warn") : null),
    h("section", { class: "card", "aria-labelledby": "lang-title" },
      h("h2", { id: "lang-title" }, t("language.title")), languagePicker(refresh)),
    h("section", { class: "card", "aria-labelledby": "program-title" },
      h("h2", { id: "program-title" }, t("account.program")),
      h("p", {}, h("a", { href: `/api/v1/patients/${user.patient_id}/program.pdf`, download: "program.pdf", class: "button secondary" }, t("account.programPdf")))),
    h("section", { class: "card", "aria-labelledby": "password-title" },
      h("h2", { id: "password-title" }, t("password.change")), passwordForm()),
    h("section", { class: "card", "aria-labelledby": "signout-title" },
      h("h2", { id: "signout-title" }, t("account.signOut")),
      waiting ? notice(t("account.waiting", { count: waiting }), "warn") : null,
      signOutButton));
}
