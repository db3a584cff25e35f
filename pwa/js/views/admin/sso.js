// Single sign-on (SSO): the agency systems that sign citizens in with their MPP Digital account. `/admin/sso` lists
// them and registers a new one; `/admin/sso/<id>` shows one, changes it, gives it a new secret, suspends or resumes
// it. A secret is shown once, right after it is made (the server keeps only its hash), with a copy button and a
// warning. Every change names the revision the admin saw (If-Match): two admins never overwrite each other silently.
// A region admin sees their region's systems; a national admin every one, and registers for a region or the nation.
// A second tab, "Akun layanan", holds the agencies' back-office systems that work their cases through the API with
// client credentials (service accounts): each acts as an officer of one agency in one region. It lists them, creates
// one (its secret shown once, as above), and rotates, suspends or resumes one after a confirmation.
import { ApiError, get, post, put } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as session from '../../session.js';
import { field, setError } from '../../components/account-field.js';
import { confirmDialog, isRegionAdmin, loadStyles, showOnce } from './common.js';
import { agenciesOf, lastSignIn } from './staff/shared.js';

/**
 * @typedef {{ id: string, clientId: string, name: string, logoUrl: string | null, sector: string,
 *   region: string | null, redirectUris: string[], postLogoutRedirectUris: string[], scopes: string[],
 *   backchannelLogoutUri: string | null, status: 'active' | 'suspended', createdAt: string, updatedAt: string,
 *   secretRotatedAt: string, revision: number, idTokenAlg?: string, clientSecret?: string }} Client
 * @typedef {HTMLElement & { $input: HTMLInputElement, $error: HTMLElement }} Field
 * @typedef {{ id: string, clientId: string, name: string, agency: string | null, region: string | null,
 *   status: 'active' | 'suspended', createdAt: string, secretRotatedAt: string, lastTokenAt: string | null,
 *   keys?: string[], clientSecret?: string }} ServiceAccount
 */

const BASE = '/api/v1/admin/oidc/clients';
const SERVICE = '/api/v1/admin/oidc/service-accounts';
// What a system may ask for, in the order the server keeps them; `openid` (the sign-in itself) is always on.
const SCOPES = ['openid', 'profile', 'phone', 'nik', 'assurance', 'offline_access'];
// The body's fields the server may name in a 422, and the form field each belongs to.
const FIELDS = ['name', 'logoUrl', 'sector', 'region', 'redirectUris', 'postLogoutRedirectUris', 'scopes', 'backchannelLogoutUri', 'idTokenAlg'];

/** @param {Client} client */
const ifMatch = (client) => ({ 'If-Match': `"${client.revision}"` });
/** One address a line, blank lines dropped. @param {string} text */
const lines = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean);

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  /** @type {{ answer: Promise<boolean>, cancel: () => void } | null} */
  let dialog = null;
  /** @type {Map<string, string>} region code → name (a national admin's list and form) */
  const regions = new Map();
  const own = session.me()?.region;
  if (own?.code && own.name) regions.set(own.code, own.name);
  if (!isRegionAdmin()) {
    /** @type {{ items: { code: string, name: string }[] }} */
    const found = await get('/api/v1/regions', { pageSize: 100 }).catch(() => ({ items: [] }));
    for (const region of found.items) regions.set(region.code, region.name);
  }
  const regionText = (/** @type {string | null} */ code) => (code ? t('adminRegionCode', { region: regions.get(code) || code }) : t('adminSsoNational'));
  /** @param {{ title: string, text: string, yes: string }} words */
  const ask = async (words) => { dialog = confirmDialog(words); const yes = await dialog.answer; dialog = null; return yes; };
  if (ctx.params.id) await detail($main, ctx.params.id, { regions, regionText, ask });
  else await list($main, { regions, regionText, ask }, ctx.query.get('tab') === 'service' ? 'service' : 'rp');
  return () => dialog?.cancel();
}

/**
 * @typedef {{ regions: Map<string, string>, regionText: (code: string | null) => string,
 *   ask?: (words: { title: string, text: string, yes: string }) => Promise<boolean> }} Shared
 */

/**
 * Two tabs: the sign-in systems (their list and registration form) and the service accounts.
 * @param {HTMLElement} $main
 * @param {Shared} shared
 * @param {'rp' | 'service'} tab the one shown first (`?tab=service` opens the service accounts)
 */
