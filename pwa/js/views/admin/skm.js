// The region's Survei Kepuasan Masyarakat for its admin (`#/admin/skm?from=&to=`; a national admin picks the
// region, `?region=`): the region's index, then one row per agency of the region's MPP with its respondents,
// index, grade and whether the sample is reached, each linking to the agency's own view
// (`#/admin/skm?agency=CODE`, the officers' screen views/officer/skm.js with the agency, per service and per
// officer). The period is kept in the URL and carried into the agency's view.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { go } from '../../router.js';
import * as session from '../../session.js';
import { loadStyles as loadOfficerStyles } from '../officer/common.js';
import { formatNumber, gradeBadge, gradeText, renderSkm, sampleText } from '../officer/skm.js';
import { isRegionAdmin, loadStyles } from './common.js';
import { agenciesOf } from './staff/shared.js';

/** Agencies are asked for a few at a time: a region has twenty or more, and the machine serves others too. */
const AT_ONCE = 4;

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  loadOfficerStyles();
  const national = !isRegionAdmin();
  const region = national ? ctx.query.get('region') || '' : session.me()?.region?.code || '';
  const day = (/** @type {string} */ key) => (/^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get(key) || '') ? String(ctx.query.get(key)) : '');
  const from = day('from');
  const to = day('to');
  const period = { from: from || undefined, to: to || undefined };
  const agency = ctx.query.get('agency') || '';
  const regionParam = national ? region : undefined;

  if (agency && region) {
    const names = await agenciesOf(region).catch(() => []);
    const name = names.find((a) => a.code === agency)?.name || agency;
    const back = new URLSearchParams(Object.entries({ region: regionParam, ...period }).filter((e) => Boolean(e[1])).map(([k, v]) => [k, String(v)])).toString();
    await renderSkm($main, ctx, {
      base: '#/admin/skm',
      title: t('sskmAgencyTitle', { agency: name }),
      back: { href: `#/admin/skm${back ? `?${back}` : ''}`, text: t('sskmBackToRegion') },
      agency,
      region: regionParam,
      officers: true,
    });
    return;
  }

  $main.append(h('h1', {}, [t('sskmRegionTitle')]));
  if (national) {
    $main.append(await regionPicker(region));
    if (!region) return;
  }
  // The region's own figures and its period form are the officers' screen without an agency.
  const $region = h('div', { id: 'sskm-region' });
  $main.append($region);
  await renderSkm($region, ctx, {
    base: '#/admin/skm', title: t('sskmRegionAll'), commentsHref: '#/admin/skm/comments', region: regionParam, officers: false, heading: 'h2',
  });

  const $status = h('p', { class: 'status', role: 'status', id: 'sskm-agencies-status' }, [t('sskmLoadingAgencies')]);
  const $body = h('tbody', {});
  $main.append(h('section', { class: 'card', 'aria-labelledby': 'sskm-agencies-title' }, [
    h('h2', { id: 'sskm-agencies-title' }, [t('sskmAgencies')]),
    $status,
    h('div', { class: 'off-table-wrap', role: 'region', 'aria-labelledby': 'sskm-agencies-title', tabindex: '0' }, [
      h('table', { class: 'off-table', id: 'sskm-agencies' }, [
        h('thead', {}, [h('tr', {}, [
          h('th', { scope: 'col' }, [t('sskmAgency')]),
          h('th', { scope: 'col', class: 'num' }, [t('sskmRespondentsShort')]),
          h('th', { scope: 'col', class: 'num' }, [t('sskmIkm')]),
          h('th', { scope: 'col' }, [t('sskmGrade')]),
        ])]),
        $body,
      ]),
    ]),
  ]));

  /** @type {{ code: string, name: string }[]} */
  let agencies;
  try {
    agencies = await agenciesOf(region);
  } catch {
    $status.textContent = t('sskmAgenciesFailed');
    return;
  }
  const rows = agencies.map((a) => {
    const query = new URLSearchParams(Object.entries({ region: regionParam, agency: a.code, ...period }).filter((e) => Boolean(e[1])).map(([k, v]) => [k, String(v)])).toString();
    const $tr = h('tr', { 'data-agency': a.code }, [
      h('th', { scope: 'row' }, [h('a', { href: `#/admin/skm?${query}` }, [a.name])]),
      h('td', { class: 'num' }, ['…']), h('td', { class: 'num' }, ['…']), h('td', {}, ['…']),
    ]);
    $body.append($tr);
    return { agency: a, $tr };
  });
  let failed = 0;
  for (let i = 0; i < rows.length; i += AT_ONCE) {
    await Promise.all(rows.slice(i, i + AT_ONCE).map(async ({ agency: a, $tr }) => {
      try {
        const data = await get('/api/v1/staff/skm', { agency: a.code, region: regionParam, ...period });
        const o = data.overall;
        $tr.replaceChildren(
          /** @type {Node} */ ($tr.firstChild),
          h('td', { class: 'num' }, [formatNumber(o.respondents)]),
          h('td', { class: 'num' }, [o.respondents ? formatNumber(o.ikm, 2) : '—']),
          h('td', {}, o.respondents ? [gradeBadge(o.grade), h('span', { class: 'visually-hidden' }, [`, ${sampleText(o)}`]), h('span', { class: 'sskm-row-sample', 'aria-hidden': 'true' }, [o.sampleReached ? ' ✓' : ' ⚠'])] : ['—']),
        );
        $tr.setAttribute('title', `${gradeText(o.grade)} · ${sampleText(o)}`);
      } catch {
        failed += 1;
        $tr.replaceChildren(/** @type {Node} */ ($tr.firstChild), h('td', { colspan: '3' }, [t('sskmAgencyFailed')]));
      }
    }));
  }
  $status.textContent = failed ? t('sskmAgenciesSome', { failed: String(failed) }) : t('sskmAgenciesDone');
}

/** @param {string} chosen */
async function regionPicker(chosen) {
  const $select = /** @type {HTMLSelectElement} */ (h('select', { id: 'sskm-region-pick' }, [h('option', { value: '' }, [t('bldRegionChoose')])]));
  const regions = await get('/api/v1/regions').catch(() => ({ items: [] }));
  for (const r of regions.items) $select.append(h('option', { value: r.code, selected: r.code === chosen || undefined }, [`${r.name} (${r.code})`]));
  $select.addEventListener('change', () => { if ($select.value) go(`/admin/skm?region=${$select.value}`); });
  return h('div', { class: 'field' }, [h('label', { for: 'sskm-region-pick' }, [t('bldRegionLabel')]), $select]);
}
