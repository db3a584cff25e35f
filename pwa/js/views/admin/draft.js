// Placeholder: filled in by the admin-mode work of issue 15.
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';

/** @param {HTMLElement} $main */
export default async function render($main) {
  $main.append(h('h1', {}, [t('titleAdminDraft')]));
}
