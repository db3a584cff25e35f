// Home: search the catalogue, or browse by life event (birth, marriage, business, …).
//
// The region starts as the one chosen last time on this device, else the signed-in person's own; with no region
// ("Semua daerah") each service shows once, with the number of regions offering it (GET /service-groups), since
// the same service listed once per region buried everything else. Results come a page at a time ("Muat lagi").
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { groupResult, serviceResult } from '../../components/service-result.js';
import * as session from '../../session.js';

const PAGE_SIZE = 20;
// The region is not personal data worth hiding (it narrows a public catalogue), and the search is the first
// thing the app shows: remembered on the device, across visits.
const REGION_KEY = 'mpp-region';

/** The last search, kept for the back button (memory only). */
let last = { q: '', region: /** @type {string | null} */ (null), category: '' };

/** @returns {string | null} the region chosen last time on this device ('' for "all regions"), or null */
function rememberedRegion() {
  try { return localStorage.getItem(REGION_KEY); } catch { return null; }
}

/** @param {string} code */
function rememberRegion(code) {
  try { localStorage.setItem(REGION_KEY, code); } catch { /* storage disabled: the choice lasts this visit */ }
}

/**
 * The signed-in person's region among the catalogue's: a staff account's own, or the regency of a citizen's
 * address when it names one of them ("Kabupaten Banyumas", or just "Banyumas").
 * @param {any} me
 * @param {{ code: string, name: string }[]} regions
 */
