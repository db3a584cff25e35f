// Kiosk home: set-up for MPP staff on a tablet that is not yet a kiosk; otherwise big search and life events.
import { ApiError, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import { render as rerender } from '../../router.js';
import * as session from '../../session.js';
import { serviceFacts } from '../../components/service-facts.js';
import { device, kioskBar, signIn, useStyles } from '../../components/kiosk-shell.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  useStyles();
  if (session.kind() !== 'kiosk') {
    // A tablet that was set up before: its HttpOnly kiosk cookie signs it in again (e.g. after the idle wipe).
    const signedIn = await signIn().catch(() => false);
    if (!signedIn) return setup($main);
  }
  return home($main, ctx);
}

/** @param {HTMLElement} $main */
function setup($main) {
  const $secret = /** @type {HTMLInputElement} */ (h('input', {
    id: 'kiosk-secret', name: 'deviceSecret', type: 'text', autocomplete: 'off', autocapitalize: 'off',
    spellcheck: 'false', maxlength: '200', 'aria-describedby': 'kiosk-secret-hint',
  }));
  const $error = h('p', { id: 'kiosk-secret-error', class: 'error', role: 'alert' });
  const $button = h('button', { type: 'submit', class: 'kiosk-primary' }, [t('kioskSetupButton')]);
  const $form = h('form', { class: 'kiosk-setup card', id: 'kiosk-setup' }, [
    h('div', { class: 'field' }, [
      h('label', { for: 'kiosk-secret' }, [t('kioskSetupSecret')]),
      h('p', { class: 'hint', id: 'kiosk-secret-hint' }, [t('kioskSetupHint')]),
      $secret,
    ]),
    $error,
    $button,
  ]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const secret = $secret.value.trim();
    $error.textContent = '';
    $secret.removeAttribute('aria-invalid');
    if (!secret) {
      $error.textContent = t('kioskSetupEmpty');
      $secret.setAttribute('aria-invalid', 'true');
      $secret.focus();
      return;
    }
    $button.setAttribute('disabled', '');
    try {
      await signIn(secret);
      $secret.value = '';
      await rerender();
    } catch (error) {
      $error.textContent = error instanceof ApiError ? t('kioskSetupWrong') : t('kioskSetupOffline');
      $secret.setAttribute('aria-invalid', 'true');
      $secret.focus();
    } finally {
      $button.removeAttribute('disabled');
    }
  });
  // Pairing with the admin's short code is the usual way; the long device secret is for tablets registered from
  // the command line (`mpp kiosks register`).
  $main.append(h('div', { class: 'kiosk' }, [
    h('h1', {}, [t('kioskSetupTitle')]),
    h('p', {}, [t('kioskSetupIntro')]),
    h('p', {}, [h('a', { href: '#/kiosk/pair', class: 'kiosk-action kiosk-pair-link' }, [t('kioskSetupPair')])]),
    h('p', {}, [t('kioskSetupSecretIntro')]),
    $form,
  ]));
}

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
async function home($main, ctx) {
  const info = await device().catch(() => null);
  const $q = /** @type {HTMLInputElement} */ (h('input', {
    id: 'kiosk-q', name: 'q', type: 'search', autocomplete: 'off', maxlength: '200', placeholder: t('kioskSearchPlaceholder'),
  }));
  $q.value = ctx.query.get('q') ?? '';
  const $status = h('p', { id: 'kiosk-results-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const $results = h('ol', { id: 'kiosk-results', class: 'kiosk-results' });
  const $events = h('ul', { class: 'kiosk-events', 'aria-label': t('kioskLifeEvents') });
  const $form = h('form', { class: 'kiosk-search', role: 'search' }, [
    h('label', { for: 'kiosk-q' }, [t('kioskSearchLabel')]),
    h('div', { class: 'row' }, [$q, h('button', { type: 'submit', class: 'kiosk-primary' }, [t('kioskSearchButton')])]),
  ]);
  $main.append(h('div', { class: 'kiosk' }, [
    kioskBar('search'),
    h('h1', {}, [info ? t('kioskWelcome', { mpp: info.mpp.name }) : t('titleKiosk')]),
    h('p', { class: 'kiosk-lead' }, [t('kioskHomeIntro')]),
    // The queue first: taking a number is what most people at the kiosk came for.
    h('div', { class: 'kq-home' }, [
      h('a', { class: 'kiosk-status-card kq-home-card', id: 'kq-home-take', href: '#/kiosk/queue' }, [
        h('span', { class: 'kiosk-card-title' }, [t('kqHomeTake')]),
        h('span', {}, [t('kqHomeTakeText')]),
      ]),
      h('a', { class: 'kiosk-status-card kq-home-card', id: 'kq-home-checkin', href: '#/kiosk/queue/checkin' }, [
        h('span', { class: 'kiosk-card-title' }, [t('kqHaveBooking')]),
        h('span', {}, [t('kqHaveBookingText')]),
      ]),
      // After being served: rate the service with the ticket's QR code (issue 17).
      h('a', { class: 'kiosk-status-card kq-home-card', id: 'kq-home-survey', href: '#/kiosk/queue/survey' }, [
        h('span', { class: 'kiosk-card-title' }, [t('kqSurveyHome')]),
        h('span', {}, [t('kqSurveyHomeText')]),
      ]),
    ]),
    $form,
    h('h2', { class: 'kiosk-subtitle' }, [t('kioskLifeEvents')]),
    $events,
    h('a', { class: 'kiosk-status-card', href: '#/kiosk/status' }, [
      h('span', { class: 'kiosk-card-title' }, [t('kioskStatusCardTitle')]),
      h('span', {}, [t('kioskStatusCardText')]),
    ]),
    $status,
    $results,
  ]));

  const region = info?.region.code;
  let category = ctx.query.get('category') ?? '';
  let seq = 0;
  const search = async () => {
    const mine = ++seq;
    $status.textContent = t('kioskSearching');
    try {
      const body = await get('/api/v1/services', { q: $q.value.trim(), region, category: category || undefined, pageSize: 30 });
      if (mine !== seq) return; // a newer search has started
      $results.replaceChildren(...body.items.map(result));
      $status.textContent = body.total === 0 ? t('kioskNone') : t('kioskFound', { n: body.total });
    } catch {
      if (mine === seq) $status.textContent = t('kioskOffline');
    }
  };
  let debounce = 0;
  $q.addEventListener('input', () => { clearTimeout(debounce); debounce = window.setTimeout(search, 300); });
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(debounce);
    search().then(() => announce($status.textContent || ''));
  });

  const categories = await get('/api/v1/categories', { region }).catch(() => ({ items: [] }));
  $events.replaceChildren(...categories.items.map((/** @type {any} */ c) => {
    const $button = h('button', { type: 'button', class: 'kiosk-event', 'aria-pressed': String(c.code === category) }, [c.name]);
    $button.addEventListener('click', () => {
      category = category === c.code ? '' : c.code;
      for (const $b of $events.querySelectorAll('button')) $b.setAttribute('aria-pressed', String($b === $button && category !== ''));
      search();
    });
    return h('li', {}, [$button]);
  }));
  await search();
  return () => clearTimeout(debounce);
}

/** @param {any} item */
function result(item) {
  return h('li', {}, [
    h('a', { class: 'kiosk-result', href: `#/kiosk/services/${item.id}` }, [
      h('span', { class: 'kiosk-card-title' }, [item.name]),
      h('span', { class: 'meta' }, [`${item.agency.name} · ${serviceFacts(item)}`]),
    ]),
  ]);
}
