// The performance dashboard ("Kinerja"): one view for a supervisor (their agency, `#/officer/stats`), a region
// admin (their region, `#/admin/stats`) and a national admin (any unit, from the nation down: province → region →
// agency → service). The API decides what each may read (api/stats/scopes.py); this screen only starts each of
// them at their own unit and offers the units below it.
//
// Everything chosen is in the hash's query — `scope`, `from`, `to`, `grain`, `figure`, and `up` (the units passed
// through on the way down, for the way back) — so a reload, Back or a shared link shows the same figures.
// "Unduh CSV" asks the same query with `format=csv`. Per-officer figures are read only when asked for: each
// reading is written in the audit log, and nobody should be logged for opening a dashboard.
import { get } from '../../api.js';
import { regionToday } from '../../components/queue-common.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { createChart } from '../../components/chart.js';
import {
  GROUPS, addDays, asOfText, csvButton, definitions, definitionsBlock, figureName, formatFigure, isDay, kindText,
  loadStyles, periodText, scaleTop, statsErrorText, todayWib, withQuery,
} from './common.js';
import { officersSection } from './officers.js';

const SCOPE = /^(national|province:\d{2}|region:\d{4}|(mpp|agency|service):[0-9a-fA-F-]{36})$/;
const GRAINS = /** @type {const} */ (['day', 'week', 'month']);
/** The breakdown's kind below each kind (as the API breaks down). */
const CHILD = /** @type {Record<string, string>} */ ({ national: 'province', province: 'region', region: 'agency', mpp: 'agency', agency: 'service' });
/** A few figures beside the chosen one in the breakdown's table: the ones a comparison starts from. */
const COMPARE = ['applicationsReceived', 'decidedWithinSlaShare', 'waitMinutesMedian', 'skmIndex'];
const LONGEST_DAYS = 366;
/** Bars drawn in a breakdown's chart: the largest ones (a region has twenty-odd agencies; the table has them all). */
const CHART_UNITS = 10;

/**
 * The units with the largest values first (none last), at most CHART_UNITS of them.
 * @param {import('../../components/chart.js').ChartPoint[]} points
 */
const biggest = (points) => [...points].sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity)).slice(0, CHART_UNITS);

/**
 * @typedef {import('./common.js').Figures} Figures
 * @typedef {import('./common.js').UnitRef} UnitRef
 * @typedef {{ start: string, end: string, figures: Figures }} Period
 * @typedef {{ scope: UnitRef, from: string, to: string, grain: string, asOf: string | null, periods: Period[],
 *   total: Figures, breakdown: { unit: UnitRef, figures: Figures }[] }} FigureReport
 * @typedef {{ scope: string, up: string[], from: string, to: string, grain: string, figure: string }} Filters
 */

/**
 * The filters of the URL, each checked (a hand-edited link falls back to the default, not to an error).
 * @param {URLSearchParams} query
 * @returns {Filters}
 */
function readFilters(query) {
  const region = session.me()?.region?.code;
  const today = region ? regionToday(region) : todayWib();
  const to = isDay(query.get('to')) ? String(query.get('to')) : today;
  const from = isDay(query.get('from')) ? String(query.get('from')) : addDays(to, -29);
  const grain = GRAINS.find((g) => g === query.get('grain')) || 'day';
  const scope = SCOPE.test(query.get('scope') || '') ? String(query.get('scope')) : homeScope();
  const up = (query.get('up') || '').split(',').filter((s) => SCOPE.test(s)).slice(0, 4);
  return { scope, up, from, to, grain, figure: /^[A-Za-z]{2,40}$/.test(query.get('figure') || '') ? String(query.get('figure')) : 'applicationsReceived' };
}

/**
 * Where each role starts. A supervisor's agency is known to the API by its id, which the app is not told: the
 * request without a scope is answered with the caller's own unit.
 */
