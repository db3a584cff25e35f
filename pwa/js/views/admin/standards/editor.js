// The draft editor's form: every part of a service standard in sections a person works through one at a time —
// names and description, agency, life events, channels, fee, time, the identity level needed (explained in
// words), legal basis, requirements, procedure, the application form (form-builder.js), keywords and the output.
// It edits a working copy of the draft's content and gives back a clean copy for the API (texts trimmed, optional
// texts left empty dropped, what a field's kind does not use left out).
//
// Contract: receives the draft's content, whether its code may still change (a new service), the look-up lists
// (agencies of the scope, life events, document types) and `changed()`; owns `$el`; gives `value()` (the content
// to save) and `showProblems(problems)` (inline next to their inputs; returns the element to focus for each).
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import {
  bilingualInput, checkInput, checksInput, numberInput, placeProblems, radioInput, selectInput, textInput,
} from './fields.js';
import { formBuilder } from './form-builder.js';
import { listEditor } from './lists.js';

/**
 * @typedef {import('./shared.js').Content} Content
 * @typedef {{ code: string, name: string }[]} Choices
 * @typedef {{ agencies: Choices, categories: Choices, docs: Choices }} Lists
 */

const TEXT = () => ({ id: '', en: '' });

/**
 * @param {Content} content
 * @param {{ codeFixed: boolean, lists: Lists, changed: () => void }} options
 */
export function createEditor(content, { codeFixed, lists, changed }) {
  const c = working(content);
  /** @param {string} id @param {string} title @param {(Node | string)[]} children @param {string} [intro] */
  const section = (id, title, children, intro) => h('section', { class: 'card std-section', 'aria-labelledby': `${id}-title`, id }, [
    h('h2', { id: `${id}-title` }, [title]), intro ? h('p', { class: 'hint' }, [intro]) : '', ...children,
  ]);
  const $el = h('div', { class: 'std-editor', id: 'std-editor' }, [
    section('std-s-names', t('stdSecNames'), [
      textInput({ path: 'code', label: t('stdF_code'), hint: codeFixed ? t('stdCodeFixed') : t('stdNewCodeHint'), value: c.code, readonly: codeFixed, max: 80, set: (v) => { c.code = v.trim(); }, id: 'std-code' }),
      bilingualInput({ path: 'name', legend: t('stdF_name'), value: c.name, max: 200 }),
      bilingualInput({ path: 'description', legend: t('stdF_description'), value: c.description, multiline: true }),
    ]),
    section('std-s-agency', t('stdF_agency'), [
      selectInput({ path: 'agency', label: t('stdAgencyLabel'), value: c.agency, options: lists.agencies.map((a) => [a.code, a.name]), set: (v) => { c.agency = v; }, id: 'std-agency' }),
    ]),
    section('std-s-categories', t('stdF_categories'), [
      checksInput({ path: 'categories', legend: t('stdCategoriesLegend'), hint: t('stdCategoriesHint'), values: c.categories, options: lists.categories.map((x) => [x.code, x.name]) }),
    ]),
    section('std-s-channels', t('stdF_channels'), [
      radioInput({ path: 'channels', legend: t('stdChannelsLegend'), value: c.channels, set: (v) => { c.channels = v; }, options: [
        ['online', t('stdChannel_online'), t('stdChannelHint_online')],
        ['counter', t('stdChannel_counter'), t('stdChannelHint_counter')],
        ['both', t('stdChannel_both'), t('stdChannelHint_both')],
      ] }),
    ]),
    section('std-s-fee', t('stdSecFee'), [
      numberInput({ path: 'fee', label: t('stdFeeLabel'), hint: t('stdFeeHint'), value: c.fee, min: 0, max: 1_000_000_000, set: (v) => { c.fee = v; }, id: 'std-fee' }),
      bilingualInput({ path: 'feeNote', legend: t('stdF_feeNote'), value: /** @type {any} */ (c.feeNote), multiline: true, optional: true }),
      numberInput({ path: 'slaDays', label: t('stdSlaLabel'), hint: t('stdSlaHint'), value: c.slaDays, min: 0, max: 365, set: (v) => { c.slaDays = v; }, id: 'std-sla' }),
    ]),
    section('std-s-assurance', t('stdF_assurance'), [
      radioInput({ path: 'assurance', legend: t('stdAssuranceLegend'), value: c.assurance, set: (v) => { c.assurance = v; }, options: [
        ['phone', t('stdAssurance_phone'), t('stdAssuranceHint_phone')],
        ['registry', t('stdAssurance_registry'), t('stdAssuranceHint_registry')],
        ['in_person', t('stdAssurance_in_person'), t('stdAssuranceHint_in_person')],
      ] }),
    ]),
    section('std-s-law', t('stdF_legalBasis'), [listEditor({
      id: 'std-law', path: 'legalBasis', items: c.legalBasis, make: () => '', changed,
      itemLabel: (i) => t('stdItemLaw', { which: i + 1 }), add: t('stdAddLaw'), empty: t('stdNoLaw'),
      draw: (_, path, i) => [textInput({ path, label: t('stdLawLabel'), value: c.legalBasis[i], multiline: true, set: (v) => { c.legalBasis[i] = v; } })],
    }).$el], t('stdLawIntro')),
    section('std-s-requirements', t('stdF_requirements'), [listEditor({
      id: 'std-req', path: 'requirements', items: c.requirements, make: () => ({ type: '', optional: false, note: TEXT() }), changed,
      itemLabel: (i) => t('stdItemRequirement', { which: i + 1 }), add: t('stdAddRequirement'), empty: t('stdNoRequirements'),
      draw: (r, path) => {
        const note = /** @type {{ id: string, en: string }} */ (r.note ?? TEXT());
        r.note = note;
        return [
          selectInput({ path: `${path}.type`, label: t('stdPart_type'), value: r.type, options: lists.docs.map((d) => [d.code, d.name]), set: (v) => { r.type = v; } }),
          checkInput({ path: `${path}.optional`, label: t('stdRequirementOptional'), checked: Boolean(r.optional), set: (v) => { r.optional = v; } }),
          bilingualInput({ path: `${path}.note`, legend: t('stdPart_note'), hint: t('stdRequirementNoteHint'), value: note, optional: true, max: 500 }),
        ];
      },
    }).$el], t('stdRequirementsIntro')),
    section('std-s-procedure', t('stdF_procedure'), [listEditor({
      id: 'std-steps', path: 'procedure', items: c.procedure, make: TEXT, changed,
      itemLabel: (i) => t('stdItemStep', { which: i + 1 }), add: t('stdAddStep'), empty: t('stdNoSteps'),
      draw: (step, path) => [bilingualInput({ path, legend: t('stdStepLegend'), value: step, multiline: true, max: 1000 })],
    }).$el]),
    section('std-s-form', t('stdF_form'), [formBuilder(c.form, changed)], t('stdFormIntro')),
    section('std-s-keywords', t('stdF_keywords'), [
      textInput({ path: 'keywords', label: t('stdKeywordsLabel'), hint: t('stdKeywordsHint'), value: (c.keywords ?? []).join(', '), max: 2000, set: (v) => { c.keywords = v.split(',').map((w) => w.trim()).filter(Boolean); }, id: 'std-keywords' }),
    ]),
    section('std-s-output', t('stdF_output'), [
      bilingualInput({ path: 'output', legend: t('stdOutputLegend'), hint: t('stdOutputHint'), value: /** @type {any} */ (c.output), optional: true, max: 500 }),
    ]),
  ]);
  // Anything typed or chosen is a change (lists report their own adds, moves and removals).
  $el.addEventListener('input', changed);
  $el.addEventListener('change', changed);

  return {
    $el,
    value: () => clean(c),
    /** @param {{ field: string, text: string }[]} problems */
    showProblems: (problems) => placeProblems($el, problems),
  };
}

