// Talking to alertd's API from the console. The token is kept in session
// storage only: it is gone when the tab closes, and never written anywhere
// else. Every call sends it.

const TOKEN_KEY = "alertd.token";
const ACTOR_KEY = "alertd.actor";
const ROLES = ["sender", "viewer", "responder", "incident_manager", "admin"];

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.detail ? `${body.error}: ${body.detail}` : `HTTP ${status}`);
    this.status = status;
    this.reason = body && body.error;
    this.allowed = body && body.allowed;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY) || ""; },
  set token(v) { v ? sessionStorage.setItem(TOKEN_KEY, v) : sessionStorage.removeItem(TOKEN_KEY); },
  // Without an auth section the API takes the actor from the body on trust.
  get actor() { return sessionStorage.getItem(ACTOR_KEY) || ""; },
  set actor(v) { v ? sessionStorage.setItem(ACTOR_KEY, v) : sessionStorage.removeItem(ACTOR_KEY); },
  who: null,  // GET /api/v1/whoami once signed in
};

/** Whether the signed-in role is at least `role`. */
export function may(role) {
  return session.who !== null && ROLES.indexOf(session.who.role) >= ROLES.indexOf(role);
}

/** One API call; resolves to the parsed JSON body, rejects with ApiError. */
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** A path with its query built from the non-empty entries of `params`. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The body of a person's action: without auth the API needs the actor. */
export function acting(fields) {
  const body = { ...fields };
  if (session.who && !session.who.authenticated) body.actor = session.actor;
  return body;
}

/** Asks the API who the token is; null when it refuses it (401/403). */
export async function signIn() {
  try {
    session.who = await call("GET", "/api/v1/whoami");
  } catch (e) {
    session.who = null;
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return e;
    throw e;
  }
  return null;
}