function homeScope() {
  if (session.hasRole('national_admin')) return 'national';
  const region = session.me()?.region?.code;
  if (session.hasRole('region_admin') && region) return `region:${region}`;
  return '';
}

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const base = ctx.path.startsWith('/admin') ? '#/admin/stats' : '#/officer/stats';
  const f = readFilters(ctx.query);
  /** @type {string[]} object URLs of CSV downloads, revoked when the screen goes */
  const urls = [];
  const $status = h('p', { class: 'status', role: 'status', id: 'stats-status' }, [t('statsLoading')]);
  const $body = h('div', { id: 'stats-body' });
  $main.append(h('h1', {}, [t('statsTitle')]), $status, $body);
  const cleanup = () => { for (const url of urls) URL.revokeObjectURL(url); };

  const defs = await definitions().catch(() => new Map());
  const $form = filtersForm(base, f, defs);
  const problem = checkPeriod(f);
  if (problem) {
    $status.remove();
    $body.append($form.$el, h('p', { class: 'error', role: 'alert', id: 'stats-error' }, [problem]));
    return cleanup;
  }
  /** @type {FigureReport} */
  let report;
  try {
    report = await get('/api/v1/stats/figures', { scope: f.scope || undefined, from: f.from, to: f.to, grain: f.grain });
  } catch (error) {
    $status.remove();
    $body.append($form.$el, h('p', { class: 'error', role: 'alert', id: 'stats-error' }, [statsErrorText(error)]));
    return cleanup;
  }
  // The unit actually shown (a supervisor's own agency when no scope was asked for) is what links and CSV name.
  $status.remove();
  const scope = f.scope || `${report.scope.kind}${report.scope.code ? `:${report.scope.code}` : ''}`;
  const query = () => ({ scope, from: f.from, to: f.to, grain: f.grain });
  $body.append(
    await trail(base, f),
    h('p', { class: 'stats-scope', id: 'stats-scope' }, [h('span', { class: 'stats-kind' }, [kindText(report.scope.kind)]), ' ', h('strong', {}, [report.scope.name])]),
    h('p', { class: 'meta stats-meta', id: 'stats-period' }, [periodText(report.from, report.to), ' · ', t(`statsGrain_${report.grain}`)]),
    h('p', { class: 'meta stats-meta', id: 'stats-asof' }, [asOfText(report.asOf)]),
    $form.$el,
    csvButton({ path: '/api/v1/stats/figures', params: query, id: 'stats-csv', fallback: `kinerja-${report.from}-${report.to}.csv`, urls }),
    session.hasRole('national_admin')
      ? h('p', {}, [h('a', { href: withQuery('#/admin/stats/ranking', { from: f.from, to: f.to, figure: f.figure }), id: 'stats-ranking-link' }, [t('statsRankingLink')])])
      : '',
    isEmpty(report.total) ? h('p', { class: 'card', id: 'stats-empty' }, [t('statsEmpty')]) : '',
    totalsSection(report, defs),
    trendSection(report, f, defs),
    breakdownSection(report, { ...f, scope }, base, defs),
    // Per-officer figures: the agency's supervisor and its region's admins only (not the nation's).
    report.scope.kind === 'agency' && (session.hasRole('supervisor') || session.hasRole('region_admin')) ? officersSection({ scope, from: f.from, to: f.to, urls }) : '',
    definitionsBlock(defs, GROUPS.flatMap(([, keys]) => [...keys]), 'stats-definitions'),
  );
  return cleanup;
}

/** Why the period cannot be asked for, or null. @param {Filters} f */
function checkPeriod(f) {
  if (f.from > f.to) return t('statsErrBackwards');
  const days = (Date.parse(f.to) - Date.parse(f.from)) / 86_400_000 + 1;
  if (days > LONGEST_DAYS) return t('statsErrTooLong');
  return null;
}

/** Whether nothing at all was counted (every figure 0 or none). @param {Figures} figures */
const isEmpty = (figures) => Object.values(figures).every((v) => v === null || v === 0);

/**
 * The period, the grain and the charted figure; applied with "Tampilkan" (a select that reloaded the screen on
 * change would move focus away while the reader is still choosing: WCAG 3.2.2).
 * @param {string} base @param {Filters} f @param {Map<string, import('./common.js').Definition>} defs
 */
