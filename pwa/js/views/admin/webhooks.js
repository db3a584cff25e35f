// Agency webhooks (issue 20): the endpoints where agencies' own systems receive signed copies of their cases'
// events. Two tabs. "Endpoint": each endpoint of the admin's region (a national admin: every one) with its last 24
// hours of deliveries, a new one registered (its signing secret shown once, with a copy button and a warning), a new
// secret (the old one keeps signing for a day, so the agency can switch without losing a delivery), disable and
// enable after a confirmation. "Gagal terkirim": the deliveries given up on, each sent again on its own.
// The server's problem details are English only: its codes pick the sentences (problemText), and a refused address
// is explained from the address the admin typed (http://, a private address), since one code covers both.
import { ApiError, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as session from '../../session.js';
import { field, setError } from '../../components/account-field.js';
import { confirmDialog, isRegionAdmin, loadStyles, showOnce } from './common.js';
import { agenciesOf } from './staff/shared.js';

/**
 * @typedef {{ delivered: number, failed: number, dead: number, pending: number, p50Ms?: number | null,
 *   p99Ms?: number | null }} Stats
 * @typedef {{ id: string, agency: string, region: string, url: string, status: 'active' | 'disabled',
 *   createdAt: string, previousSecretUntil?: string | null, stats?: Stats, secret?: string }} Endpoint
 * @typedef {{ id: string, endpoint: string, message: number, topic: string, status: string, attempts: number,
 *   createdAt: string, lastError?: string | null, responseStatus?: number | null, deadAt?: string | null }} Delivery
 * @typedef {HTMLElement & { $input: HTMLInputElement, $error: HTMLElement }} Field
 * @typedef {{ title: string, text: string, yes: string }} Words
 */

const BASE = '/api/v1/admin/webhooks';

/** @param {string} topic e.g. "application.status_changed" */
function topicText(topic) {
  const key = `adminTopic_${topic.replace(/\W/g, '_')}`;
  const text = t(key);
  return text === key ? t('adminWhTopicOther') : text;
}
const TABS = /** @type {const} */ ([['endpoints', 'adminWhTabEndpoints'], ['dead', 'adminWhTabDead']]);

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  /** @type {{ answer: Promise<boolean>, cancel: () => void } | null} */
  let dialog = null;
  /** @param {Words} words */
  const ask = async (words) => { dialog = confirmDialog(words); const yes = await dialog.answer; dialog = null; return yes; };
  /** @type {Map<string, string>} region code → name, for a national admin's list and form */
  const regions = new Map();
  const own = session.me()?.region;
  if (own?.code && own.name) regions.set(own.code, own.name);
  if (!isRegionAdmin()) {
    /** @type {{ items: { code: string, name: string }[] }} */
    const found = await get('/api/v1/regions', { pageSize: 100 }).catch(() => ({ items: [] }));
    for (const region of found.items) regions.set(region.code, region.name);
  }

  /** @type {Endpoint[]} */
  let endpoints = [];
  const $status = h('p', { class: 'status adm-wh-status', role: 'status' });
  const $secret = h('div', { id: 'adm-wh-secret' });
  const $list = h('div', { id: 'adm-wh-list' });
  const $dead = h('div', { id: 'adm-wh-dead-list' });
  const panels = {
    endpoints: h('div', { id: 'adm-wh-panel-endpoints' }, [
      h('p', {}, [t('adminWhIntro')]),
      $secret,
      h('section', { 'aria-labelledby': 'adm-wh-list-title' }, [h('h2', { id: 'adm-wh-list-title', tabindex: '-1' }, [t('adminWhList')]), $list]),
      endpointForm(regions, async (created) => { showSecret($secret, created, created.secret || '', null); await load(); }),
    ]),
    dead: h('div', { id: 'adm-wh-panel-dead' }, [h('p', {}, [t('adminWhDeadIntro')]), $dead]),
  };
  const $tabs = h('div', { class: 'std-tabs', role: 'group', 'aria-label': t('adminWhTabsLabel') }, TABS.map(([name, key]) => h('button', {
    type: 'button', class: 'secondary std-tab', id: `adm-wh-tab-${name}`, 'aria-controls': panels[name].id, onclick: () => show(name),
  }, [t(key)])));
  $main.append(h('h1', {}, [t('adminWhTitle')]), $tabs, $status, panels.endpoints, panels.dead);
  show(ctx.query.get('tab') === 'dead' ? 'dead' : 'endpoints');
  await load();
  return () => dialog?.cancel();

  /** @param {'endpoints' | 'dead'} name */
  function show(name) {
    for (const [other] of TABS) {
      panels[other].hidden = other !== name;
      /** @type {HTMLElement} */ ($tabs.querySelector(`#adm-wh-tab-${other}`)).setAttribute('aria-pressed', String(other === name));
    }
    // The address keeps the tab (a reload or a link opens it again) without the router drawing the screen anew.
    history.replaceState(history.state, '', name === 'dead' ? '#/admin/webhooks?tab=dead' : '#/admin/webhooks');
  }

  /** Both lists: a replay or a change of status moves counts in the other. */
  async function load() {
    try {
      /** @type {[{ items: Endpoint[] }, { items: Delivery[] }]} */
      const [listed, dead] = await Promise.all([get(BASE), get(`${BASE}/dead`)]);
      endpoints = listed.items;
      $list.replaceChildren(endpoints.length ? h('ul', { class: 'adm-list' }, endpoints.map(card)) : h('p', { class: 'card' }, [t('adminWhEmpty')]));
      $dead.replaceChildren(dead.items.length ? h('ul', { class: 'adm-list' }, dead.items.map(deadCard)) : h('p', { class: 'card', id: 'adm-wh-dead-empty' }, [t('adminWhDeadEmpty')]));
      const $deadTab = /** @type {HTMLElement} */ ($tabs.querySelector('#adm-wh-tab-dead'));
      $deadTab.textContent = dead.items.length ? t('adminWhTabDeadCount', { n: dead.items.length }) : t('adminWhTabDead');
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @param {string} code */
  function regionName(code) {
    return t('adminRegionCode', { region: regions.get(code) || code });
  }

  /** @param {Endpoint} endpoint */
  function card(endpoint) {
    const active = endpoint.status === 'active';
    const stats = endpoint.stats || { delivered: 0, failed: 0, dead: 0, pending: 0 };
    const fact = (/** @type {string} */ key, /** @type {string} */ value) => [h('dt', {}, [t(key)]), h('dd', {}, [value])];
    const ms = (/** @type {number | null | undefined} */ value) => (value == null ? t('adminWhNoLatency') : t('adminWhMs', { n: Math.round(value) }));
    return h('li', { class: 'card adm-wh', 'data-id': endpoint.id, 'data-status': endpoint.status }, [
      h('h3', { class: 'adm-wh-url' }, [endpoint.url]),
      h('p', {}, [h('span', { class: `badge adm-st ${active ? 'adm-st-active' : 'adm-st-revoked'}` }, [t(active ? 'adminWhActive' : 'adminWhDisabled')])]),
      h('p', { class: 'meta' }, [[endpoint.agency, isRegionAdmin() ? '' : regionName(endpoint.region), t('adminWhRegistered', { date: formatDate(endpoint.createdAt) })].filter(Boolean).join(' · ')]),
      endpoint.previousSecretUntil ? h('p', { class: 'adm-wh-rotating' }, [t('adminWhRotating', { date: formatDate(endpoint.previousSecretUntil, true) })]) : '',
      h('h4', { class: 'adm-wh-stats-title' }, [t('adminWhStatsTitle')]),
      h('dl', { class: 'adm-facts adm-wh-stats' }, [
        ...fact('adminWhDelivered', String(stats.delivered)),
        ...fact('adminWhFailed', String(stats.failed)),
        ...fact('adminWhDead', String(stats.dead)),
        ...fact('adminWhPending', String(stats.pending)),
        ...fact('adminWhP50', ms(stats.p50Ms)),
        ...fact('adminWhP99', ms(stats.p99Ms)),
      ]),
      h('div', { class: 'adm-actions' }, [
        h('button', { type: 'button', class: 'secondary', onclick: () => rotate(endpoint) }, [t('adminWhRotate')]),
        active
          ? h('button', { type: 'button', class: 'danger', onclick: () => setStatus(endpoint, 'disable') }, [t('adminWhDisable')])
          : h('button', { type: 'button', onclick: () => setStatus(endpoint, 'enable') }, [t('adminWhEnable')]),
      ]),
    ]);
  }

  /** @param {Endpoint} endpoint */
  async function rotate(endpoint) {
    if (!await ask({ title: t('adminWhRotateTitle'), text: t('adminWhRotateText', { url: endpoint.url }), yes: t('adminWhRotateYes') })) return;
    try {
      /** @type {{ secret: string, previousSecretUntil: string }} */
      const answer = await post(`${BASE}/${endpoint.id}/secret`);
      showSecret($secret, endpoint, answer.secret, answer.previousSecretUntil);
      await load();
    } catch (error) {
      $status.textContent = problemText(error);
    }
  }

  /** @param {Endpoint} endpoint @param {'disable' | 'enable'} action */
  async function setStatus(endpoint, action) {
    const words = action === 'disable'
      ? { title: t('adminWhDisableTitle'), text: t('adminWhDisableText', { url: endpoint.url }), yes: t('adminWhDisableYes') }
      : { title: t('adminWhEnableTitle'), text: t('adminWhEnableText', { url: endpoint.url }), yes: t('adminWhEnableYes') };
    if (!await ask(words)) return;
    try {
      await post(`${BASE}/${endpoint.id}/${action}`);
      const text = t(action === 'disable' ? 'adminWhDisabledDone' : 'adminWhEnabledDone');
      $status.textContent = text;
      toast(text);
      await load();
    } catch (error) {
      $status.textContent = problemText(error);
    }
  }

  /** @param {Delivery} delivery */
  function deadCard(delivery) {
    const endpoint = endpoints.find((e) => e.id === delivery.endpoint);
    const $error = h('p', { class: 'error', role: 'alert', hidden: true });
    const $replay = h('button', { type: 'button' }, [t('adminWhReplay')]);
    $replay.addEventListener('click', async () => {
      $replay.setAttribute('disabled', '');
      $error.hidden = true;
      try {
        await post(`${BASE}/deliveries/${delivery.id}/replay`);
        $status.textContent = t('adminWhReplayed');
        toast(t('adminWhReplayed'));
        await load();
      } catch (error) {
        // Another admin replayed it meanwhile: the list as it is now says what became of it.
        if (error instanceof ApiError && error.code === 'delivery_not_dead') { $status.textContent = problemText(error); await load(); return; }
        $error.textContent = problemText(error);
        $error.hidden = false;
        $replay.removeAttribute('disabled');
      }
    });
    const answered = delivery.responseStatus ? t('adminWhAnswered', { status: delivery.responseStatus }) : t('adminWhNoAnswer');
    return h('li', { class: 'card adm-wh-dead', 'data-id': delivery.id }, [
      // The event in words where the notifications screen already names it, and its name as the agency's system
      // receives it (the `type` of the delivery's body).
      h('h3', {}, [topicText(delivery.topic)]),
      h('p', {}, [h('code', { class: 'adm-wh-topic' }, [delivery.topic])]),
      h('p', { class: 'adm-wh-url' }, [endpoint ? `${endpoint.url} (${endpoint.agency})` : t('adminWhUnknownEndpoint')]),
      h('p', { class: 'meta' }, [t('adminWhDeadWhen', { date: formatDate(delivery.deadAt || delivery.createdAt, true) }), ' · ', t('adminWhAttempts', { n: delivery.attempts }), ' · ', answered]),
      // The receiver's or the network's own words, for whoever fixes the cause: marked as English.
      delivery.lastError ? h('details', {}, [h('summary', {}, [t('adminWhErrorDetail')]), h('code', { lang: 'en', class: 'adm-secret' }, [delivery.lastError])]) : '',
      h('div', { class: 'adm-actions' }, [$replay]), $error,
    ]);
  }
}

/**
 * The signing secret, this once, with a copy button and the warning that it will not be shown again; after a
 * rotation, until when the previous secret still signs. It stays until the admin closes it or leaves the screen.
 * @param {HTMLElement} $slot
 * @param {{ url: string }} endpoint
 * @param {string} secret
 * @param {string | null} previousUntil
 */
function showSecret($slot, endpoint, secret, previousUntil) {
  showOnce($slot, {
    prefix: 'adm-wh',
    title: t(previousUntil ? 'adminWhSecretTitleNew' : 'adminWhSecretTitle'),
    warning: t('adminWhSecretWarning'),
    notes: [h('p', { class: 'adm-wh-url' }, [endpoint.url])],
    after: previousUntil ? [h('p', { class: 'adm-warning', id: 'adm-wh-overlap' }, [t('adminWhOverlap', { date: formatDate(previousUntil, true) })])] : [],
    values: [{ label: t('adminWhSecretLabel'), value: secret, copy: t('adminWhCopySecret'), id: 'adm-wh-secret-value' }],
  });
}

/**
 * Why the server refused an address (it says so in English only, with one code for every reason): worked out
 * from the address itself, by the server's own rules (api/webhooks/urls.py), the server staying the judge.
 * @param {string} url
 */
function urlProblem(url) {
  /** @type {URL} */
  let parsed;
  try { parsed = new URL(url); } catch { return 'adminWhBadUrl_form'; }
  if (parsed.protocol !== 'https:') return 'adminWhBadUrl_https';
  if (parsed.username || parsed.password || parsed.hash) return 'adminWhBadUrl_credentials';
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const privateV4 = /^(10\.|127\.|0\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(host);
  const privateV6 = host.includes(':') && /^(::1?$|f[cd]|fe[89ab]|::ffff:)/.test(host);
  if (privateV4 || privateV6 || host === 'localhost' || /\.(localhost|local|internal)$/.test(host)) return 'adminWhBadUrl_private';
  return 'adminWhBadUrl_other';
}

/**
 * The form for a new endpoint: its agency (of the admin's region; a national admin first chooses the region) and
 * its address.
 * @param {Map<string, string>} regions
 * @param {(created: Endpoint) => Promise<void>} onCreated
 */
function endpointForm(regions, onCreated) {
  const own = isRegionAdmin() ? (session.me()?.region?.code ?? '') : '';
  const $url = /** @type {HTMLInputElement} */ (h('input', { type: 'url', inputmode: 'url', maxlength: '2000', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'https://' }));
  const $agency = /** @type {HTMLSelectElement} */ (h('select', { required: true }));
  const $region = /** @type {HTMLSelectElement} */ (h('select', { required: true }, [
    h('option', { value: '' }, [t('adminSvcChooseRegion')]),
    ...[...regions].map(([code, name]) => h('option', { value: code }, [`${name} (${code})`])),
  ]));
  /** @type {Record<string, Field>} */
  const fields = {
    region: /** @type {Field} */ (field({ id: 'adm-wh-new-region', label: t('adminSsoField_region'), input: $region })),
    agency: /** @type {Field} */ (field({ id: 'adm-wh-new-agency', label: t('adminSvcField_agency'), input: $agency })),
    url: /** @type {Field} */ (field({ id: 'adm-wh-new-url', label: t('adminWhField_url'), hint: t('adminWhHint_url'), input: $url })),
  };
  const $save = h('button', { type: 'submit' }, [t('adminWhCreate')]);
  const $formError = h('p', { class: 'error', role: 'alert', hidden: true });
  const $form = /** @type {HTMLFormElement} */ (h('form', { class: 'card adm-sso-form', id: 'adm-wh-form', 'aria-labelledby': 'adm-wh-new-title', novalidate: true }, [
    h('h2', { id: 'adm-wh-new-title' }, [t('adminWhNew')]),
    own ? '' : fields.region, fields.agency, fields.url, $formError,
    h('div', { class: 'adm-actions' }, [$save]),
  ]));
  const region = () => own || $region.value;
  $region.addEventListener('change', () => agencies());
  agencies();

  /** The agencies of the chosen region's MPP, as the staff screen lists them. */
  async function agencies() {
    const code = region();
    setError(fields.agency, '');
    $agency.replaceChildren(h('option', { value: '' }, [t(code ? 'adminSvcChooseAgency' : 'adminSvcChooseRegionFirst')]));
    if (!code) return;
    try {
      const found = await agenciesOf(code);
      if (code !== region()) return;
      if (!found.length) setError(fields.agency, t('adminSvcNoAgencies'));
      $agency.append(...found.map((agency) => h('option', { value: agency.code }, [`${agency.name} (${agency.code})`])));
    } catch (error) {
      setError(fields.agency, problemText(error));
    }
  }

  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const name of Object.keys(fields)) setError(fields[name], '');
    $formError.hidden = true;
    const body = { agency: $agency.value, url: $url.value.trim(), ...(own ? {} : { region: $region.value }) };
    if (!own && !body.region) { fail('region', 'adminSvcBad_region'); return; }
    if (!body.agency) { fail('agency', 'adminSvcBad_agency'); return; }
    if (!body.url) { fail('url', 'adminWhBadUrl_empty'); return; }
    $save.setAttribute('disabled', '');
    try {
      /** @type {Endpoint} */
      const created = await post(BASE, body);
      $url.value = '';
      await onCreated(created);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : '';
      if (code === 'invalid_webhook_url') fail('url', urlProblem(body.url));
      else if (code === 'unknown_agency') fail('agency', 'adminWhBad_agency');
      else { $formError.textContent = problemText(error); $formError.hidden = false; }
    } finally {
      $save.removeAttribute('disabled');
    }
  });
  return $form;

  /** Say what is wrong next to the field, and go there. @param {string} name @param {string} key */
  function fail(name, key) {
    setError(fields[name], t(key));
    fields[name].$input.focus();
  }
}