async function list($main, shared, tab) {
  const $list = h('div', { id: 'adm-sso-list' });
  const $secret = h('div', { id: 'adm-sso-secret' });
  const panels = {
    rp: h('div', { id: 'adm-sso-panel-rp' }, [
      h('p', {}, [t('adminSsoIntro')]),
      $secret,
      h('section', { 'aria-labelledby': 'adm-sso-list-title' }, [h('h2', { id: 'adm-sso-list-title', tabindex: '-1' }, [t('adminSsoList')]), $list]),
      clientForm({ shared, onSaved: async (client) => { showSecret($secret, client, client.clientSecret || ''); await load(); } }),
    ]),
    // Filled when first shown: its list and form cost nothing to an admin who never opens it.
    service: h('div', { id: 'adm-sso-panel-service' }),
  };
  const choices = /** @type {const} */ ([['rp', 'adminSsoTabSignIn'], ['service', 'adminSvcTab']]);
  const $tabs = h('div', { class: 'std-tabs', role: 'group', 'aria-label': t('adminSsoTabsLabel') }, choices.map(([name, key]) => h('button', {
    type: 'button', class: 'secondary std-tab', id: `adm-sso-tab-${name}`, 'aria-controls': panels[name].id, onclick: () => show(name),
  }, [t(key)])));
  $main.append(h('h1', {}, [t('adminSsoTitle')]), $tabs, panels.rp, panels.service);
  await Promise.all([show(tab), load()]);

  /** @param {'rp' | 'service'} name */
  async function show(name) {
    for (const [other] of choices) {
      panels[other].hidden = other !== name;
      /** @type {HTMLElement} */ ($tabs.querySelector(`#adm-sso-tab-${other}`)).setAttribute('aria-pressed', String(other === name));
    }
    // The address keeps the tab (a reload, or a link, opens it again) without the router drawing the screen anew.
    history.replaceState(history.state, '', name === 'service' ? '#/admin/sso?tab=service' : '#/admin/sso');
    if (name === 'service' && !panels.service.childElementCount) await serviceAccounts(panels.service, shared);
  }

  async function load() {
    try {
      /** @type {{ items: Client[] }} */
      const body = await get(BASE);
      $list.replaceChildren(body.items.length ? h('ul', { class: 'adm-list' }, body.items.map((client) => h('li', { class: 'card adm-sso', 'data-id': client.id }, [
        h('h3', {}, [h('a', { href: `#/admin/sso/${encodeURIComponent(client.id)}` }, [client.name])]),
        h('p', {}, [badge(client)]),
        h('p', { class: 'meta' }, [[shared.regionText(client.region), t('adminSsoRegistered', { date: formatDate(client.createdAt) })].join(' · ')]),
      ]))) : h('p', {}, [t('adminSsoEmpty')]));
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }
}

/** @param {{ status: string }} client */
const badge = (client) => h('span', { class: `badge adm-st ${client.status === 'active' ? 'adm-st-active' : 'adm-st-revoked'}` }, [
  client.status === 'active' ? t('adminSsoActive') : t('adminSsoSuspended'),
]);

/**
 * The secret, this once: the client id and the secret with copy buttons, and the warning that it will not be
 * shown again. It stays until the admin closes it or leaves the screen.
 * @param {HTMLElement} $slot
 * @param {{ clientId: string, name: string }} client
 * @param {string} secret
 * @param {string} [prefix] of the ids inside (each tab has its own panel)
 */
function showSecret($slot, client, secret, prefix = 'adm-sso') {
  showOnce($slot, {
    prefix,
    title: t('adminSsoSecretTitle', { name: client.name }),
    warning: t('adminSsoSecretWarning'),
    values: [
      { label: t('adminSsoClientId'), value: client.clientId, copy: t('adminSsoCopyId'), id: `${prefix}-client-id` },
      { label: t('adminSsoClientSecret'), value: secret, copy: t('adminSsoCopySecret'), id: `${prefix}-client-secret` },
    ],
  });
}

/**
 * The registration form, or the edit form of `client` (then saving sends its revision).
 * @param {{ shared: Shared, client?: Client, onSaved: (client: Client) => Promise<void>, onCancel?: () => void }} spec
 */
function clientForm({ shared, client, onSaved, onCancel }) {
  const prefix = client ? 'adm-sso-edit' : 'adm-sso-new';
  /** @type {Record<string, Field>} */
  const fields = {};
  const input = (/** @type {Record<string, any>} */ attrs, /** @type {string} */ value) => {
    const $input = /** @type {HTMLInputElement} */ (h(attrs.rows ? 'textarea' : 'input', { autocomplete: 'off', spellcheck: 'false', ...attrs }));
    $input.value = value;
    return $input;
  };
  const add = (/** @type {string} */ name, /** @type {HTMLElement} */ $input, /** @type {boolean} */ withHint = false) => {
    fields[name] = /** @type {Field} */ (field({ id: `${prefix}-${name}`, label: t(`adminSsoField_${name}`), hint: withHint ? t(`adminSsoHint_${name}`) : undefined, input: $input }));
    return fields[name];
  };
  add('name', input({ type: 'text', maxlength: '120', required: true }, client?.name || ''));
  add('logoUrl', input({ type: 'url', maxlength: '500', inputmode: 'url' }, client?.logoUrl || ''), true);
  add('sector', input({ type: 'text', maxlength: '253' }, client?.sector || ''), true);
  add('redirectUris', input({ rows: '3', required: true }, (client?.redirectUris || []).join('\n')), true);
  add('postLogoutRedirectUris', input({ rows: '2' }, (client?.postLogoutRedirectUris || []).join('\n')), true);
  add('backchannelLogoutUri', input({ type: 'url', maxlength: '500', inputmode: 'url' }, client?.backchannelLogoutUri || ''), true);
  const $region = /** @type {HTMLSelectElement} */ (h('select', {}, [
    h('option', { value: '' }, [t('adminSsoNational')]),
    ...[...shared.regions].map(([code, name]) => h('option', { value: code, selected: client?.region === code }, [`${name} (${code})`])),
  ]));
  add('region', $region);
  // id_token_signed_response_alg: RS256 is what every OpenID Connect library verifies; ES256 only if the system asks.
  add('idTokenAlg', h('select', {}, ['RS256', 'ES256'].map((alg) => h('option', { value: alg, selected: (client?.idTokenAlg || 'RS256') === alg }, [t(`adminSsoAlg_${alg}`)]))), true);
  const $scopeError = h('p', { class: 'error', id: `${prefix}-scopes-error`, role: 'alert', hidden: true });
  const boxes = SCOPES.map((scope) => /** @type {HTMLInputElement} */ (h('input', {
    type: 'checkbox', value: scope, checked: scope === 'openid' || (client ? client.scopes.includes(scope) : scope === 'profile'),
    disabled: scope === 'openid',
  })));
  const $scopes = h('fieldset', { class: 'settings-choices adm-sso-scopes', 'aria-describedby': $scopeError.id }, [
    h('legend', {}, [t('adminSsoField_scopes')]),
    ...boxes.map(($box, i) => h('label', { class: 'settings-choice' }, [$box, h('span', {}, [h('strong', {}, [SCOPES[i]]), ' — ', t(`adminSsoScope_${SCOPES[i]}`)])])),
    $scopeError,
  ]);
  const $save = h('button', { type: 'submit' }, [client ? t('adminSsoSave') : t('adminSsoRegister')]);
  const $formError = h('p', { class: 'error', role: 'alert', hidden: true });
  const $form = /** @type {HTMLFormElement} */ (h('form', { class: 'card adm-sso-form', 'aria-labelledby': `${prefix}-title`, novalidate: true }, [
    h('h2', { id: `${prefix}-title` }, [client ? t('adminSsoEdit') : t('adminSsoNew')]),
    fields.name, fields.logoUrl, isRegionAdmin() ? '' : fields.region, fields.redirectUris, $scopes, fields.sector,
    fields.backchannelLogoutUri, fields.postLogoutRedirectUris, fields.idTokenAlg, $formError,
    h('div', { class: 'adm-actions' }, [$save, onCancel ? h('button', { type: 'button', class: 'secondary', onclick: onCancel }, [t('adminCancel')]) : '']),
  ]));
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const name of Object.keys(fields)) setError(fields[name], '');
    $scopeError.hidden = true;
    $formError.hidden = true;
    const body = {
      name: fields.name.$input.value.trim(),
      logoUrl: fields.logoUrl.$input.value.trim() || null,
      sector: fields.sector.$input.value.trim() || null,
      redirectUris: lines(fields.redirectUris.$input.value),
      postLogoutRedirectUris: lines(fields.postLogoutRedirectUris.$input.value),
      scopes: boxes.filter(($box) => $box.checked).map(($box) => $box.value),
      backchannelLogoutUri: fields.backchannelLogoutUri.$input.value.trim() || null,
      idTokenAlg: fields.idTokenAlg.$input.value,
      ...(isRegionAdmin() ? {} : { region: $region.value || null }),
    };
    if (!body.name) { fail('name'); return; }
    if (!body.redirectUris.length) { fail('redirectUris'); return; }
    $save.setAttribute('disabled', '');
    try {
      /** @type {Client} */
      const saved = client ? await put(`${BASE}/${client.id}`, body, ifMatch(client)) : await post(BASE, body);
      if (!client) $form.reset();
      await onSaved(saved);
    } catch (error) {
      const named = error instanceof ApiError && Array.isArray(error.problem.errors) ? error.problem.errors[0]?.field : '';
      if (FIELDS.includes(named)) fail(named);
      else { $formError.textContent = problemText(error); $formError.hidden = false; }
    } finally {
      $save.removeAttribute('disabled');
    }
  });
  return $form;

  /** Say what is wrong next to the field the problem is in, and go there. @param {string} name */
  function fail(name) {
    const text = t(`adminSsoBad_${name}`);
    if (name === 'scopes') { $scopeError.textContent = text; $scopeError.hidden = false; boxes[1].focus(); return; }
    // The back-channel address is checked by the same rule as the redirect addresses.
    const target = fields[name] || fields.redirectUris;
    setError(target, text);
    target.$input.focus();
  }
}