function filtersForm(base, f, defs) {
  const $from = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'stats-from', value: f.from, required: true }));
  const $to = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'stats-to', value: f.to, required: true }));
  const $grain = /** @type {HTMLSelectElement} */ (h('select', { id: 'stats-grain' }, GRAINS.map((g) => h('option', { value: g, selected: g === f.grain || undefined }, [t(`statsGrain_${g}`)]))));
  const keys = GROUPS.flatMap(([, k]) => [...k]).filter((key) => key !== 'overdueNow');
  const $figure = /** @type {HTMLSelectElement} */ (h('select', { id: 'stats-figure' }, keys.map((key) => h('option', { value: key, selected: key === f.figure || undefined }, [figureName(defs, key)]))));
  const $problem = h('p', { class: 'error', id: 'stats-form-error', hidden: true });
  const $form = h('form', { class: 'stats-form', novalidate: true, 'aria-label': t('statsFilters') }, [
    h('div', { class: 'stats-dates' }, [
      h('div', { class: 'field' }, [h('label', { for: 'stats-from' }, [t('statsFrom')]), $from]),
      h('div', { class: 'field' }, [h('label', { for: 'stats-to' }, [t('statsTo')]), $to]),
    ]),
    h('div', { class: 'field' }, [h('label', { for: 'stats-grain' }, [t('statsGrain')]), $grain]),
    h('div', { class: 'field' }, [h('label', { for: 'stats-figure' }, [t('statsFigure')]), $figure]),
    $problem,
    h('button', { type: 'submit', id: 'stats-apply' }, [t('statsApply')]),
  ]);
  const $el = /** @type {HTMLDetailsElement} */ (h('details', { class: 'card stats-filters', id: 'stats-filters' }, [
    h('summary', {}, [t('statsFilters')]),
    $form,
  ]));
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wrong = !isDay($from.value) || !isDay($to.value) ? t('statsErrDates')
      : checkPeriod({ ...f, from: $from.value, to: $to.value });
    if (wrong) {
      $problem.textContent = wrong;
      $problem.hidden = false;
      $from.focus();
      return;
    }
    location.hash = withQuery(base, { scope: f.scope, up: f.up.join(','), from: $from.value, to: $to.value, grain: $grain.value, figure: $figure.value });
  });
  return { $el };
}

/**
 * The units passed through on the way down, as links back up (a national admin's nation › province › region).
 * Places are named from the public catalogue; an agency by its kind, its name being one tap away.
 * @param {string} base @param {Filters} f
 */
async function trail(base, f) {
  if (!f.up.length) return '';
  const regions = await get('/api/v1/regions', { pageSize: 1000 }).catch(() => ({ items: [] }));
  /** @param {string} scope */
  const name = (scope) => {
    const [kind, code] = scope.split(':');
    if (kind === 'national') return t('statsNational');
    if (kind === 'region') return regions.items.find((/** @type {any} */ r) => r.code === code)?.name || `${kindText(kind)} ${code}`;
    if (kind === 'province') return regions.items.find((/** @type {any} */ r) => r.province?.code === code)?.province?.name || `${kindText(kind)} ${code}`;
    return kindText(kind);
  };
  return h('nav', { class: 'stats-trail', 'aria-label': t('statsTrail') }, [
    h('ol', {}, f.up.map((scope, i) => h('li', {}, [
      h('a', { href: withQuery(base, { scope, up: f.up.slice(0, i).join(','), from: f.from, to: f.to, grain: f.grain, figure: f.figure }) }, [name(scope)]),
    ]))),
  ]);
}

/**
 * The totals of the period, group by group, as name–value pairs.
 * @param {FigureReport} report @param {Map<string, import('./common.js').Definition>} defs
 */
function totalsSection(report, defs) {
  return h('section', { class: 'stats-totals', 'aria-labelledby': 'stats-totals-title' }, [
    h('h2', { id: 'stats-totals-title' }, [t('statsTotals')]),
    ...GROUPS.map(([group, keys]) => h('div', { class: 'card stats-group' }, [
      h('h3', {}, [t(group)]),
      h('dl', { class: 'stats-figures' }, keys.filter((key) => key in report.total).flatMap((key) => [
        h('dt', {}, [figureName(defs, key)]),
        h('dd', { id: `stats-total-${key}` }, [formatFigure(report.total[key], defs.get(key)?.unit)]),
      ])),
    ])),
  ]);
}

/**
 * A period in words: the day, the week's first and last day, or the month.
 * @param {Period} p @param {string} grain
 */
