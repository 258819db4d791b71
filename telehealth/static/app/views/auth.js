// Pages for people not signed in, and the pages emails link to: sign-in, invitation, password reset,
// email-change confirmation and unsubscribe.

import * as api from "../../shared/api.js";
import { h } from "../../shared/dom.js";
import { LANGUAGES, lang, setLanguage, t } from "../../shared/i18n.js";
import { navigate } from "../../shared/router.js";
import { forget, signIn, signOut } from "../session.js";
import { alertBox, alertText, busy, field, formError, notice, page, passwordInput, showErrors } from "../../shared/ui.js";

/** Read a link's token once and take it out of the address bar and history. */
function takeToken(query) {
  const token = query.get("token");
  if (token) history.replaceState(null, "", location.pathname);
  return token;
}
const tokens = new Map();
function linkToken(query) {
  const key = location.pathname;
  if (!tokens.has(key) || query.get("token")) tokens.set(key, takeToken(query));
  return tokens.get(key);
}

export function languagePicker(onChange) {
  const select = h(
    "select",
    { name: "language", autocomplete: "off" },
    LANGUAGES.map((code) => h("option", { value: code, selected: code === lang() }, t(`language.${code}`))),
  );
  select.addEventListener("change", async () => {
    await setLanguage(select.value);
    onChange();
  });
  return field(t("language.label"), select);
}

function samePasswords(form) {
  const [first, second] = [form.elements.password, form.elements.confirm];
  second.setCustomValidity(first.value === second.value ? "" : t("password.mismatch"));
  return second.reportValidity();
}

function newPasswordFields() {
  return [
    field(t("password.new"), passwordInput("password", "new-password"), { hint: t("password.rules") }),
    field(t("password.confirm"), passwordInput("confirm", "new-password")),
  ];
}

export async function signin(view, { query, render }) {
  const form = h(
    "form",
    { class: "stack", novalidate: false },
    formError(),
    field(t("signin.email"), h("input", { type: "email", name: "email", autocomplete: "username", required: true, maxlength: 254 })),
    field(t("signin.password"), h("input", { type: "password", name: "password", autocomplete: "current-password", required: true, maxlength: 1024 })),
    h("div", { class: "check" }, h("input", { type: "checkbox", name: "remember", id: "remember" }), h("label", { for: "remember" }, t("signin.remember"))),
    h("button", { type: "submit", class: "primary" }, t("signin.submit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    await busy(button, async () => {
      try {
        const user = await signIn(form.elements.email.value.trim(), form.elements.password.value, form.elements.remember.checked);
        if (user.role !== "patient") {
          await signOut();
          showErrors(form, null);
          form.querySelector(".form-error").append(notice(t("signin.notPatient"), "warn"));
          return;
        }
        const next = query.get("next");
        navigate(next && next.startsWith("/app/") ? next : "/app/today", { replace: true });
      } catch (error) {
        const wrong = error instanceof api.ApiError && error.status === 401;
        showErrors(form, wrong ? null : error);
        if (wrong) form.querySelector(".form-error").append(alertText(t("signin.wrong")));
      }
    });
  });
  page(
    view,
    t("signin.title"),
    h("p", { class: "lead" }, t("signin.lead")),
    form,
    h("p", {}, h("a", { href: "/app/reset-password" }, t("signin.forgot"))),
    languagePicker(render),
  );
}

