// The agency's Survei Kepuasan Masyarakat (`#/officer/skm?from=&to=`), as PermenPANRB 14/2017 publishes it: the
// index (IKM, 25–100, two decimals) with its grade A–D and the grade's name, the respondents against the minimum
// sample for the period's transactions (Krejcie–Morgan, from the API), the nine elements' NRR as a bar chart with
// the same figures in a table behind it, then per service and — for supervisors and admins — per officer (the API
// leaves out officers with fewer than five respondents). The period is kept in the URL.
//
// Nothing here says who answered: the API gives sums only, and this screen asks for nothing else.
// The region admin's per-agency view (views/admin/skm.js) is this one with `agency` and another base path; the
// number and grade helpers are shared with it from here.
import { get } from '../../api.js';
import { language, t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { errorText, loadStyles } from './common.js';

/** The nine elements, in the regulation's order (U1–U9), keyed as the API keys them. */
export const ELEMENTS = /** @type {const} */ (['requirements', 'procedure', 'time', 'cost', 'product', 'competence', 'behaviour', 'complaints', 'facilities']);

/**
 * @typedef {object} SkmFigures
 * @property {number} respondents
 * @property {Record<string, number | string | null>} [elements] NRR per element (1–4, two decimals)
 * @property {number | string | null} ikm the published score, 25–100
 * @property {'A' | 'B' | 'C' | 'D' | null} grade
 * @property {number} [sampleNeeded]
 * @property {number} [population]
 * @property {boolean} [sampleReached]
 * @property {string} [from]
 * @property {string} [to]
 */

/**
 * A number in the reader's language: "87,50" and "1.234" in Indonesian, "87.50" and "1,234" in English.
 * @param {number | string | null | undefined} value
 * @param {number} [decimals]
 */
export function formatNumber(value, decimals = 0) {
  if (value === null || value === undefined || value === '') return '—';
  const number = Number(value);
  if (!Number.isFinite(number)) return '—';
  return new Intl.NumberFormat(language() === 'en' ? 'en-GB' : 'id-ID', {
    minimumFractionDigits: decimals, maximumFractionDigits: decimals,
  }).format(number);
}

/** "B (Baik)": the letter with its name in the regulation's words. @param {string | null | undefined} grade */
export const gradeText = (grade) => (grade ? t(`sskmGrade_${grade}`) : '—');

/** @param {string | null | undefined} grade */
export const gradeBadge = (grade) => h('span', { class: `badge sskm-grade sskm-grade-${grade || 'none'}` }, [gradeText(grade)]);

/** The respondents against the minimum sample, in words. @param {SkmFigures} f */
export function sampleText(f) {
  if (f.sampleReached) return t('sskmSampleReached');
  return t('sskmSampleShort', { respondents: formatNumber(f.respondents), needed: formatNumber(f.sampleNeeded ?? 0) });
}

/** A period's dates as people read them. @param {string | undefined} from @param {string | undefined} to */
const periodText = (from, to) => (from && to ? t('sskmPeriod', { from: formatDate(from), to: formatDate(to) }) : '');

/** @param {string | null} value */
const isDay = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value || '');

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  await renderSkm($main, ctx, {
    base: '#/officer/skm',
    title: t('sskmTitle'),
    commentsHref: '#/officer/skm/comments',
    officers: session.hasRole('supervisor'),
  });
}

/**
 * Contract: fills $main (heading, period form, figures); nothing to clean up.
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 * @param {{ base: string, title: string, commentsHref?: string, back?: { href: string, text: string },
 *   agency?: string, region?: string, officers: boolean, heading?: 'h1' | 'h2' }} options
 *   `heading`: h2 when the figures are a part of another screen (the region admin's), which has the <h1>
 */