function periodLabel(p, grain) {
  const lang = document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID';
  const at = (/** @type {string} */ day) => new Date(`${day}T00:00:00`);
  const short = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short' });
  if (grain === 'month') {
    const month = new Intl.DateTimeFormat(lang, { month: 'short', year: 'numeric' }).format(at(p.start));
    return { label: month, short: month };
  }
  if (grain === 'week') return { label: `${short.format(at(p.start))} – ${short.format(at(p.end))}`, short: short.format(at(p.start)) };
  return { label: new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric' }).format(at(p.start)), short: short.format(at(p.start)) };
}

/**
 * The chosen figure over the periods: columns for counts, a line for shares, medians and the index.
 * @param {FigureReport} report @param {Filters} f @param {Map<string, import('./common.js').Definition>} defs
 */
function trendSection(report, f, defs) {
  const unit = defs.get(f.figure)?.unit;
  const name = figureName(defs, f.figure);
  const chart = createChart({
    id: 'stats-trend',
    title: t('statsTrendTitle', { figure: name, grain: t(`statsGrainPer_${report.grain}`) }),
    labelHeading: t('statsPeriodHeading'),
    valueHeading: name,
    points: report.periods.map((p) => ({ ...periodLabel(p, report.grain), value: p.figures[f.figure] ?? null })),
    format: (v) => formatFigure(v, unit),
    shape: unit === 'count' ? 'columns' : 'line',
    max: scaleTop(unit),
    whole: unit === 'count',
  });
  return h('section', { class: 'card', 'aria-labelledby': 'stats-trend-heading' }, [
    h('h2', { id: 'stats-trend-heading' }, [t('statsTrend')]),
    chart.$el,
  ]);
}

/**
 * The units below this one: the chosen figure as bars, then a table comparing a few figures, each unit's name a
 * link one level down.
 * @param {FigureReport} report @param {Filters} f @param {string} base
 * @param {Map<string, import('./common.js').Definition>} defs
 */
function breakdownSection(report, f, base, defs) {
  const child = CHILD[report.scope.kind];
  if (!child || !report.breakdown.length) return '';
  const unit = defs.get(f.figure)?.unit;
  const name = figureName(defs, f.figure);
  const href = (/** @type {UnitRef} */ u) => withQuery(base, {
    scope: `${u.kind}:${u.code}`, up: [...f.up, f.scope].join(','), from: f.from, to: f.to, grain: f.grain, figure: f.figure,
  });
  const columns = [f.figure, ...COMPARE.filter((key) => key !== f.figure)];
  const chart = createChart({
    id: 'stats-breakdown-chart',
    title: t(report.breakdown.length > CHART_UNITS ? 'statsBreakdownChartTop' : 'statsBreakdownChart', { figure: name, kind: kindText(child).toLocaleLowerCase() }),
    labelHeading: kindText(child),
    valueHeading: name,
    points: biggest(report.breakdown.map((b) => ({ label: b.unit.name, value: b.figures[f.figure] ?? null, href: href(b.unit) }))),
    format: (v) => formatFigure(v, unit),
    shape: 'bars',
    max: scaleTop(unit),
    whole: unit === 'count',
  });
  return h('section', { class: 'card', 'aria-labelledby': 'stats-breakdown-title' }, [
    h('h2', { id: 'stats-breakdown-title' }, [t('statsBreakdown', { kind: kindText(child).toLocaleLowerCase() })]),
    chart.$el,
    h('div', { class: 'stats-table-wrap', role: 'region', 'aria-labelledby': 'stats-breakdown-caption', tabindex: '0' }, [
      h('table', { class: 'stats-table', id: 'stats-breakdown' }, [
        h('caption', { id: 'stats-breakdown-caption' }, [t('statsBreakdownTable', { kind: kindText(child).toLocaleLowerCase() })]),
        h('thead', {}, [h('tr', {}, [
          h('th', { scope: 'col' }, [kindText(child)]),
          ...columns.map((key) => h('th', { scope: 'col', class: 'num' }, [figureName(defs, key)])),
        ])]),
        h('tbody', {}, report.breakdown.map((b) => h('tr', { 'data-unit': b.unit.code }, [
          h('th', { scope: 'row' }, [h('a', { href: href(b.unit) }, [b.unit.name])]),
          ...columns.map((key) => h('td', { class: 'num' }, [formatFigure(b.figures[key], defs.get(key)?.unit)])),
        ]))),
      ]),
    ]),
  ]);
}
