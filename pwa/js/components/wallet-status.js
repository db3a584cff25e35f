// A document's status as a badge. The API's values (uploaded, verified, issued, rejected, expired) are shown in
// words, never as codes, and with a text label so colour is not the only signal.
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';

/** @param {string} status */
export function statusBadge(status) {
  const key = `walletStatus_${status}`;
  const label = t(key);
  return h('span', { class: `badge wallet-status wallet-status-${status}` }, [label === key ? status : label]);
}

/** @param {number} bytes */
export function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
