// Turn an API error into a sentence for the person. The server's problem details are in English only, so known
// problem codes get a translated sentence (`accountErr_<code>`); anything else shows the server's own detail,
// which is still better than a generic "something went wrong".
import { t } from '../i18n.js';
import { ApiError, OfflineError } from '../api.js';

/** @param {unknown} error */
export function problemText(error) {
  if (error instanceof OfflineError) return t('accountErrOffline');
  if (error instanceof ApiError) {
    const key = `accountErr_${error.code}`;
    const known = t(key);
    if (known !== key) return known;
    return error.message || t('accountErrUnknown');
  }
  if (error instanceof DOMException && error.name === 'NotAllowedError') return t('accountErrPasskeyCancelled');
  return t('accountErrUnknown');
}
