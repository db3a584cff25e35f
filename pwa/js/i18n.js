// Every visible string comes from pwa/i18n/<lang>.json; Bahasa Indonesia is the default.

/** @type {Record<string, string>} */
let strings = {};
/** @type {'id' | 'en'} */
let current = 'id';

/** @param {'id' | 'en'} lang */
export async function loadLanguage(lang) {
  const response = await fetch(`/i18n/${lang}.json`);
  strings = await response.json();
  current = lang;
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
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}
