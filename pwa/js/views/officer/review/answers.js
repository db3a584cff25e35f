// The answers card: each question's label with the answer in words (components/answer-text.js, shared with the
// citizen's screens). Answers to questions the form no longer has are shown too, under their field name.
//
// Contract
// - Receives: the application and the service's form fields (null when the form could not be loaded).
// - Owns: the <section> it returns (redrawn with the screen; no state, no listeners).
// - `loadServiceForm(app)` fetches the fields once per screen; it never throws (null instead).
import { get } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { answerText } from '../../../components/answer-text.js';

/** @typedef {{ name: string, label?: string, type?: string, options?: { value: string, label: string }[] | null }} FormField */

/**
 * @param {import('../review.js').OfficerApplication} app
 * @param {FormField[] | null} form
 */
export function answersCard(app, form) {
  const given = app.answers || {};
  /** @type {FormField[]} */
  const fields = form && form.length ? form : Object.keys(given).map((name) => ({ name, label: name }));
  const known = new Set(fields.map((f) => f.name));
  /** @type {FormField[]} */
  const extra = Object.keys(given).filter((name) => !known.has(name)).map((name) => ({ name, label: name }));
  return h('section', { class: 'card off-area-answers', 'aria-labelledby': 'off-answers-title' }, [
    h('h2', { id: 'off-answers-title' }, [t('officerAnswers')]),
    h('dl', { class: 'off-answers' }, [...fields, ...extra].flatMap((field) => [
      h('dt', {}, [field.label || field.name]),
      h('dd', {}, [answerText(field, given[field.name], t('officerNoAnswer'))]),
    ])),
  ]);
}

/**
 * The service's form fields (for labels), found by the application's service code in its region.
 * @param {import('../review.js').OfficerApplication} app
 * @returns {Promise<FormField[] | null>}
 */
export async function loadServiceForm(app) {
  try {
    const list = await get('/api/v1/services', { q: app.service.code, region: app.region?.code, agency: app.agency?.code, pageSize: 100 });
    const found = list.items.find((/** @type {{ id: string, code: string }} */ s) => s.code === app.service.code);
    if (!found) return null;
    return (await get(`/api/v1/services/${found.id}`)).form || null;
  } catch {
    return null;
  }
}
