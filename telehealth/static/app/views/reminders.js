// Reminders: time, channels and quiet hours (PUT /reminder-settings), and Web Push for this browser.

import * as api from "../../shared/api.js";
import { h, uid } from "../../shared/dom.js";
import { t } from "../../shared/i18n.js";
import * as push from "../push.js";
import { fresh, session, staleNote } from "../session.js";
import { alertBox, busy, field, formError, notice, page, showErrors } from "../../shared/ui.js";

const CHANNELS = ["email", "sms", "push"];

function checkbox(name, label, checked, value = "on") {
  const id = uid(name);
  return h("div", { class: "check" }, h("input", { type: "checkbox", name, id, value, checked }), h("label", { for: id }, label));
}

function settingsForm(settings, path) {
  const form = h("form", { class: "stack" },
    formError(),
    checkbox("enabled", t("reminders.enabled"), settings.enabled),
    field(t("reminders.time"), h("input", { type: "time", name: "exercise_reminder_time", value: settings.exercise_reminder_time, required: true })),
    h("fieldset", { class: "choices" }, h("legend", {}, t("reminders.channels")),
      CHANNELS.map((channel) => checkbox("channels", t(`reminders.channel.${channel}`), settings.channels.includes(channel), channel))),
    h("fieldset", { class: "choices" }, h("legend", {}, t("reminders.quiet")),
      h("p", { class: "hint" }, t("reminders.quietHint")),
      h("div", { class: "row" },
        field(t("reminders.quietStart"), h("input", { type: "time", name: "quiet_hours_start", value: settings.quiet_hours_start || "" })),
        field(t("reminders.quietEnd"), h("input", { type: "time", name: "quiet_hours_end", value: settings.quiet_hours_end || "" })))),
    h("button", { type: "submit", class: "primary" }, t("reminders.save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(form.querySelector("button[type=submit]"), async () => {
      const data = new FormData(form);
      try {
        await api.put(path, {
          enabled: data.get("enabled") === "on",
          exercise_reminder_time: data.get("exercise_reminder_time"),
          channels: data.getAll("channels"),
          quiet_hours_start: data.get("quiet_hours_start") || null,
          quiet_hours_end: data.get("quiet_hours_end") || null,
        });
        showErrors(form, null);
        form.querySelector(".form-error").append(notice(t("reminders.saved"), "ok"));
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return form;
}

async function pushCard(form, path) {
  const userId = session.user.id;
  const state = h("p", { role: "status" });
  const button = h("button", { type: "button", class: "secondary" });
  const problem = h("div", {});
  const draw = (status) => {
    state.textContent = t(`push.status.${status}`);
    button.hidden = status === "unsupported" || status === "blocked" || status === "not-configured";
    button.textContent = status === "on" ? t("push.turnOff") : t("push.turnOn");
    button.dataset.status = status;
  };
  button.addEventListener("click", () => busy(button, async () => {
    problem.replaceChildren();
    try {
      if (button.dataset.status === "on") return draw(await push.turnOff(userId));
      const status = await push.turnOn(userId);
      if (status === "on") {
        // Subscribing means "send me pushes": the push channel goes on with it.
        const box = form.querySelector('input[name="channels"][value="push"]');
        if (box && !box.checked) {
          const settings = await api.get(path);
          await api.put(path, { channels: [...settings.channels, "push"] });
          box.checked = true;
        }
      }
      draw(status); // the status line is a live region: the change is read out
    } catch (error) {
      problem.replaceChildren(alertBox(error));
    }
  }));
  draw(await push.status(userId));
  return h("section", { class: "card", "aria-labelledby": "push-title" },
    h("h2", { id: "push-title" }, t("push.title")), h("p", {}, t("push.lead")), state, button, problem);
}

export async function reminders(view) {
  const path = `/patients/${session.user.patient_id}/reminder-settings`;
  let result;
  try {
    result = await fresh("reminders", () => api.get(path));
  } catch (error) {
    return page(view, t("reminders.title"), alertBox(error));
  }
  const form = settingsForm(result.value, path);
  page(view, t("reminders.title"), staleNote(result),
    h("section", { class: "card", "aria-labelledby": "settings-title" }, h("h2", { id: "settings-title" }, t("reminders.settings")), form),
    await pushCard(form, path));
}
