// The queue's figures for a supervisor (`#/officer/queue-stats?date=YYYY-MM-DD`): for my agency on a day, how many
// wait now, were served and did not come, the average wait and handling time — per counter too — and how good the
// waiting estimate shown to citizens was: the share of called tickets called inside the window they were shown
// (the estimate promises about four in five). Plain officers get a polite explanation, as on the workload screen.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { regionToday } from '../../components/queue-common.js';
import { errorText, loadStyles } from './common.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  $main.append(h('h1', {}, [t('qsTitle')]));
  if (!session.hasRole('supervisor')) {
    $main.append(
      h('p', { class: 'card' }, [t('officerSupervisorsOnly')]),
      h('p', {}, [h('a', { class: 'back', href: '#/officer/counter' }, [t('qsBackToCounter')])]),
    );
    return;
  }
  const region = session.me()?.region?.code || '3302';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get('date') || '') ? /** @type {string} */ (ctx.query.get('date')) : regionToday(region);
  const $date = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'qs-date', value: date, max: regionToday(region) }));
  const $form = h('form', { class: 'qs-filter', id: 'qs-filter' }, [
    h('div', { class: 'field' }, [h('label', { for: 'qs-date' }, [t('qsDate')]), h('div', { class: 'row' }, [$date, h('button', { type: 'submit' }, [t('qsShow')])])]),
  ]);
  // The day goes into the URL: a reload or Back keeps it.
  $form.addEventListener('submit', (event) => { event.preventDefault(); if ($date.value) location.hash = `#/officer/queue-stats?date=${$date.value}`; });
  const $body = h('div', { id: 'qs-body' });
  $main.append(h('p', {}, [h('a', { class: 'back', href: '#/officer/counter' }, [t('qsBackToCounter')])]), $form, $body);

  let stats;
  try {
    stats = await get('/api/v1/officer/queue/stats', { date });
  } catch (error) {
    $body.append(h('p', { class: 'error', role: 'alert' }, [errorText(error)]));
    return;
  }
  const minutes = (/** @type {number | null | undefined} */ m) => (m === null || m === undefined ? '—' : t('qcMinutes', { n: Math.round(m) }));
  const e = stats.estimate;
  $body.append(
    h('section', { class: 'card', 'aria-labelledby': 'qs-day-title' }, [
      h('h2', { id: 'qs-day-title' }, [stats.agency.name]),
      h('dl', { class: 'off-facts qs-totals', id: 'qs-totals' }, [
        h('dt', {}, [t('qsWaiting')]), h('dd', { id: 'qs-waiting' }, [String(stats.waiting)]),
        h('dt', {}, [t('qsServed')]), h('dd', { id: 'qs-served' }, [String(stats.served)]),
        h('dt', {}, [t('qsNoShows')]), h('dd', {}, [String(stats.noShows)]),
        h('dt', {}, [t('qsAvgWait')]), h('dd', {}, [minutes(stats.avgWaitMinutes)]),
        h('dt', {}, [t('qsAvgHandling')]), h('dd', {}, [minutes(stats.avgHandlingMinutes)]),
      ]),
    ]),
    h('section', { class: 'card', 'aria-labelledby': 'qs-accuracy-title' }, [
      h('h2', { id: 'qs-accuracy-title' }, [t('qsAccuracyTitle')]),
      h('p', { class: 'qs-accuracy', id: 'qs-accuracy' }, [
        e.accuracy === null || e.accuracy === undefined ? t('qsAccuracyNone')
          : t('qsAccuracy', { percent: Math.round(e.accuracy * 100), inside: e.inside, n: e.tickets }),
      ]),
      h('p', { class: 'hint' }, [t('qsAccuracyHelp')]),
    ]),
    h('section', { class: 'card', 'aria-labelledby': 'qs-counters-title' }, [
      h('h2', { id: 'qs-counters-title' }, [t('qsCounters')]),
      stats.counters.length ? table(stats.counters, minutes) : h('p', {}, [t('qcNoCounters')]),
    ]),
  );
}

/**
 * Per counter, the counter's number as each row's header (screen readers say "A3, Served, 12").
 * @param {any[]} counters
 * @param {(m: number | null | undefined) => string} minutes
 */
function table(counters, minutes) {
  const columns = [t('qsCounter'), t('qsOpenNow'), t('qsWaiting'), t('qsServed'), t('qsNoShows'), t('qsAvgWait'), t('qsAvgHandling')];
  return h('div', { class: 'off-table-wrap', role: 'region', 'aria-labelledby': 'qs-counters-title', tabindex: '0' }, [
    h('table', { class: 'off-table', id: 'qs-counters' }, [
      h('thead', {}, [h('tr', {}, columns.map((c, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : undefined }, [c])))]),
      h('tbody', {}, counters.map((c) => h('tr', {}, [
        h('th', { scope: 'row' }, [c.number]),
        h('td', {}, [c.open ? t('qsYes') : t('qsNo')]),
        h('td', { class: 'num' }, [String(c.waiting)]),
        h('td', { class: 'num' }, [String(c.served)]),
        h('td', { class: 'num' }, [String(c.noShows)]),
        h('td', { class: 'num' }, [minutes(c.avgWaitMinutes)]),
        h('td', { class: 'num' }, [minutes(c.avgHandlingMinutes)]),
      ]))),
    ]),
  ]);
}