export async function renderSkm($main, ctx, { base, title, commentsHref, back, agency, region, officers, heading = 'h1' }) {
  const from = isDay(ctx.query.get('from')) ? String(ctx.query.get('from')) : '';
  const to = isDay(ctx.query.get('to')) ? String(ctx.query.get('to')) : '';
  const $from = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'sskm-from', value: from }));
  const $to = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'sskm-to', value: to }));
  const $problem = h('p', { class: 'error', id: 'sskm-period-error', hidden: true });
  const $form = h('form', { class: 'sskm-period-form', 'aria-label': t('sskmPeriodLabel'), novalidate: true }, [
    h('div', { class: 'sskm-dates' }, [
      h('div', { class: 'field' }, [h('label', { for: 'sskm-from' }, [t('sskmFrom')]), $from]),
      h('div', { class: 'field' }, [h('label', { for: 'sskm-to' }, [t('sskmTo')]), $to]),
    ]),
    $problem,
    h('div', { class: 'off-actions' }, [
      h('button', { type: 'submit' }, [t('sskmShow')]),
      from || to ? h('a', { class: 'button secondary', href: withQuery(base, { agency, region }) }, [t('sskmDefaultPeriod')]) : null,
    ]),
  ]);
  // The period goes into the URL: a reload or Back keeps it.
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    if ($from.value && $to.value && $from.value > $to.value) {
      $problem.hidden = false;
      $problem.textContent = t('sskmPeriodBackwards');
      $period.open = true;
      $from.focus();
      return;
    }
    location.hash = withQuery(base, { agency, region, from: $from.value, to: $to.value });
  });

  // The period folds away under a summary that says which one is shown (as the officer inbox's filters do):
  // on a phone the index comes first, one tap from changing the dates.
  const $periodText = h('span', { id: 'sskm-period-shown' }, [t('sskmPeriodLabel')]);
  const $period = /** @type {HTMLDetailsElement} */ (h('details', { class: 'card sskm-period' }, [
    h('summary', { id: 'sskm-period-toggle' }, [h('span', { class: 'sskm-period-label' }, [t('sskmPeriodLabel')]), ' ', $periodText]),
    $form,
  ]));
  const $body = h('div', { id: 'sskm-body' });
  $main.append(
    h(heading, {}, [title]),
    back ? h('p', {}, [h('a', { class: 'back', href: back.href }, [back.text])]) : '',
    $period,
    $body,
    h('p', { class: 'hint' }, [t('sskmIntro')]),
    commentsHref ? h('p', {}, [h('a', { href: commentsHref, id: 'sskm-comments-link' }, [t('sskmCommentsLink')])]) : '',
  );

  /** @type {{ overall: SkmFigures, services?: (SkmFigures & { serviceId?: string, serviceName?: any })[], officers?: any[] }} */
  let data;
  try {
    data = await get('/api/v1/staff/skm', { from: from || undefined, to: to || undefined, agency, region });
  } catch (error) {
    $body.append(h('p', { class: 'error', role: 'alert', id: 'sskm-error' }, [errorText(error)]));
    return;
  }
  const o = data.overall;
  // The API's own period (its default when none was asked for) fills the form, so the reader sees what is shown.
  if (!from && o.from) $from.value = o.from;
  if (!to && o.to) $to.value = o.to;
  if (o.from && o.to) $periodText.textContent = periodText(o.from, o.to);
  $body.append(summaryCard(o));
  if (o.respondents > 0) $body.append(elementsCard(o));
  $body.append(servicesCard(data.services || []));
  if (officers && Array.isArray(data.officers)) $body.append(officersCard(data.officers));
}

/**
 * @param {string} base
 * @param {Record<string, string | undefined>} params
 */
function withQuery(base, params) {
  const query = new URLSearchParams(Object.entries(params).filter((e) => Boolean(e[1])).map(([k, v]) => [k, String(v)])).toString();
  return `${base}${query ? `?${query}` : ''}`;
}

