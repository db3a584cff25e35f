// The API client. Errors are problem+json (RFC 9457): callers get an ApiError with the problem's `title`/`detail`
// and its stable `type` code, or an OfflineError when the network is down — the two are handled differently
// (an offline submission goes to the outbox; a 4xx is shown to the user).
import { language } from './i18n.js';
import { accessToken, refreshAccess, signedIn } from './session.js';

export class ApiError extends Error {
  /** @param {number} status @param {any} problem @param {number | null} [retryAfter] seconds, from Retry-After */
  constructor(status, problem, retryAfter = null) {
    // The message is the server's English detail: for logs and tests. People read lib/problem.js's problemText.
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    /** The problem's stable code: the last segment of its `type` URI (e.g. "version_conflict"). */
    this.code = String(this.problem.type || '').split('/').pop() || String(this.problem.code || '');
    /** How long the server asked to wait before trying again (429, 503), in seconds, or null. */
    this.retryAfter = retryAfter;
  }
}

export class OfflineError extends Error {}

/**
 * @typedef {object} RequestOptions
 * @property {string} [method]
 * @property {Record<string, string | number | boolean | undefined | null>} [params]
 * @property {any} [body]          JSON body
 * @property {FormData} [form]     multipart body (uploads)
 * @property {Record<string, string>} [headers]
 * @property {boolean} [auth]      send the bearer token (default true when signed in)
 * @property {'json' | 'blob' | 'response'} [as]
 * @property {AbortSignal} [signal]
 */

/**
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(options.params || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  const send = async () => {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json', 'Accept-Language': language(), ...(options.headers || {}) };
    const token = options.auth === false ? null : accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    /** @type {BodyInit | undefined} */
    let body;
    if (options.form) body = options.form;
    else if (options.body !== undefined) { body = JSON.stringify(options.body); headers['Content-Type'] = 'application/json'; }
    try {
      return await fetch(url, { method: options.method || 'GET', headers, body, signal: options.signal });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new OfflineError(String(error));
    }
  };
  // Signed in but no access token in memory: the app started offline (the token lives in memory only), or the
  // refresh failed then. Get one first, or the request goes out anonymous and a 401 would look final.
  if (options.auth !== false && signedIn() && !accessToken()) await refreshAccess();
  let response = await send();
  // An expired access token: refresh once (rotating the refresh token) and retry.
  if (response.status === 401 && options.auth !== false && signedIn() && (await refreshAccess())) response = await send();
  if (!response.ok) {
    const problem = await response.json().catch(() => ({ title: response.statusText }));
    const wait = Number(response.headers.get('Retry-After'));
    throw new ApiError(response.status, problem, Number.isFinite(wait) && wait > 0 ? wait : null);
  }
  if (options.as === 'response') return response;
  if (options.as === 'blob') return response.blob();
  if (response.status === 204) return null;
  return response.json();
}

/**
 * @param {string} path
 * @param {Record<string, string | number | boolean | undefined | null>} [params]
 */
export const get = (path, params = {}) => api(path, { params });
/** @param {string} path @param {any} [body] @param {Record<string, string>} [headers] */
export const post = (path, body, headers) => api(path, { method: 'POST', body, headers });
/** @param {string} path @param {any} [body] @param {Record<string, string>} [headers] */
export const put = (path, body, headers) => api(path, { method: 'PUT', body, headers });
/** @param {string} path */
export const del = (path) => api(path, { method: 'DELETE' });
