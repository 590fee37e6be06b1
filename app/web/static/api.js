// The one door to the REST API: the access token in memory, the refresh cookie renewing it, the error envelope.
const BASE = '/api/v1';
const CLIENT = { 'X-Kalendar-Client': 'web' };

let accessToken = null;
let refreshing = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, body, headers) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.retryAfter = Number(headers && headers.get('Retry-After')) || null;
  }

  /** `{field: "message"}` from a 422's `errors.json` (and `errors.query`). */
  get fields() {
    const errors = this.body.errors || {};
    const out = {};
    for (const part of [errors.query, errors.json]) {
      for (const [field, messages] of Object.entries(part || {})) {
        out[field] = Array.isArray(messages) ? messages.join(' ') : flatten(messages);
      }
    }
    return out;
  }
}

function flatten(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join(' ');
  if (value && typeof value === 'object') return Object.values(value).map(flatten).join(' ');
  return String(value);
}

export function setSignedOutHandler(handler) {
  onSignedOut = handler;
}

export function token() {
  return accessToken;
}

export function hasSession() {
  return accessToken !== null;
}

/** Trade the HttpOnly refresh cookie for a new access token; one refresh in flight (across tabs, too). */
export function refresh() {
  if (!refreshing) {
    const run = () => doRefresh();
    const locked = navigator.locks ? navigator.locks.request('kalendar-refresh', run) : run();
    refreshing = locked.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh() {
  let response;
  try {
    response = await fetch(`${BASE}/auth/refresh`, { method: 'POST', headers: CLIENT, credentials: 'same-origin' });
  } catch {
    return false; // offline: keep what we have, the next call tries again
  }
  if (!response.ok) {
    accessToken = null;
    return false;
  }
  accessToken = (await response.json()).access_token;
  return true;
}

function url(path, query) {
  const target = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) target.searchParams.append(key, item);
  }
  return target.pathname + target.search;
}

async function send(method, path, { body, query, auth = true } = {}) {
  const headers = { Accept: 'application/json', ...CLIENT };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  return fetch(url(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
}

/**
 * Call the API. Resolves to `{data, page}` (page: the parsed X-Pagination header, when present);
 * rejects with ApiError carrying the envelope. A 401 triggers one refresh and one retry.
 */
export async function api(method, path, options = {}) {
  let response = await send(method, path, options);
  if (response.status === 401 && options.auth !== false) {
    if (await refresh()) {
      response = await send(method, path, options);
    } else {
      onSignedOut();
    }
  }
  return read(response, options);
}

async function read(response, options) {
  const type = response.headers.get('Content-Type') || '';
  if (!response.ok) {
    const body = type.includes('json') ? await response.json().catch(() => null) : null;
    throw new ApiError(response.status, body, response.headers);
  }
  if (options.blob) return { data: await response.blob(), headers: response.headers };
  const data = response.status === 204 || !type.includes('json') ? null : await response.json();
  const pagination = response.headers.get('X-Pagination');
  return { data, page: pagination ? JSON.parse(pagination) : null };
}

export const get = (path, query, options) => api('GET', path, { query, ...options });
export const post = (path, body, options) => api('POST', path, { body, ...options });
export const patch = (path, body) => api('PATCH', path, { body });
export const put = (path, body) => api('PUT', path, { body });
export const del = (path) => api('DELETE', path);

export async function signIn(username, password) {
  const { data } = await api('POST', '/auth/login', { body: { username, password }, auth: false });
  accessToken = data.access_token;
  return data.user;
}

export async function signOut() {
  try {
    await api('POST', '/auth/logout');
  } finally {
    accessToken = null;
  }
}

export function forget() {
  accessToken = null;
}