export async function invitation(view, { query }) {
  const token = linkToken(query);
  if (!token) return page(view, t("invitation.title"), notice(t("link.incomplete"), "warn"));
  const form = h("form", { class: "stack" }, formError(), ...newPasswordFields(), h("button", { type: "submit", class: "primary" }, t("invitation.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!samePasswords(form)) return;
    await busy(form.querySelector("button"), async () => {
      try {
        const password = form.elements.password.value;
        const { user } = await api.postAnonymous("/auth/invitations/accept", { token, password });
        tokens.delete(location.pathname);
        await signIn(user.email, password, false);
        navigate("/app/today?welcome=1", { replace: true });
      } catch (error) {
        showErrors(form, error);
        if (error instanceof api.ApiError && error.errors.token) {
          form.querySelector(".form-error").replaceChildren(notice(t("invitation.expired"), "warn"));
        }
      }
    });
  });
  page(view, t("invitation.title"), h("p", { class: "lead" }, t("invitation.lead")), form);
}

export async function resetPassword(view, { query }) {
  const token = linkToken(query);
  if (!token) {
    const form = h(
      "form",
      { class: "stack" },
      formError(),
      field(t("signin.email"), h("input", { type: "email", name: "email", autocomplete: "username", required: true, maxlength: 254 })),
      h("button", { type: "submit", class: "primary" }, t("reset.request")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await busy(form.querySelector("button"), async () => {
        try {
          await api.postAnonymous("/auth/password-reset", { email: form.elements.email.value.trim() });
          form.replaceWith(notice(t("reset.sent"), "ok"));
        } catch (error) {
          showErrors(form, error);
        }
      });
    });
    return page(view, t("reset.title"), h("p", { class: "lead" }, t("reset.lead")), form, h("p", {}, h("a", { href: "/app/signin" }, t("signin.back"))));
  }
  const form = h("form", { class: "stack" }, formError(), ...newPasswordFields(), h("button", { type: "submit", class: "primary" }, t("reset.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!samePasswords(form)) return;
    await busy(form.querySelector("button"), async () => {
      try {
        await api.postAnonymous("/auth/password-reset/confirm", { token, password: form.elements.password.value });
        tokens.delete(location.pathname);
        await forget(); // every session of the account has just ended, this one included
        form.replaceWith(notice(t("reset.done"), "ok"), h("p", {}, h("a", { href: "/app/signin", class: "button primary" }, t("signin.title"))));
      } catch (error) {
        showErrors(form, error);
        if (error instanceof api.ApiError && error.errors.token) {
          form.querySelector(".form-error").replaceChildren(notice(t("reset.expired"), "warn"));
        }
      }
    });
  });
  page(view, t("reset.newTitle"), form);
}

export async function confirmEmail(view, { query }) {
  const token = linkToken(query);
  if (!token) return page(view, t("emailChange.title"), notice(t("link.incomplete"), "warn"));
  const button = h("button", { type: "button", class: "primary" }, t("emailChange.submit"));
  const result = h("div", {});
  button.addEventListener("click", () =>
    busy(button, async () => {
      try {
        const { user } = await api.postAnonymous("/auth/email-change/confirm", { token });
        tokens.delete(location.pathname);
        await forget();
        button.remove();
        result.replaceChildren(
          notice(t("emailChange.done", { email: user.email }), "ok"),
          h("p", {}, h("a", { href: "/app/signin", class: "button primary" }, t("signin.title"))),
        );
      } catch (error) {
        result.replaceChildren(
          error instanceof api.ApiError && error.status === 422 ? notice(t("emailChange.expired"), "warn") : alertBox(error),
        );
      }
    }),
  );
  page(view, t("emailChange.title"), h("p", { class: "lead" }, t("emailChange.lead")), button, result);
}

export async function unsubscribe(view, { query }) {
  const token = linkToken(query);
  if (!token) return page(view, t("unsubscribe.title"), notice(t("link.incomplete"), "warn"));
  page(view, t("unsubscribe.title"), h("p", {}, t("app.loading")));
  let message;
  try {
    const answer = await api.request("GET", "/notifications/unsubscribe", { query: { token } });
    message = notice(t("unsubscribe.done", { channel: t(`channel.${answer.channel}`) }), "ok");
  } catch (error) {
    const bad = error instanceof api.ApiError && (error.status === 400 || error.status === 404 || error.status === 422);
    message = bad ? notice(t("unsubscribe.bad"), "warn") : alertBox(error);
  }
  page(
    view,
    t("unsubscribe.title"),
    message,
    h("p", {}, t("unsubscribe.after")),
    h("p", {}, h("a", { href: "/app/reminders", class: "button" }, t("unsubscribe.settings"))),
  );
}

export async function staffNotice(view) {
  const button = h("button", { type: "button" }, t("account.signOut"));
  button.addEventListener("click", async () => {
    await signOut();
    navigate("/app/signin", { replace: true });
  });
  page(view, t("signin.title"), notice(t("signin.notPatient"), "warn"), button);
}
