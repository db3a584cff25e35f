// Application drafts: every keystroke lands in IndexedDB at once (nothing typed is lost offline or on a crash),
// and the draft is also kept on the server (POST/PUT /api/v1/applications/drafts) so it resumes on another
// device. One local draft per service on this device, keyed by the service id.
import { api, ApiError } from '../api.js';
import * as db from './db.js';

/**
 * @typedef {object} Draft
 * @property {string} serviceId
 * @property {string | null} draftId   the server's draft (an application in status "draft"), once created
 * @property {number | null} version   the server draft's version we last saw (sent as If-Match)
 * @property {Record<string, any>} answers
 * @property {string[]} documentIds
 * @property {number} step
 * @property {string} updatedAt
 * @property {boolean} [unsynced]      typed since the last successful server save
 * @property {string} [submissionKey]  the Idempotency-Key of the submission under way (made once)
 */

/** @param {string} serviceId @returns {Promise<Draft | undefined>} */
export const load = (serviceId) => db.get('drafts', serviceId).catch(() => undefined);

/** @param {Draft} draft */
export const keep = (draft) => db.put('drafts', draft.serviceId, { ...draft, updatedAt: new Date().toISOString() });

/** @param {string} serviceId */
export const drop = (serviceId) => db.del('drafts', serviceId).catch(() => undefined);

/**
 * Save the draft on the server. A draft changed on another device meanwhile answers 412: this device's copy is
 * the one being typed on, so it is written over the newer version (the person is here, editing it now).
 * Offline: nothing happens, the local copy stays marked unsynced and goes up on the next save.
 * @param {Draft} draft
 * @returns {Promise<Draft>} the draft with the server's id and version
 */
export async function sync(draft) {
  const body = { serviceId: draft.serviceId, answers: draft.answers, documentIds: draft.documentIds };
  /** @param {number | null} version */
  const send = (version) => (draft.draftId
    ? api(`/api/v1/applications/drafts/${draft.draftId}`, { method: 'PUT', body, headers: version ? { 'If-Match': `"${version}"` } : {} })
    : api('/api/v1/applications/drafts', { method: 'POST', body }));
  let saved;
  try {
    saved = await send(draft.version);
  } catch (error) {
    // Other refusals (half-typed answers the server finds malformed, a draft submitted or withdrawn on another
    // device) keep the local copy; the submission step reports what is wrong.
    if (!(error instanceof ApiError && error.status === 412 && draft.draftId)) throw error;
    const current = await api(`/api/v1/applications/${draft.draftId}`);
    saved = await send(current.version);
  }
  const next = { ...draft, draftId: saved.id, version: saved.version, unsynced: false };
  await keep(next);
  return next;
}
