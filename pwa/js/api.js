// The catalogue API. Errors are problem+json; callers show a plain message, never a stack.
import { language } from './i18n.js';

/**
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [params]
 */
export async function get(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  const response = await fetch(url, { headers: { 'Accept-Language': language(), Accept: 'application/json' } });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || response.statusText);
  }
  return response.json();
}
