// The documents card: each document with its status, "View" (into the shared viewer), and — while the
// application is open and the document unchecked — "Valid" / "Not valid" with a reason. A verified document is
// redrawn in place and focus stays on it, so the officer can go down the list with the keyboard.
//
// Contract
// - Receives: the viewer (components/officer-viewer.js, owned by the view) at creation; the application on
//   each `render(app)`.
// - Owns: the <section> `render` returns, and the reasons typed for "not valid", which survive a redraw of the
//   screen (a reload after a conflict, a decision) until that document is verified.
// - Emits: nothing; a verification updates the document in `app.documents` and announces the result.
// - Cleans up: nothing of its own (listeners are on its own elements; the viewer is the view's to destroy).
import { api } from '../../../api.js';
import { t } from '../../../i18n.js';
import { announce, h } from '../../../lib/dom.js';
import { OPEN, isIn } from '../../../statuses.js';
import { errorText } from '../common.js';

/**
 * @param {{ viewer: { show: (doc: { id: string, mediaType?: string }, name: string) => void } }} options
 */
export function createDocuments({ viewer }) {
  /** @type {Record<string, string>} document id → reason typed for "not valid" */
  const reasons = {};
  /** @type {import('../review.js').OfficerApplication | null} */
  let app = null;

  /** @param {import('../review.js').OfficerApplication} current */
  function render(current) {
    app = current;
    const docs = app.documents || [];
    return h('section', { class: 'card', 'aria-labelledby': 'off-docs-title' }, [
      h('h2', { id: 'off-docs-title' }, [t('officerDocuments')]),
      docs.length
        ? h('ul', { class: 'off-docs' }, docs.map(item))
        : h('p', {}, [t('officerNoDocuments')]),
    ]);
  }

  /** @param {import('../review.js').OfficerDocument} doc */
  function item(doc) {
    const name = doc.type?.name || doc.requirement;
    const reasonId = `off-doc-reason-${doc.id}`;
    const errorId = `${reasonId}-error`;
    const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: reasonId, maxlength: '500', 'aria-describedby': `${reasonId}-hint` }));
    $reason.value = reasons[doc.id] || '';
    $reason.addEventListener('input', () => { reasons[doc.id] = $reason.value; });
    const $error = h('p', { class: 'error', id: errorId, hidden: true });
    const $why = h('div', { class: 'off-doc-why', hidden: !reasons[doc.id] }, [
      h('div', { class: 'field' }, [
        h('label', { for: reasonId }, [t('officerVerifyReason')]),
        h('p', { class: 'hint', id: `${reasonId}-hint` }, [t('officerVerifyReasonHint')]),
        $error,
        $reason,
      ]),
      h('div', { class: 'off-actions' }, [
        h('button', { type: 'button', class: 'danger', onclick: () => verify(doc, false, $reason, $error) }, [t('officerVerifyConfirmInvalid')]),
        h('button', { type: 'button', class: 'secondary', onclick: () => { $why.hidden = true; $open.focus(); } }, [t('officerCancel')]),
      ]),
    ]);
    const canVerify = doc.status === 'uploaded' && isIn(OPEN, app?.status);
    // A family card (KK): the officer may type the NIKs it lists; with the card verified they become the fact that
    // makes a parent's mandate over a child on it active (api/wallet/service/officers.py), without a second review.
    const niksId = `off-doc-niks-${doc.id}`;
    const $niks = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: niksId, rows: '3', inputmode: 'numeric', 'aria-describedby': `${niksId}-hint ${niksId}-error` }));
    const $niksError = h('p', { class: 'error', id: `${niksId}-error`, hidden: true });
    const $niksField = canVerify && doc.type?.code === 'KK' ? h('div', { class: 'field off-doc-niks' }, [
      h('label', { for: niksId }, [t('officerKkNiks')]),
      h('p', { class: 'hint', id: `${niksId}-hint` }, [t('officerKkNiksHint')]),
      $niksError,
      $niks,
    ]) : null;
    const $open = h('button', { type: 'button', class: 'secondary', 'data-doc': doc.id, onclick: () => viewer.show(doc, name) }, [
      t('officerViewShort'), h('span', { class: 'visually-hidden' }, [` ${name}`]),
    ]);
    return h('li', { class: 'off-doc', id: `off-doc-${doc.id}` }, [
      h('p', { class: 'off-doc-name' }, [name, h('span', { class: `badge off-st off-st-${doc.status}` }, [t(`officerDoc_${doc.status}`)])]),
      h('div', { class: 'off-actions' }, [
        $open,
        canVerify ? h('button', { type: 'button', onclick: () => verify(doc, true, $reason, $niksField ? $niksError : $error, $niksField ? $niks : null) }, [t('officerValid')]) : null,
        canVerify ? h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: (/** @type {Event} */ e) => {
          $why.hidden = false;
          /** @type {HTMLElement} */ (e.currentTarget).setAttribute('aria-expanded', 'true');
          $reason.focus();
        } }, [t('officerInvalid')]) : null,
      ]),
      $niksField,
      canVerify ? $why : null,
    ]);
  }

  /**
   * @param {import('../review.js').OfficerDocument} doc @param {boolean} valid
   * @param {HTMLTextAreaElement} $reason @param {HTMLElement} $error
   * @param {HTMLTextAreaElement | null} [$niks] the NIKs a family card lists, when the document is one
   */
  async function verify(doc, valid, $reason, $error, $niks = null) {
    const reason = $reason.value.trim();
    const niks = ($niks?.value || '').split(/[\s,;]+/).filter(Boolean);
    if (valid && niks.some((nik) => !/^[0-9]{16}$/.test(nik))) {
      $error.hidden = false;
      $error.textContent = t('officerKkNiksInvalid');
      $error.setAttribute('role', 'alert');
      $niks?.setAttribute('aria-invalid', 'true');
      $niks?.focus();
      return;
    }
    if (!valid && !reason) {
      $error.hidden = false;
      $error.textContent = t('officerReasonRequired');
      $reason.setAttribute('aria-invalid', 'true');
      $reason.setAttribute('aria-describedby', `${$error.id} ${$reason.id}-hint`);
      $reason.focus();
      return;
    }
    const name = doc.type?.name || doc.requirement;
    try {
      const result = await api(`/api/v1/officer/documents/${doc.id}/verify`, {
        method: 'POST', body: valid ? (niks.length ? { valid, listedNiks: [...new Set(niks)] } : { valid }) : { valid, reason },
      });
      doc.status = result.status;
      delete reasons[doc.id];
      const $old = document.getElementById(`off-doc-${doc.id}`);
      const $new = item(doc);
      $old?.replaceWith($new);
      announce(t('officerVerified', { name, status: t(`officerDoc_${doc.status}`) }));
      /** @type {HTMLElement | null} */ ($new.querySelector('button'))?.focus();
    } catch (error) {
      $error.hidden = false;
      $error.textContent = errorText(error);
      $error.setAttribute('role', 'alert');
    }
  }

  return { render };
}
