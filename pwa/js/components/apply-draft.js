// The life of one application draft on the apply screen: kept on this phone at once (300 ms after the last
// keystroke, store/drafts.js), on the server a little later (3 s, so another device can resume it), and finally
// sent through the outbox with an Idempotency-Key made once per submission. No DOM: the view decides what the
// person sees.
//
// Contract
// - Receives: the draft to start from (a stored one, or a fresh one) and `onServerSave()`, called after each
//   successful save on the server (the view says "draft saved").
// - Owns: the draft object, two timers (local and server save) and the server save under way. No DOM.
// - Gives: `draft()` (the current copy), `change(answers, documentIds)` after every edit, `step(n)` when the
//   step changes, `syncNow()` to save on the server before moving on, `submit(body)` to send.
// - Cleans up: `leave()` (the view's cleanup) stops both timers and makes one last server save if something
//   typed is not on the server yet; after a submission nothing is saved again.
import * as drafts from '../store/drafts.js';
import * as outbox from '../store/outbox.js';
import { newId } from '../lib/dom.js';

const LOCAL_DELAY_MS = 300;
const SERVER_DELAY_MS = 3000;

/**
 * What `submit` ends in. sent: received by the server, or queued in the outbox (no connection); refused: the
 * server said no to this content and nothing is queued; busy: a submission is already under way; error: the
 * phone could not keep it (storage), so it may be tried again.
 * @typedef {{ outcome: 'sent', item: import('../store/outbox.js').OutboxItem }
 *   | { outcome: 'refused', problem: import('../store/outbox.js').OutboxItem['problem'] }
 *   | { outcome: 'busy' } | { outcome: 'error' }} SubmitResult
 */

/**
 * @param {import('../store/drafts.js').Draft} initial
 * @param {{ onServerSave: () => void }} events
 */
export function createDraftKeeper(initial, { onServerSave }) {
  let draft = initial;
  let localTimer = 0;
  let serverTimer = 0;
  let submitting = false;
  // Once sent, the draft is gone for good: a late timer must not bring it back.
  let sent = false;
  /** @type {Promise<void>} the server save under way: a submission waits for it, to send the draft's id */
  let syncing = Promise.resolve();

  const persist = () => (sent ? Promise.resolve() : drafts.keep(draft).catch(() => undefined));

  function syncNow() {
    clearTimeout(serverTimer);
    if (!navigator.onLine || submitting) return syncing;
    syncing = syncing.then(async () => {
      try {
        const before = draft;
        const saved = await drafts.sync(draft);
        // Typing may have gone on while it was saved: keep the newest answers, take the server's id and version.
        draft = { ...draft, draftId: saved.draftId, version: saved.version, unsynced: draft !== before };
        await persist();
        onServerSave();
      } catch { /* kept on this phone; the next change or step tries again */ }
    });
    return syncing;
  }

  /** @param {Record<string, any>} answers @param {string[]} documentIds */
  function change(answers, documentIds) {
    draft = { ...draft, answers, documentIds, unsynced: true };
    clearTimeout(localTimer);
    localTimer = window.setTimeout(persist, LOCAL_DELAY_MS);
    clearTimeout(serverTimer);
    serverTimer = window.setTimeout(syncNow, SERVER_DELAY_MS);
  }

  /** @param {number} n */
  function step(n) {
    draft = { ...draft, step: n };
    persist();
  }

  /**
   * Send the application. The key is kept with the draft before the first try, so a retry after a crash
   * reuses it and the server makes one application, not two.
   * `forNik`: applying for a family member under a mandate (absent: for myself).
   * @param {{ answers: Record<string, any>, documentIds: string[], title: string, forNik?: string | null }} submission
   * @returns {Promise<SubmitResult>}
   */
  async function submit({ answers, documentIds, title, forNik }) {
    if (submitting) return { outcome: 'busy' };
    submitting = true;
    clearTimeout(serverTimer);
    await syncing;
    if (!draft.submissionKey) draft = { ...draft, submissionKey: newId() };
    await drafts.keep(draft);
    const body = { serviceId: draft.serviceId, answers, documentIds, ...(draft.draftId ? { draftId: draft.draftId } : {}), ...(forNik ? { forNik } : {}) };
    let result;
    try {
      result = await outbox.submit({ id: /** @type {string} */ (draft.submissionKey), path: '/api/v1/applications', body, title, serviceId: draft.serviceId });
    } catch {
      submitting = false;
      return { outcome: 'error' };
    }
    if (result.outcome === 'failed') {
      // The server refused this content: nothing stays queued, the person fixes it here with a new key.
      await outbox.remove(result.item.id);
      draft = { ...draft, submissionKey: undefined };
      await drafts.keep(draft);
      submitting = false;
      return { outcome: 'refused', problem: result.item.problem };
    }
    sent = true;
    clearTimeout(localTimer);
    await drafts.drop(draft.serviceId);
    return { outcome: 'sent', item: result.item };
  }

  function leave() {
    clearTimeout(localTimer);
    // Leaving the screen: what was typed is already on the phone; try the server copy once more.
    if (serverTimer && draft.unsynced && !submitting) { clearTimeout(serverTimer); syncNow(); }
  }

  return { draft: () => draft, change, step, syncNow, submit, leave };
}
