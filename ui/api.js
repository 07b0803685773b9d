// The /api/v1 client the UI uses: the session cookie plus the CSRF token
// of GET /csrf_token (rotated by sign-in through X-Next-CSRF-Token), as any
// other browser client of the spec would. Nothing here is UI-only API.

let csrf = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(ApiError.message(status, body));
    this.status = status;
    this.body = body;
  }

  static message(status, body) {
    if (body && typeof body === 'object') {
      const m = body.error_message || body.message || body.detail || body.error ||
                (body.errors && body.errors[0] && body.errors[0].message);
      if (m) return String(m);
    }
    return `HTTP ${status}`;
  }
}

async function csrfToken() {
  if (!csrf) {
    const r = await fetch('/csrf_token', { credentials: 'same-origin', cache: 'no-store' });
    if (!r.ok) throw new ApiError(r.status, null);
    csrf = (await r.json()).csrf_token;
  }
  return csrf;
}

// path with ?query from an object (empty values left out)
export function withQuery(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {}))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

// One API call; resolves to the parsed JSON (or null), throws ApiError.
export async function api(method, path, body, retried = false) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = await csrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const next = r.headers.get('X-Next-CSRF-Token');
  if (next) csrf = next;
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (r.status === 403 && data && data.error && /CSRF/i.test(data.error) && !retried) {
    csrf = null; // the session changed under us (another tab signed in)
    return api(method, path, body, true);
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

export const get = (path, query) => api('GET', withQuery(path, query));
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const put = (path, body) => api('PUT', path, body === undefined ? {} : body);
export const del = (path) => api('DELETE', path);

export async function signIn(username, password) {
  csrf = null;
  return post('/api/v1/signin', { username, password });
}

export async function signOut() {
  try { await post('/api/v1/signout'); } finally { csrf = null; }
}

// encodeURIComponent for one path segment
export const seg = (v) => encodeURIComponent(v);

// Paths of an organization's robot (short name without "org+").
export function robotPath(org, short, rest = '') {
  return `/api/v1/organization/${seg(org)}/robots/${seg(short)}${rest}`;
}

// /api/v1/repository/{ns}/{name}, each segment encoded ("acme/app" or "app" in org).
export function repoPath(org, name, rest = '') {
  const full = name.includes('/') ? name : `${org}/${name}`;
  return `/api/v1/repository/${full.split('/').map(seg).join('/')}${rest}`;
}

// Paths of an organization's team.
export function teamPath(org, team, rest = '') {
  return `/api/v1/organization/${seg(org)}/team/${seg(team)}${rest}`;
}

// Runs one change, flashes ok (or the error), then reloads the page part.
export async function act(ctx, fn, reload, ok) {
  try {
    await fn();
    if (ok) ctx.flash(ok, 'ok');
    await reload(true);
    return true;
  } catch (e) {
    ctx.flash(e.message, 'error');
    return false;
  }
}
