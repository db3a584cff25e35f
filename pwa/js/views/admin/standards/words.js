// A standard's parts in words: a field path as the API names it (`requirements[1].type`, `form[2].label.en`) as
// a label a person reads ("Persyaratan 2 › Jenis dokumen"), a problem the server found as a sentence in the
// screen's language, and any value of a standard (texts in both languages, lists, requirements, form fields) as
// readable nodes instead of JSON. Used by the standard's screen, the diff and the editor's problem list.
//
// Contract: render functions only (fresh nodes each call, no state); receives the look-ups of shared.js for
// names of document types, life events and agencies.
import { language, t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { feeText, slaText } from '../../../components/service-facts.js';

/** @typedef {import('./shared.js').Lookups} Lookups */

/** Top-level fields of a standard, in the order the editor shows them, with their labels' keys. */
export const FIELDS = ['code', 'name', 'description', 'agency', 'categories', 'channels', 'fee', 'feeNote', 'slaDays',
  'assurance', 'legalBasis', 'requirements', 'procedure', 'form', 'keywords', 'output'];

/** The label of an element of a list, by the list's name ("Persyaratan 2"). */
const ITEM = /** @type {Record<string, string>} */ ({
  requirements: 'stdItemRequirement', procedure: 'stdItemStep', form: 'stdItemField', options: 'stdItemOption',
  legalBasis: 'stdItemLaw', keywords: 'stdItemKeyword', categories: 'stdItemCategory',
});

/** Parts below the top: a requirement's, a form field's, an option's. */
const PART = /** @type {Record<string, string>} */ ({
  type: 'stdPart_type', note: 'stdPart_note', optional: 'stdPart_optional', label: 'stdPart_label',
  required: 'stdPart_required', help: 'stdPart_help', options: 'stdPart_options', min: 'stdPart_min',
  max: 'stdPart_max', maxLength: 'stdPart_maxLength', value: 'stdPart_value', name: 'stdPart_name',
});

/**
 * `requirements[1].type` → ['requirements', '[1', 'type']: names, and list positions or keys marked with "[".
 * @param {string} path
 */
export function pathParts(path) {
  return [...String(path).matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? `[${m[1]}` : m[2]));
}

/** The label of one top-level field. */
export const fieldLabel = (/** @type {string} */ name) => {
  const key = `stdF_${name}`;
  const text = t(key);
  return text === key ? name : text;
};

/**
 * A field path in words: "Nama (Indonesia)", "Persyaratan 2 › Jenis dokumen", "Isian formulir 3 › Pilihan 1".
 * @param {string} path
 * @param {Lookups} [names]
 */
export function pathLabel(path, names) {
  const parts = pathParts(path);
  if (!parts.length) return t('stdF_content');
  /** @type {string[]} */
  const out = [];
  let list = '';
  for (const part of parts) {
    if (part.startsWith('[')) {
      const key = part.slice(1);
      const n = Number(key);
      const item = ITEM[list];
      // A position counts from 1; a key (a document type, a field's name) is shown by its name.
      const which = key !== '' && Number.isInteger(n) ? String(n + 1) : (list === 'requirements' && names?.docs.get(key)) || key;
      if (item) out[out.length - 1] = t(item, { which });
      else out[out.length - 1] += ` ${which}`;
      continue;
    }
    if (part === 'id' || part === 'en') {
      const last = out.length ? out.length - 1 : 0;
      out[last] = `${out[last] ?? ''} (${t(part === 'id' ? 'stdLangIdParen' : 'stdLangEnParen')})`;
      continue;
    }
    out.push(out.length === 0 ? fieldLabel(part) : (PART[part] ? t(PART[part]) : part));
    list = part;
  }
  return out.join(' › ');
}

/**
 * The server's problems come with English sentences: on an Indonesian screen each is said by what kind of problem
 * it is (recognised from the sentence), and never shown as it is. An English screen shows the server's own words.
 * @param {import('./shared.js').Problem} problem
 */
