// A small history router for one app's pages (/app/... or /clinic/...): a table of paths, each with
// a view and who may see it. Each app names its prefix once, before its routes.

let PREFIX = "/app";
const routes = [];
let onChange = () => {};

export function setPrefix(prefix) {
  PREFIX = prefix;
}

/**
 * route("/visits/:id", view, {access}) where access is "member" (signed in as one the app is for;
 * the default), "guest" (people not signed in: sign-in, invitation) or "anyone" (links from emails).
 * Any other option (nav, roles...) is kept on the entry for the app to read.
 */
export function route(path, view, { access = "member", ...more } = {}) {
  const keys = [];
  const pattern = path.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return "([^/]+)";
  });
  routes.push({ ...more, path, view, access, keys, regex: new RegExp(`^${PREFIX}${pattern}/?$`) });
}

export function match(pathname) {
  for (const entry of routes) {
    const found = entry.regex.exec(pathname);
    if (found) {
      const params = Object.fromEntries(entry.keys.map((key, i) => [key, decodeURIComponent(found[i + 1])]));
      return { ...entry, params };
    }
  }
  return null;
}

export function routePaths() {
  return routes.map((entry) => entry.path);
}

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.origin);
  if (replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  onChange();
}

/** Links inside the app change the view without reloading the page. */
export function start(render) {
  onChange = render;
  window.addEventListener("popstate", render);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.target || link.hasAttribute("download") || link.getAttribute("href").startsWith("#")) return;
    const url = new URL(link.href, location.origin);
    if (url.origin !== location.origin || !url.pathname.startsWith(`${PREFIX}/`)) return;
    event.preventDefault();
    navigate(url);
  });
  render();
}
