// Therapists (admins): the clinic's therapists, and inviting a new one (the invitation is emailed).

import * as api from "../../shared/api.js";
import { announce, h } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import { navigate } from "../../shared/router.js";
import { busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";
import { day, fullName, section, table } from "../common.js";

export async function therapists(view, { query }) {
  const list = await api.everyPage("/therapists");
  const invited = query.get("invited");
  page(view, t("therapists.title"),
    invited ? notice(t("therapists.invited", { email: invited }), "ok") : null,
    table(t("therapists.title"), [t("therapists.col.name"), t("therapists.col.email"), t("therapists.col.since")],
      list.map((th) => [fullName(th), th.pending_email ? `${th.email} → ${th.pending_email}` : th.email, day(th.created_at.slice(0, 10))])),
    inviteForm());
}

function inviteForm() {
  const first = h("input", { name: "first_name", required: true, autocomplete: "off" });
  const last = h("input", { name: "last_name", required: true, autocomplete: "off" });
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "off" });
  const submit = h("button", { type: "submit", class: "primary" }, t("therapists.invite"));
  const form = h("form", { class: "stack", novalidate: true },
    h("div", { class: "row" }, field(t("therapists.first"), first), field(t("therapists.last"), last)), field(t("therapists.col.email"), email), formError(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        const made = await api.post("/therapists", { email: email.value.trim(), first_name: first.value.trim(), last_name: last.value.trim() });
        announce(t("therapists.invited", { email: made.email }));
        navigate(`/clinic/therapists?invited=${encodeURIComponent(made.email)}`, { replace: true });
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return section(t("therapists.new"), h("p", { class: "hint" }, t("therapists.newHint")), form);
}
