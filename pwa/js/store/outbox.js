// Submissions waiting for the server, kept in IndexedDB `outbox` and replayed exactly once.
//
// An item is written here BEFORE its first attempt, with the Idempotency-Key it keeps for life: if the tab dies
// mid-request or the answer is lost, the replay sends the same key and body, and the server answers with the
// application it already made instead of a second one. Replays run on app open (main.js), on `online`, on the
// service worker's `sync` (sw-client.js) and from the outbox screen, always under the Web Lock `mpp-outbox`, so
// two tabs never send the same item at the same time. An item leaves the "pending" state only on a 2xx
// ("received", kept a few days for the receipt) or on a definitive 4xx ("failed": shown as needing attention,
// never dropped silently; the person fixes or deletes it).
import { api, ApiError, OfflineError } from '../api.js';
import * as db from './db.js';
import * as session from '../session.js';

/**
 * @typedef {object} OutboxItem
 * @property {string} id            the Idempotency-Key
 * @property {string} path          e.g. /api/v1/applications
 * @property {any} body
 * @property {string} title         what it is (the service's name), for the outbox screen
 * @property {string} [serviceId]
 * @property {string} createdAt
 * @property {'pending' | 'received' | 'failed'} state
 * @property {number} attempts
 * @property {string} [lastTriedAt]
 * @property {string} [receivedAt]
 * @property {{ id: string, number: string | null, status: string }} [result]
 * @property {{ status: number, code: string, detail: string, errors?: { field: string, message: string }[] }} [problem]
 */

const KEEP_RECEIVED_MS = 3 * 24 * 3600 * 1000;
// Statuses that say "try again later" rather than "this request is wrong".
const RETRY = new Set([401, 408, 425, 429]);
const channel = 'BroadcastChannel' in self ? new BroadcastChannel('mpp-outbox') : null;

/** @param {() => void} listener @returns {() => void} unsubscribe */
export function onChange(listener) {
  const handler = () => listener();
  addEventListener('mpp-outbox', handler);
  channel?.addEventListener('message', handler);
  return () => { removeEventListener('mpp-outbox', handler); channel?.removeEventListener('message', handler); };
}
function changed() {
  dispatchEvent(new Event('mpp-outbox'));
  channel?.postMessage('changed');
}

/** @returns {Promise<OutboxItem[]>} oldest first */
export async function list() {
  const items = /** @type {OutboxItem[]} */ (await db.all('outbox').catch(() => []));
  return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Items not yet received (pending or needing attention). */
export async function waiting() {
  return (await list()).filter((i) => i.state !== 'received');
}

/** @param {string} id */
export async function remove(id) {
  await db.del('outbox', id);
  changed();
}

/** @param {string} id @returns {Promise<OutboxItem | undefined>} */
export const item = (id) => db.get('outbox', id);

/**
 * Keep a submission and try it at once.
 * @param {{ id: string, path: string, body: any, title: string, serviceId?: string }} entry
 * @returns {Promise<{ outcome: 'received' | 'pending' | 'failed', item: OutboxItem }>}
 */
export async function submit(entry) {
  /** @type {OutboxItem} */
  const fresh = { ...entry, createdAt: new Date().toISOString(), state: 'pending', attempts: 0 };
  await db.put('outbox', fresh.id, (await item(fresh.id)) ?? fresh);
  changed();
  const outcome = await locked(async () => {
    const current = await item(fresh.id);
    if (!current || current.state !== 'pending') return current?.state === 'received' ? 'received' : 'failed';
    const result = await attempt(current);
    return result === 'unreachable' ? 'pending' : result;
  });
  if (outcome === 'pending') askForSync();
  const kept = /** @type {OutboxItem} */ (await item(fresh.id));
  // Received at the first try: it never waited, so it leaves the outbox now (the receipt is on screen).
  if (outcome === 'received' && kept.attempts === 1) await remove(kept.id);
  return { outcome, item: kept };
}

/** @type {Promise<number> | null} */
let running = null;
let again = false;

/**
 * Send every pending item, oldest first; stop at the first sign that the server cannot be reached.
 * @returns {Promise<number>} how many were received
 */
export function replay() {
  if (session.kind() !== 'citizen') return Promise.resolve(0);
  if (running) { again = true; return running; }
  const work = async () => {
    let received = 0;
    do {
      again = false;
      const pending = (await list()).filter((i) => i.state === 'pending');
      if (pending.length && !session.accessToken() && !(await session.refreshAccess())) break;
      for (const { id } of pending) {
        const current = await item(id); // re-read under the lock: another tab may have sent it meanwhile
        if (!current || current.state !== 'pending') continue;
        const result = await attempt(current);
        if (result === 'received') received += 1;
        if (result === 'unreachable') { again = false; break; }
      }
    } while (again);
    await purge();
    return received;
  };
  running = locked(work).finally(() => { running = null; });
  return running;
}

/**
 * @template T
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
function locked(work) {
  return navigator.locks ? navigator.locks.request('mpp-outbox', work) : work();
}

/**
 * One try. Only called under the lock.
 * @param {OutboxItem} current
 * @returns {Promise<'received' | 'failed' | 'unreachable'>}
 */
async function attempt(current) {
  const next = { ...current, attempts: current.attempts + 1, lastTriedAt: new Date().toISOString() };
  try {
    const answer = await api(next.path, { method: 'POST', body: next.body, headers: { 'Idempotency-Key': next.id } });
    await db.put('outbox', next.id, {
      ...next,
      state: 'received',
      receivedAt: new Date().toISOString(),
      result: { id: answer.id, number: answer.number ?? null, status: answer.status },
      problem: undefined,
    });
    changed();
    return 'received';
  } catch (error) {
    if (error instanceof OfflineError || (error instanceof ApiError && (error.status >= 500 || RETRY.has(error.status)))) {
      await db.put('outbox', next.id, next);
      return 'unreachable';
    }
    if (!(error instanceof ApiError)) throw error;
    const problem = { status: error.status, code: error.code, detail: error.message, errors: error.problem.errors };
    await db.put('outbox', next.id, { ...next, state: 'failed', problem });
    changed();
    return 'failed';
  }
}

/** Received items stay a few days as receipts; the application itself is in "my applications". */
async function purge() {
  const now = Date.now();
  for (const i of await list()) {
    if (i.state === 'received' && i.receivedAt && now - Date.parse(i.receivedAt) > KEEP_RECEIVED_MS) await db.del('outbox', i.id);
  }
}

/** Ask the service worker for a background sync, where the browser has it (Chromium). */
function askForSync() {
  if (!('serviceWorker' in navigator) || !navigator.serviceWorker.controller) return;
  navigator.serviceWorker.ready
    .then((registration) => /** @type {any} */ (registration).sync?.register('mpp-outbox'))
    .catch(() => undefined);
}

// Back online: send what waited (this module is loaded at app open for citizens, see main.js).
addEventListener('online', () => { replay().catch(() => undefined); });
