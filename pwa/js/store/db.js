// One IndexedDB database for what may live on a personal device (see README "Data on the device"):
//   kv        small values: the session (refresh token, account), settings
//   drafts    application drafts being filled in, by draft id
//   outbox    submissions made offline, replayed with their Idempotency-Key
//   snapshots last copy of my applications, wallet list and notifications, readable offline
// Everything here is wiped at logout; a kiosk never writes to it.
const NAME = 'mpp';
const VERSION = 1;
export const STORES = ['kv', 'drafts', 'outbox', 'snapshots'];

/** @type {Promise<IDBDatabase> | null} */
let opening = null;

/** @returns {Promise<IDBDatabase>} */
export function open() {
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      for (const store of STORES) {
        if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store);
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab (or the service worker) deleting the database must not be blocked by this connection.
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    request.onerror = () => { opening = null; reject(request.error); };
  });
  return opening;
}

/**
 * @template T
 * @param {string} store
 * @param {IDBTransactionMode} mode
 * @param {(s: IDBObjectStore) => IDBRequest<T>} action
 * @returns {Promise<T>}
 */
async function run(store, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const request = action(tx.objectStore(store));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** @param {string} store @param {IDBValidKey} key @returns {Promise<any>} */
export const get = (store, key) => run(store, 'readonly', (s) => s.get(key));
/** @param {string} store @param {IDBValidKey} key @param {any} value */
export const put = (store, key, value) => run(store, 'readwrite', (s) => s.put(value, key));
/** @param {string} store @param {IDBValidKey} key */
export const del = (store, key) => run(store, 'readwrite', (s) => s.delete(key));
/** @param {string} store @returns {Promise<any[]>} */
export const all = (store) => run(store, 'readonly', (s) => s.getAll());
/** @param {string} store @returns {Promise<IDBValidKey[]>} */
export const keys = (store) => run(store, 'readonly', (s) => s.getAllKeys());

/** Delete the whole database: logout and the kiosk wipe. */
export async function wipe() {
  if (opening) { (await opening).close(); opening = null; }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve(undefined);
  });
}
