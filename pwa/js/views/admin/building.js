// The building screen (`#/admin/building`): a region's MPP building — its details and opening hours, its closure
// days, the agencies in it and their counters. A region admin sees their own region; a national admin picks the
// region (kept in the URL, `?region=3302`, so a reload or Back keeps it) and may add a new region.
//
// This view holds the building as last read and redraws every section from it after each change (each change is
// saved with the revision it was based on; the answer's new revisions come with the reload). The sections are in
// views/admin/building/: mpp.js, closures.js, agencies.js, counters.js; region-form.js adds a region.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { go } from '../../router.js';
import * as session from '../../session.js';
import { agenciesSection } from './building/agencies.js';
import { closuresSection } from './building/closures.js';
import { countersSection } from './building/counters.js';
import { mppSection } from './building/mpp.js';
import { regionForm } from './building/region-form.js';
import { confirmDialog, loadStyles } from './common.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const national = session.hasRole('national_admin');
  const chosen = national ? ctx.query.get('region') : null;
  /** @type {{ cancel: () => void } | null} */
  let dialog = null;
  const $body = h('div', { class: 'bld-body' });
  const $adding = h('div');
  $main.append(h('h1', {}, [t('adminBuildingTitle')]), h('p', { class: 'adm-scope' }, [t(national ? 'bldIntroNational' : 'bldIntroRegion')]));
  if (national) $main.append(await regionPicker(), $adding);
  $main.append($body);
  /** @type {import('./building/shared.js').Env} */
  const env = { region: chosen, reload: load, confirm };
  if (!national || chosen) await load();
  return () => dialog?.cancel();

  /**
   * Read the building and draw it; then say `message` in the section `focus`'s status line and move focus to that
   * section's heading (the change's outcome is read out there, and the admin carries on from it).
   * @param {string} [message]
   * @param {string} [focus]
   */
  async function load(message, focus) {
    try {
      /** @type {import('./building/shared.js').Building} */
      const building = await get('/api/v1/admin/building', { region: chosen });
      showChosen(building.region);
      $body.replaceChildren(
        national ? h('p', { class: 'bld-region-name' }, [h('strong', {}, [building.region.name])]) : '',
        mppSection(building.mpp, env),
        closuresSection(building.closures, env),
        agenciesSection(building.agencies, env),
        countersSection(building, env),
      );
    } catch (error) {
      $body.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
      return;
    }
    if (message && focus) {
      const $status = document.getElementById(`${focus}-status`);
      if ($status) $status.textContent = message;
      document.getElementById(`${focus}-title`)?.focus();
      announce(message);
    }
  }

  /**
   * The chosen region in the picker, also when the list of regions (a public answer, cached for a few minutes)
   * does not have it yet: a region added a moment ago.
   * @param {{ code: string, name: string }} region
   */
  function showChosen(region) {
    const $select = /** @type {HTMLSelectElement | null} */ (document.getElementById('bld-region'));
    if (!$select) return;
    if (![...$select.options].some((o) => o.value === region.code)) {
      $select.append(h('option', { value: region.code }, [`${region.name} (${region.code})`]));
    }
    $select.value = region.code;
  }

  /** @param {{ title: string, text: string, yes: string }} words */
  async function confirm(words) {
    const asked = confirmDialog(words);
    dialog = asked;
    const yes = await asked.answer;
    dialog = null;
    return yes;
  }

  /** A national admin's choice of region, and the way to add one. */
  async function regionPicker() {
    const $select = /** @type {HTMLSelectElement} */ (h('select', { id: 'bld-region' }, [h('option', { value: '' }, [t('bldRegionChoose')])]));
    try {
      /** @type {{ items: { code: string, name: string }[] }} */
      const regions = await get('/api/v1/regions');
      for (const region of regions.items) {
        $select.append(h('option', { value: region.code, selected: region.code === chosen || undefined }, [`${region.name} (${region.code})`]));
      }
    } catch (error) {
      return h('p', { class: 'error', role: 'alert' }, [problemText(error)]);
    }
    $select.addEventListener('change', () => { if ($select.value) go(`/admin/building?region=${$select.value}`); });
    const $add = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: () => {
      if ($adding.firstChild) { $adding.replaceChildren(); $add.setAttribute('aria-expanded', 'false'); return; }
      const form = regionForm({
        onCreated: (code, name) => { toast(t('bldRegionCreated', { name })); go(`/admin/building?region=${code}`); },
        onCancel: () => { $adding.replaceChildren(); $add.setAttribute('aria-expanded', 'false'); $add.focus(); },
      });
      $adding.replaceChildren(form.$el);
      $add.setAttribute('aria-expanded', 'true');
      form.$title.focus();
    } }, [t('bldRegionAdd')]);
    return h('div', { class: 'card bld-picker' }, [
      h('div', { class: 'field' }, [h('label', { for: 'bld-region' }, [t('bldRegionLabel')]), $select]),
      h('div', { class: 'adm-actions' }, [$add]),
    ]);
  }
}
