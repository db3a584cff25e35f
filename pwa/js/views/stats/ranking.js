// The national ranking (`#/admin/stats/ranking?level=&from=&to=&figure=`), for national admins: every region (or
// province) ranked by one figure over a period, best first — "best" as the figure's definition says (higher or
// lower is better), with the same definitions as the dashboards. Units where nothing was counted have no rank and
// come last. Each unit links to its own dashboard. The choices are kept in the URL; "Unduh CSV" downloads the same.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { createChart } from '../../components/chart.js';
import {
  GROUPS, addDays, asOfText, csvButton, definitions, definitionsBlock, figureName, formatFigure, isDay, kindText,
  loadStyles, periodText, scaleTop, statsErrorText, todayWib, withQuery,
} from './common.js';

const LEVELS = /** @type {const} */ (['region', 'province']);
const BASE = '#/admin/stats/ranking';

/**
 * @typedef {import('./common.js').UnitRef} UnitRef
 * @typedef {{ rank: number | null, unit: UnitRef, figures: import('./common.js').Figures }} RankedUnit
 * @typedef {{ figure: string, from: string, to: string, asOf?: string | null, items: RankedUnit[], total: number }} Ranking
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  /** @type {string[]} */
  const urls = [];
  const cleanup = () => { for (const url of urls) URL.revokeObjectURL(url); };
  const q = ctx.query;
  const to = isDay(q.get('to')) ? String(q.get('to')) : todayWib();
  const from = isDay(q.get('from')) ? String(q.get('from')) : addDays(to, -29);
  const level = LEVELS.find((l) => l === q.get('level')) || 'region';
  const figure = /^[A-Za-z]{2,40}$/.test(q.get('figure') || '') ? String(q.get('figure')) : 'decidedWithinSlaShare';
  $main.append(h('h1', {}, [t('statsRankingTitle')]));
  if (!session.hasRole('national_admin')) {
    $main.append(h('p', { id: 'stats-error' }, [t('statsRankingNational')]), h('p', {}, [h('a', { href: '#/admin/stats' }, [t('statsBackToDashboard')])]));
    return cleanup;
  }
  const $status = h('p', { class: 'status', role: 'status', id: 'stats-status' }, [t('statsLoading')]);
  $main.append($status);
  const defs = await definitions().catch(() => new Map());
  $main.append(form({ level, from, to, figure }, defs));
  /** @type {Ranking} */
  let ranking;
  try {
    if (from > to) throw new RangeError(t('statsErrBackwards'));
    ranking = await get('/api/v1/stats/ranking', { level, from, to, figure });
  } catch (error) {
    $status.remove();
    $main.append(h('p', { class: 'error', role: 'alert', id: 'stats-error' }, [error instanceof RangeError ? error.message : statsErrorText(error)]));
    return cleanup;
  }
  $status.remove();
  const def = defs.get(figure);
  const format = (/** @type {number | null} */ v) => formatFigure(v, def?.unit);
  const href = (/** @type {UnitRef} */ u) => withQuery('#/admin/stats', { scope: `${u.kind}:${u.code}`, up: u.kind === 'region' ? `national,province:${u.code.slice(0, 2)}` : 'national', from, to, figure });
  const chart = createChart({
    id: 'stats-ranking-chart',
    title: t('statsRankingChart', { figure: figureName(defs, figure), kind: kindText(level).toLocaleLowerCase() }),
    labelHeading: kindText(level),
    valueHeading: figureName(defs, figure),
    points: ranking.items.slice(0, 10).map((r) => ({ label: r.unit.name, value: r.figures[figure] ?? null, href: href(r.unit) })),
    format,
    shape: 'bars',
    max: scaleTop(def?.unit),
    whole: def?.unit === 'count',
  });
  $main.append(
    h('p', { class: 'meta stats-meta', id: 'stats-period' }, [periodText(ranking.from, ranking.to)]),
    h('p', { class: 'meta stats-meta' }, [asOfText(ranking.asOf), ' · ', def ? t(def.higherIsBetter ? 'statsHigherBetter' : 'statsLowerBetter') : '']),
    csvButton({ path: '/api/v1/stats/ranking', params: () => ({ level, from, to, figure }), id: 'stats-csv', fallback: `peringkat-${level}-${from}-${to}.csv`, urls }),
    h('section', { class: 'card', 'aria-labelledby': 'stats-ranking-top' }, [h('h2', { id: 'stats-ranking-top' }, [t('statsRankingTop')]), chart.$el]),
    h('section', { class: 'card', 'aria-labelledby': 'stats-ranking-caption' }, [
      h('div', { class: 'stats-table-wrap', role: 'region', 'aria-labelledby': 'stats-ranking-caption', tabindex: '0' }, [
        h('table', { class: 'stats-table', id: 'stats-ranking' }, [
          h('caption', { id: 'stats-ranking-caption' }, [t('statsRankingTable', { kind: kindText(level).toLocaleLowerCase() })]),
          h('thead', {}, [h('tr', {}, [
            h('th', { scope: 'col', class: 'num' }, [t('statsRank')]),
            h('th', { scope: 'col' }, [kindText(level)]),
            h('th', { scope: 'col', class: 'num' }, [figureName(defs, figure)]),
          ])]),
          h('tbody', {}, ranking.items.map((r) => h('tr', { 'data-unit': r.unit.code }, [
            h('td', { class: 'num' }, [r.rank === null ? '–' : String(r.rank)]),
            h('th', { scope: 'row' }, [h('a', { href: href(r.unit) }, [r.unit.name])]),
            h('td', { class: 'num' }, [format(r.figures[figure] ?? null)]),
          ]))),
        ]),
      ]),
    ]),
    definitionsBlock(defs, [figure], 'stats-definitions'),
    h('p', {}, [h('a', { href: withQuery('#/admin/stats', { from, to, figure }) }, [t('statsBackToDashboard')])]),
  );
  return cleanup;
}

