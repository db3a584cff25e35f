// Every visible string comes from pwa/i18n/<lang>.json; Bahasa Indonesia is the default.
//
// A string shown with a count is an object of plural forms instead of a string, keyed by the categories of
// Intl.PluralRules for its language: English needs {"one": "{n} working day", "other": "{n} working days"},
// Indonesian one form, {"other": "{n} hari kerja"}. t() picks the form for `params.n` — the count is always `n`.
// Add such keys with `scripts/i18n.py add-plural`; tests/e2e/test_pwa_i18n.py checks each language has its forms.

/** @typedef {Partial<Record<Intl.LDMLPluralRule, string>>} PluralForms */

/** @type {Record<string, string | PluralForms>} */
let strings = {};
/** @type {'id' | 'en'} */
let current = 'id';
let plurals = new Intl.PluralRules('id');

/** @param {'id' | 'en'} lang */
export async function loadLanguage(lang) {
  const response = await fetch(`/i18n/${lang}.json`);
  strings = await response.json();
  current = lang;
  plurals = new Intl.PluralRules(lang);
  document.documentElement.lang = lang;
  localStorage.setItem('lang', lang);
  translate(document);
}

/**
 * Fill `data-i18n` (text), `data-i18n-placeholder` and `data-i18n-label` (aria-label) inside a subtree.
 * @param {ParentNode} root
 */
export function translate(root) {
  for (const $el of root.querySelectorAll('[data-i18n]')) {
    $el.textContent = t(/** @type {string} */ ($el.getAttribute('data-i18n')));
  }
  for (const $el of root.querySelectorAll('[data-i18n-placeholder]')) {
    $el.setAttribute('placeholder', t(/** @type {string} */ ($el.getAttribute('data-i18n-placeholder'))));
  }
  for (const $el of root.querySelectorAll('[data-i18n-label]')) {
    $el.setAttribute('aria-label', t(/** @type {string} */ ($el.getAttribute('data-i18n-label'))));
  }
}

export function language() {
  return current;
}

export function preferredLanguage() {
  const saved = localStorage.getItem('lang');
  return saved === 'en' ? 'en' : 'id';
}

/**
 * The text of `key` with `{name}` placeholders filled from `params`; for a key with plural forms, the form that
 * the language's plural rules give for `params.n` ("1 working day", "2 working days", "1 hari kerja").
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params = {}) {
  const entry = strings[key] ?? key;
  const text = typeof entry === 'string' ? entry : pluralForm(entry, params.n);
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/**
 * @param {PluralForms} forms
 * @param {string | number | undefined} n
 */
function pluralForm(forms, n) {
  const count = Number(n);
  // Without a usable count (a label drawn before its number is known) the general form is the safe one.
  const category = Number.isFinite(count) ? plurals.select(count) : 'other';
  return forms[category] ?? forms.other ?? '';
}
