// The building section: the MPP's name, address, phone, position on the map and opening hours, saved together
// with the revision that was read (If-Match), so an admin never overwrites another's change without seeing it.
//
// Contract: mppSection(mpp, env) receives the building as GET /admin/building gives it and the screen's env
// (shared.js: reload after a save or a conflict). Returns its <section>; keeps no state beyond its form.
import { api } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { createHours } from './hours.js';
import { clearProblems, formMessage, ifMatch, labelled, section, showProblems, textInput } from './shared.js';

/**
 * @param {import('./shared.js').Mpp} mpp
 * @param {import('./shared.js').Env} env
 */
export function mppSection(mpp, env) {
  const $name = textInput(mpp.name, { maxlength: '200', required: true });
  const $address = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: '3', maxlength: '500', required: true }));
  $address.value = mpp.address;
  const $phone = textInput(mpp.phone || '', { type: 'tel', maxlength: '30', inputmode: 'tel', autocomplete: 'off' });
  const $latitude = textInput(mpp.latitude === null ? '' : String(mpp.latitude), { inputmode: 'decimal' });
  const $longitude = textInput(mpp.longitude === null ? '' : String(mpp.longitude), { inputmode: 'decimal' });
  const hours = createHours(mpp.openingHours, 'openingHours');
  const $message = formMessage();
  const $save = h('button', { type: 'submit' }, [t('bldSaveMpp')]);
  const $form = h('form', { class: 'card', novalidate: true }, [
    labelled({ field: 'name', label: t('bldMppName'), input: $name }),
    labelled({ field: 'address', label: t('bldMppAddress'), input: $address }),
    labelled({ field: 'phone', label: t('bldMppPhone'), input: $phone }),
    h('details', { class: 'bld-location', open: mpp.latitude !== null || undefined }, [
      h('summary', {}, [t('bldMppLocation')]),
      labelled({ field: 'latitude', label: t('bldMppLatitude'), input: $latitude, hint: t('bldMppLatitudeHint') }),
      labelled({ field: 'longitude', label: t('bldMppLongitude'), input: $longitude, hint: t('bldMppLongitudeHint') }),
    ]),
    h('h3', {}, [t('bldHoursTitle')]),
    hours.$el,
    $message,
    $save,
  ]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems($form);
    const latitude = number($latitude.value);
    const longitude = number($longitude.value);
    const typos = [['latitude', latitude], ['longitude', longitude]].filter(([, v]) => Number.isNaN(v));
    if (typos.length) {
      // Not a number at all: said here, since JSON would send it as null (none) and lose what was typed.
      showProblems($form, { status: 422, problem: { errors: typos.map(([field]) => ({ field, message: 'is not a number' })) } }, () => env.reload());
      return;
    }
    $save.setAttribute('disabled', '');
    try {
      await api(`/api/v1/admin/mpp/${mpp.id}`, {
        method: 'PUT',
        headers: ifMatch(mpp.revision),
        body: {
          name: $name.value,
          address: $address.value,
          phone: $phone.value.trim() || null,
          latitude,
          longitude,
          openingHours: hours.value(),
        },
      });
      await env.reload(t('bldSaved'), 'bld-mpp');
    } catch (error) {
      showProblems($form, error, () => env.reload());
    } finally {
      $save.removeAttribute('disabled');
    }
  });
  return section('bld-mpp', t('bldMppTitle'), [$form]);
}

/**
 * A coordinate as typed ("-7,42" with the Indonesian decimal comma too); blank: null (none); not a number: NaN.
 * @param {string} text
 */
function number(text) {
  const clean = text.trim().replace(',', '.');
  if (!clean) return null;
  const value = Number(clean);
  return Number.isFinite(value) ? value : NaN;
}
