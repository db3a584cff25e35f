// Who is signed in on this device, and how.
//
// Deliberate choices about what lives on the device (ASVS 5.0 14.3):
// - the access token lives in memory only: it dies with the tab;
// - on a personal device, the refresh token and the account summary are kept in IndexedDB (`kv/session`) so the
//   app reopens signed in, offline too; logout deletes them with everything else (store/db.js `wipe`);
// - a kiosk keeps its session in memory only: nothing personal survives a reload or the idle wipe.
import * as db from './store/db.js';

/**
 * @typedef {'citizen' | 'staff' | 'kiosk'} SessionKind
 * @typedef {{ accessToken: string, refreshToken: string, scope: string, expiresIn: number, newAccount?: boolean }} Tokens
 * @typedef {{ kind: SessionKind, refresh: string, scope: string, me: any }} Stored
 */

/** @type {string | null} */
let access = null;
/** @type {Stored | null} */
let current = null;
/** @type {Set<() => void>} */
const listeners = new Set();

const STAFF_ROLES = ['officer', 'supervisor', 'region_admin', 'national_admin'];

export const accessToken = () => access;
export const me = () => current?.me ?? null;
export const kind = () => current?.kind ?? null;
/** "mfa" while a staff member must still confirm with a passkey; "api" otherwise. */
export const scope = () => current?.scope ?? null;
export const signedIn = () => current !== null;
/** @param {string} role */
export const hasRole = (role) => Boolean(current?.me?.roles?.includes(role));
/**
 * Admin mode: a staff session of a region or national admin who is not also an officer or supervisor (their
 * work is the inbox). Admins sign in like staff (code, then passkey) and use the screens under views/admin/.
 */
export const isAdmin = () => current?.kind === 'staff' && (hasRole('region_admin') || hasRole('national_admin'))
  && !hasRole('officer') && !hasRole('supervisor');
/** Where this session's home is: the admin home, the officer inbox, the kiosk, or the citizen home. */
export const home = () => (current?.kind === 'kiosk' ? '/kiosk' : current?.kind === 'staff' ? (isAdmin() ? '/admin' : '/officer') : '/');

/** @param {() => void} listener */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
const changed = () => { for (const listener of listeners) listener(); };

/** @param {any} person */
const kindOf = (person) => (person?.roles?.some((/** @type {string} */ r) => STAFF_ROLES.includes(r)) ? 'staff' : 'citizen');

/** Restore a personal device's session at start-up; offline, the app opens signed in on its snapshots. */
export async function restore() {
  // No database yet means nothing to restore: do not create one just to read it (a kiosk must stay empty).
  const names = indexedDB.databases ? await indexedDB.databases().catch(() => null) : null;
  if (names && !names.some((d) => d.name === 'mpp')) return;
  /** @type {Stored | undefined} */
  const saved = await db.get('kv', 'session').catch(() => undefined);
  if (!saved) return;
  current = saved;
  changed();
  if (navigator.onLine) await refreshAccess();
}

/**
 * Start a session from a token pair (code or passkey sign-in): fetch who this is and keep it.
 * @param {Tokens} tokens
 */
export async function begin(tokens) {
  access = tokens.accessToken;
  const { get } = await import('./api.js');
  const person = await get('/api/v1/me');
  current = { kind: kindOf(person), refresh: tokens.refreshToken, scope: tokens.scope, me: person };
  await db.put('kv', 'session', current);
  changed();
  return current;
}

/**
 * A kiosk session: memory only.
 * @param {Tokens} tokens
 */
export function beginKiosk(tokens) {
  access = tokens.accessToken;
  current = { kind: 'kiosk', refresh: tokens.refreshToken, scope: tokens.scope, me: null };
  changed();
}

/** Reload the account summary (after a profile change or the passkey step). */
export async function reloadMe() {
  if (!current || current.kind === 'kiosk') return;
  const { get } = await import('./api.js');
  current = { ...current, me: await get('/api/v1/me') };
  await db.put('kv', 'session', current);
  changed();
}

/** @type {Promise<boolean> | null} */
let refreshing = null;

/**
 * Trade the refresh token for a new pair. Refresh tokens rotate (the old one dies), so two tabs must not race:
 * a Web Lock serialises them across tabs, and a tab that waited re-reads the token the other one stored.
 * @returns {Promise<boolean>} whether a fresh access token is in hand
 */
export function refreshAccess() {
  if (!current) return Promise.resolve(false);
  if (refreshing) return refreshing;
  const attempt = async () => {
    const stale = current?.refresh;
    if (current && current.kind !== 'kiosk') {
      const latest = /** @type {Stored | undefined} */ (await db.get('kv', 'session').catch(() => undefined));
      if (latest && latest.refresh !== stale) { current = latest; }
    }
    if (!current) return false;
    // A sign-in (begin) or sign-out (forget) may happen while this request is out: then its answer is about a
    // session this device no longer holds, and must neither overwrite the new one nor wipe it. (reloadMe also
    // replaces the object, keeping the session: the refresh token says whose session it is.)
    const mine = current.refresh;
    const moved = () => current?.refresh !== mine;
    let response;
    try {
      response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ refreshToken: mine }),
      });
    } catch {
      return false; // offline: keep the session, try again later
    }
    if (moved()) return access !== null;
    if (!response.ok) {
      // The session ended elsewhere (logout on another device, revoked): forget it here.
      if (response.status === 400 || response.status === 401) await forget();
      return false;
    }
    const tokens = await response.json();
    if (moved()) return access !== null;
    access = tokens.accessToken;
    current = { ...current, refresh: tokens.refreshToken, scope: tokens.scope };
    if (current.kind !== 'kiosk') await db.put('kv', 'session', current);
    return true;
  };
  const locked = navigator.locks ? navigator.locks.request('mpp-refresh', attempt) : attempt();
  refreshing = locked.finally(() => { refreshing = null; });
  return refreshing;
}

/** Forget this device's session and everything personal it holds. */
export async function forget() {
  access = null;
  current = null;
  await db.wipe();
  if ('caches' in self) {
    // Personal responses are never put in the service worker's caches; the API cache is dropped anyway.
    for (const name of await caches.keys()) if (name.startsWith('mpp-api-')) await caches.delete(name);
  }
  changed();
}

/** Sign out: end the session on the server (it answers with Clear-Site-Data) and wipe this device. */
export async function signOut() {
  const token = access;
  if (token) {
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    }).catch(() => undefined);
  }
  await forget();
}
