// A service's form (GET /api/v1/services/{id} `form`) as accessible fields, with the same checks the server
// makes (api/applications/forms.py) so most mistakes are caught before sending; the server's own field errors
// (problem+json `errors`, "answers.<name>") land on the same fields. Used by applying and by the correction flow.
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';

/**
 * @typedef {{ name: string, type: string, label: string, required: boolean, help?: string | null,
 *   options?: { value: string, label: string }[] | null, min?: number | null, max?: number | null,
 *   maxLength?: number | null }} Field
 * @typedef {{ $el: HTMLElement, values: () => Record<string, any>, validate: () => boolean,
 *   showErrors: (errors: Record<string, string>) => void }} AnswersForm
 */

const ADDRESS_PARTS = [
  ['street', true, 200], ['rtRw', false, 7], ['village', true, 80], ['district', true, 80],
  ['regency', true, 80], ['province', true, 80], ['postcode', false, 5],
];
const INPUT = {
  text: { type: 'text' }, number: { type: 'number', inputmode: 'decimal' }, date: { type: 'date' },
  nik: { type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: '16' },
  phone: { type: 'tel', autocomplete: 'tel' }, email: { type: 'email', autocomplete: 'email' },
};

/**
 * @param {Field[]} fields
 * @param {Record<string, any>} answers initial values
 * @param {() => void} onInput called on every change (to keep the draft)
 * @returns {AnswersForm}
 */
