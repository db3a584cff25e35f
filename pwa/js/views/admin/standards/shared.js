// What the service-standard screens (services.js, service.js, draft.js) share: the API's shapes, the address of a
// standard in the app (`#/admin/services/<scope>~<code>`, so a reload opens the same one), reads that keep the
// ETag every edit must send back, the edit-conflict notice, and the look-ups (document types, life events,
// agencies, regions) the screens show names from.
//
// Contract: functions only; the look-ups are cached for the page's life (they change rarely, and a stale name is
// harmless); owns no DOM except the nodes each function returns.
import { api, get } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { problemText } from '../../../lib/problem.js';
import * as session from '../../../session.js';

/**
 * @typedef {{ id: string, en: string }} Text
 * @typedef {{ type: string, note?: Text | null, optional?: boolean }} Requirement
 * @typedef {{ value: string, label: Text }} Option
 * @typedef {{ name: string, type: string, label: Text, required?: boolean, help?: Text | null,
 *   options?: Option[] | null, min?: number | null, max?: number | null, maxLength?: number | null }} FormField
 * @typedef {{ code: string, agency: string, name: Text, description: Text, categories: string[], channels: string,
 *   fee: number | null, feeNote?: Text | null, slaDays: number | null, legalBasis: string[],
 *   requirements: Requirement[], procedure: Text[], form: FormField[], keywords?: string[],
 *   output?: Text | null, assurance?: string }} Content
 * @typedef {{ scope: string, code: string, serviceId: string | null, version: number, national: boolean,
 *   hidden: boolean, retired: boolean, localNote: Text | null, revision: number, content: Content,
 *   draft: { id: string, revision: number } | null, applications: number }} Standard
 * @typedef {{ field: string, detail?: string, message?: string }} Problem
 * @typedef {{ id: string, scope: string, code: string, baseVersion: number | null, revision: number,
 *   content: Content, authorName?: string | null, updatedAt: string, problems: Problem[] }} Draft
 * @typedef {{ field: string, before: any, after: any }} Change
 * @typedef {{ version: number, authorName?: string | null, reason: string, publishedAt: string }} Version
 * @typedef {{ docs: Map<string, string>, categories: Map<string, string>, agencies: Map<string, string> }} Lookups
 */

export const NATIONAL = 'national';

/** The app's address of a standard: scope and code in one path segment, so reloading opens it again. */
export const standardHref = (/** @type {string} */ scope, /** @type {string} */ code) => `#/admin/services/${encodeURIComponent(`${scope}~${code}`)}`;

/** The list of a scope's standards (a national admin's list names its scope; a region admin's is their own). */
export const listHref = (/** @type {string} */ scope) => (session.hasRole('national_admin') ? `#/admin/services?scope=${encodeURIComponent(scope)}` : '#/admin/services');

/**
 * @param {string} id the route's `<scope>~<code>`
 * @returns {{ scope: string, code: string } | null}
 */
export function parseStandardId(id) {
  const at = id.indexOf('~');
  if (at < 1 || at === id.length - 1) return null;
  return { scope: id.slice(0, at), code: id.slice(at + 1) };
}

/** The API path of a standard. */
export const standardPath = (/** @type {string} */ scope, /** @type {string} */ code) => `/api/v1/admin/standards/${encodeURIComponent(scope)}/${encodeURIComponent(code)}`;

/**
 * A read whose answer is edited later: the body and its ETag (the revision in quotes, as If-Match wants it back).
 * @param {string} path
 * @returns {Promise<{ data: any, etag: string }>}
 */
export async function getTagged(path) {
  /** @type {Response} */
  const response = await api(path, { as: 'response' });
  const data = await response.json();
  const etag = response.headers.get('ETag') || (data && data.revision !== undefined ? `"${data.revision}"` : '');
  return { data, etag };
}

/** The If-Match header for an ETag. */
export const ifMatch = (/** @type {string} */ etag) => ({ 'If-Match': etag });

/** Another admin changed it first (412), or the screen never had its ETag (428): either way, reload. */
export const isConflict = (/** @type {any} */ error) => error?.status === 412 || error?.code === 'edit_conflict' || error?.code === 'precondition_required';

