// A service at the kiosk: what it needs, fee, time, where — and "continue on your phone" by QR code, so the
// citizen applies from their own device (the kiosk never holds their documents or answers).
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { feeText, slaText } from '../../components/service-facts.js';
import { device, kioskBar, startIdle, useStyles } from '../../components/kiosk-shell.js';
import { regionToday } from '../../components/queue-common.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  useStyles();
  startIdle();
  let s;
  try {
    s = await get(`/api/v1/services/${encodeURIComponent(ctx.params.id)}`);
  } catch {
    $main.append(h('div', { class: 'kiosk' }, [kioskBar('search'), h('h1', {}, [t('titleService')]), h('p', { class: 'status' }, [t('kioskOffline')])]));
    return;
  }
  const phoneUrl = `${location.origin}/#/services/${s.id}`;
  const requirement = (/** @type {any} */ r) => h('li', {}, [
    h('span', { class: 'kiosk-req-name' }, [r.name + (r.optional ? ` (${t('optional')})` : '')]),
    r.note ? h('span', { class: 'meta' }, [r.note]) : null,
  ]);
  $main.append(h('div', { class: 'kiosk' }, [
    kioskBar('search'),
    h('article', { class: 'kiosk-service', id: 'kiosk-service' }, [
      h('p', {}, [h('a', { href: '#/kiosk', class: 'kiosk-back' }, [t('kioskBack')])]),
      h('h1', {}, [s.name]),
      h('p', { class: 'meta' }, [`${s.agency.name} · ${s.region.name}`]),
      h('p', {}, [s.description]),
      h('dl', { class: 'kiosk-facts' }, [
        h('dt', {}, [t('fee')]), h('dd', {}, [feeText(s.fee) + (s.feeNote ? ` — ${s.feeNote}` : '')]),
        h('dt', {}, [t('time')]), h('dd', {}, [slaText(s.slaDays)]),
        s.where ? h('dt', {}, [t('kioskWhere')]) : null,
        s.where ? h('dd', {}, [s.where.mpp + (s.where.counters.length ? ` — ${t('kioskCounters')} ${s.where.counters.join(', ')}` : '')]) : null,
      ]),
      // Filled when the MPP's queue serves this service: a walk-in number for it, one tap away.
      h('p', { id: 'kq-service-take', hidden: true }),
      h('section', { class: 'kiosk-continue', 'aria-labelledby': 'kiosk-continue-title' }, [
        h('h2', { id: 'kiosk-continue-title' }, [t('kioskContinueTitle')]),
        h('p', {}, [t('kioskContinueText')]),
        // Made by our own API from the service id only: the kiosk cannot be turned into a QR code for elsewhere.
        h('img', {
          class: 'kiosk-qr', id: 'kiosk-qr', width: '280', height: '280',
          src: `/api/v1/kiosk/qr.svg?service=${encodeURIComponent(s.id)}`, alt: t('kioskQrAlt', { name: s.name }),
        }),
        h('p', { class: 'meta' }, [t('kioskQrLink'), ' ', h('span', { class: 'kiosk-url' }, [phoneUrl])]),
      ]),
      h('h2', {}, [t('kioskRequirements')]),
      h('ul', { class: 'kiosk-requirements' }, s.requirements.map(requirement)),
      s.procedure.length ? h('h2', {}, [t('kioskProcedure')]) : null,
      s.procedure.length ? h('ol', { class: 'kiosk-steps' }, s.procedure.map((/** @type {string} */ step) => h('li', {}, [step]))) : null,
    ]),
  ]));
  offerTicket(s);
}

/**
 * "Ambil nomor antrean" for this service, when the building's queue has it today.
 * @param {any} s
 */
async function offerTicket(s) {
  const info = await device().catch(() => null);
  if (!info) return;
  const list = await get(`/api/v1/regions/${info.region.code}/queue/services`, { date: regionToday(info.region.code) }).catch(() => null);
  const $slot = document.getElementById('kq-service-take');
  if (!$slot || !list?.items.some((/** @type {any} */ q) => q.id === s.id)) return;
  $slot.append(h('a', { class: 'kiosk-action kq-service-take', href: `#/kiosk/queue?service=${encodeURIComponent(s.id)}` }, [t('kqHomeTake')]));
  $slot.hidden = false;
}
