// The first page: search the catalogue and read what a service needs. The full app comes later.
import { get } from './api.js';
import { language, loadLanguage, preferredLanguage, t } from './i18n.js';

const $form = /** @type {HTMLFormElement} */ (document.getElementById('search'));
const $q = /** @type {HTMLInputElement} */ (document.getElementById('q'));
const $region = /** @type {HTMLSelectElement} */ (document.getElementById('region'));
const $status = /** @type {HTMLElement} */ (document.getElementById('status'));
const $results = /** @type {HTMLOListElement} */ (document.getElementById('results'));
const $detail = /** @type {HTMLElement} */ (document.getElementById('detail'));
const $lang = /** @type {HTMLButtonElement} */ (document.getElementById('lang'));

const rupiah = new Intl.NumberFormat('id-ID', { style: 'currency', currency: 'IDR', maximumFractionDigits: 0 });

/** @param {number} fee */
const feeText = (fee) => (fee === 0 ? t('free') : rupiah.format(fee));
/** @param {number} days */
const slaText = (days) => (days === 0 ? t('sameDay') : t('days', { n: days }));

/**
 * Build an element without innerHTML: service texts are data, never markup.
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node | string)[]} [children]
 */
function h(tag, attrs = {}, children = []) {
  const $el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) $el.setAttribute(key, value);
  $el.append(...children);
  return $el;
}

let searchSeq = 0;

async function search() {
  const seq = ++searchSeq;
  $status.textContent = t('searching');
  try {
    const body = await get('/api/v1/services', { q: $q.value.trim(), region: $region.value, pageSize: 30 });
    if (seq !== searchSeq) return; // a newer search has started: drop this answer
    $results.replaceChildren(...body.items.map(renderSummary));
    $status.textContent = body.total === 0 ? t('none')
      : body.correctedQuery ? t('foundCorrected', { n: body.total, q: body.correctedQuery })
      : t('found', { n: body.total });
    $detail.hidden = true;
    $results.hidden = false;
  } catch {
    if (seq === searchSeq) $status.textContent = t('offline');
  }
}

/** @param {any} item */
function renderSummary(item) {
  const $link = h('a', { href: `#/services/${item.id}` }, [item.name]);
  return h('li', { class: 'result' }, [
    h('h2', {}, [$link]),
    h('p', { class: 'meta' }, [`${item.agency.name} · ${item.region.name}`]),
    h('p', { class: 'facts' }, [`${feeText(item.fee)} · ${slaText(item.slaDays)}`]),
  ]);
}

/** @param {string} id */
async function showService(id) {
  try {
    const s = await get(`/api/v1/services/${id}`);
    const sections = [
      h('button', { type: 'button', class: 'back' }, [t('back')]),
      h('h2', { id: 'detail-title' }, [s.name]),
      h('p', { class: 'meta' }, [`${s.agency.name} · ${s.region.name}`]),
      h('p', {}, [s.description]),
      h('dl', { class: 'facts' }, [
        h('dt', {}, [t('fee')]), h('dd', {}, [feeText(s.fee) + (s.feeNote ? ` — ${s.feeNote}` : '')]),
        h('dt', {}, [t('time')]), h('dd', {}, [slaText(s.slaDays)]),
        h('dt', {}, [t('channels')]), h('dd', {}, [t(s.channels)]),
        ...(s.output ? [h('dt', {}, [t('output')]), h('dd', {}, [s.output])] : []),
      ]),
      h('h3', {}, [t('requirements')]),
      h('ul', {}, s.requirements.map((/** @type {any} */ r) =>
        h('li', {}, [r.name + (r.optional ? ` (${t('optional')})` : '') + (r.note ? ` — ${r.note}` : '')]))),
      h('h3', {}, [t('procedure')]),
      h('ol', {}, s.procedure.map((/** @type {string} */ step) => h('li', {}, [step]))),
      h('h3', {}, [t('legalBasis')]),
      h('ul', {}, s.legalBasis.map((/** @type {string} */ law) => h('li', {}, [law]))),
    ];
    if (s.where) {
      sections.push(h('h3', {}, [t('where')]),
        h('p', {}, [`${s.where.mpp}, ${s.where.address}` + (s.where.counters.length ? ` — ${t('counters')} ${s.where.counters.join(', ')}` : '')]));
    }
    $detail.replaceChildren(...sections);
    $detail.querySelector('.back')?.addEventListener('click', () => history.back());
    $results.hidden = true;
    $detail.hidden = false;
    // Move focus to the new content so screen-reader users hear it.
    $detail.focus();
  } catch {
    $status.textContent = t('offline');
  }
}

function route() {
  const match = location.hash.match(/^#\/services\/([0-9a-f-]{36})$/);
  if (match) showService(match[1]);
  else { $detail.hidden = true; $results.hidden = false; }
}

async function loadRegions() {
  const body = await get('/api/v1/regions');
  const keep = $region.value;
  $region.replaceChildren($region.options[0], ...body.items.map((/** @type {any} */ r) => h('option', { value: r.code }, [r.name])));
  $region.value = keep;
}

let debounce = 0;
$q.addEventListener('input', () => {
  clearTimeout(debounce);
  // Wait for a pause in typing: fewer requests on a slow mobile link.
  debounce = window.setTimeout(search, 250);
});
$form.addEventListener('submit', (event) => { event.preventDefault(); search(); });
$region.addEventListener('change', search);
$lang.addEventListener('click', async () => {
  await loadLanguage(language() === 'id' ? 'en' : 'id');
  $lang.setAttribute('aria-label', t('switchLanguageLabel'));
  await loadRegions();
  if (location.hash) route(); else search();
});
addEventListener('hashchange', route);

await loadLanguage(preferredLanguage());
$lang.setAttribute('aria-label', t('switchLanguageLabel'));
await loadRegions();
await search();
route();
