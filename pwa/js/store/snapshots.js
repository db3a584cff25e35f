// The last copy of personal lists and details this device has seen (my applications, …), readable offline.
// Write-through: every successful GET replaces its snapshot. Only on a personal device (never a kiosk), and in
// IndexedDB only — never in the service worker's caches — so logout (`session.forget()`) wipes it all.
import { get as apiGet, OfflineError, ApiError } from '../api.js';
import * as db from './db.js';
import * as session from '../session.js';

/**
 * @typedef {{ data: any, at: string, offline: boolean }} Snapshot
 */

/** @param {string} key @param {any} data */
export async function save(key, data) {
  if (session.kind() !== 'citizen') return;
  await db.put('snapshots', key, { data, at: new Date().toISOString() }).catch(() => undefined);
}

/** @param {string} key @returns {Promise<{ data: any, at: string } | undefined>} */
export const load = (key) => db.get('snapshots', key).catch(() => undefined);

/**
 * GET from the API and keep a snapshot; without a network (or with the server down), the last snapshot.
 * @param {string} key
 * @param {string} path
 * @param {Record<string, string | number | boolean | undefined | null>} [params]
 * @returns {Promise<Snapshot>}
 */
export async function fetchWithSnapshot(key, path, params) {
  try {
    const data = await apiGet(path, params);
    await save(key, data);
    return { data, at: new Date().toISOString(), offline: false };
  } catch (error) {
    const unreachable = error instanceof OfflineError || (error instanceof ApiError && error.status >= 500);
    if (!unreachable) throw error;
    const kept = await load(key);
    if (!kept) throw error;
    return { data: kept.data, at: kept.at, offline: true };
  }
}