/**
 * One system: what it is, and what an admin does with it.
 * @param {HTMLElement} $main
 * @param {string} id
 * @param {Shared} shared
 */
async function detail($main, id, shared) {
  const ask = /** @type {NonNullable<Shared['ask']>} */ (shared.ask);
  const $secret = h('div', { id: 'adm-sso-secret' });
  const $body = h('div', {});
  const $status = h('p', { class: 'status', role: 'status' });
  /** @type {Client} */
  let client;
  try {
    client = await get(`${BASE}/${encodeURIComponent(id)}`);
  } catch (error) {
    $main.append(h('h1', {}, [t('adminSsoTitle')]), h('p', { class: 'error', role: 'alert' }, [problemText(error)]), back());
    return;
  }
  const $title = h('h1', {}, [client.name]);
  $main.append($title, $status, $secret, $body, back());
  show();

  function show() {
    $title.textContent = client.name;
    const fact = (/** @type {string} */ key, /** @type {(Node | string)[]} */ value) => [h('dt', {}, [t(key)]), h('dd', {}, value)];
    const many = (/** @type {string[]} */ values) => (values.length ? [h('ul', { class: 'adm-sso-uris' }, values.map((v) => h('li', {}, [v])))] : [t('adminSsoNone')]);
    $body.replaceChildren(h('section', { class: 'card adm-sso', 'data-status': client.status }, [
      h('p', {}, [badge(client)]),
      h('dl', { class: 'adm-facts adm-sso-facts' }, [
        ...fact('adminSsoClientId', [h('code', {}, [client.clientId])]),
        ...fact('adminSsoField_region', [shared.regionText(client.region)]),
        ...fact('adminSsoField_logoUrl', [client.logoUrl || t('adminSsoNone')]),
        ...fact('adminSsoField_sector', [client.sector]),
        ...fact('adminSsoField_scopes', [client.scopes.join(', ')]),
        ...fact('adminSsoField_redirectUris', many(client.redirectUris)),
        ...fact('adminSsoField_postLogoutRedirectUris', many(client.postLogoutRedirectUris)),
        ...fact('adminSsoField_backchannelLogoutUri', [client.backchannelLogoutUri || t('adminSsoNone')]),
        ...fact('adminSsoField_idTokenAlg', [t(`adminSsoAlg_${client.idTokenAlg || 'RS256'}`)]),
        ...fact('adminSsoCreatedAt', [formatDate(client.createdAt, true)]),
        ...fact('adminSsoSecretRotatedAt', [formatDate(client.secretRotatedAt, true)]),
      ]),
      h('div', { class: 'adm-actions' }, [
        h('button', { type: 'button', class: 'secondary', onclick: edit }, [t('adminSsoEditButton')]),
        h('button', { type: 'button', class: 'secondary', onclick: rotate }, [t('adminSsoRotate')]),
        client.status === 'active'
          ? h('button', { type: 'button', class: 'danger', onclick: () => setStatus('suspend') }, [t('adminSsoSuspend')])
          : h('button', { type: 'button', onclick: () => setStatus('resume') }, [t('adminSsoResume')]),
      ]),
    ]));
  }

  function edit() {
    const $form = clientForm({
      shared,
      client,
      onSaved: async (saved) => { client = saved; $status.textContent = t('adminSsoSaved'); show(); $title.focus(); },
      onCancel: show,
    });
    $body.replaceChildren($form);
    /** @type {HTMLElement | null} */ ($form.querySelector('input'))?.focus();
  }

  async function rotate() {
    if (!await ask({ title: t('adminSsoRotateTitle', { name: client.name }), text: t('adminSsoRotateText'), yes: t('adminSsoRotateYes') })) return;
    try {
      /** @type {{ clientSecret: string }} */
      const answer = await post(`${BASE}/${client.id}/secret`);
      client = await get(`${BASE}/${client.id}`);
      show();
      showSecret($secret, client, answer.clientSecret);
    } catch (error) {
      $status.textContent = problemText(error);
    }
  }

  /** @param {'suspend' | 'resume'} action */
  async function setStatus(action) {
    const words = action === 'suspend'
      ? { title: t('adminSsoSuspendTitle', { name: client.name }), text: t('adminSsoSuspendText'), yes: t('adminSsoSuspendYes') }
      : { title: t('adminSsoResumeTitle', { name: client.name }), text: t('adminSsoResumeText'), yes: t('adminSsoResumeYes') };
    if (!await ask(words)) return;
    try {
      client = await post(`${BASE}/${client.id}/${action}`);
      const text = t(action === 'suspend' ? 'adminSsoSuspended_done' : 'adminSsoResumed_done', { name: client.name });
      $status.textContent = text;
      toast(text);
      show();
    } catch (error) {
      $status.textContent = problemText(error);
    }
  }
}

