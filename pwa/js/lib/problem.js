// Turn an API error into a sentence for the person, in the screen's language. The server's problem details are
// English only, so they are never shown: the problem's stable `code` picks a sentence from the catalogue
// (`accountErr_<code>`, a prefix kept from when only the account screens had them), then its HTTP status does
// (a code this app does not know yet still gets "not allowed", "not found", "try again later"…), and anything
// else gets a general sentence that still says what to do.
//
// Contract: receives an error (ApiError, OfflineError, a WebAuthn DOMException, anything) or a problem kept
// from an earlier answer (the outbox keeps `{ status, code, retryAfter }`); returns a string. Owns no DOM.
// Field-level errors (`problem.errors`) are shown next to their fields by the forms, not here.
import { t } from '../i18n.js';
import { ApiError, OfflineError } from '../api.js';

/** The code a status means when the problem has no code this app knows (the API's own defaults). */
const BY_STATUS = /** @type {Record<number, string>} */ ({
  400: 'invalid_request',
  401: 'unauthorised',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'unavailable',
});

/**
 * @typedef {{ status?: number, code?: string, retryAfter?: number | null, reference?: string }} KeptProblem
 */

/**
 * @param {unknown} error
 * @returns {string}
 */
export function problemText(error) {
  if (error instanceof OfflineError) return t('accountErrOffline');
  if (error instanceof DOMException && error.name === 'NotAllowedError') return t('accountErrPasskeyCancelled');
  /** @type {KeptProblem | null} */
  let problem = null;
  if (error instanceof ApiError) {
    problem = { status: error.status, code: error.code, retryAfter: error.retryAfter, reference: error.problem?.reference };
  } else if (error && typeof error === 'object' && ('code' in error || 'status' in error)) {
    problem = /** @type {KeptProblem} */ (error);
  }
  if (!problem) return t('accountErrUnknown');
  const { status = 0, code = '', retryAfter, reference } = problem;
  // Waiting has a number when the server gave one (Retry-After).
  if ((code === 'rate_limited' || status === 429) && retryAfter && retryAfter > 0) {
    return t('accountErrRateLimitedWait', { n: Math.ceil(retryAfter) });
  }
  if ((code === 'internal_error' || status === 500) && reference) return t('accountErrInternalRef', { reference });
  for (const candidate of [code, BY_STATUS[status]]) {
    if (!candidate) continue;
    const key = `accountErr_${candidate}`;
    const known = t(key);
    if (known !== key) return known;
  }
  return status >= 500 ? t('accountErrServer') : t('accountErrUnknown');
}
