// One row of the home search's results: a service of one region, or a service many regions offer (a group from
// GET /api/v1/service-groups), shown once with "Tersedia di 21 daerah" and a list of those regions to pick from.
//
// Contract: serviceResult(item) receives a ServiceSummary, groupResult(group) a ServiceGroup; each returns its
// own <li class="result">, which the caller places in the results list. A group's regions are fetched the first
// time its list is opened (GET /api/v1/services?code=…&code=…), never for rows nobody opens.
import { get } from '../api.js';
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';
import { serviceFacts } from './service-facts.js';

/**
 * A service of one region: its name links to its page.
 * @param {any} item
 */
export function serviceResult(item) {
  return h('li', { class: 'result' }, [
    h('h2', {}, [h('a', { href: `#/services/${item.id}` }, [item.name])]),
    h('p', { class: 'meta' }, [`${item.agency.name} · ${item.region.name}`]),
    h('p', { class: 'facts' }, [serviceFacts(item)]),
  ]);
}

/**
 * A service as every region offering it provides it. Offered by one region only, it is that region's service.
 * @param {any} group
 */
export function groupResult(group) {
  if (group.regions === 1 && group.id) {
    return serviceResult({ ...group, region: group.region ?? { name: '' } });
  }
  // A native disclosure: keyboard and screen readers know it as "collapsed/expanded" with no script of ours.
  const $list = h('ul', { class: 'region-choices' });
  const $details = h('details', { class: 'regions' }, [
    h('summary', {}, [t('availableInRegions', { n: group.regions }), ' · ', h('span', { class: 'pick' }, [t('chooseRegion')])]),
    $list,
  ]);
  let loaded = false;
  $details.addEventListener('toggle', async () => {
    if (!(/** @type {HTMLDetailsElement} */ ($details).open) || loaded) return;
    loaded = true;
    $list.replaceChildren(h('li', { class: 'status' }, [t('searching')]));
    try {
      const query = new URLSearchParams([...group.codes.map((/** @type {string} */ c) => ['code', c]), ['pageSize', '100']]);
      const body = await get(`/api/v1/services?${query}`);
      const items = [...body.items].sort((/** @type {any} */ a, /** @type {any} */ b) => a.region.name.localeCompare(b.region.name));
      $list.replaceChildren(...items.map((/** @type {any} */ s) => h('li', {}, [
        h('a', { href: `#/services/${s.id}` }, [s.region.name]),
      ])));
    } catch {
      loaded = false; // try again next time it is opened
      $list.replaceChildren(h('li', { class: 'status' }, [t('offline')]));
    }
  });
  return h('li', { class: 'result result-group' }, [
    h('h2', {}, [group.name]),
    h('p', { class: 'meta' }, [group.agency.name]),
    h('p', { class: 'facts' }, [serviceFacts(group)]),
    $details,
  ]);
}
