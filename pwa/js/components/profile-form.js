// The citizen's profile: full name, NIK and the birth date the NIK encodes. Applying needs a name (and a NIK for
// services that name the applicant's), because officers and the issued document show who applied. Used by
// settings ("Profil"), which the apply flow opens with `?profile=edit&back=…` when something is missing.
//
// Contract
// - Receives: the signed-in person (`session.me()`), `needNik` (the NIK is required, not optional) and
//   `onSaved(me)`, called with the saved profile.
// - Owns: `$el` (a form: name, NIK, birth date read from the NIK, an error line, "Save").
// - Gives: `focus()` to put the cursor in the first field that needs filling.
// - Cleans up: nothing (listeners are on its own elements; no timers).
//
// The NIK is checked here as the server checks it (api/accounts/identity.py: 16 digits, a region, a real birth
// date, a serial), so most mistakes are caught before sending. Whether the number belongs to someone else is
// never said: the server answers as for any other valid NIK (verification against the registry comes later).
import { api, ApiError } from '../api.js';
import { t } from '../i18n.js';
import { formatDate, h } from '../lib/dom.js';
import * as session from '../session.js';
import { field, formError, setError, showMessage } from './account-field.js';
import { problemText } from '../lib/problem.js';

/**
 * The birth date a NIK encodes (digits 7–12 are DDMMYY; women have 40 added to the day), or null if it
 * cannot be one. The century is the one that puts the date in the past, as on the server.
 * @param {string} nik
 * @returns {string | null} YYYY-MM-DD
 */
export function nikBirthDate(nik) {
  if (!/^[0-9]{16}$/.test(nik)) return null;
  let day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const year = Number(nik.slice(10, 12));
  if (day > 40) day -= 40;
  const now = new Date();
  const full = (2000 + year <= now.getFullYear() ? 2000 : 1900) + year;
  const date = new Date(Date.UTC(full, month - 1, day));
  if (date.getUTCFullYear() !== full || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * The reason a NIK cannot be right ('' when its structure is fine).
 * @param {string} nik
 */
export function nikProblem(nik) {
  if (!/^[0-9]{16}$/.test(nik)) return t('profileNikDigits');
  const province = Number(nik.slice(0, 2));
  if (province < 11 || province > 96 || nik.slice(2, 4) === '00' || nik.slice(4, 6) === '00') return t('profileNikRegion');
  if (!nikBirthDate(nik)) return t('profileNikDate');
  if (nik.slice(12) === '0000') return t('profileNikSerial');
  return '';
}

/**
 * @param {any} me the signed-in person (GET /api/v1/me)
 * @param {{ needNik: boolean, onSaved: (me: any) => void }} options
 */
export function profileForm(me, { needNik, onSaved }) {
  const $nameInput = /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: 'name', autocomplete: 'name', maxlength: '120', required: true }));
  $nameInput.value = me?.name || '';
  const $nikInput = /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: 'nik', inputmode: 'numeric', maxlength: '16', autocomplete: 'off', spellcheck: 'false' }));
  $nikInput.value = me?.nik || '';
  const $name = field({ id: 'profile-name', label: t('signinNameLabel'), hint: t('signinNameHint'), input: $nameInput });
  const $nik = field({
    id: 'profile-nik',
    label: needNik || me?.nik ? t('profileNikLabel') : t('signinNikLabel'),
    hint: t('signinNikHint'),
    input: $nikInput,
  });
  // The birth date is not typed: it is the one in the NIK, shown so a wrong digit is noticed.
  const $birth = h('p', { class: 'meta', id: 'profile-birth', 'aria-live': 'polite' });
  const showBirth = () => {
    const nik = $nikInput.value.replace(/\s/g, '');
    const date = nikBirthDate(nik);
    $birth.textContent = date ? t('profileBirthDate', { date: formatDate(date) }) : t('profileBirthDateFromNik');
  };
  $nikInput.addEventListener('input', showBirth);
  showBirth();
  const $error = formError('profile-error');
  const $save = h('button', { type: 'submit', id: 'profile-save' }, [t('profileSave')]);
  const $el = h('form', { class: 'profile-form', id: 'profile-form', novalidate: true }, [$name, $nik, $birth, $error, $save]);

  $el.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $nameInput.value.trim().replace(/\s+/g, ' ');
    const nik = $nikInput.value.replace(/\s/g, '');
    // A NIK once given can be changed but not removed: the server keeps the last one.
    const nikNeeded = needNik || Boolean(me?.nik);
    const nikError = nik ? nikProblem(nik) : nikNeeded ? t('profileNikRequired') : '';
    setError($name, name ? '' : t('signinNameRequired'));
    setError($nik, nikError);
    if (!name) { $nameInput.focus(); return; }
    if (nikError) { $nikInput.focus(); return; }
    showMessage($error, '');
    $save.setAttribute('disabled', '');
    try {
      /** @type {Record<string, string>} */
      const body = { name };
      if (nik && nik !== me?.nik) body.nik = nik;
      const saved = await api('/api/v1/me', { method: 'PATCH', body });
      await session.reloadMe();
      me = saved;
      onSaved(saved);
    } catch (error) {
      const text = problemText(error);
      if (error instanceof ApiError && error.code === 'invalid_nik') setError($nik, text);
      else showMessage($error, text);
    } finally {
      $save.removeAttribute('disabled');
    }
  });

  const focus = () => {
    const needsNik = (needNik || Boolean(me?.nik)) && !$nikInput.value;
    (!$nameInput.value || !needsNik ? $nameInput : $nikInput).focus();
  };
  return { $el, focus };
}

/**
 * What a service needs of the applicant's profile, by the server's rule (api/applications/service/checks.py):
 * always a name; a NIK when the form asks for `applicantNik` or the applicant's KTP-el is a required document.
 * @param {{ form: { name: string }[], requirements: { code: string, optional?: boolean }[] }} service
 * @param {any} me
 * @returns {('name' | 'nik')[]} what is missing
 */
export function missingProfile(service, me) {
  /** @type {('name' | 'nik')[]} */
  const missing = [];
  if (!me?.name?.trim()) missing.push('name');
  const needsNik = service.form.some((f) => f.name === 'applicantNik')
    || service.requirements.some((r) => r.code === 'KTP_EL' && !r.optional);
  if (needsNik && !me?.nik) missing.push('nik');
  return missing;
}
