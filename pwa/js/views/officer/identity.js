// The counter check (officer mode): find the citizen standing at the counter by phone number or application
// number, compare what the account holds — name, masked NIK, birth date — with their KTP-el, and record the
// outcome. A match makes the account "in person" verified; the record names this officer, agency, region and
// time. No photo of the card is taken or kept: the card is looked at, not copied.
import { get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { errorText, loadStyles } from './common.js';

/**
 * @typedef {{ account: string, name: string, nik: string | null, birthDate: string | null, phone: string,
 *   assurance: string, checkedAt?: string }} CounterCard
 */

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  const $kind = /** @type {HTMLSelectElement} */ (h('select', { id: 'off-id-kind' }, [
    h('option', { value: 'phone' }, [t('officerIdByPhone')]),
    h('option', { value: 'application' }, [t('officerIdByNumber')]),
  ]));
  const $query = /** @type {HTMLInputElement} */ (h('input', { id: 'off-id-query', autocomplete: 'off', maxlength: '40', required: true }));
  const $error = h('p', { class: 'error', id: 'off-id-error', role: 'alert', hidden: true });
  const $find = h('button', { type: 'submit' }, [t('officerIdFind')]);
  const $form = h('form', { class: 'card', id: 'off-id-form', novalidate: true }, [
    h('div', { class: 'field' }, [h('label', { for: 'off-id-kind' }, [t('officerIdFindBy')]), $kind]),
    h('div', { class: 'field' }, [h('label', { for: 'off-id-query' }, [t('officerIdQuery')]), $query]),
    $error, $find,
  ]);
  const $result = h('section', { id: 'off-id-result', 'aria-live': 'polite' });
  $main.append(h('h1', {}, [t('officerIdTitle')]), h('p', { class: 'hint' }, [t('officerIdHint')]), $form, $result);

  /** @param {string} text */
  const fail = (text) => { $error.textContent = text; $error.hidden = !text; };

  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fail('');
    const value = $query.value.trim();
    if (!value) { fail(t('officerIdQueryMissing')); return; }
    try {
      const card = await get('/api/v1/officer/identity/accounts', { [$kind.value]: value });
      $result.replaceChildren(cardView(card, $result));
    } catch (error) {
      $result.replaceChildren();
      fail(errorText(error));
    }
  });
}

/**
 * The account's facts beside the two answers the officer can give.
 * @param {CounterCard} card
 * @param {HTMLElement} $result where the card is redrawn after a check
 * @returns {HTMLElement}
 */
function cardView(card, $result) {
  const $status = h('p', { class: 'status', id: 'off-id-status', role: 'status' });
  const $error = h('p', { class: 'error', role: 'alert', hidden: true });
  /** @param {boolean} matches */
  const record = async (matches) => {
    try {
      const updated = await post(`/api/v1/officer/identity/accounts/${card.account}/in-person`, { matches });
      $result.replaceChildren(cardView(updated, $result));
      const text = matches ? t('officerIdRecordedMatch') : t('officerIdRecordedMismatch');
      const $now = /** @type {HTMLElement} */ ($result.querySelector('#off-id-status'));
      $now.textContent = text;
      announce(text);
    } catch (error) {
      $error.textContent = errorText(error);
      $error.hidden = false;
    }
  };
  const $match = h('button', { type: 'button', id: 'off-id-match', onclick: () => record(true) }, [t('officerIdMatches')]);
  const $mismatch = h('button', { type: 'button', class: 'secondary', id: 'off-id-mismatch', onclick: () => record(false) }, [t('officerIdDoesNotMatch')]);
  const level = card.assurance === 'in_person' ? 'identityLevelInPerson' : card.assurance === 'registry' ? 'identityLevelRegistry' : 'identityLevelPhone';
  return h('div', { class: 'card', id: 'off-id-card' }, [
    h('h2', {}, [t('officerIdCompare')]),
    h('dl', { class: 'off-facts' }, [
      h('dt', {}, [t('officerIdName')]), h('dd', { id: 'off-id-name' }, [card.name || '—']),
      h('dt', {}, [t('officerIdNik')]), h('dd', { id: 'off-id-nik' }, [card.nik || t('officerIdNoNik')]),
      h('dt', {}, [t('officerIdBirthDate')]), h('dd', {}, [card.birthDate ? formatDate(card.birthDate) : '—']),
      h('dt', {}, [t('officerIdPhone')]), h('dd', {}, [card.phone]),
    ]),
    h('p', { id: 'off-id-level' }, [t(level)]),
    card.checkedAt ? h('p', { class: 'hint' }, [t('officerIdCheckedAt', { at: formatDate(card.checkedAt, true) })]) : null,
    h('p', { class: 'hint' }, [t('officerIdNoPhoto')]),
    h('div', { class: 'actions' }, [$match, $mismatch]),
    $error, $status,
  ]);
}