/** The index, its grade and the sample. @param {SkmFigures} o */
function summaryCard(o) {
  const none = !o.respondents;
  return h('section', { class: 'card sskm-summary', 'aria-labelledby': 'sskm-summary-title' }, [
    h('h2', { id: 'sskm-summary-title' }, [t('sskmSummary')]),
    none ? h('p', { id: 'sskm-none' }, [t('sskmNoRespondents')]) : h('div', { class: 'sskm-score' }, [
      h('p', { class: 'sskm-ikm-line' }, [
        h('span', { class: 'sskm-ikm-label' }, [t('sskmIkm')]), ' ',
        h('span', { class: 'sskm-ikm', id: 'sskm-ikm' }, [formatNumber(o.ikm, 2)]),
      ]),
      h('p', { id: 'sskm-grade' }, [h('span', {}, [t('sskmGrade')]), ' ', gradeBadge(o.grade)]),
    ]),
    h('dl', { class: 'off-facts sskm-facts' }, [
      h('dt', {}, [t('sskmRespondents')]), h('dd', { id: 'sskm-respondents' }, [formatNumber(o.respondents)]),
      h('dt', {}, [t('sskmPopulation')]), h('dd', { id: 'sskm-population' }, [formatNumber(o.population)]),
      h('dt', {}, [t('sskmSampleNeeded')]), h('dd', { id: 'sskm-sample-needed' }, [formatNumber(o.sampleNeeded)]),
    ]),
    h('p', { id: 'sskm-sample', class: `sskm-sample ${o.sampleReached ? 'sskm-sample-ok' : 'sskm-sample-short'}` }, [
      h('span', { 'aria-hidden': 'true' }, [o.sampleReached ? '✓ ' : '⚠ ']), sampleText(o),
    ]),
  ]);
}

/** The nine NRR: a chart for the eye, the table (the same numbers) for everyone. @param {SkmFigures} o */
function elementsCard(o) {
  const values = ELEMENTS.map((key) => {
    const raw = o.elements?.[key];
    const value = raw === null || raw === undefined ? null : Number(raw);
    return /** @type {[string, number | null]} */ ([key, value !== null && Number.isFinite(value) ? value : null]);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'sskm-elements-title' }, [
    h('h2', { id: 'sskm-elements-title' }, [t('sskmElements')]),
    h('p', { class: 'hint' }, [t('sskmElementsHint')]),
    chart(values),
    h('div', { class: 'off-table-wrap', role: 'region', 'aria-labelledby': 'sskm-elements-title', tabindex: '0' }, [
      h('table', { class: 'off-table', id: 'sskm-elements' }, [
        h('caption', { class: 'visually-hidden' }, [t('sskmElements')]),
        h('thead', {}, [h('tr', {}, [
          h('th', { scope: 'col' }, [t('sskmElement')]),
          h('th', { scope: 'col', class: 'num' }, [t('sskmNrr')]),
        ])]),
        h('tbody', {}, values.map(([key, value]) => h('tr', { 'data-element': key }, [
          h('th', { scope: 'row' }, [t(`sskmEl_${key}`)]),
          h('td', { class: 'num' }, [formatNumber(value, 2)]),
        ]))),
      ]),
    ]),
  ]);
}

/**
 * Horizontal bars on the 1–4 scale, one per element. The SVG is an image with a title and a description that
 * points to the table under it, which holds the same numbers for screen readers and for copying.
 * @param {[string, number | null][]} values
 */
