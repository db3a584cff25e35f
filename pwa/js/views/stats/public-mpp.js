// An MPP's public performance page (`#/mpp/<region code or building id>`, nobody signs in): how the building's
// services keep their published standards — on time against the SLA, working days to a decision, the IKM from
// the SKM survey, the waits in the queue — month by month, then per service with its standard's version.
//
// Aggregates only, as the API gives them (GET /api/v1/stats/public/mpps/{id}): a count below the API's
// `suppressBelow` — and a share or median drawn from so few — could point at one person, so the API leaves it out
// (null, its key in `suppressed`) and the page shows "–" with the reason, in words, for screen readers too.
// Loaded only on this route (not precached): a citizen's phone downloads it when someone opens the page.
import { api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, formatMonth, h } from '../../lib/dom.js';
import { asOfText, definitions, definitionsBlock, figureName, formatFigure, loadStyles, statsErrorText } from './common.js';

/** What the page shows, in this order, when the API gives it. */
const MONTH_KEYS = ['applicationsReceived', 'decidedWithinSlaShare', 'decideDaysMedian', 'skmIndex', 'skmRespondents', 'waitMinutesMedian', 'complaintsAnsweredOnTimeShare'];
const SERVICE_KEYS = ['applicationsReceived', 'decidedWithinSlaShare', 'decideDaysMedian', 'skmIndex'];

/**
 * @typedef {import('./common.js').Figures} Figures
 * @typedef {{ figures: Figures, suppressed?: string[] }} Suppressible
 * @typedef {Suppressible & { month: string }} MonthFigures
 * @typedef {Suppressible & { service: { id: string, code: string, name: string }, agency: { code: string, name: string },
 *   slaDays: number, standardVersion: number | null, standardPublishedAt: string | null }} ServiceFigures
 * @typedef {{ mpp: { id: string, name: string, region: { code: string, name: string } }, suppressBelow: number,
 *   asOf: string | null, months: MonthFigures[], services: ServiceFigures[] }} PublicMpp
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const $status = h('p', { class: 'status', role: 'status', id: 'pub-status' }, [t('statsLoading')]);
  $main.append($status);
  /** @type {PublicMpp} */
  let data;
  try {
    const id = /^\d{4}$/.test(ctx.params.id) ? (await get(`/api/v1/regions/${ctx.params.id}`)).mpp?.id : ctx.params.id;
    if (!id) throw Object.assign(new Error('no building'), { status: 404 });
    data = await api(`/api/v1/stats/public/mpps/${encodeURIComponent(id)}`, { params: { months: 12 }, auth: false });
  } catch (error) {
    $main.replaceChildren(
      h('h1', {}, [t('pubTitleUnknown')]),
      h('p', { class: 'error', role: 'alert', id: 'pub-error' }, [statsErrorText(error)]),
      h('p', {}, [h('a', { href: '#/', class: 'back' }, [t('back')])]),
    );
    return;
  }
  const defs = await definitions().catch(() => new Map());
  const months = [...data.months].sort((a, b) => b.month.localeCompare(a.month));
  const monthKeys = shownKeys(MONTH_KEYS, months);
  const serviceKeys = shownKeys(SERVICE_KEYS, data.services);
  $status.remove();
  $main.append(
    h('h1', {}, [data.mpp.name]),
    h('p', { class: 'meta stats-meta', id: 'pub-region' }, [t('pubSubtitle', { region: data.mpp.region.name })]),
    h('p', {}, [t('pubIntro')]),
    h('p', { class: 'card pub-suppressed-note', id: 'pub-suppressed-note' }, [
      h('strong', {}, ['– ']), t('pubSuppressedNote', { min: String(data.suppressBelow) }),
    ]),
    standardsCard(data.services),
    h('section', { class: 'card', 'aria-labelledby': 'pub-months-title' }, [
      h('h2', { id: 'pub-months-title' }, [t('pubMonths')]),
      months.length ? table('pub-months', t('pubMonths'), t('pubMonth'), monthKeys, defs, months.map((m) => ({ head: formatMonth(m.month), row: m, id: m.month })))
        : h('p', { id: 'pub-months-none' }, [t('pubNoMonths')]),
    ]),
    h('section', { class: 'card', 'aria-labelledby': 'pub-services-title' }, [
      h('h2', { id: 'pub-services-title' }, [t('pubServices')]),
      // A building has a hundred services or more: their table folds away, the busiest first when opened.
      data.services.length ? h('details', { class: 'pub-services', id: 'pub-services-details' }, [
        h('summary', {}, [t('pubServicesShow', { n: data.services.length })]),
        servicesTable(busiestFirst(data.services), serviceKeys, defs),
      ]) : h('p', {}, [t('pubNoServices')]),
    ]),
    h('p', { class: 'meta stats-meta', id: 'pub-asof' }, [asOfText(data.asOf)]),
    definitionsBlock(defs, [...new Set([...monthKeys, ...serviceKeys])], 'pub-definitions'),
    h('section', { class: 'card', 'aria-labelledby': 'pub-open-data-title' }, [
      h('h2', { id: 'pub-open-data-title' }, [t('pubOpenData')]),
      h('p', {}, [t('pubOpenDataText')]),
      h('p', {}, [h('a', { href: '/open-data/datapackage.json', id: 'pub-open-data', type: 'application/json' }, [t('pubOpenDataLink')])]),
    ]),
  );
}

