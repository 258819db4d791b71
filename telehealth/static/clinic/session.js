// Who is signed in to the console (GET /me). Nothing about patients is kept on the device.

import * as api from "../shared/api.js";

export const session = { user: null };
// Set while this browser has a console session, so a visitor who never signed in costs no 401.
const SIGNED_IN = "telehealth.clinic.signedIn";

export async function load() {
  session.user = null;
  if (!localStorage.getItem(SIGNED_IN)) return;
  try {
    session.user = await api.get("/me");
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    forget();
  }
}

/** Where a signed-in person starts: a therapist's caseload, an admin's list of patients. */
export function home() {
  return session.user?.role === "admin" ? "/clinic/patients" : "/clinic/caseload";
}

export function isStaff() {
  return ["therapist", "admin"].includes(session.user?.role);
}

export async function signIn(email, password) {
  const answer = await api.postAnonymous("/auth/login", { email, password });
  api.setCsrf(answer.csrf_token);
  localStorage.setItem(SIGNED_IN, "1");
  session.user = answer.user;
  return answer.user;
}

export async function signOut() {
  try {
    await api.post("/auth/logout");
  } catch {
    // Already signed out, or the server is unreachable: this browser forgets the session anyway.
  }
  forget();
}

export function forget() {
  api.setCsrf(null);
  localStorage.removeItem(SIGNED_IN);
  session.user = null;
}