function chart(values) {
  const NS = 'http://www.w3.org/2000/svg';
  const row = 30;
  const left = 112;
  const span = 180; // the length of a bar of 4.00
  const height = values.length * row + 24;
  /** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
  const el = (tag, attrs, text) => {
    const $el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) $el.setAttribute(k, String(v));
    if (text !== undefined) $el.textContent = text;
    return $el;
  };
  const $svg = el('svg', {
    viewBox: `0 0 340 ${height}`, role: 'img', 'aria-labelledby': 'sskm-chart-title sskm-chart-desc', class: 'sskm-chart', id: 'sskm-chart',
    preserveAspectRatio: 'xMinYMin meet',
  });
  $svg.append(el('title', { id: 'sskm-chart-title' }, t('sskmChartTitle')), el('desc', { id: 'sskm-chart-desc' }, t('sskmChartDesc')));
  // Grid lines at 1, 2, 3 and 4, labelled under the bars.
  for (let tick = 1; tick <= 4; tick += 1) {
    const x = left + (span * tick) / 4;
    $svg.append(el('line', { x1: x, x2: x, y1: 0, y2: values.length * row, class: 'sskm-grid' }));
    $svg.append(el('text', { x, y: values.length * row + 16, 'text-anchor': 'middle', class: 'sskm-tick' }, formatNumber(tick)));
  }
  values.forEach(([key, value], i) => {
    const y = i * row;
    $svg.append(el('text', { x: left - 6, y: y + row / 2 + 4, 'text-anchor': 'end', class: 'sskm-label' }, t(`sskmShort_${key}`)));
    const width = value === null ? 0 : (span * Math.max(0, Math.min(4, value))) / 4;
    $svg.append(el('rect', { x: left, y: y + 6, width, height: row - 12, rx: 2, class: 'sskm-bar' }));
    $svg.append(el('text', { x: left + width + 4, y: y + row / 2 + 4, class: 'sskm-value' }, formatNumber(value, 2)));
  });
  return h('figure', { class: 'sskm-figure' }, [$svg]);
}

/** @param {(SkmFigures & { serviceId?: string, serviceName?: any })[]} services */
function servicesCard(services) {
  return h('section', { class: 'card', 'aria-labelledby': 'sskm-services-title' }, [
    h('h2', { id: 'sskm-services-title' }, [t('sskmServices')]),
    services.length ? h('div', { class: 'off-table-wrap', role: 'region', 'aria-labelledby': 'sskm-services-title', tabindex: '0' }, [
      h('table', { class: 'off-table', id: 'sskm-services' }, [
        h('thead', {}, [h('tr', {}, [
          h('th', { scope: 'col' }, [t('sskmService')]),
          h('th', { scope: 'col', class: 'num' }, [t('sskmRespondentsShort')]),
          h('th', { scope: 'col', class: 'num' }, [t('sskmIkm')]),
          h('th', { scope: 'col' }, [t('sskmGrade')]),
        ])]),
        h('tbody', {}, services.map((s) => h('tr', {}, [
          h('th', { scope: 'row' }, [nameOf(s.serviceName) || t('sskmNoService')]),
          h('td', { class: 'num' }, [formatNumber(s.respondents)]),
          h('td', { class: 'num' }, [s.respondents ? formatNumber(s.ikm, 2) : '—']),
          h('td', {}, [s.respondents ? gradeText(s.grade) : '—']),
        ]))),
      ]),
    ]) : h('p', {}, [t('sskmNoServices')]),
  ]);
}

/** @param {any[]} officers */
function officersCard(officers) {
  return h('section', { class: 'card', 'aria-labelledby': 'sskm-officers-title' }, [
    h('h2', { id: 'sskm-officers-title' }, [t('sskmOfficers')]),
    h('p', { class: 'hint' }, [t('sskmOfficersHint')]),
    officers.length ? h('div', { class: 'off-table-wrap', role: 'region', 'aria-labelledby': 'sskm-officers-title', tabindex: '0' }, [
      h('table', { class: 'off-table', id: 'sskm-officers' }, [
        h('thead', {}, [h('tr', {}, [
          h('th', { scope: 'col' }, [t('sskmOfficer')]),
          h('th', { scope: 'col', class: 'num' }, [t('sskmRespondentsShort')]),
          h('th', { scope: 'col', class: 'num' }, [t('sskmIkm')]),
        ])]),
        h('tbody', {}, officers.map((o) => h('tr', {}, [
          h('th', { scope: 'row' }, [nameOf(o.name ?? o.officerName) || '—']),
          h('td', { class: 'num' }, [formatNumber(o.respondents)]),
          h('td', { class: 'num' }, [formatNumber(o.ikm, 2), o.grade ? ` (${o.grade})` : '']),
        ]))),
      ]),
    ]) : h('p', {}, [t('sskmNoOfficers')]),
  ]);
}

/** A name as the API gives it: a string or a {id, en} pair. @param {any} value */
function nameOf(value) {
  if (!value) return '';
  if (typeof value === 'string') return value;
  return String((language() === 'en' ? value.en : value.id) ?? value.id ?? value.name ?? '');
}
