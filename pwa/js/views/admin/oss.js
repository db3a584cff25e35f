// OSS differences (issue 20): business licences on which OSS RBA and MPP Digital disagree, as the daily
// reconciliation found them. Each licence is shown once, with what we decided and what OSS says, when it was first
// and last found (a disagreement that lasts is found again each day). A region admin sees their region; a national
// admin every region, or one they choose. An empty list says when the last check ran, so "none found" is never
// mistaken for "never checked".
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { isRegionAdmin, loadStyles } from './common.js';

/**
 * @typedef {{ id: number, run: string, licence: string, number: string, region: string, serviceCode: string,
 *   serviceName?: string | null, ours: string, theirs: string | null, foundAt: string }} Difference
 * @typedef {{ items: Difference[], total: number, lastRunAt?: string | null }} DifferenceList
 * @typedef {{ latest: Difference, first: string, times: number }} Licence
 */

const BASE = '/api/v1/admin/oss/differences';
// OSS's kd_status codes that we send or commonly hear back; any other is shown as its code.
const KNOWN = ['50', '90'];

/** @param {string | null} kd */
function statusText(kd) {
  if (kd === null) return t('adminOssUnknownToOss');
  return KNOWN.includes(kd) ? t(`adminOssKd_${kd}`) : t('adminOssKdOther', { code: kd });
}

/**
 * The differences newest first → one entry per licence (its newest finding), in that order.
 * @param {Difference[]} items
 * @returns {Licence[]}
 */
function byLicence(items) {
  /** @type {Map<string, Licence>} */
  const found = new Map();
  for (const item of items) {
    const seen = found.get(item.licence);
    if (seen) { seen.first = item.foundAt; seen.times += 1; } else found.set(item.licence, { latest: item, first: item.foundAt, times: 1 });
  }
  return [...found.values()];
}

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  const $list = h('div', { id: 'adm-oss-list' });
  /** @type {Map<string, string>} */
  const regions = new Map();
  const $region = /** @type {HTMLSelectElement} */ (h('select', { id: 'adm-oss-region' }, [h('option', { value: '' }, [t('adminOssAllRegions')])]));
  $main.append(h('h1', {}, [t('adminOssTitle')]), h('p', {}, [t('adminOssIntro')]));
  if (!isRegionAdmin()) {
    /** @type {{ items: { code: string, name: string }[] }} */
    const found = await get('/api/v1/regions', { pageSize: 100 }).catch(() => ({ items: [] }));
    for (const region of found.items) regions.set(region.code, region.name);
    $region.append(...found.items.map((r) => h('option', { value: r.code }, [`${r.name} (${r.code})`])));
    $region.addEventListener('change', load);
    $main.append(h('div', { class: 'field' }, [h('label', { for: $region.id }, [t('adminSsoField_region')]), $region]));
  }
  $main.append($list);
  await load();

  async function load() {
    try {
      /** @type {DifferenceList} */
      const body = await get(BASE, $region.value ? { region: $region.value, limit: 500 } : { limit: 500 });
      const licences = byLicence(body.items);
      const lastRun = body.lastRunAt ? t('adminOssLastRun', { date: formatDate(body.lastRunAt, true) }) : t('adminOssNeverRun');
      $list.replaceChildren(
        // Never run and nothing found: the empty card below says both at once.
        body.lastRunAt || licences.length ? h('p', { class: 'meta', id: 'adm-oss-last-run' }, [lastRun]) : '',
        licences.length
          ? h('ul', { class: 'adm-list' }, licences.map(card))
          : h('p', { class: 'card', id: 'adm-oss-empty' }, [body.lastRunAt ? t('adminOssEmpty') : t('adminOssEmptyNeverRun')]),
      );
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @param {Licence} licence */
  function card({ latest, first, times }) {
    const fact = (/** @type {string} */ key, /** @type {string} */ value) => [h('dt', {}, [t(key)]), h('dd', {}, [value])];
    return h('li', { class: 'card adm-oss', 'data-licence': latest.licence }, [
      h('h2', {}, [latest.number]),
      h('p', { class: 'meta' }, [[latest.serviceName || latest.serviceCode, isRegionAdmin() ? '' : t('adminRegionCode', { region: regions.get(latest.region) || latest.region })].filter(Boolean).join(' · ')]),
      h('dl', { class: 'adm-facts adm-oss-facts' }, [
        ...fact('adminOssOurs', statusText(latest.ours)),
        ...fact('adminOssTheirs', statusText(latest.theirs)),
        ...fact('adminOssFound', times > 1
          ? t('adminOssFoundSince', { n: times, first: formatDate(first, true), last: formatDate(latest.foundAt, true) })
          : formatDate(latest.foundAt, true)),
      ]),
    ]);
  }
}
