// An application's statuses, spelled once for the whole PWA (citizen and officer screens import them from here).
// STATUSES is the API's list (the `status` enum of ApplicationDetail in /schema/openapi.json) and OPEN the
// statuses an officer can still act on (the officer inbox's `status` filter): tests/test_pwa_statuses.py reads
// this file and fails when either drifts from the API. Keep each list a plain array of quoted strings on its
// `export const` line(s): that test parses them without running JavaScript.

/** Every status, in the order of the application's life. */
export const STATUSES = /** @type {const} */ (['draft', 'submitted', 'in_review', 'needs_correction', 'approved', 'completed', 'rejected', 'withdrawn']);

/** @typedef {typeof STATUSES[number]} Status */

/** Each status by name, so a typo is a type error rather than a silently false comparison. */
export const STATUS = /** @type {{ readonly [S in Status]: S }} */ (Object.freeze(Object.fromEntries(STATUSES.map((s) => [s, s]))));

/** Sent and not finished: an officer can still act (the API's OPEN; the inbox's status filter offers these). */
export const OPEN = /** @type {readonly Status[]} */ (['submitted', 'in_review', 'needs_correction', 'approved']);

/** A citizen may still withdraw (the from-states of the API's `withdraw` transition). */
export const WITHDRAWABLE = /** @type {readonly Status[]} */ (['draft', 'submitted', 'in_review', 'needs_correction']);

/** No deadline runs: not yet sent, or finished one way or another. */
export const WITHOUT_DEADLINE = /** @type {readonly Status[]} */ (['draft', 'completed', 'rejected', 'withdrawn']);

/**
 * Whether `status` is one of `list`; takes any string, since statuses arrive as plain strings from the API.
 * @param {readonly Status[]} list
 * @param {string | null | undefined} status
 * @returns {status is Status}
 */
export const isIn = (list, status) => list.includes(/** @type {Status} */ (status));
