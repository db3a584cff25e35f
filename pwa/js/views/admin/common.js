// Helpers shared by the admin screens (views/admin/, loaded only on an admin's device): their stylesheet, a
// confirmation dialog for what cannot be undone, a copy button and a card for secrets and codes shown once,
// and the roles and regions in words.
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import * as session from '../../session.js';

/** Admin styles are added by the admin views themselves (once), so nobody else downloads them. */
export function loadStyles() {
  if (document.querySelector('link[data-admin-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/admin.css', 'data-admin-css': true }));
}

/** Whether this admin manages one region (registers and revokes its kiosks) rather than the whole country. */
export const isRegionAdmin = () => session.hasRole('region_admin');

/**
 * A modal confirmation: a native <dialog> keeps focus inside and Escape cancels; focus returns to the button
 * that opened it when it closes.
 * Contract: receives the question, its explanation and the confirming button's words; owns the <dialog>
 * (appended to <body> while open, removed on close); gives `answer` (true only when confirmed) and `cancel()`
 * for the view's cleanup.
 * @param {{ title: string, text: string, yes: string }} words
 * @returns {{ answer: Promise<boolean>, cancel: () => void }}
 */
export function confirmDialog({ title, text, yes }) {
  const $dialog = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'adm-dialog', 'aria-labelledby': 'adm-confirm-title', 'aria-describedby': 'adm-confirm-text' }, [
    h('h2', { id: 'adm-confirm-title' }, [title]),
    h('p', { id: 'adm-confirm-text' }, [text]),
    h('div', { class: 'adm-actions' }, [
      h('button', { type: 'button', class: 'danger', onclick: () => $dialog.close('yes') }, [yes]),
      h('button', { type: 'button', class: 'secondary', onclick: () => $dialog.close('no') }, [t('adminCancel')]),
    ]),
  ]));
  const answer = new Promise((resolve) => {
    $dialog.addEventListener('close', () => { $dialog.remove(); resolve($dialog.returnValue === 'yes'); });
  });
  document.body.append($dialog);
  $dialog.showModal();
  return { answer: /** @type {Promise<boolean>} */ (answer), cancel: () => { if ($dialog.open) $dialog.close('no'); } };
}

/**
 * A button that copies `text` (a secret or a code shown once). The outcome is announced, since nothing on
 * screen changes; where the clipboard is refused, the text is selected for a manual copy.
 * @param {string} text
 * @param {string} label
 * @param {HTMLElement} $source the element showing the text
 */
export function copyButton(text, label, $source) {
  return h('button', {
    type: 'button',
    class: 'secondary',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        announce(t('adminCopied'));
      } catch {
        const range = document.createRange();
        range.selectNodeContents($source);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
        announce(t('adminCopyManually'));
      }
    },
  }, [label]);
}

/**
 * A card of values shown this once (a client's id and secret, a webhook's signing secret): each with a copy
 * button, the warning that it will not be shown again, and "Selesai". It stays until the admin closes it or
 * leaves the screen; focus moves to its heading, since it is what the admin must act on now.
 * @param {HTMLElement} $slot
 * @param {{ prefix: string, title: string, warning?: string, notes?: (Node | string)[], after?: (Node | string)[],
 *   values: { label: string, value: string, copy: string, id: string }[] }} spec `notes` go before the warning,
 *   `after` right after it; no `warning` for values that are not secret (a system registered with its keys)
 */
export function showOnce($slot, { prefix, title, warning, notes = [], after = [], values }) {
  const $title = h('h2', { id: `${prefix}-secret-title`, tabindex: '-1' }, [title]);
  const $values = values.map((v) => h('code', { class: 'adm-secret', id: v.id }, [v.value]));
  $slot.replaceChildren(h('section', { class: 'card adm-once', 'aria-labelledby': $title.id }, [
    $title,
    ...notes,
    warning ? h('p', { class: 'adm-warning' }, [h('strong', {}, [t('adminShownOnce')]), ' ', warning]) : '',
    ...after,
    ...values.flatMap((v, i) => [h('p', { class: 'adm-label' }, [v.label]), $values[i]]),
    h('div', { class: 'adm-actions' }, [
      ...values.map((v, i) => copyButton(v.value, v.copy, $values[i])),
      h('button', { type: 'button', onclick: () => $slot.replaceChildren() }, [t('adminSsoSecretDone')]),
    ]),
  ]));
  $title.focus();
}

/** @param {string} role */
export const roleText = (role) => {
  const key = `adminRole_${role}`;
  const text = t(key);
  return text === key ? role : text;
};
