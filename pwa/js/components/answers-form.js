// A service's form (GET /api/v1/services/{id} `form`) as accessible fields, with the same checks the server
// makes (api/applications/forms.py) so most mistakes are caught before sending; the server's own field errors
// (problem+json `errors`, "answers.<name>") land on the same fields. Used by applying and by the correction flow.
//
// Contract (both answersForm and documentsChooser)
// - Receive: the fields (or requirements), the values to start from, and `onInput()`, called on every change.
// - Own: `$el` (the caller places it; it may be detached and placed again, e.g. between apply's steps, and
//   keeps what was typed) with its error messages and GOV.UK-style error summary.
// - Give: `values()`/`ids()`, `validate()` (shows the errors, true when none), `showErrors(…)` for the
//   server's errors.
// - Clean up: nothing (listeners are on their own elements; no timers).
import { t } from '../i18n.js';
import { formatDate, h } from '../lib/dom.js';

/**
 * @typedef {{ name: string, type: string, label: string, required: boolean, help?: string | null,
 *   options?: { value: string, label: string }[] | null, min?: number | null, max?: number | null,
 *   maxLength?: number | null }} Field
 * @typedef {{ $el: HTMLElement, values: () => Record<string, any>, validate: () => boolean,
 *   showErrors: (errors: Record<string, string>) => void }} AnswersForm
 */

/** @type {[part: string, needed: boolean, maxLength: number][]} */
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
 * A wallet document that may be attached (GET /applications/readiness `documents`): verified or issued
 * ("satisfied"), or uploaded and still awaiting verification ("pending") — the server's own rule for what a
 * submission may carry (api/applications/service/checks.py); rejected and expired ones are never offered.
 * @typedef {{ id: string, title: string, state: 'satisfied' | 'pending', createdAt?: string }} Attachable
 * @typedef {{ code: string, name: string, optional: boolean, state: string, documentId?: string | null,
 *   documents?: Attachable[] }} RequirementState
 */

/**
 * Every document of a requirement that may be attached, best first; an older saved copy of readiness (offline)
 * has only `documentId`, which is attachable when its state is.
 * @param {RequirementState} req
 * @returns {Attachable[]}
 */
export function attachable(req) {
  if (req.documents) return req.documents;
  const usable = Boolean(req.documentId) && (req.state === 'satisfied' || req.state === 'pending');
  return usable ? [{ id: /** @type {string} */ (req.documentId), title: '', state: /** @type {'satisfied' | 'pending'} */ (req.state) }] : [];
}

/**
 * The requirements, each with every wallet document that may be attached for it (verified first); the best one
 * is pre-selected. Documents still awaiting verification are offered too, and say so. Requirements with nothing
 * attachable are marked (missing, expired, rejected), with a way to upload in the wallet that comes back here.
 * @param {RequirementState[]} requirements
 * @param {string[] | null} selected document ids chosen before (a draft), or null for "the best of each"
 * @param {() => void} onInput
 * @param {string} back where the wallet should send the person back to
 */
export function documentsChooser(requirements, selected, onInput, back) {
  const $error = h('p', { class: 'error', id: 'docs-error', role: 'alert', hidden: true });
  /** @type {{ req: RequirementState, $boxes: HTMLInputElement[] }[]} */
  const rows = [];
  const $list = h('ul', { class: 'requirements docs' }, requirements.map((req) => {
    const docs = attachable(req);
    const name = req.name + (req.optional ? ` (${t('applyOptional')})` : '');
    if (docs.length === 0) {
      rows.push({ req, $boxes: [] });
      return h('li', { class: `req req-${req.state}`, 'data-requirement': req.code }, [
        h('span', {}, [name]), ' ', h('span', { class: 'badge' }, [t(`req_${req.state}`)]), ' ',
        h('a', { href: `#/wallet?upload=${encodeURIComponent(req.code)}&back=${encodeURIComponent(back)}` }, [t('applyUpload')]),
      ]);
    }
    // A draft chose none of this requirement's documents (e.g. it was saved before the upload): a required one
    // gets its best document, since it cannot be sent without one.
    const chosen = selected?.filter((id) => docs.some((d) => d.id === id)) ?? [];
    const preselect = selected === null || (chosen.length === 0 && !req.optional) ? [docs[0].id] : chosen;
    const $boxes = docs.map((doc, i) => {
      const id = i === 0 ? `doc-${req.code}` : `doc-${req.code}-${i}`;
      const $box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id, value: doc.id, 'aria-describedby': 'docs-error' }));
      $box.checked = preselect.includes(doc.id);
      $box.addEventListener('change', onInput);
      return $box;
    });
    rows.push({ req, $boxes });
    const badge = (/** @type {Attachable} */ doc) => h('span', { class: `badge doc-${doc.state}` }, [t(doc.state === 'pending' ? 'req_pendingAttachable' : 'req_satisfied')]);
    if (docs.length === 1) {
      return h('li', { class: `req req-${docs[0].state}`, 'data-requirement': req.code }, [
        // One span for the words: a flex label would squeeze the badge beside them on a narrow phone.
        h('label', { for: $boxes[0].id, class: 'check' }, [$boxes[0], h('span', {}, [`${name} `, badge(docs[0])])]),
      ]);
    }
    // Several copies in the wallet: each is offered, with its title and date so they can be told apart.
    return h('li', { class: `req req-${req.state}`, 'data-requirement': req.code }, [
      h('span', { class: 'req-name' }, [name]),
      h('ul', { class: 'req-documents' }, docs.map((doc, i) => h('li', {}, [
        h('label', { for: $boxes[i].id, class: 'check' }, [$boxes[i], h('span', {}, [
          doc.title || name, doc.createdAt ? ` · ${t('applyDocAdded', { date: formatDate(doc.createdAt) })} ` : ' ', badge(doc),
        ])]),
      ]))),
    ]);
  }));
  const ids = () => rows.flatMap((r) => r.$boxes.filter(($b) => $b.checked).map(($b) => $b.value));
  /** @param {string[]} messages */
  const showErrors = (messages) => {
    $error.hidden = messages.length === 0;
    $error.textContent = messages.join(' ');
  };
  const validate = () => {
    const unmet = rows.filter((r) => !r.req.optional && !r.$boxes.some(($b) => $b.checked));
    const missing = unmet.filter((r) => r.$boxes.length === 0).map((r) => r.req.name);
    const unchosen = unmet.filter((r) => r.$boxes.length > 0).map((r) => r.req.name);
    showErrors([
      ...(missing.length ? [t('applyErrDocuments', { names: missing.join(', ') })] : []),
      ...(unchosen.length ? [t('applyChooseDocuments', { names: unchosen.join(', ') })] : []),
    ]);
    return unmet.length === 0;
  };
  return { $el: h('div', {}, [$error, $list]), ids, validate, showErrors };
}