export function problemMessage(problem) {
  const said = String(problem.detail ?? problem.message ?? '');
  if (language() === 'en' && said) return said;
  const s = said.toLowerCase();
  const last = pathParts(problem.field).at(-1) ?? '';
  // Recognised from the sentences of api/catalogue/standards (check.py, drafts.py), most specific first.
  const rules = /** @type {[RegExp, string][]} */ ([
    [/unknown document type|no such document type|not a document type/, 'stdErr_documentType'],
    [/unknown agency|no such agency|agency .*(not in|retired|left)|not an agency/, 'stdErr_agency'],
    [/twice|duplicate|more than once|already listed/, 'stdErr_duplicate'],
    [/needs options|no options|without options/, 'stdErr_options'],
    [/only a select|has options but/, 'stdErr_noOptions'],
    [/greater than max|min.*>.*max/, 'stdErr_minMax'],
    [/keeps its code|cannot (be )?change|is fixed/, 'stdErr_fixed'],
    [/life-event|categor/, 'stdErr_categories'],
    [/at least a step|no procedure/, 'stdErr_procedure'],
    [/legal basis/, 'stdErr_legalBasis'],
    [/expected format|regex|pattern|lower-case|lowercase|hyphens/, last === 'code' ? 'stdErr_codePattern' : last === 'name' ? 'stdErr_namePattern' : last === 'value' ? 'stdErr_valuePattern' : 'stdErr_pattern'],
    [/at most \d+ char|longer than|larger than|too long/, 'stdErr_tooLong'],
    [/not be empty|is required|missing|is blank/, 'stdErr_required'],
    [/must be at (least|most)|must be (a )?(whole )?number/, 'stdErr_number'],
    [/allowed values|invalid enum|must be one of/, 'stdErr_choice'],
    [/control character|invalid character|not allowed character/, 'stdErr_characters'],
    ]);
  for (const [pattern, key] of rules) if (pattern.test(s)) return t(key);
  return t('stdErr_other');
}

/**
 * A value of a standard as readable nodes: texts in both languages, lists as lists, requirements and form
 * fields in words, amounts and days as citizens read them; nothing as JSON.
 * @param {any} value
 * @param {string} path where the value sits (`fee`, `requirements`, `form[2]`): it says how to show it
 * @param {Lookups} names
 * @returns {Node}
 */
export function valueNode(value, path, names) {
  const parts = pathParts(path);
  const top = parts[0] ?? '';
  const last = parts.filter((p) => !p.startsWith('[')).at(-1) ?? '';
  const inList = parts.at(-1)?.startsWith('[') ?? false;
  if (value === null || value === undefined || value === '') return h('span', { class: 'std-none' }, [t('stdNone')]);
  if (Array.isArray(value)) {
    if (!value.length) return h('span', { class: 'std-none' }, [t('stdNoneList')]);
    const $list = h(top === 'procedure' && !inList ? 'ol' : 'ul', { class: 'std-values' }, value.map((item) => h('li', {}, [valueNode(item, `${path}[]`, names)])));
    return $list;
  }
  if (typeof value === 'boolean') return document.createTextNode(value ? t('stdYes') : t('stdNo'));
  if (typeof value === 'number') {
    if (top === 'fee' && parts.length === 1) return document.createTextNode(feeText(value));
    if (top === 'slaDays') return document.createTextNode(slaText(value));
    return document.createTextNode(String(value));
  }
  if (typeof value === 'string') {
    if (top === 'agency') return named(names.agencies.get(value), value);
    if (top === 'categories') return named(names.categories.get(value), value);
    // A requirement's type, or (a change of order) the list of the requirements' types.
    if (top === 'requirements' && (last === 'type' || last === 'requirements')) return named(names.docs.get(value), value);
    if (top === 'channels') return document.createTextNode(t(`stdChannel_${value}`) === `stdChannel_${value}` ? value : t(`stdChannel_${value}`));
    if (top === 'assurance') return document.createTextNode(t(`stdAssurance_${value}`) === `stdAssurance_${value}` ? value : t(`stdAssurance_${value}`));
    if (top === 'form' && last === 'type') return document.createTextNode(typeName(value));
    return document.createTextNode(value);
  }
  if (typeof value === 'object') {
    if (isText(value)) return bilingual(value);
    if (top === 'requirements' && typeof value.type === 'string') return requirementNode(value, names);
    if (top === 'form' && typeof value.name === 'string' && value.label) return formFieldNode(value);
    if (typeof value.value === 'string' && value.label) return h('span', {}, [value.value, ': ', bilingualInline(value.label)]);
    return h('dl', { class: 'std-object' }, Object.entries(value).flatMap(([k, v]) => [
      h('dt', {}, [PART[k] ? t(PART[k]) : k]), h('dd', {}, [valueNode(v, `${path}.${k}`, names)]),
    ]));
  }
  return document.createTextNode(String(value));
}