/**
 * The working copy: every part present (optional texts as empty pairs, lists as lists), so each input has a place
 * to write to. The API's content is not changed.
 * @param {Content} content
 * @returns {Content}
 */
function working(content) {
  /** @type {any} */
  const c = structuredClone(content ?? {});
  const text = (/** @type {any} */ v) => ({ id: typeof v?.id === 'string' ? v.id : '', en: typeof v?.en === 'string' ? v.en : '' });
  c.code = typeof c.code === 'string' ? c.code : '';
  c.agency = typeof c.agency === 'string' ? c.agency : '';
  c.name = text(c.name);
  c.description = text(c.description);
  c.feeNote = text(c.feeNote);
  c.output = text(c.output);
  for (const key of ['categories', 'legalBasis', 'requirements', 'procedure', 'form', 'keywords']) if (!Array.isArray(c[key])) c[key] = [];
  c.procedure = c.procedure.map(text);
  c.requirements = c.requirements.map((/** @type {any} */ r) => ({ ...r, note: text(r.note), optional: Boolean(r.optional) }));
  c.form = c.form.map((/** @type {any} */ f) => ({
    ...f, label: text(f.label), help: text(f.help),
    ...(Array.isArray(f.options) ? { options: f.options.map((/** @type {any} */ o) => ({ ...o, label: text(o.label) })) } : {}),
  }));
  if (typeof c.fee !== 'number') c.fee = null;
  if (typeof c.slaDays !== 'number') c.slaDays = null;
  return c;
}

/**
 * What the API stores: texts trimmed; an optional text with both languages empty is left out (null); a form
 * field keeps only what its kind uses.
 * @param {Content} c
 * @returns {Content}
 */
function clean(c) {
  const text = (/** @type {{ id: string, en: string }} */ v) => ({ id: v.id.trim(), en: v.en.trim() });
  const optional = (/** @type {{ id: string, en: string } | null | undefined} */ v) => (v && (v.id.trim() || v.en.trim()) ? text(v) : null);
  /** @type {Content} */
  const out = {
    code: c.code.trim(),
    agency: c.agency,
    name: text(c.name),
    description: text(c.description),
    categories: [...c.categories],
    channels: c.channels,
    fee: c.fee,
    feeNote: optional(c.feeNote),
    slaDays: c.slaDays,
    legalBasis: c.legalBasis.map((law) => law.trim()),
    requirements: c.requirements.map((r) => ({ type: r.type, optional: Boolean(r.optional), note: optional(r.note) })),
    procedure: c.procedure.map(text),
    form: c.form.map((f) => {
      /** @type {import('./shared.js').FormField} */
      const field = { name: f.name.trim(), type: f.type, label: text(f.label), required: f.required !== false };
      const help = optional(f.help);
      if (help) field.help = help;
      if (f.type === 'select') field.options = (f.options ?? []).map((o) => ({ value: o.value.trim(), label: text(o.label) }));
      if (f.type === 'number') {
        if (typeof f.min === 'number') field.min = f.min;
        if (typeof f.max === 'number') field.max = f.max;
      }
      if ((f.type === 'text' || f.type === 'textarea') && typeof f.maxLength === 'number') field.maxLength = f.maxLength;
      return field;
    }),
    keywords: [...(c.keywords ?? [])],
    output: optional(c.output),
    assurance: c.assurance,
  };
  return out;
}
