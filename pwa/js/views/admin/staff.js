// Staff (admin mode): the people an admin manages — a region admin their region's officers and supervisors, a
// national admin everyone. A search and filters (kept in the address, so Back and a reload keep them), then the
// list by name, a page at a time, each person with their roles, agency, passkey, last sign-in and what can be done
// to them (staff/person.js). "Undang staf" opens the invitation (staff/invite.js); its answer, the enrolment code
// with its link and QR code, is shown once above the list (staff/code.js).
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { field, setError } from '../../components/account-field.js';
import * as session from '../../session.js';
import { confirmDialog, isRegionAdmin, loadStyles } from './common.js';
import { codePanel } from './staff/code.js';
import { createInvite } from './staff/invite.js';
import { createPerson } from './staff/person.js';
import { STAFF, agenciesOf } from './staff/shared.js';

const PAGE_SIZE = 20;
const STATUSES = /** @type {const} */ ([['active', 'adminStaffStatusActive'], ['suspended', 'adminStaffStatusSuspended'], ['all', 'adminStaffStatusAll']]);

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const national = !isRegionAdmin();
  const ownRegion = national ? null : (session.me()?.region?.code ?? null);
  const status = STATUSES.some(([value]) => value === ctx.query.get('status')) ? String(ctx.query.get('status')) : 'active';
  const filters = {
    q: ctx.query.get('q') || '',
    agency: ctx.query.get('agency') || '',
    status,
    region: national ? ctx.query.get('region') || '' : '',
  };
  /** @type {{ cancel: () => void } | null} */
  let dialog = null;
  /** @param {{ title: string, text: string, yes: string }} words */
  const ask = async (words) => {
    const asked = confirmDialog(words);
    dialog = asked;
    const yes = await asked.answer;
    dialog = null;
    return yes;
  };

  // --- the invitation: a button opens the form; the code it gets is shown once, under it ---
  const $invited = h('div', { id: 'adm-invited' });
  const $open = h('button', { type: 'button', id: 'adm-invite-open', 'aria-expanded': 'false', 'aria-controls': 'adm-invite' }, [t('adminStaffInviteOpen')]);
  const invite = createInvite({
    national,
    region: ownRegion,
    onInvited: (invitation, person) => {
      toggleInvite(false);
      const panel = codePanel(invitation, person, {
        heading: 'h2',
        note: invitation.existingAccount ? t('adminStaffInvitedExisting') : undefined,
        onDone: () => $open.focus(),
      });
      $invited.replaceChildren(panel.$el);
      panel.focus();
      load(true, false);
    },
  });
  /** @param {boolean} show */
  const toggleInvite = (show) => {
    invite.$el.hidden = !show;
    $open.setAttribute('aria-expanded', String(show));
    if (show) invite.focus();
  };
  toggleInvite(false);
  $open.addEventListener('click', () => toggleInvite(Boolean(invite.$el.hidden)));

  // --- search and filters: a GET-like form whose submit writes the query into the address ---
  const $q = /** @type {HTMLInputElement} */ (h('input', { type: 'search', maxlength: '100', autocomplete: 'off', value: filters.q }));
  const $agency = /** @type {HTMLSelectElement} */ (h('select', {}, [h('option', { value: '' }, [t('adminStaffAllAgencies')])]));
  const $status = /** @type {HTMLSelectElement} */ (h('select', {}, STATUSES.map(([value, key]) => h('option', { value, selected: value === filters.status }, [t(key)]))));
  const $region = /** @type {HTMLSelectElement} */ (h('select', {}, [h('option', { value: '' }, [t('adminStaffAllRegions')])]));
  const agencyField = field({ id: 'adm-staff-agency', label: t('adminStaffAgency'), input: $agency });
  const regionField = field({ id: 'adm-staff-region', label: t('adminStaffRegion'), input: $region });
  const $filters = h('form', { class: 'card adm-filters', role: 'search', 'aria-label': t('adminStaffFilterLabel'), novalidate: true }, [
    field({ id: 'adm-staff-q', label: t('adminStaffSearch'), input: $q }),
    national ? regionField : '',
    agencyField,
    field({ id: 'adm-staff-status', label: t('adminStaffStatus'), input: $status }),
    h('button', { type: 'submit' }, [t('adminStaffShow')]),
  ]);
  $filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if ($q.value.trim()) next.set('q', $q.value.trim());
    if (national && $region.value) next.set('region', $region.value);
    if ($agency.value) next.set('agency', $agency.value);
    if ($status.value !== 'active') next.set('status', $status.value);
    const query = next.toString();
    location.hash = `#/admin/staff${query ? `?${query}` : ''}`;
  });
  // The agencies are a region's: a national admin picks the region first.
  const fillAgencies = async (/** @type {string} */ code) => {
    $agency.replaceChildren(h('option', { value: '' }, [t('adminStaffAllAgencies')]));
    agencyField.hidden = !code;
    if (!code) return;
    try {
      const found = await agenciesOf(code);
      $agency.append(...found.map((a) => h('option', { value: a.code, selected: a.code === filters.agency }, [a.name])));
    } catch (error) {
      setError(agencyField, problemText(error));
    }
  };
  if (national) {
    $region.addEventListener('change', () => fillAgencies($region.value));
    get('/api/v1/regions').then((/** @type {{ items: { code: string, name: string }[] }} */ list) => {
      $region.append(...list.items.map((r) => h('option', { value: r.code, selected: r.code === filters.region }, [r.name])));
    }).catch((error) => setError(regionField, problemText(error)));
  }
  fillAgencies(national ? filters.region : ownRegion || '');

  // --- the list ---
  const $count = h('p', { class: 'status', role: 'status', id: 'adm-staff-count' });
  const $list = h('ul', { class: 'adm-list', id: 'adm-staff-list' });
  const $problem = h('div', {});
  const $more = h('button', { type: 'button', class: 'secondary', hidden: true }, [t('loadMore')]);
  $more.addEventListener('click', () => load(false, true));
  let page = 0;

  $main.append(
    h('h1', {}, [t('adminStaffTitle')]),
    h('p', {}, [t('adminStaffIntro')]),
    national ? h('p', { class: 'adm-scope' }, [t('adminStaffIntroNational')]) : '',
    h('div', { class: 'adm-actions' }, [$open]),
    invite.$el,
    $invited,
    $filters,
    h('section', { 'aria-labelledby': 'adm-staff-list-title' }, [
      h('h2', { id: 'adm-staff-list-title' }, [t('adminStaffListTitle')]), $count, $problem, $list, $more,
    ]),
  );
  await load(true, false);
  return () => dialog?.cancel();

  /**
   * @param {boolean} fresh the first page (after a filter or an invitation), or the next one
   * @param {boolean} focusNew whether focus goes to the first person the page added ("Muat lagi")
   */
  async function load(fresh, focusNew) {
    const next = fresh ? 1 : page + 1;
    $more.setAttribute('disabled', '');
    try {
      /** @type {{ items: import('./staff/shared.js').StaffItem[], total: number }} */
      const found = await get(STAFF, {
        q: filters.q, agency: filters.agency, status: filters.status, region: filters.region, page: next, pageSize: PAGE_SIZE,
      });
      page = next;
      const cards = found.items.map((item) => createPerson(item, { national, ask }).$el);
      if (fresh) $list.replaceChildren(...cards);
      else $list.append(...cards);
      $problem.replaceChildren();
      $count.textContent = found.total ? t('adminStaffCount', { n: found.total }) : t('adminStaffEmpty');
      $more.hidden = page * PAGE_SIZE >= found.total;
      if (focusNew) /** @type {HTMLElement | null} */ (cards[0]?.querySelector('summary'))?.focus();
    } catch (error) {
      $problem.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    } finally {
      $more.removeAttribute('disabled');
    }
  }
}