/**
 * The notice for an edit conflict: what happened, and a button that reloads the screen. Said in words of its own
 * (never a general error): nothing was saved, and the other admin's change must be seen before changing again.
 * @param {() => void} onReload
 */
export function conflictNotice(onReload) {
  return h('div', { class: 'card std-conflict', role: 'alert', id: 'std-conflict' }, [
    h('p', {}, [t('stdConflict')]),
    h('button', { type: 'button', onclick: onReload }, [t('stdReload')]),
  ]);
}

/**
 * An error as a sentence in a role=alert paragraph (the conflict notice for 412/428).
 * @param {unknown} error
 * @param {() => void} onReload
 */
export function errorNotice(error, onReload) {
  if (isConflict(error)) return conflictNotice(onReload);
  return h('p', { class: 'error', role: 'alert' }, [problemText(error)]);
}

/** A text in the screen's language, the other language when that one is empty. */
export function local(/** @type {Text | null | undefined} */ text) {
  if (!text) return '';
  const lang = document.documentElement.lang === 'en' ? 'en' : 'id';
  return text[lang] || text[lang === 'en' ? 'id' : 'en'] || '';
}

/** The region an admin manages, or null for a national admin. */
export function ownRegion() {
  if (!session.hasRole('region_admin')) return null;
  const region = session.me()?.region;
  return region ? { code: String(region.code), name: String(region.name || region.code) } : null;
}

/**
 * Whether this admin may change standards of a scope: national ones are a national admin's; a region's are its
 * own admin's (and a national admin's).
 * @param {string} scope
 */
export function canWrite(scope) {
  if (session.hasRole('national_admin')) return true;
  return scope !== NATIONAL && ownRegion()?.code === scope;
}

/** @type {Map<string, Promise<any>>} */
const cache = new Map();
/** @param {string} path @param {Record<string, string>} [params] */
function cached(path, params = {}) {
  const key = `${path}?${new URLSearchParams(params)}`;
  if (!cache.has(key)) cache.set(key, get(path, params).catch((error) => { cache.delete(key); throw error; }));
  return /** @type {Promise<any>} */ (cache.get(key));
}

/** @returns {Promise<{ code: string, name: string }[]>} */
export async function regions() {
  return (await cached('/api/v1/regions')).items;
}

/** @returns {Promise<{ code: string, name: string }[]>} */
export async function documentTypes() {
  return (await cached('/api/v1/document-types')).items;
}

/** @returns {Promise<{ code: string, name: string }[]>} */
export async function categories() {
  return (await cached('/api/v1/categories')).items;
}

/**
 * The agencies a standard of this scope may name: the region's own, or (national) every kind of agency once.
 * @param {string} scope
 * @returns {Promise<{ code: string, name: string }[]>}
 */
export async function agencies(scope) {
  const list = (await cached('/api/v1/agencies', scope === NATIONAL ? {} : { region: scope })).items;
  if (scope !== NATIONAL) return list.map((/** @type {any} */ a) => ({ code: a.code, name: a.name }));
  // Each region names its agencies after itself; a national standard names the kind, by its short name.
  /** @type {Map<string, string>} */
  const kinds = new Map();
  for (const a of list) if (!kinds.has(a.code)) kinds.set(a.code, a.shortName || a.code);
  return [...kinds].map(([code, name]) => ({ code, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Names by code for showing a standard's content: document types, life events and the scope's agencies.
 * A look-up that fails leaves its codes shown as they are.
 * @param {string} scope
 * @returns {Promise<Lookups>}
 */
export async function lookups(scope) {
  const [docs, cats, ags] = await Promise.all([
    documentTypes().catch(() => []), categories().catch(() => []), agencies(scope).catch(() => []),
  ]);
  return {
    docs: new Map(docs.map((d) => [d.code, d.name])),
    categories: new Map(cats.map((c) => [c.code, c.name])),
    agencies: new Map(ags.map((a) => [a.code, a.name])),
  };
}

/**
 * The scope in words: "Standar nasional" or the region's name.
 * @param {string} scope
 */
export async function scopeName(scope) {
  if (scope === NATIONAL) return t('stdScopeNational');
  if (ownRegion()?.code === scope) return /** @type {{ name: string }} */ (ownRegion()).name;
  const found = (await regions().catch(() => [])).find((r) => r.code === scope);
  return found ? found.name : scope;
}