const back = () => h('p', {}, [h('a', { href: '#/admin/sso' }, [t('adminSsoBack')])]);

/**
 * Service accounts: the list (each with its agency, region, last token and what can be done to it), the secret shown
 * once after creating or rotating, and the form.
 * @param {HTMLElement} $panel
 * @param {Shared} shared
 */
async function serviceAccounts($panel, shared) {
  const ask = /** @type {NonNullable<Shared['ask']>} */ (shared.ask);
  const $list = h('div', { id: 'adm-svc-list' });
  const $secret = h('div', { id: 'adm-svc-secret' });
  const $status = h('p', { class: 'status', role: 'status' });
  $panel.replaceChildren(
    h('p', {}, [t('adminSvcIntro')]),
    $status,
    $secret,
    h('section', { 'aria-labelledby': 'adm-svc-list-title' }, [h('h2', { id: 'adm-svc-list-title', tabindex: '-1' }, [t('adminSvcList')]), $list]),
    serviceForm(shared, async (created) => {
      if (created.clientSecret) showSecret($secret, created, created.clientSecret, 'adm-svc'); else showKeyed($secret, created);
      await load();
    }),
  );
  await load();

  async function load() {
    try {
      /** @type {{ items: ServiceAccount[] }} */
      const body = await get(SERVICE);
      $list.replaceChildren(body.items.length ? h('ul', { class: 'adm-list' }, body.items.map(card)) : h('p', {}, [t('adminSvcEmpty')]));
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @param {ServiceAccount} account */
  function card(account) {
    const active = account.status === 'active';
    const keys = account.keys || []; // left out of the answer when there are none
    return h('li', { class: 'card adm-sso adm-svc', 'data-id': account.id, 'data-status': account.status }, [
      h('h3', {}, [account.name]),
      h('p', {}, [badge(account)]),
      h('p', { class: 'meta' }, [[account.agency || '', shared.regionText(account.region)].filter(Boolean).join(' · ')]),
      h('p', { class: 'meta' }, [t('adminSsoClientId'), ': ', h('code', { class: 'adm-svc-id' }, [account.clientId])]),
      h('p', { class: 'meta' }, [account.lastTokenAt ? t('adminSvcLastToken', { when: lastSignIn(account.lastTokenAt) }) : t('adminSvcNeverUsed')]),
      keys.length ? h('p', { class: 'meta adm-svc-keys' }, [t('adminSvcKeys', { kids: keys.join(', ') })]) : '',
      h('div', { class: 'adm-actions' }, [
        keys.length
          ? h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: (/** @type {Event} */ e) => keysForm(account, /** @type {HTMLElement} */ (e.currentTarget)) }, [t('adminSvcReplaceKeys')])
          : h('button', { type: 'button', class: 'secondary', onclick: () => rotate(account) }, [t('adminSsoRotate')]),
        active
          ? h('button', { type: 'button', class: 'danger', onclick: () => setStatus(account, 'suspend') }, [t('adminSsoSuspend')])
          : h('button', { type: 'button', onclick: () => setStatus(account, 'resume') }, [t('adminSsoResume')]),
      ]),
    ]);
  }

  /** @param {ServiceAccount} account */
  async function rotate(account) {
    if (!await ask({ title: t('adminSsoRotateTitle', { name: account.name }), text: t('adminSvcRotateText'), yes: t('adminSsoRotateYes') })) return;
    try {
      /** @type {{ clientSecret: string }} */
      const answer = await post(`${SERVICE}/${account.id}/secret`);
      showSecret($secret, account, answer.clientSecret, 'adm-svc');
      await load();
    } catch (error) {
      $status.textContent = problemText(error);
    }
  }

  /** The system's new public keys, pasted as a JWK Set, under its card. @param {ServiceAccount} account @param {HTMLElement} $button */
  function keysForm(account, $button) {
    const $card = /** @type {HTMLElement} */ ($button.closest('li'));
    const $old = $card.querySelector('form');
    $button.setAttribute('aria-expanded', String(!$old));
    if ($old) { $old.remove(); return; }
    const $keys = jwksField(`adm-svc-keys-${account.id}`);
    const $form = h('form', { class: 'adm-svc-keys-form', novalidate: true }, [$keys, h('div', { class: 'adm-actions' }, [h('button', { type: 'submit' }, [t('adminSvcSaveKeys')])])]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const jwks = readJwks($keys);
      if (!jwks) return;
      try {
        await put(`${SERVICE}/${account.id}/keys`, jwks);
        const text = t('adminSvcKeysReplaced_done', { name: account.name });
        $status.textContent = text;
        toast(text);
        await load();
      } catch (error) {
        setError(/** @type {Field} */ ($keys), problemText(error));
      }
    });
    $card.append($form);
    $keys.$input.focus();
  }

  /** @param {ServiceAccount} account @param {'suspend' | 'resume'} action */
  async function setStatus(account, action) {
    const words = action === 'suspend'
      ? { title: t('adminSsoSuspendTitle', { name: account.name }), text: t('adminSvcSuspendText'), yes: t('adminSsoSuspendYes') }
      : { title: t('adminSsoResumeTitle', { name: account.name }), text: t('adminSvcResumeText'), yes: t('adminSsoResumeYes') };
    if (!await ask(words)) return;
    try {
      /** @type {ServiceAccount} */
      const changed = await post(`${SERVICE}/${account.id}/${action}`);
      const text = t(action === 'suspend' ? 'adminSsoSuspended_done' : 'adminSsoResumed_done', { name: changed.name });
      $status.textContent = text;
      toast(text);
      await load();
    } catch (error) {
      $status.textContent = problemText(error);
    }
  }
}