/** @param {string | undefined} name @param {string} code */
const named = (name, code) => document.createTextNode(name && name !== code ? `${name} (${code})` : code);

/** @param {any} value */
const isText = (value) => value && typeof value === 'object' && !Array.isArray(value)
  && Object.keys(value).every((k) => k === 'id' || k === 'en') && ('id' in value || 'en' in value);

/**
 * A text in both languages, each marked with its language (for screen readers too: `lang` on each).
 * @param {{ id?: string, en?: string }} text
 */
export function bilingual(text) {
  return h('div', { class: 'std-bilingual' }, [
    h('p', { lang: 'id' }, [h('span', { class: 'std-lang' }, [t('stdLangIdShort')]), ' ', text.id || t('stdNone')]),
    h('p', { lang: 'en' }, [h('span', { class: 'std-lang' }, [t('stdLangEnShort')]), ' ', text.en || t('stdNone')]),
  ]);
}

/** @param {{ id?: string, en?: string }} text */
const bilingualInline = (text) => h('span', {}, [h('span', { lang: 'id' }, [text.id || '']), ' / ', h('span', { lang: 'en' }, [text.en || ''])]);

/** The kind of a form field in words. */
export const typeName = (/** @type {string} */ type) => (t(`stdType_${type}`) === `stdType_${type}` ? type : t(`stdType_${type}`));

/**
 * @param {import('./shared.js').Requirement} r
 * @param {Lookups} names
 */
function requirementNode(r, names) {
  return h('div', { class: 'std-requirement' }, [
    h('p', {}, [h('strong', {}, [names.docs.get(r.type) || r.type]), r.optional ? ` (${t('stdOptional')})` : '']),
    r.note ? bilingual(r.note) : '',
  ]);
}

/** @param {import('./shared.js').FormField} f */
function formFieldNode(f) {
  const facts = [typeName(f.type), f.required === false ? t('stdOptional') : t('stdRequired')];
  if (f.min !== undefined && f.min !== null) facts.push(`${t('stdPart_min')} ${f.min}`);
  if (f.max !== undefined && f.max !== null) facts.push(`${t('stdPart_max')} ${f.max}`);
  if (f.maxLength) facts.push(t('stdMaxChars', { n: f.maxLength }));
  return h('div', { class: 'std-formfield' }, [
    h('p', {}, [h('strong', {}, [h('span', { lang: 'id' }, [f.label?.id || f.name])]), ' ', h('span', { class: 'meta' }, [`(${f.name}) · ${facts.join(' · ')}`])]),
    f.label?.en ? h('p', { lang: 'en' }, [h('span', { class: 'std-lang' }, [t('stdLangEnShort')]), ' ', f.label.en]) : '',
    f.help ? h('p', { class: 'meta' }, [t('stdPart_help'), ': ', bilingualInline(f.help)]) : '',
    f.options?.length ? h('ul', { class: 'std-values' }, f.options.map((o) => h('li', {}, [o.value, ': ', bilingualInline(o.label)]))) : '',
  ]);
}

/**
 * A whole standard's content, readable: every part under its label, both languages.
 * @param {import('./shared.js').Content} content
 * @param {Lookups} names
 */
export function contentView(content, names) {
  const record = /** @type {Record<string, any>} */ (content);
  return h('dl', { class: 'std-content' }, FIELDS.flatMap((name) => [
    h('dt', {}, [fieldLabel(name)]),
    h('dd', { 'data-part': name }, [valueNode(record[name], name, names)]),
  ]));
}