/** The keys of `wanted` that at least one item has (shown or suppressed). @param {string[]} wanted @param {Suppressible[]} items */
const shownKeys = (wanted, items) => wanted.filter((key) => items.some((i) => key in i.figures || i.suppressed?.includes(key)));

/**
 * One cell: the value, or "–" with why in words — left out to protect people, or nothing counted.
 * @param {Suppressible} item @param {string} key @param {Map<string, import('./common.js').Definition>} defs
 */
function cell(item, key, defs) {
  const value = item.figures[key];
  if (item.suppressed?.includes(key)) {
    return h('td', { class: 'num', 'data-suppressed': 'true' }, [h('span', { 'aria-hidden': 'true' }, ['–']), h('span', { class: 'visually-hidden' }, [t('pubSuppressedCell')])]);
  }
  if (value === null || value === undefined) {
    return h('td', { class: 'num' }, [h('span', { 'aria-hidden': 'true' }, ['–']), h('span', { class: 'visually-hidden' }, [t('pubNoValueCell')])]);
  }
  return h('td', { class: 'num' }, [formatFigure(value, defs.get(key)?.unit)]);
}

/**
 * A table of figures, one row per month or service, in a container that scrolls on its own.
 * @param {string} id @param {string} caption @param {string} firstHeading @param {string[]} keys
 * @param {Map<string, import('./common.js').Definition>} defs
 * @param {{ head: (Node | string)[] | string, row: Suppressible, id: string }[]} rows
 * @param {{ heading: string, cells: (row: any) => Node }[]} [extra] columns before the figures
 */
function table(id, caption, firstHeading, keys, defs, rows, extra = []) {
  return h('div', { class: 'stats-table-wrap', role: 'region', 'aria-labelledby': `${id}-caption`, tabindex: '0' }, [
    h('table', { class: 'stats-table', id }, [
      // The section's <h2> says the same for the eye; the caption names the table for screen readers.
      h('caption', { id: `${id}-caption`, class: 'visually-hidden' }, [caption]),
      h('thead', {}, [h('tr', {}, [
        h('th', { scope: 'col' }, [firstHeading]),
        ...extra.map((e) => h('th', { scope: 'col' }, [e.heading])),
        ...keys.map((key) => h('th', { scope: 'col', class: 'num' }, [figureName(defs, key)])),
      ])]),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-row': r.id }, [
        h('th', { scope: 'row' }, Array.isArray(r.head) ? r.head : [r.head]),
        ...extra.map((e) => e.cells(r.row)),
        ...keys.map((key) => cell(r.row, key, defs)),
      ]))),
    ]),
  ]);
}

/** @param {ServiceFigures[]} services @param {string[]} keys @param {Map<string, import('./common.js').Definition>} defs */
function servicesTable(services, keys, defs) {
  return table('pub-services', t('pubServices'), t('pubService'), keys, defs, services.map((s) => ({
    head: [h('a', { href: `#/services/${s.service.id}` }, [s.service.name]), h('span', { class: 'pub-agency' }, [s.agency.name])],
    row: s,
    id: s.service.id,
  })), [
    { heading: t('pubSla'), cells: (/** @type {ServiceFigures} */ s) => h('td', { class: 'num' }, [t('pubSlaDays', { n: s.slaDays })]) },
    {
      heading: t('pubStandard'),
      cells: (/** @type {ServiceFigures} */ s) => h('td', {}, [s.standardVersion
        ? t('pubStandardVersion', { version: String(s.standardVersion), date: s.standardPublishedAt ? formatDate(s.standardPublishedAt) : '' })
        : t('pubStandardNone')]),
    },
  ]);
}

/**
 * Services with the most applications first; those whose count is withheld or nil keep the API's order after them.
 * @param {ServiceFigures[]} services
 */
const busiestFirst = (services) => [...services].sort((a, b) => (Number(b.figures.applicationsReceived) || 0) - (Number(a.figures.applicationsReceived) || 0));

/** How many of the building's services have a published standard. @param {ServiceFigures[]} services */
function standardsCard(services) {
  const published = services.filter((s) => s.standardVersion).length;
  return h('section', { class: 'card', 'aria-labelledby': 'pub-standards-title' }, [
    h('h2', { id: 'pub-standards-title' }, [t('pubStandards')]),
    h('p', { id: 'pub-standards' }, [t('pubStandardsText', { published: String(published), total: String(services.length) })]),
  ]);
}
