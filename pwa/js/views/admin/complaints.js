// Complaints of the region for its admin (`#/admin/complaints?status=&overdue=1`, a national admin picks the
// region: `?region=`): every agency's, escalated first (the API orders them so: an escalated complaint is the
// region's to act on), and one complaint (`#/admin/complaints/:id`) with the officers' screen plus reassignment to
// another agency of the region, for a complaint sent to the wrong one.
//
// The list and the complaint are the officer's views (views/officer/complaints.js, complaint.js), reused rather
// than copied: an admin's device loads those two modules (and officer.css) when it opens these screens.
import { api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { go } from '../../router.js';
import { loadStyles as loadOfficerStyles } from '../officer/common.js';
import { complaintErrorText, nameText, renderComplaint } from '../officer/complaint.js';
import { complaintList } from '../officer/complaints.js';
import { isRegionAdmin, loadStyles } from './common.js';
import { agenciesOf } from './staff/shared.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  loadOfficerStyles();
  const national = !isRegionAdmin();
  const region = national ? ctx.query.get('region') || '' : session.me()?.region?.code || '';
  if (ctx.params.id) {
    const back = `#/admin/complaints${national && region ? `?region=${encodeURIComponent(region)}` : ''}`;
    return renderComplaint($main, ctx.params.id, { back, extra: (c, reload) => reassign(c, reload, region) });
  }
  if (national && !region) {
    $main.append(h('h1', {}, [t('stcAdminTitle')]), h('p', { class: 'adm-scope' }, [t('stcAdminNational')]), await regionPicker(''));
    return undefined;
  }
  await complaintList($main, ctx, {
    base: '#/admin/complaints',
    title: t('stcAdminTitle'),
    intro: t('stcAdminIntro'),
    region: national ? region : undefined,
    before: national ? await regionPicker(region) : null,
    showAgency: true,
  });
  return undefined;
}

/** @param {string} chosen */
async function regionPicker(chosen) {
  const $select = /** @type {HTMLSelectElement} */ (h('select', { id: 'stc-region' }, [h('option', { value: '' }, [t('bldRegionChoose')])]));
  const regions = await get('/api/v1/regions').catch(() => ({ items: [] }));
  for (const r of regions.items) $select.append(h('option', { value: r.code, selected: r.code === chosen || undefined }, [`${r.name} (${r.code})`]));
  $select.addEventListener('change', () => { if ($select.value) go(`/admin/complaints?region=${$select.value}`); });
  return h('div', { class: 'field' }, [h('label', { for: 'stc-region' }, [t('bldRegionLabel')]), $select]);
}

/**
 * Reassignment to another agency of the complaint's region (not once it is closed).
 * @param {import('../officer/complaint.js').StaffComplaint & { region?: any, agency?: any, agencyCode?: string }} c
 * @param {(message?: string) => Promise<void>} reload
 * @param {string} fallbackRegion
 */
function reassign(c, reload, fallbackRegion) {
  if (c.status === 'closed') return null;
  const region = (c.region && typeof c.region === 'object' ? c.region.code : c.region) || fallbackRegion;
  const current = c.agencyCode ?? (c.agency && typeof c.agency === 'object' ? c.agency.code : c.agency);
  const $select = /** @type {HTMLSelectElement} */ (h('select', { id: 'stc-reassign-agency', 'aria-describedby': 'stc-reassign-error' }, [
    h('option', { value: '' }, [t('stcReassignChoose')]),
  ]));
  const $error = h('p', { class: 'error', id: 'stc-reassign-error', hidden: true });
  const $send = h('button', { type: 'submit', id: 'stc-reassign-send' }, [t('stcReassignSend')]);
  const $form = h('form', { class: 'card stc-reassign', 'aria-labelledby': 'stc-reassign-title', novalidate: true }, [
    h('h2', { id: 'stc-reassign-title' }, [t('stcReassignTitle')]),
    h('p', { class: 'hint' }, [t('stcReassignHint')]),
    h('div', { class: 'field' }, [h('label', { for: 'stc-reassign-agency' }, [t('stcReassignLabel')]), $select, $error]),
    $send,
  ]);
  const currentName = nameText(c.agencyName);
  if (region) {
    agenciesOf(region).then((list) => {
      $select.append(...list
        .filter((a) => a.code !== current && a.name !== currentName)
        .map((a) => h('option', { value: a.code }, [a.name])));
    }).catch((error) => { $error.hidden = false; $error.textContent = complaintErrorText(error); });
  }
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    $error.hidden = true;
    if (!$select.value) {
      $error.hidden = false;
      $error.textContent = t('stcReassignNone');
      $select.focus();
      return;
    }
    const name = $select.selectedOptions[0]?.textContent || $select.value;
    $send.setAttribute('disabled', '');
    try {
      await api(`/api/v1/staff/complaints/${encodeURIComponent(c.id)}/reassign`, { method: 'POST', body: { agency: $select.value, version: c.version } });
      await reload(t('stcReassigned', { agency: name }));
    } catch (error) {
      $send.removeAttribute('disabled');
      $error.hidden = false;
      $error.textContent = complaintErrorText(error);
      $select.focus();
    }
  });
  return $form;
}
