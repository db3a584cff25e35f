// A service: what it needs (marked with what my wallet already holds), fee, time, where, legal basis, and the
// region's own note when its MPP gave one. `?version=N` shows an earlier published version of the standard (the
// one an application was made under). `serviceArticle` draws the service alone: admin mode's draft preview uses it
// so an admin sees a draft exactly as citizens will.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { formatMonth, h } from '../../lib/dom.js';
import { feeText, slaText } from '../../components/service-facts.js';
import * as session from '../../session.js';
import { regionToday } from '../../components/queue-common.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const version = Number(ctx.query.get('version')) || 0;
  let s;
  try {
    s = await get(version ? `/api/v1/services/${ctx.params.id}/versions/${version}` : `/api/v1/services/${ctx.params.id}`);
  } catch (error) {
    $main.append(h('h1', {}, [t('titleService')]), h('p', { class: 'status' }, [/** @type {any} */ (error)?.status === 404 ? t('notFound') : t('offline')]));
    return;
  }
  // Signed-in citizens see which requirements their wallet already satisfies (of the standard in force only).
  /** @type {Map<string, string>} requirement code → readiness state */
  const readiness = new Map();
  if (session.kind() === 'citizen' && !version) {
    const ready = await get('/api/v1/applications/readiness', { serviceId: s.id }).catch(() => null);
    for (const r of ready?.requirements ?? []) readiness.set(r.code, r.state);
  }
  $main.append(serviceArticle(s, { readiness, version }));
  if (!version && s.channels !== 'online') offerBooking(s);
  if (!version) publicFeedback(s);
}

/**
 * The service's public satisfaction index ("Indeks kepuasan 87,50 (B) dari 120 responden"; nothing before the first
 * answer), the comments its agency has answered publicly, and the way to complain about it. Loaded after the
 * service itself, which is what the person came for.
 * @param {any} s
 */
async function publicFeedback(s) {
  const $detail = document.getElementById('detail');
  if (!$detail) return;
  const { indexNumber } = await import('../../components/feedback-common.js');
  const [skm, comments] = await Promise.all([
    get('/api/v1/skm', { service: s.id }).catch(() => null),
    get('/api/v1/skm/comments', { service: s.id, limit: 5 }).catch(() => null),
  ]);
  const items = comments?.items ?? [];
  const rated = skm && skm.respondents > 0 && typeof skm.ikm === 'number';
  if (rated || items.length) {
    $detail.append(h('section', { class: 'fb-service', id: 'fb-service', 'aria-labelledby': 'fb-service-title' }, [
      h('h2', { id: 'fb-service-title' }, [t('fbServiceSkmTitle')]),
      rated ? h('p', { class: 'fb-ikm', id: 'fb-service-ikm' }, [t('fbServiceIkm', { ikm: indexNumber(skm.ikm), grade: skm.grade, n: skm.respondents })]) : '',
      items.length ? h('h3', {}, [t('fbServiceComments')]) : '',
      items.length ? h('ul', { class: 'fb-comments', id: 'fb-service-comments' }, items.map((/** @type {any} */ c) => h('li', { class: 'fb-comment' }, [
        h('p', { class: 'fb-text' }, [c.comment]),
        h('p', { class: 'meta' }, [formatMonth(c.month)]),
        c.reply ? h('div', { class: 'fb-reply' }, [h('p', { class: 'meta' }, [t('fbServiceReply')]), h('p', { class: 'fb-text' }, [c.reply.text])]) : '',
      ]))) : '',
    ]));
  }
  // Not signed in yet: the link leads through sign-in (the route asks for a citizen).
  if (session.kind() === 'citizen' || !session.kind()) {
    $detail.append(h('p', { class: 'fb-complain' }, [h('a', { href: `#/complaints/new?service=${s.id}`, id: 'fb-service-complain' }, [t('fbServiceComplain')])]));
  }
}

/**
 * "Ambil jadwal antrean" under a counter service, once the MPP's queue is known to take bookings for it (a service
 * without a queue there gets no button that leads nowhere).
 * @param {any} s
 */
async function offerBooking(s) {
  const slots = await get(`/api/v1/regions/${s.region.code}/queue/slots`, { service: s.id, date: regionToday(s.region.code) }).catch(() => null);
  const $slot = document.getElementById('q-book-slot');
  if (!slots || slots.closed === 'not_queued' || !$slot) return;
  $slot.append(h('a', { class: 'button secondary', id: 'q-book-link', href: `#/queue/book/${s.id}` }, [t('queueBookLink')]));
  $slot.hidden = false;
}