/**
 * The form for a new service account: its name, the agency it works for (of the admin's region; a national admin
 * first chooses the region).
 * @param {Shared} shared
 * @param {(created: ServiceAccount) => Promise<void>} onCreated
 */
function serviceForm(shared, onCreated) {
  const own = isRegionAdmin() ? (session.me()?.region?.code ?? '') : '';
  const $name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '120', required: true, autocomplete: 'off' }));
  const $agency = /** @type {HTMLSelectElement} */ (h('select', { required: true }));
  const $region = /** @type {HTMLSelectElement} */ (h('select', { required: true }, [
    h('option', { value: '' }, [t('adminSvcChooseRegion')]),
    ...[...shared.regions].map(([code, name]) => h('option', { value: code }, [`${name} (${code})`])),
  ]));
  /** @type {Record<string, Field>} */
  const fields = {
    name: /** @type {Field} */ (field({ id: 'adm-svc-new-name', label: t('adminSsoField_name'), hint: t('adminSvcHint_name'), input: $name })),
    region: /** @type {Field} */ (field({ id: 'adm-svc-new-region', label: t('adminSsoField_region'), input: $region })),
    agency: /** @type {Field} */ (field({ id: 'adm-svc-new-agency', label: t('adminSvcField_agency'), input: $agency })),
    jwks: jwksField('adm-svc-new-jwks'),
  };
  const $save = h('button', { type: 'submit' }, [t('adminSvcCreate')]);
  const $formError = h('p', { class: 'error', role: 'alert', hidden: true });
  const $form = /** @type {HTMLFormElement} */ (h('form', { class: 'card adm-sso-form', id: 'adm-svc-form', 'aria-labelledby': 'adm-svc-new-title', novalidate: true }, [
    h('h2', { id: 'adm-svc-new-title' }, [t('adminSvcNew')]),
    fields.name, own ? '' : fields.region, fields.agency, fields.jwks, $formError,
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
    const body = { name: $name.value.trim(), agency: $agency.value, ...(own ? {} : { region: $region.value }) };
    if (!body.name) { fail('name'); return; }
    if (!own && !body.region) { fail('region'); return; }
    if (!body.agency) { fail('agency'); return; }
    if (fields.jwks.$input.value.trim()) {
      const jwks = readJwks(fields.jwks);
      if (!jwks) return;
      Object.assign(body, { jwks });
    }
    $save.setAttribute('disabled', '');
    try {
      /** @type {ServiceAccount} */
      const created = await post(SERVICE, body);
      $name.value = '';
      await onCreated(created);
    } catch (error) {
      const named = error instanceof ApiError && Array.isArray(error.problem.errors) ? error.problem.errors[0]?.field : '';
      if (named === 'jwks') setError(fields.jwks, problemText(error));
      else if (['name', 'agency', 'region'].includes(named)) fail(named);
      else { $formError.textContent = problemText(error); $formError.hidden = false; }
    } finally {
      $save.removeAttribute('disabled');
    }
  });
  return $form;

  /** @param {string} name */
  function fail(name) {
    setError(fields[name], t(name === 'name' ? 'adminSsoBad_name' : `adminSvcBad_${name}`));
    fields[name].$input.focus();
  }
}