export function answersForm(fields, answers, onInput) {
  /** @type {Map<string, { $error: HTMLElement, $focus: HTMLElement, $inputs: Record<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>, field: Field }>} */
  const parts = new Map();
  const $summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const $el = h('div', { class: 'answers' }, [$summary]);

  for (const field of fields) {
    const id = `f-${field.name}`;
    const $error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
    const $hint = field.help ? h('p', { class: 'hint', id: `${id}-hint` }, [field.help]) : null;
    const described = [$hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
    const label = field.label + (field.required ? '' : ` (${t('applyOptional')})`);
    /** @type {Record<string, any>} */
    const $inputs = {};
    let $block;
    if (field.type === 'address') {
      const value = answers[field.name] || {};
      const $parts = ADDRESS_PARTS.map(([part, needed, max]) => {
        const $input = /** @type {HTMLInputElement} */ (h('input', {
          id: `${id}-${part}`, name: `${field.name}.${part}`, type: 'text', maxlength: String(max),
          inputmode: part === 'postcode' ? 'numeric' : undefined, 'aria-describedby': `${id}-error`,
          autocomplete: part === 'street' ? 'street-address' : part === 'postcode' ? 'postal-code' : 'off',
        }));
        $input.value = value[part] ?? '';
        $inputs[part] = $input;
        return h('div', { class: 'field' }, [
          h('label', { for: `${id}-${part}` }, [t(`applyAddr_${part}`) + (needed ? '' : ` (${t('applyOptional')})`)]),
          $input,
        ]);
      });
      $block = h('fieldset', { class: 'field address', id }, [h('legend', {}, [label]), $hint, $error, ...$parts]);
    } else {
      let $input;
      if (field.type === 'select') {
        $input = h('select', { id, name: field.name, 'aria-describedby': described }, [
          h('option', { value: '' }, [t('applyChoose')]),
          ...(field.options || []).map((o) => h('option', { value: o.value }, [o.label])),
        ]);
      } else if (field.type === 'textarea') {
        $input = h('textarea', { id, name: field.name, rows: '4', maxlength: String(field.maxLength || 2000), 'aria-describedby': described });
      } else {
        $input = h('input', {
          id, name: field.name, ...(INPUT[/** @type {keyof typeof INPUT} */ (field.type)] || INPUT.text),
          min: field.min ?? undefined, max: field.max ?? undefined,
          maxlength: field.type === 'text' ? String(field.maxLength || 500) : undefined, 'aria-describedby': described,
        });
      }
      /** @type {any} */ ($input).value = answers[field.name] ?? '';
      $inputs[''] = $input;
      $block = h('div', { class: 'field' }, [h('label', { for: id }, [label]), $hint, $error, $input]);
    }
    $block.addEventListener('input', onInput);
    $block.addEventListener('change', onInput);
    parts.set(field.name, { $error, $focus: /** @type {HTMLElement} */ (Object.values($inputs)[0]), $inputs, field });
    $el.append($block);
  }

  const values = () => {
    /** @type {Record<string, any>} */
    const out = {};
    for (const [name, { $inputs, field }] of parts) {
      if (field.type === 'address') {
        /** @type {Record<string, string>} */
        const address = {};
        for (const [part, $input] of Object.entries($inputs)) if ($input.value.trim()) address[part] = $input.value.trim();
        if (Object.keys(address).length) out[name] = address;
        continue;
      }
      const raw = $inputs[''].value.trim();
      if (raw === '') continue;
      out[name] = field.type === 'number' && raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    }
    return out;
  };

  /** @param {Record<string, string>} errors field name → message */
  const showErrors = (errors) => {
    const names = Object.keys(errors).filter((n) => parts.has(n));
    for (const [name, { $error, $inputs }] of parts) {
      const message = errors[name];
      $error.hidden = !message;
      $error.textContent = message ? message : '';
      for (const $input of Object.values($inputs)) {
        if (message) $input.setAttribute('aria-invalid', 'true'); else $input.removeAttribute('aria-invalid');
      }
    }
    $summary.hidden = names.length === 0;
    // GOV.UK's error summary: every problem listed, each a link to its field; focus goes to the summary.
    $summary.replaceChildren(
      h('h2', {}, [t('applyErrorSummary')]),
      h('ul', {}, names.map((n) => {
        const part = /** @type {any} */ (parts.get(n));
        return h('li', {}, [h('a', { href: `#${part.$focus.id}`, onclick: (/** @type {Event} */ e) => { e.preventDefault(); part.$focus.focus(); } }, [`${part.field.label}: ${errors[n]}`])]);
      })),
    );
    if (names.length) $summary.focus();
  };

  const validate = () => {
    const answers = values();
    /** @type {Record<string, string>} */
    const errors = {};
    for (const [name, { field }] of parts) {
      const message = check(field, answers[name]);
      if (message) errors[name] = message;
    }
    showErrors(errors);
    return Object.keys(errors).length === 0;
  };

  return { $el, values, validate, showErrors };
}

/**
 * The client's copy of the server's rules; returns a message, or '' when the value is fine.
 * @param {Field} field
 * @param {any} value
 */
export function check(field, value) {
  if (value === undefined || value === '') return field.required ? t('applyErrRequired') : '';
  switch (field.type) {
    case 'nik': return /^\d{16}$/.test(value) ? '' : t('applyErrNik');
    case 'phone': return /^(\+62|62|0)8\d{7,12}$/.test(String(value).replace(/[\s-]/g, '')) ? '' : t('applyErrPhone');
    case 'email': return /^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$/.test(value) ? '' : t('applyErrEmail');
    case 'date': {
      const day = Date.parse(value);
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && day >= Date.parse('1900-01-01') && day <= Date.now() + 3650 * 864e5 ? '' : t('applyErrDate');
    }
    case 'number':
      if (typeof value !== 'number') return t('applyErrNumber');
      if (field.min != null && value < field.min) return t('applyErrMin', { n: field.min });
      if (field.max != null && value > field.max) return t('applyErrMax', { n: field.max });
      return '';
    case 'select': return (field.options || []).some((o) => o.value === value) ? '' : t('applyErrRequired');
    case 'address': {
      for (const [part, needed] of ADDRESS_PARTS) if (needed && !value[part]) return t('applyErrAddress', { part: t(`applyAddr_${part}`) });
      if (value.rtRw && !/^\d{1,3}\/\d{1,3}$/.test(value.rtRw)) return t('applyErrRtRw');
      if (value.postcode && !/^\d{5}$/.test(value.postcode)) return t('applyErrPostcode');
      return '';
    }
    default: return '';
  }
}

/**
 * The server's field errors (problem+json `errors`) split by where they belong.
 * @param {{ field: string, message: string }[] | undefined} errors
 * @returns {{ answers: Record<string, string>, documents: string[], other: string[] }}
 */
export function serverErrors(errors) {
  /** @type {{ answers: Record<string, string>, documents: string[], other: string[] }} */
  const out = { answers: {}, documents: [], other: [] };
  for (const e of errors || []) {
    const message = e.message === 'is required' ? t('applyErrRequired') : `${t('applyErrServer')} (${e.message})`;
    if (e.field.startsWith('answers.')) out.answers[e.field.slice(8)] = message;
    else if (e.field.startsWith('documentIds')) out.documents.push(e.message);
    else out.other.push(`${e.field}: ${e.message}`);
  }
  return out;
}

/**
 * Show an answer for reading (the review step, an application's details).
 * @param {Field} field
 * @param {any} value
 */
export function answerText(field, value) {
  if (value === undefined || value === null || value === '') return '—';
  if (field.type === 'select') return field.options?.find((o) => o.value === value)?.label ?? String(value);
  if (field.type === 'address' && typeof value === 'object') {
    return [value.street, value.rtRw ? `RT/RW ${value.rtRw}` : '', value.village, value.district, value.regency, value.province, value.postcode]
      .filter(Boolean).join(', ');
  }
  return String(value);
}

/**
 * The requirements, each with the wallet document that meets it (from /applications/readiness, verified
 * documents first), pre-selected; missing, expired or rejected ones are marked, with a way to the wallet.
 * @param {{ code: string, name: string, optional: boolean, state: string, documentId?: string | null }[]} requirements
 * @param {string[] | null} selected document ids chosen before (a draft), or null for "everything usable"
 * @param {() => void} onInput
 * @param {string} back where the wallet should send the person back to
 */
export function documentsChooser(requirements, selected, onInput, back) {
  const $error = h('p', { class: 'error', id: 'docs-error', role: 'alert', hidden: true });
  /** @type {Map<string, { $box: HTMLInputElement | null, req: any }>} */
  const rows = new Map();
  const $list = h('ul', { class: 'requirements docs' }, requirements.map((req) => {
    const usable = Boolean(req.documentId) && (req.state === 'satisfied' || req.state === 'pending');
    const name = req.name + (req.optional ? ` (${t('applyOptional')})` : '');
    if (!usable) {
      rows.set(req.code, { $box: null, req });
      return h('li', { class: `req req-${req.state}`, 'data-requirement': req.code }, [
        h('span', {}, [name]), ' ', h('span', { class: 'badge' }, [t(`req_${req.state}`)]), ' ',
        h('a', { href: `#/wallet?upload=${encodeURIComponent(req.code)}&back=${encodeURIComponent(back)}` }, [t('applyUpload')]),
      ]);
    }
    const id = `doc-${req.code}`;
    const $box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id, value: req.documentId, 'aria-describedby': 'docs-error' }));
    $box.checked = selected ? selected.includes(/** @type {string} */ (req.documentId)) : true;
    $box.addEventListener('change', onInput);
    rows.set(req.code, { $box, req });
    return h('li', { class: `req req-${req.state}`, 'data-requirement': req.code }, [
      h('label', { for: id, class: 'check' }, [$box, ` ${name} `, h('span', { class: 'badge' }, [t(`req_${req.state}`)])]),
    ]);
  }));
  const ids = () => [...rows.values()].filter((r) => r.$box?.checked).map((r) => /** @type {string} */ (r.req.documentId));
  /** @param {string[]} messages */
  const showErrors = (messages) => {
    $error.hidden = messages.length === 0;
    $error.textContent = messages.join(' ');
  };
  const validate = () => {
    const missing = [...rows.values()].filter((r) => !r.req.optional && !r.$box?.checked).map((r) => r.req.name);
    showErrors(missing.length ? [t('applyErrDocuments', { names: missing.join(', ') })] : []);
    return missing.length === 0;
  };
  return { $el: h('div', {}, [$error, $list]), ids, validate, showErrors };
}
