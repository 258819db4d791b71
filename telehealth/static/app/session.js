// Who is signed in (GET /me) and their patient record, kept on the device for offline use.

import * as api from "../shared/api.js";
import * as store from "./store.js";
import { deviceZone } from "../shared/dates.js";
import { t } from "../shared/i18n.js";
import { notice } from "../shared/ui.js";

export const session = { user: null, patient: null, offline: false };
// Set while this browser has a session, so a visitor who never signed in costs no 401 from GET /me.
const SIGNED_IN = "telehealth.signedIn";

/** Cached answers, per signed-in patient: fresh from the backend when online, the last seen when not. */
export async function fresh(key, load) {
  const name = `${session.user?.id || "anon"}:${key}`;
  try {
    const value = await load();
    await store.put("cache", { key: name, value, at: Date.now() });
    return { value, stale: false };
  } catch (error) {
    if (error instanceof api.OfflineError) {
      const hit = await store.get("cache", name);
      if (hit) return { value: hit.value, stale: true, at: hit.at };
    }
    throw error;
  }
}

export async function load() {
  if (!localStorage.getItem(SIGNED_IN)) {
    session.user = null;
    return;
  }
  try {
    const me = await api.get("/me");
    session.user = me;
    session.offline = false;
    await store.put("cache", { key: "me", value: me, at: Date.now() });
  } catch (error) {
    if (!(error instanceof api.OfflineError)) {
      await forget();
      return;
    }
    const cached = await store.get("cache", "me");
    session.user = cached ? cached.value : null;
    session.offline = true;
  }
  await loadPatient();
}

async function loadPatient() {
  session.patient = null;
  if (!session.user || !session.user.patient_id) return;
  try {
    session.patient = (await fresh("patient", () => api.get(`/patients/${session.user.patient_id}`))).value;
  } catch {
    session.patient = null;
  }
}

export function zone() {
  return session.patient?.timezone || deviceZone();
}

export async function signIn(email, password, remember) {
  const answer = await api.postAnonymous("/auth/login", { email, password, remember });
  api.setCsrf(answer.csrf_token);
  localStorage.setItem(SIGNED_IN, "1");
  session.user = answer.user;
  session.offline = false;
  await store.put("cache", { key: "me", value: answer.user, at: Date.now() });
  await loadPatient();
  return answer.user;
}

/** Ends the session and forgets every cached answer; logs not yet sent stay until this patient is back. */
export async function signOut() {
  try {
    await api.post("/auth/logout");
  } catch {
    // Offline or already signed out: the device forgets the session all the same.
  }
  await forget();
}

/** The session ended (sign-out, password reset, email change): drop it and every cached answer. */
export async function forget() {
  api.setCsrf(null);
  localStorage.removeItem(SIGNED_IN);
  await store.clear("cache");
  session.user = null;
  session.patient = null;
}

/** Said above answers that come from this device's cache because the app is offline. */
export function staleNote(result) {
  if (!result.stale) return null;
  const when = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" })
    .format(new Date(result.at));
  return notice(t("offline.lastSeen", { when }), "warn");
}