/**
 * The optional public keys of a system (a JWK Set, pasted): with them it signs its token requests and has no secret.
 * @param {string} id
 * @returns {Field}
 */
function jwksField(id) {
  const $input = h('textarea', { rows: '4', autocomplete: 'off', spellcheck: 'false', class: 'adm-jwks' });
  return /** @type {Field} */ (field({ id, label: t('adminSvcField_jwks'), hint: t('adminSvcHint_jwks'), input: /** @type {HTMLInputElement} */ ($input) }));
}

/** The pasted JWK Set, or null after saying on the field why it is not one. @param {Field} $field */
function readJwks($field) {
  setError($field, '');
  try {
    const value = JSON.parse($field.$input.value);
    if (value && Array.isArray(value.keys) && value.keys.length) return value;
  } catch {
    // Not JSON: said below.
  }
  setError($field, t('adminSvcBad_jwks'));
  $field.$input.focus();
  return null;
}

/** A system registered with its keys: its client id to copy, and no secret. @param {HTMLElement} $slot @param {ServiceAccount} account */
function showKeyed($slot, account) {
  showOnce($slot, {
    prefix: 'adm-svc',
    title: t('adminSsoSecretTitle', { name: account.name }),
    notes: [h('p', {}, [t('adminSvcKeyedText')])],
    values: [{ label: t('adminSsoClientId'), value: account.clientId, copy: t('adminSsoCopyId'), id: 'adm-svc-client-id' }],
  });
}
