// Sign-in for clinic staff: the same POST /auth/login as every browser client.

import { h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { navigate } from "../../shared/router.js";
import { busy, field, formError, page, passwordInput, showErrors } from "../../shared/ui.js";
import { home, isStaff, signIn } from "../session.js";

export async function signin(view, { query }) {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = passwordInput("password", "current-password");
  const submit = h("button", { type: "submit", class: "primary" }, t("signin.submit"));
  const form = h("form", { class: "card stack narrow", novalidate: true },
    field(t("signin.email"), email), field(t("signin.password"), password), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await signIn(email.value.trim(), password.value);
      } catch (error) {
        showErrors(form, error);
        return;
      }
      const next = query.get("next");
      navigate(isStaff() && next && next.startsWith("/clinic/") ? next : isStaff() ? home() : "/clinic/caseload", { replace: true });
    });
  });
  page(view, t("signin.title"), h("p", { class: "lead" }, t("signin.lead")), form);
}