function regionOf(me, regions) {
  if (!me) return '';
  if (me.region?.code) return me.region.code;
  const regency = String(me.address?.regency ?? '').trim().toLowerCase();
  if (!regency) return '';
  const bare = (/** @type {string} */ name) => name.toLowerCase().replace(/^(kabupaten|kota|kab\.)\s+/, '');
  return regions.find((r) => r.name.toLowerCase() === regency)?.code
    ?? regions.find((r) => bare(r.name) === bare(regency))?.code
    ?? '';
}

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const q = ctx.query.get('q') ?? last.q;
  const category = ctx.query.get('category') ?? last.category;
  const me = session.me();

  const $q = /** @type {HTMLInputElement} */ (h('input', { id: 'q', name: 'q', type: 'search', autocomplete: 'off', maxlength: '200', placeholder: t('searchPlaceholder') }));
  $q.value = q;
  const $region = /** @type {HTMLSelectElement} */ (h('select', { id: 'region', name: 'region' }, [h('option', { value: '' }, [t('allRegions')])]));
  const $status = h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const $results = h('ol', { id: 'results', class: 'results' });
  const $more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'more', class: 'secondary more', hidden: true }, [t('loadMore')]));
  const $events = h('ul', { class: 'chips', 'aria-label': t('lifeEvents') });
  const $form = h('form', { class: 'search', id: 'search', role: 'search' }, [
    h('label', { for: 'q' }, [t('searchLabel')]),
    h('div', { class: 'row' }, [$q, h('button', { type: 'submit' }, [t('searchButton')])]),
    h('label', { for: 'region' }, [t('regionLabel')]),
    $region,
  ]);
  // A signed-in citizen's open survey invitations and complaints (issue 17): filled after the search is drawn.
  const $feedback = h('div', { class: 'fb-home', id: 'fb-home' });
  $main.append(
    h('h1', { class: me ? '' : 'visually-hidden' }, [me?.name ? t('homeGreeting', { name: me.name }) : t('titleHome')]),
    $feedback,
    $form,
    h('h2', { class: 'visually-hidden' }, [t('lifeEvents')]),
    $events,
    $status,
    $results,
    $more,
  );

  let searchSeq = 0;
  let activeCategory = category;
  let page = 1;
  let shown = 0;

  /** One page of the current search: the first replaces the list, later ones are added to it. */
  const load = async (/** @type {boolean} */ more) => {
    const seq = ++searchSeq;
    if (!more) {
      last = { q: $q.value.trim(), region: $region.value, category: activeCategory };
      page = 1;
    }
    $status.textContent = t('searching');
    $more.disabled = true;
    try {
      // Without a region, one row per service across regions; with one, that region's services.
      const grouped = last.region === '';
      const path = grouped ? '/api/v1/service-groups' : '/api/v1/services';
      const body = await get(path, { q: last.q, region: last.region || undefined, category: activeCategory || undefined, page, pageSize: PAGE_SIZE });
      if (seq !== searchSeq) return; // a newer search has started: drop this answer
      const $rows = body.items.map(grouped ? groupResult : serviceResult);
      if (more) $results.append(...$rows); else $results.replaceChildren(...$rows);
      shown = more ? shown + body.items.length : body.items.length;
      $more.hidden = shown >= body.total || body.items.length === 0;
      $status.textContent = body.total === 0 ? t('none')
        : body.correctedQuery ? t('foundCorrected', { n: body.total, q: body.correctedQuery })
        : t('found', { n: body.total });
      // After "Muat lagi", focus the first new result: the button's place is now further down.
      if (more) /** @type {HTMLElement | null} */ ($rows[0]?.querySelector('a, summary'))?.focus();
    } catch {
      if (seq === searchSeq) $status.textContent = t('offline');
    } finally {
      if (seq === searchSeq) $more.disabled = false;
    }
  };
  const search = () => load(false);

  let debounce = 0;
  // Wait for a pause in typing: fewer requests on a slow mobile link.
  $q.addEventListener('input', () => { clearTimeout(debounce); debounce = window.setTimeout(search, 250); });
  $form.addEventListener('submit', (event) => { event.preventDefault(); search(); });
  $region.addEventListener('change', () => { rememberRegion($region.value); search(); });
  $more.addEventListener('click', () => { page += 1; load(true); });

  const [regions, categories] = await Promise.all([
    get('/api/v1/regions').catch(() => ({ items: [] })),
    get('/api/v1/categories').catch(() => ({ items: [] })),
  ]);
  $region.append(...regions.items.map((/** @type {any} */ r) => h('option', { value: r.code }, [r.name])));
  // A link's region, then this visit's, then this device's choice, then the person's own region.
  const region = ctx.query.get('region') ?? last.region ?? rememberedRegion() ?? regionOf(me, regions.items);
  $region.value = region;
  if ($region.value !== region) $region.value = ''; // a region the catalogue no longer has
  $events.replaceChildren(...categories.items.map((/** @type {any} */ c) => {
    const $button = h('button', { type: 'button', class: 'chip', 'aria-pressed': String(c.code === activeCategory) }, [c.name]);
    $button.addEventListener('click', () => {
      activeCategory = activeCategory === c.code ? '' : c.code;
      for (const $b of $events.querySelectorAll('button')) $b.setAttribute('aria-pressed', String($b === $button && activeCategory !== ''));
      search();
    });
    return h('li', {}, [$button]);
  }));
  // The card is optional: when its module cannot load (offline before the service worker has cached it) the home
  // screen stays as it is instead of raising an unhandled rejection.
  if (session.kind() === 'citizen') feedbackCard($feedback).catch(() => undefined);
  await search();
  return () => clearTimeout(debounce);
}

/**
 * Open survey invitations as a small card (at most three, newest first as the API gives them), and "Pengaduan
 * saya". Its module is loaded only for a signed-in citizen, so the first visit's download stays as small as it was.
 * @param {HTMLElement} $slot
 */
async function feedbackCard($slot) {
  const { openInvitations } = await import('../../components/feedback-common.js');
  const invitations = await openInvitations();
  $slot.replaceChildren(
    invitations.length ? h('section', { class: 'card fb-rate fb-home-rate', id: 'fb-home-surveys', 'aria-labelledby': 'fb-home-surveys-title' }, [
      h('h2', { id: 'fb-home-surveys-title' }, [t('fbHomeSurveysTitle')]),
      h('ul', { class: 'fb-home-list' }, invitations.slice(0, 3).map((i) => h('li', {}, [
        h('a', { href: `#/surveys/${i.id}` }, [t('fbHomeSurveyItem', { what: i.serviceName || i.agencyName }) + (i.label ? ` (${i.label})` : '')]),
      ]))),
    ]) : '',
    h('p', { class: 'fb-home-complaints' }, [h('a', { href: '#/complaints', id: 'fb-home-complaints' }, [t('titleComplaints')])]),
  );
}
