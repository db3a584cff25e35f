// "Tambah daerah" (national admins): a new kabupaten/kota with its MPP building — the BPS codes, the names, and the
// building's name, address and opening hours. The region's admin sets up the rest on this screen afterwards.
//
// Contract: regionForm({ onCreated, onCancel }) returns the form (`$el`); `onCreated(code, name)` is called with
// the new region once the server made it, `onCancel()` when the admin closes the form. Nothing to clean up.
import { post } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { createHours } from './hours.js';
import { clearProblems, formMessage, labelled, showProblems, textInput } from './shared.js';

// The usual MPP hours (Monday–Thursday 08:00–15:00, Friday with the prayer break), changed at will.
const USUAL_HOURS = {
  mon: ['08:00-15:00'], tue: ['08:00-15:00'], wed: ['08:00-15:00'], thu: ['08:00-15:00'], fri: ['08:00-11:00', '13:00-15:00'],
};

/**
 * @param {{ onCreated: (code: string, name: string) => void, onCancel: () => void }} callbacks
 */
export function regionForm({ onCreated, onCancel }) {
  const $code = textInput('', { inputmode: 'numeric', maxlength: '4' });
  const $kind = /** @type {HTMLSelectElement} */ (h('select', {}, [
    h('option', { value: 'kabupaten' }, [t('bldRegionKind_kabupaten')]),
    h('option', { value: 'kota' }, [t('bldRegionKind_kota')]),
  ]));
  const $name = textInput('', { maxlength: '100' });
  const $nameEn = textInput('', { maxlength: '100', lang: 'en' });
  const $place = textInput('', { maxlength: '60' });
  const $province = textInput('', { inputmode: 'numeric', maxlength: '2' });
  const $provinceName = textInput('', { maxlength: '60' });
  const $mppName = textInput('', { maxlength: '200' });
  const $mppAddress = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: '3', maxlength: '500' }));
  const hours = createHours(USUAL_HOURS, 'mpp.openingHours');
  const $create = h('button', { type: 'submit' }, [t('bldRegionCreate')]);
  const $title = h('h2', { id: 'bld-region-new', tabindex: '-1' }, [t('bldRegionNewTitle')]);
  // Filling in the name fills the building's name the usual way ("Mal Pelayanan Publik Kabupaten …") until the
  // admin types one of their own.
  let mppNameTouched = false;
  $mppName.addEventListener('input', () => { mppNameTouched = true; });
  $name.addEventListener('input', () => { if (!mppNameTouched) $mppName.value = $name.value.trim() ? `Mal Pelayanan Publik ${$name.value.trim()}` : ''; });
  const $el = h('form', { class: 'card bld-region-form', novalidate: true, 'aria-labelledby': 'bld-region-new' }, [
    $title,
    labelled({ field: 'provinceCode', label: t('bldProvinceCode'), input: $province, hint: t('bldProvinceCodeHint') }),
    labelled({ field: 'provinceName', label: t('bldProvinceName'), input: $provinceName, hint: t('bldProvinceNameHint') }),
    labelled({ field: 'code', label: t('bldRegionCode'), input: $code, hint: t('bldRegionCodeHint') }),
    labelled({ field: 'kind', label: t('bldRegionKind'), input: $kind }),
    labelled({ field: 'name', label: t('bldRegionName'), input: $name, hint: t('bldRegionNameHint') }),
    labelled({ field: 'nameEn', label: t('bldRegionNameEn'), input: $nameEn, hint: t('bldRegionNameEnHint') }),
    labelled({ field: 'place', label: t('bldRegionPlace'), input: $place, hint: t('bldRegionPlaceHint') }),
    labelled({ field: 'mpp.name', label: t('bldMppName'), input: $mppName }),
    labelled({ field: 'mpp.address', label: t('bldMppAddress'), input: $mppAddress }),
    h('h3', {}, [t('bldHoursTitle')]),
    hours.$el,
    formMessage(),
    h('div', { class: 'adm-actions' }, [
      $create,
      h('button', { type: 'button', class: 'secondary', onclick: onCancel }, [t('adminCancel')]),
    ]),
  ]);
  $el.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems($el);
    $create.setAttribute('disabled', '');
    try {
      const made = await post('/api/v1/admin/regions', {
        code: $code.value.trim(),
        kind: $kind.value,
        name: $name.value,
        nameEn: $nameEn.value,
        place: $place.value,
        provinceCode: $province.value.trim(),
        provinceName: $provinceName.value,
        mpp: { name: $mppName.value, address: $mppAddress.value, openingHours: hours.value() },
      });
      onCreated(made.region.code, made.region.name);
    } catch (error) {
      showProblems($el, error, () => {}, { code_taken: t('bldErr_regionTaken') });
    } finally {
      $create.removeAttribute('disabled');
    }
  });
  return { $el, $title };
}
