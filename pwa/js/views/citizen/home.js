// Home: search the catalogue, or browse by life event (birth, marriage, business, …).
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { serviceFacts } from '../../components/service-facts.js';
import * as session from '../../session.js';

/** The last search, kept for the back button (memory only). */
let last = { q: '', region: '', category: '' };

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const q = ctx.query.get('q') ?? last.q;
  const region = ctx.query.get('region') ?? last.region;
  const category = ctx.query.get('category') ?? last.category;
  const me = session.me();

  const $q = /** @type {HTMLInputElement} */ (h('input', { id: 'q', name: 'q', type: 'search', autocomplete: 'off', maxlength: '200', placeholder: t('searchPlaceholder') }));
  $q.value = q;
  const $region = /** @type {HTMLSelectElement} */ (h('select', { id: 'region', name: 'region' }, [h('option', { value: '' }, [t('allRegions')])]));
  const $status = h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const $results = h('ol', { id: 'results', class: 'results' });
  const $events = h('ul', { class: 'chips', 'aria-label': t('lifeEvents') });
  const $form = h('form', { class: 'search', id: 'search', role: 'search' }, [
    h('label', { for: 'q' }, [t('searchLabel')]),
    h('div', { class: 'row' }, [$q, h('button', { type: 'submit' }, [t('searchButton')])]),
    h('label', { for: 'region' }, [t('regionLabel')]),
    $region,
  ]);
  $main.append(
    h('h1', { class: me ? '' : 'visually-hidden' }, [me?.name ? t('homeGreeting', { name: me.name }) : t('titleHome')]),
    $form,
    h('h2', { class: 'visually-hidden' }, [t('lifeEvents')]),
    $events,
    $status,
    $results,
  );

  let searchSeq = 0;
  let activeCategory = category;
  const search = async () => {
    const seq = ++searchSeq;
    last = { q: $q.value.trim(), region: $region.value, category: activeCategory };
    $status.textContent = t('searching');
    try {
      const body = await get('/api/v1/services', { q: last.q, region: last.region, category: activeCategory || undefined, pageSize: 30 });
      if (seq !== searchSeq) return; // a newer search has started: drop this answer
      $results.replaceChildren(...body.items.map(renderSummary));
      $status.textContent = body.total === 0 ? t('none')
        : body.correctedQuery ? t('foundCorrected', { n: body.total, q: body.correctedQuery })
        : t('found', { n: body.total });
    } catch {
      if (seq === searchSeq) $status.textContent = t('offline');
    }
  };

  let debounce = 0;
  // Wait for a pause in typing: fewer requests on a slow mobile link.
  $q.addEventListener('input', () => { clearTimeout(debounce); debounce = window.setTimeout(search, 250); });
  $form.addEventListener('submit', (event) => { event.preventDefault(); search(); });
  $region.addEventListener('change', search);

  const [regions, categories] = await Promise.all([
    get('/api/v1/regions').catch(() => ({ items: [] })),
    get('/api/v1/categories').catch(() => ({ items: [] })),
  ]);
  $region.append(...regions.items.map((/** @type {any} */ r) => h('option', { value: r.code }, [r.name])));
  $region.value = region;
  $events.replaceChildren(...categories.items.map((/** @type {any} */ c) => {
    const $button = h('button', { type: 'button', class: 'chip', 'aria-pressed': String(c.code === activeCategory) }, [c.name]);
    $button.addEventListener('click', () => {
      activeCategory = activeCategory === c.code ? '' : c.code;
      for (const $b of $events.querySelectorAll('button')) $b.setAttribute('aria-pressed', String($b === $button && activeCategory !== ''));
      search();
    });
    return h('li', {}, [$button]);
  }));
  await search();
  return () => clearTimeout(debounce);
}

/** @param {any} item */
function renderSummary(item) {
  return h('li', { class: 'result' }, [
    h('h2', {}, [h('a', { href: `#/services/${item.id}` }, [item.name])]),
    h('p', { class: 'meta' }, [`${item.agency.name} · ${item.region.name}`]),
    h('p', { class: 'facts' }, [serviceFacts(item)]),
  ]);
}
