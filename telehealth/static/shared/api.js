// The one way the app talks to the backend: /api/v1 with the session cookie, X-CSRF-Token on unsafe
// methods, and RFC 9457 problem details turned into errors the views can show.

const BASE = "/api/v1";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let csrf = null;

/** The backend answered with a problem (4xx/5xx). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || "";
    this.detail = problem.detail || "";
    this.errors = problem.errors || {};
  }
}

/** No answer at all: offline, or the server could not be reached. */
export class OfflineError extends Error {}

export function setCsrf(token) {
  csrf = token;
}

async function csrfToken() {
  if (!csrf) csrf = (await send("GET", "/auth/csrf")).csrf_token;
  return csrf;
}

async function send(method, path, { body, query, anonymous = false } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // Routes for people not signed in (sign-in, emailed links) take no CSRF token.
  if (UNSAFE.has(method) && !anonymous) headers["X-CSRF-Token"] = await csrfToken();
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new OfflineError("offline");
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => ({})) : {};
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function request(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (error) {
    // A token from an earlier session (signed in again in another tab): fetch the current one, once.
    if (error instanceof ApiError && error.status === 403 && UNSAFE.has(method) && /CSRF/i.test(error.detail)) {
      csrf = null;
      return send(method, path, options);
    }
    throw error;
  }
}

export const get = (path, query) => request("GET", path, { query });
export const post = (path, body) => request("POST", path, { body });
/** For the routes that need no sign-in: login, invitations, password reset, email-change links. */
export const postAnonymous = (path, body) => request("POST", path, { body, anonymous: true });
export const put = (path, body) => request("PUT", path, { body });
export const del = (path) => request("DELETE", path);

/** Every item of a list endpoint, page by page (200 at a time, the API's most). */
export async function everyPage(path, query = {}) {
  const items = [];
  for (let page = 1; page <= 20; page += 1) {
    const answer = await get(path, { ...query, page, per_page: 200 });
    items.push(...answer.items);
    if (items.length >= answer.total || !answer.items.length) break;
  }
  return items;
}
