// A service: what it needs (marked with what my wallet already holds), fee, time, where, legal basis.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { feeText, slaText } from '../../components/service-facts.js';
import * as session from '../../session.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  let s;
  try {
    s = await get(`/api/v1/services/${ctx.params.id}`);
  } catch {
    $main.append(h('h1', {}, [t('titleService')]), h('p', { class: 'status' }, [t('offline')]));
    return;
  }
  // Signed-in citizens see which requirements their wallet already satisfies.
  /** @type {Map<string, string>} requirement code → readiness state */
  const readiness = new Map();
  if (session.kind() === 'citizen') {
    const ready = await get('/api/v1/applications/readiness', { serviceId: s.id }).catch(() => null);
    for (const r of ready?.requirements ?? []) readiness.set(r.code, r.state);
  }
  const requirement = (/** @type {any} */ r) => {
    const state = readiness.get(r.code);
    return h('li', { class: state ? `req req-${state}` : 'req' }, [
      r.name + (r.optional ? ` (${t('optional')})` : '') + (r.note ? ` — ${r.note}` : ''),
      state ? h('span', { class: 'badge' }, [t(`req_${state}`)]) : null,
    ]);
  };
  $main.append(h('article', { class: 'detail', id: 'detail' }, [
    h('p', {}, [h('a', { href: '#/', class: 'back' }, [t('back')])]),
    h('h1', { id: 'detail-title' }, [s.name]),
    h('p', { class: 'meta' }, [`${s.agency.name} · ${s.region.name}`]),
    h('p', {}, [s.description]),
    h('dl', { class: 'facts' }, [
      h('dt', {}, [t('fee')]), h('dd', {}, [feeText(s.fee) + (s.feeNote ? ` — ${s.feeNote}` : '')]),
      h('dt', {}, [t('time')]), h('dd', {}, [slaText(s.slaDays)]),
      h('dt', {}, [t('channels')]), h('dd', {}, [t(s.channels)]),
      s.output ? h('dt', {}, [t('output')]) : null, s.output ? h('dd', {}, [s.output]) : null,
    ]),
    s.channels !== 'counter' ? h('p', {}, [h('a', { class: 'button', href: `#/apply/${s.id}` }, [t('applyOnline')])]) : null,
    h('h2', {}, [t('requirements')]),
    h('ul', { class: 'requirements' }, s.requirements.map(requirement)),
    h('h2', {}, [t('procedure')]),
    h('ol', {}, s.procedure.map((/** @type {string} */ step) => h('li', {}, [step]))),
    h('h2', {}, [t('legalBasis')]),
    h('ul', {}, s.legalBasis.map((/** @type {string} */ law) => h('li', {}, [law]))),
    ...(s.where ? [
      h('h2', {}, [t('where')]),
      h('p', {}, [`${s.where.mpp}, ${s.where.address}` + (s.where.counters.length ? ` — ${t('counters')} ${s.where.counters.join(', ')}` : '')]),
    ] : []),
  ]));
}
