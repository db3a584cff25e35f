// Kiosks: the tablets in the region's MPP building. A region admin registers one by name and is shown its device
// secret once (the server keeps only a hash), and revokes a lost or replaced one after a confirmation; a national
// admin sees every region's kiosks. Errors are the problem's code in words (lib/problem.js).
import { del, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { field, setError } from '../../components/account-field.js';
import { confirmDialog, copyButton, isRegionAdmin, loadStyles } from './common.js';

/**
 * @typedef {{ id: string, name: string, region: string, createdAt: string, revokedAt?: string, deviceSecret?: string }} Kiosk
 */

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  /** @type {{ cancel: () => void } | null} */
  let dialog = null;
  const $status = h('p', { class: 'status', role: 'status' });
  const $list = h('div', { id: 'adm-kiosk-list' });
  const $secret = h('div', { id: 'adm-kiosk-secret' });
  $main.append(h('h1', {}, [t('adminKiosksTitle')]), h('p', {}, [isRegionAdmin() ? t('adminKiosksIntro') : t('adminKiosksIntroNational')]));
  if (isRegionAdmin()) $main.append($secret, registerForm());
  $main.append(h('section', { 'aria-labelledby': 'adm-kiosks-list-title' }, [h('h2', { id: 'adm-kiosks-list-title' }, [t('adminKiosksList')]), $status, $list]));
  await load();
  return () => dialog?.cancel();

  async function load() {
    try {
      /** @type {Kiosk[]} */
      const kiosks = await get('/api/v1/admin/kiosks');
      // Active ones first, newest first: the list an admin acts on.
      kiosks.sort((a, b) => Number(Boolean(a.revokedAt)) - Number(Boolean(b.revokedAt)) || b.createdAt.localeCompare(a.createdAt));
      $list.replaceChildren(kiosks.length
        ? h('ul', { class: 'adm-list' }, kiosks.map(row))
        : h('p', {}, [t('adminKiosksEmpty')]));
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @param {Kiosk} kiosk */
  function row(kiosk) {
    const revoked = Boolean(kiosk.revokedAt);
    return h('li', { class: 'card adm-kiosk', 'data-id': kiosk.id }, [
      h('h3', {}, [kiosk.name]),
      h('p', {}, [h('span', { class: `badge adm-st ${revoked ? 'adm-st-revoked' : 'adm-st-active'}` }, [
        revoked ? t('adminKioskRevokedOn', { date: formatDate(/** @type {string} */ (kiosk.revokedAt)) }) : t('adminKioskActive'),
      ])]),
      h('p', { class: 'meta' }, [
        t('adminKioskRegistered', { date: formatDate(kiosk.createdAt) }),
        isRegionAdmin() ? '' : ` · ${t('adminRegionCode', { region: kiosk.region })}`,
      ]),
      isRegionAdmin() && !revoked
        ? h('div', { class: 'adm-actions' }, [h('button', { type: 'button', class: 'danger', onclick: () => revoke(kiosk) }, [t('adminKioskRevoke')])])
        : '',
    ]);
  }

  /** @param {Kiosk} kiosk */
  async function revoke(kiosk) {
    const asked = confirmDialog({ title: t('adminKioskRevokeTitle', { name: kiosk.name }), text: t('adminKioskRevokeText'), yes: t('adminKioskRevokeYes') });
    dialog = asked;
    const yes = await asked.answer;
    dialog = null;
    if (!yes) return;
    try {
      await del(`/api/v1/admin/kiosks/${kiosk.id}`);
      toast(t('adminKioskRevoked', { name: kiosk.name }));
      $status.textContent = t('adminKioskRevoked', { name: kiosk.name });
      await load();
      /** @type {HTMLElement | null} */ ($main.querySelector('#adm-kiosks-list-title'))?.focus();
    } catch (error) {
      $status.textContent = '';
      $list.prepend(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  function registerForm() {
    const $name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '60', autocomplete: 'off', required: true }));
    const $field = field({ id: 'adm-kiosk-name', label: t('adminKioskName'), hint: t('adminKioskNameHint'), input: $name });
    const $button = h('button', { type: 'submit' }, [t('adminKioskRegister')]);
    const $form = h('form', { class: 'card', 'aria-labelledby': 'adm-kiosk-new-title', novalidate: true }, [
      h('h2', { id: 'adm-kiosk-new-title' }, [t('adminKioskNew')]), $field, $button,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = $name.value.trim();
      setError($field, '');
      if (!name) { setError($field, t('adminKioskNameMissing')); $name.focus(); return; }
      $button.setAttribute('disabled', '');
      try {
        /** @type {Kiosk} */
        const kiosk = await post('/api/v1/admin/kiosks', { name });
        $name.value = '';
        showSecret(kiosk);
        await load();
      } catch (error) {
        setError($field, problemText(error));
        $name.focus();
      } finally {
        $button.removeAttribute('disabled');
      }
    });
    return $form;
  }

  /**
   * The device secret, shown this once: the server keeps only its hash. It leaves the screen when the admin
   * says it is noted, or with the screen.
   * @param {Kiosk} kiosk
   */
  function showSecret(kiosk) {
    const secret = kiosk.deviceSecret || '';
    const $value = h('code', { class: 'adm-secret', id: 'adm-secret-value' }, [secret]);
    const $title = h('h2', { id: 'adm-secret-title', tabindex: '-1' }, [t('adminKioskSecretTitle', { name: kiosk.name })]);
    $secret.replaceChildren(h('section', { class: 'card adm-once', 'aria-labelledby': 'adm-secret-title' }, [
      $title,
      h('p', { class: 'adm-warning' }, [h('strong', {}, [t('adminShownOnce')]), ' ', t('adminKioskSecretWarning')]),
      $value,
      h('p', {}, [t('adminKioskSecretHow', { url: `${location.origin}/#/kiosk` })]),
      h('div', { class: 'adm-actions' }, [
        copyButton(secret, t('adminCopySecret'), $value),
        h('button', { type: 'button', onclick: () => { $secret.replaceChildren(); /** @type {HTMLElement | null} */ ($main.querySelector('#adm-kiosk-name'))?.focus(); } }, [t('adminKioskSecretDone')]),
      ]),
    ]));
    // The new secret is what the admin must act on now: read it out from its heading.
    $title.focus();
  }
}