/**
 * Level, period and figure; applied with "Tampilkan".
 * @param {{ level: string, from: string, to: string, figure: string }} f
 * @param {Map<string, import('./common.js').Definition>} defs
 */
function form(f, defs) {
  const $level = /** @type {HTMLSelectElement} */ (h('select', { id: 'stats-level' }, LEVELS.map((l) => h('option', { value: l, selected: l === f.level || undefined }, [kindText(l)]))));
  const $from = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'stats-from', value: f.from }));
  const $to = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'stats-to', value: f.to }));
  const keys = GROUPS.flatMap(([, k]) => [...k]).filter((key) => key !== 'overdueNow');
  const $figure = /** @type {HTMLSelectElement} */ (h('select', { id: 'stats-figure' }, keys.map((key) => h('option', { value: key, selected: key === f.figure || undefined }, [figureName(defs, key)]))));
  const $form = h('form', { class: 'stats-form', novalidate: true, 'aria-label': t('statsFilters') }, [
    h('div', { class: 'field' }, [h('label', { for: 'stats-figure' }, [t('statsRankBy')]), $figure]),
    h('div', { class: 'field' }, [h('label', { for: 'stats-level' }, [t('statsLevel')]), $level]),
    h('div', { class: 'stats-dates' }, [
      h('div', { class: 'field' }, [h('label', { for: 'stats-from' }, [t('statsFrom')]), $from]),
      h('div', { class: 'field' }, [h('label', { for: 'stats-to' }, [t('statsTo')]), $to]),
    ]),
    h('button', { type: 'submit', id: 'stats-apply' }, [t('statsApply')]),
  ]);
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = withQuery(BASE, { level: $level.value, from: $from.value, to: $to.value, figure: $figure.value });
  });
  return h('details', { class: 'card stats-filters', id: 'stats-filters' }, [h('summary', {}, [t('statsFilters')]), $form]);
}
