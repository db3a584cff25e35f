// The invitation form: a phone number, a name, a role and the agency they work for (a national admin also
// chooses the region, and may invite a region admin, who has no agency). The server checks everything again; its
// field problems are shown next to their fields, other problems under the form.
//
// Contract: receives { national, region (the region admin's own code, or null), onInvited(invitation, person) };
// returns { $el, focus() }: $el is the <form>, which the caller places and shows or hides. Owns the form; clears
// it after an invitation.
import { get, post } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { problemText } from '../../../lib/problem.js';
import { field, formError, setError, showMessage } from '../../../components/account-field.js';
import { roleText } from '../common.js';
import { STAFF, agenciesOf, fieldErrors } from './shared.js';

/**
 * @typedef {import('./shared.js').NewCode & { existingAccount: boolean }} Invitation
 */

/**
 * @param {{ national: boolean, region: string | null, onInvited: (invitation: Invitation, person: { name: string, phone: string }) => void }} options
 */
export function createInvite({ national, region, onInvited }) {
  const $phone = /** @type {HTMLInputElement} */ (h('input', { type: 'tel', inputmode: 'tel', autocomplete: 'off', maxlength: '32' }));
  const $name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', autocomplete: 'off', maxlength: '120' }));
  const roles = national ? ['officer', 'supervisor', 'region_admin'] : ['officer', 'supervisor'];
  const $role = /** @type {HTMLSelectElement} */ (h('select', {}, roles.map((r) => h('option', { value: r }, [roleText(r)]))));
  const $region = /** @type {HTMLSelectElement} */ (h('select', {}, [h('option', { value: '' }, [t('adminStaffRegionChoose')])]));
  const $agency = /** @type {HTMLSelectElement} */ (h('select', {}, [h('option', { value: '' }, [t('adminStaffAgencyChoose')])]));
  /** @type {Record<string, HTMLElement & { $input: HTMLElement, $error: HTMLElement }>} */
  const fields = {
    phone: field({ id: 'adm-invite-phone', label: t('adminStaffPhone'), hint: t('adminStaffPhoneHint'), input: $phone }),
    name: field({ id: 'adm-invite-name', label: t('adminStaffName'), input: $name }),
    role: field({ id: 'adm-invite-role', label: t('adminStaffRoles'), input: $role }),
    region: field({ id: 'adm-invite-region', label: t('adminStaffRegion'), input: $region }),
    agency: field({ id: 'adm-invite-agency', label: t('adminStaffAgency'), input: $agency }),
  };
  const $error = formError('adm-invite-error');
  const $send = h('button', { type: 'submit' }, [t('adminStaffInviteSend')]);
  const $title = h('h2', { id: 'adm-invite-title', tabindex: '-1' }, [t('adminStaffInviteTitle')]);
  const $el = /** @type {HTMLFormElement} */ (h('form', { class: 'card', id: 'adm-invite', 'aria-labelledby': 'adm-invite-title', novalidate: true }, [
    $title,
    h('p', { class: 'hint' }, [t('adminStaffInviteHint')]),
    fields.phone, fields.name, fields.role, national ? fields.region : '', fields.agency,
    $error, $send,
  ]));

  const regionNow = () => (national ? $region.value : region || '');
  // A region admin has no agency: the field goes while that role is chosen.
  $role.addEventListener('change', () => { fields.agency.hidden = $role.value === 'region_admin'; });
  $region.addEventListener('change', () => loadAgencies());
  if (national) {
    get('/api/v1/regions').then((/** @type {{ items: { code: string, name: string }[] }} */ list) => {
      $region.append(...list.items.map((r) => h('option', { value: r.code }, [r.name])));
    }).catch((error) => setError(fields.region, problemText(error)));
  } else {
    loadAgencies();
  }

  async function loadAgencies() {
    const code = regionNow();
    $agency.replaceChildren(h('option', { value: '' }, [t('adminStaffAgencyChoose')]));
    if (!code) return;
    try {
      const found = await agenciesOf(code);
      if (code === regionNow()) $agency.append(...found.map((a) => h('option', { value: a.code }, [a.name])));
    } catch (error) {
      setError(fields.agency, problemText(error));
    }
  }

  $el.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const $field of Object.values(fields)) setError($field, '');
    showMessage($error, '');
    const body = {
      phone: $phone.value.trim(),
      name: $name.value.trim(),
      role: $role.value,
      ...($role.value !== 'region_admin' && $agency.value ? { agency: $agency.value } : {}),
      ...(national && $region.value ? { region: $region.value } : {}),
    };
    /** @type {[string, string][]} */
    const missing = [];
    if (!body.phone) missing.push(['phone', t('adminStaffPhoneMissing')]);
    if (!body.name) missing.push(['name', t('adminStaffNameMissing')]);
    if (national && !body.region) missing.push(['region', t('adminStaffRegionMissing')]);
    if (body.role !== 'region_admin' && !body.agency) missing.push(['agency', t('adminStaffAgencyMissing')]);
    if (missing.length) { show(missing); return; }
    $send.setAttribute('disabled', '');
    try {
      /** @type {Invitation} */
      const invitation = await post(STAFF, body);
      $el.reset();
      fields.agency.hidden = false;
      onInvited(invitation, { name: body.name, phone: body.phone });
    } catch (error) {
      const problems = fieldErrors(error);
      if (problems.length) show(problems);
      else { showMessage($error, problemText(error)); $send.focus(); }
    } finally {
      $send.removeAttribute('disabled');
    }
  });

  /** Each problem next to its field; focus to the first, whose error is read out with it. @param {[string, string][]} problems */
  function show(problems) {
    for (const [name, text] of problems) if (fields[name]) setError(fields[name], text);
    /** @type {HTMLElement} */ (fields[problems[0][0]]?.$input ?? $send).focus();
  }

  return { $el, focus: () => $title.focus() };
}
