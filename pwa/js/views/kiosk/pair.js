// Pairing a tablet as a kiosk: MPP staff type (or open, from the admin's QR code) the short one-time pairing code an
// admin was shown. The server answers a kiosk session and the device's secret, which it also puts in the device's
// HttpOnly kiosk cookie — where the kiosk sign-in keeps it, out of every script's reach. So nothing is stored here:
// the session lives in memory (session.beginKiosk), and after a reload or the idle wipe the cookie signs the
// tablet in again (views/kiosk/home.js).
import { ApiError, OfflineError, api } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as session from '../../session.js';
import { startIdle, useStyles } from '../../components/kiosk-shell.js';

const LENGTH = 8;

/**
 * The code as the server issued it: upper case, without the spaces and dashes people type or that the admin's
 * screen shows ("k7q2 9mxd", "K7Q2-9MXD" → "K7Q29MXD").
 * @param {string} typed
 */
export const normalise = (typed) => typed.replace(/[\s-]+/g, '').toUpperCase();

/** "K7Q29MXD" → "K7Q2-9MXD": grouped as the admin's screen shows it, easier to compare by eye. */
const grouped = (/** @type {string} */ raw) => (raw.length > 4 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : raw);

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  useStyles();
  const given = normalise(ctx.query.get('code') ?? '').slice(0, 20);
  if (given) {
    // The code is single use, but it need not linger in the address bar or the tab's history either.
    history.replaceState(null, '', '#/kiosk/pair');
  }
  const $code = /** @type {HTMLInputElement} */ (h('input', {
    id: 'kiosk-pair-code', name: 'pairingCode', type: 'text', class: 'kiosk-pair-code', maxlength: '20',
    autocomplete: 'one-time-code', autocapitalize: 'characters', spellcheck: 'false', inputmode: 'text',
    'aria-describedby': 'kiosk-pair-hint kiosk-pair-error',
  }));
  $code.value = grouped(given);
  // Upper case as it is typed, so what the screen shows matches the admin's screen letter for letter.
  $code.addEventListener('input', () => {
    const at = $code.selectionStart;
    $code.value = $code.value.toUpperCase();
    if (at !== null) $code.setSelectionRange(at, at);
  });
  const $error = h('p', { id: 'kiosk-pair-error', class: 'error', role: 'alert' });
  const $button = h('button', { type: 'submit', class: 'kiosk-primary' }, [t('kioskPairButton')]);
  const $form = h('form', { class: 'kiosk-setup kiosk-form card', id: 'kiosk-pair', novalidate: true }, [
    h('div', { class: 'field' }, [
      h('label', { for: 'kiosk-pair-code' }, [t('kioskPairLabel')]),
      h('p', { class: 'hint', id: 'kiosk-pair-hint' }, [t('kioskPairHint')]),
      $code,
    ]),
    $error,
    $button,
  ]);
  /** @param {string} text */
  const fail = (text) => {
    $error.textContent = text;
    $code.setAttribute('aria-invalid', 'true');
    $code.focus();
  };
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    $error.textContent = '';
    $code.removeAttribute('aria-invalid');
    const code = normalise($code.value);
    if (!code) { fail(t('kioskPairEmpty')); return; }
    if (code.length !== LENGTH) { fail(t('kioskPairLength', { length: LENGTH })); return; }
    $button.setAttribute('disabled', '');
    try {
      const tokens = await api('/api/v1/auth/kiosk/pair', { method: 'POST', body: { pairingCode: code }, auth: false });
      // A tablet becoming a kiosk keeps nothing from an earlier personal use (as the sign-in with a secret).
      if (session.kind() !== 'kiosk') await session.forget();
      session.beginKiosk(tokens);
      startIdle();
      $code.value = '';
      location.hash = '#/kiosk';
    } catch (error) {
      if (error instanceof OfflineError) fail(t('kioskSetupOffline'));
      else if (error instanceof ApiError) fail(problemText(error));
      else throw error;
    } finally {
      $button.removeAttribute('disabled');
    }
  });
  $main.append(h('div', { class: 'kiosk' }, [
    h('h1', {}, [t('kioskPairTitle')]),
    h('p', { class: 'kiosk-lead' }, [t('kioskPairIntro')]),
    $form,
    h('p', {}, [h('a', { href: '#/kiosk' }, [t('kioskPairWithSecret')])]),
  ]));
}
