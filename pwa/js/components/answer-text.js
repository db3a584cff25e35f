// An answer to a service's question as a person reads it, the same on every screen that shows answers: the
// citizen's review step and application details, and the officer's review. A plain module both modes load (no
// DOM, nothing to clean up); it lives with the citizen code so it is precached for offline use.
//
// Contract
// - Receives: a form field (GET /api/v1/services/{id} `form` item, or just `{ name, label }` when the form is
//   unknown) and the stored answer, whatever its shape.
// - Returns: a string. It owns no DOM, emits nothing and holds nothing to clean up.
import { formatDate } from '../lib/dom.js';

/** @typedef {{ type?: string, options?: { value: string, label: string }[] | null }} AnswerField */

/** An address's parts in the order they are written on an envelope (the form's `address` field). */
const ADDRESS_ORDER = ['street', 'rtRw', 'village', 'district', 'regency', 'province', 'postcode'];

/**
 * @param {AnswerField} field
 * @param {unknown} value
 * @param {string} [empty] shown for an unanswered question: a dash in the citizen's lists, where the question's
 *   label says enough; the officer's screen passes a word ("(empty)"), which a screen reader reads out.
 * @returns {string}
 */
export function answerText(field, value, empty = '—') {
  if (value === undefined || value === null || value === '') return empty;
  if (field.type === 'select' && Array.isArray(field.options)) {
    return field.options.find((o) => o.value === value)?.label ?? String(value);
  }
  // A date-only answer is a calendar day: read as local midnight, so no time zone moves it to the day before.
  if (field.type === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return formatDate(new Date(`${value}T00:00:00`));
  }
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') {
    const parts = /** @type {Record<string, unknown>} */ (value);
    if (field.type === 'address') {
      return ADDRESS_ORDER.map((part) => (part === 'rtRw' && parts.rtRw ? `RT/RW ${parts.rtRw}` : parts[part]))
        .filter(Boolean).join(', ');
    }
    return Object.values(parts).filter(Boolean).join(', ');
  }
  return String(value);
}