/**
 * The service as a citizen reads it (GET /services/{id}'s ServiceDetail).
 * @param {any} s
 * @param {{ readiness?: Map<string, string>, version?: number, preview?: boolean }} [options] `version`: an earlier
 *   version is shown (said above the title, and nothing to apply to); `preview`: admin mode's draft preview (the
 *   title is an <h2> under the admin's own <h1>, and the links lead nowhere)
 */
export function serviceArticle(s, { readiness = new Map(), version = 0, preview = false } = {}) {
  const requirement = (/** @type {any} */ r) => {
    const state = readiness.get(r.code);
    return h('li', { class: state ? `req req-${state}` : 'req' }, [
      r.name + (r.optional ? ` (${t('optional')})` : '') + (r.note ? ` — ${r.note}` : ''),
      state ? h('span', { class: 'badge' }, [t(`req_${state}`)]) : null,
    ]);
  };
  // In a preview the sections sit under the preview's own <h2> title.
  const sub = preview ? 'h3' : 'h2';
  const apply = preview
    ? h('a', { class: 'button', 'aria-disabled': 'true' }, [t('applyOnline')])
    : h('a', { class: 'button', href: `#/apply/${s.id}` }, [t('applyOnline')]);
  return h('article', { class: 'detail', id: preview ? 'preview-detail' : 'detail' }, [
    preview ? '' : h('p', {}, [h('a', { href: '#/', class: 'back' }, [t('back')])]),
    version ? h('p', { class: 'card service-version', id: 'service-version' }, [
      t('serviceOldVersion', { version }), ' ', h('a', { href: `#/services/${s.id}` }, [t('serviceCurrentVersion')]),
    ]) : '',
    h(preview ? 'h2' : 'h1', { id: preview ? 'preview-title' : 'detail-title', class: 'detail-title' }, [s.name]),
    h('p', { class: 'meta' }, [`${s.agency.name} · ${s.region.name}`]),
    s.localNote ? h('section', { class: 'card local-note', id: 'local-note', 'aria-labelledby': 'local-note-title' }, [
      h(sub, { id: 'local-note-title' }, [t('serviceLocalNote', { region: s.region.name })]),
      h('p', {}, [s.localNote]),
    ]) : '',
    h('p', {}, [s.description]),
    h('dl', { class: 'facts' }, [
      h('dt', {}, [t('fee')]), h('dd', {}, [feeText(s.fee) + (s.feeNote ? ` — ${s.feeNote}` : '')]),
      h('dt', {}, [t('time')]), h('dd', {}, [slaText(s.slaDays)]),
      h('dt', {}, [t('channels')]), h('dd', {}, [t(s.channels)]),
      s.output ? h('dt', {}, [t('output')]) : null, s.output ? h('dd', {}, [s.output]) : null,
    ]),
    s.channels !== 'counter' && !version ? h('p', {}, [apply]) : null,
    // Filled by offerBooking when the MPP's queue takes bookings for this service.
    s.channels !== 'online' && !version && !preview ? h('p', { id: 'q-book-slot', hidden: true }) : null,
    h(sub, {}, [t('requirements')]),
    h('ul', { class: 'requirements' }, s.requirements.map(requirement)),
    h(sub, {}, [t('procedure')]),
    h('ol', {}, s.procedure.map((/** @type {string} */ step) => h('li', {}, [step]))),
    h(sub, {}, [t('legalBasis')]),
    h('ul', {}, s.legalBasis.map((/** @type {string} */ law) => h('li', {}, [law]))),
    ...(s.where ? [
      h(sub, {}, [t('where')]),
      h('p', {}, [`${s.where.mpp}, ${s.where.address}` + (s.where.counters.length ? ` — ${t('counters')} ${s.where.counters.join(', ')}` : '')]),
      // The building's public performance page (views/stats/public-mpp.js): its SLA, IKM and waits.
      preview ? '' : h('p', {}, [h('a', { href: `#/mpp/${s.region.code}`, id: 'service-mpp-performance' }, [t('serviceMppPerformance')])]),
    ] : []),
  ]);
}
