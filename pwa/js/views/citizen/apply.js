// Apply for a service, step by step: 1 documents from the wallet, 2 the service's questions, 3 review and send.
// Everything typed goes to IndexedDB at once (store/drafts.js) and to a server draft, so nothing is lost offline
// and the application can be finished on another device. Sending goes through the outbox with an
// Idempotency-Key made once per submission: with no connection it waits on the phone and the receipt says so.
//
// This view loads the service, the readiness of the person's wallet and the draft, draws the frame (step
// heading, body, "saved" line) and moves between the steps. Its parts, each with its contract at the top:
// components/answers-form.js (questions, documents chooser), components/apply-draft.js (saves and the
// submission), components/apply-review.js (step 3), components/apply-receipt.js. On leaving, it ends the
// receipt's outbox subscription and lets the draft keeper stop its timers (one last server save if needed).
import { api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as drafts from '../../store/drafts.js';
import { fetchWithSnapshot } from '../../store/snapshots.js';
import { answersForm, documentsChooser } from '../../components/answers-form.js';
import { createDraftKeeper } from '../../components/apply-draft.js';
import { applyReceipt } from '../../components/apply-receipt.js';
import { applyReview } from '../../components/apply-review.js';
import { STATUS } from '../../statuses.js';
import * as session from '../../session.js';
import { missingProfile } from '../../components/profile-form.js';
import { attachable } from '../../components/answers-form.js';

const STEPS = ['applyStepDocuments', 'applyStepForm', 'applyStepReview'];

/**
 * The parts of GET /api/v1/services/{id} this screen uses.
 * @typedef {{ code: string, name: string, optional?: boolean }} Requirement
 * @typedef {{ name: string, agency: { name: string }, region: { name: string },
 *   form: import('../../components/answers-form.js').Field[], requirements: Requirement[],
 *   assurance?: 'phone' | 'registry' | 'in_person' }} Service
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const serviceId = ctx.params.serviceId;
  /** @type {Service} */
  let service;
  try {
    service = await get(`/api/v1/services/${serviceId}`); // the service worker keeps the catalogue offline
  } catch {
    $main.append(h('h1', {}, [t('titleApply')]), h('p', { class: 'status' }, [t('offline')]));
    return;
  }
  // Applying needs a complete profile (the server refuses without it): check first, and send the person to the
  // profile form, which brings them back here. Offline, the last known profile decides.
  await session.reloadMe().catch(() => undefined);
  const missing = missingProfile(service, session.me());
  if (missing.length) {
    $main.append(...profileNeeded(service, serviceId, missing));
    return;
  }
  // The service's assurance level (the server refuses below it, 403 assurance_required): said before the person
  // starts, with the way to reach it, rather than after they have typed every answer.
  if (!meetsAssurance(session.me()?.assurance, service.assurance)) {
    $main.append(...assuranceNeeded(service, serviceId));
    return;
  }
  const readiness = await fetchWithSnapshot(`readiness:${serviceId}`, '/api/v1/applications/readiness', { serviceId })
    .then((s) => s.data)
    .catch(() => ({
      // Never seen offline: the requirements without wallet matches; the person can still type the answers.
      requirements: service.requirements.map((r) => ({ code: r.code, name: r.name, optional: Boolean(r.optional), state: 'missing', documentId: null })),
    }));

  /** @type {import('../../store/drafts.js').Draft} */
  let draft = (await drafts.load(serviceId)) ?? {
    serviceId, draftId: null, version: null, answers: {}, documentIds: [], step: 0, updatedAt: '',
  };
  let fresh = !draft.updatedAt;
  // Back from the wallet with a new upload (`?document=<id>`): it is chosen for its requirement, in place of
  // any other copy chosen before.
  const uploaded = ctx.query.get('document');
  const uploadedFor = uploaded ? readiness.requirements.find((/** @type {any} */ r) => attachable(r).some((d) => d.id === uploaded)) : null;
  if (uploaded && uploadedFor) {
    const others = new Set(attachable(uploadedFor).map((d) => d.id));
    const before = fresh ? readiness.requirements.flatMap((/** @type {any} */ r) => attachable(r).slice(0, 1).map((d) => d.id)) : draft.documentIds;
    draft = { ...draft, documentIds: [...before.filter((/** @type {string} */ id) => !others.has(id)), uploaded], updatedAt: draft.updatedAt || new Date().toISOString() };
    fresh = false;
  }
  // Resuming a draft kept on the server (started on another device), unless this device holds newer typing.
  const resume = ctx.query.get('draft');
  if (resume && (draft.draftId !== resume || !draft.unsynced)) {
    try {
      const server = await api(`/api/v1/applications/${resume}`);
      if (server.status === STATUS.draft) {
        draft = { ...draft, draftId: server.id, version: server.version, answers: server.answers || {}, documentIds: (server.documents || []).map((/** @type {any} */ d) => d.id) };
        fresh = false;
      }
    } catch { /* offline: carry on with this device's copy */ }
  }

  // For whom: myself, or a family member under an active mandate that covers this service (the server checks it).
  const whom = await whomChooser(service);
  const $step = h('h2', { tabindex: '-1', id: 'apply-step' });
  const $body = h('div', { class: 'apply-body' });
  const $saved = h('p', { class: 'hint', role: 'status', id: 'apply-saved' });
  $main.append(
    h('p', {}, [h('a', { href: `#/services/${serviceId}`, class: 'back' }, [t('applyBackToService')])]),
    h('h1', {}, [t('applyHeading', { name: service.name })]),
    h('p', { class: 'meta' }, [`${service.agency.name} · ${service.region.name}`]),
    ...(whom ? [whom.$el] : []),
    h('section', { class: 'detail apply', 'aria-labelledby': 'apply-step' }, [$step, $body, $saved]),
  );

  const back = `/apply/${serviceId}`;
  const keeper = createDraftKeeper(draft, { onServerSave: () => { $saved.textContent = t('applyDraftSaved'); } });
  const changed = () => keeper.change(form.values(), docs.ids());
  const docs = documentsChooser(readiness.requirements, fresh ? null : draft.documentIds, changed, back);
  const form = answersForm(service.form, draft.answers, changed);
  /** @type {{ destroy: () => void } | null} the receipt, once sent: it listens to the outbox until the view leaves */
  let receipt = null;

  /** @param {number} n @param {boolean} [focus] the first step leaves focus to the router (the <h1>) */
  const show = (n, focus = true) => {
    keeper.step(n);
    $step.textContent = `${t('applyStepOf', { n: n + 1, total: STEPS.length })}: ${t(STEPS[n])}`;
    $body.replaceChildren(...[stepDocuments, stepForm, stepReview][n]());
    if (focus) $step.focus();
  };
  /** Leave a step whose fields are valid: keep what was typed, save it on the server, show step `n`. */
  const next = (/** @type {number} */ n) => { changed(); keeper.syncNow(); show(n); };

  const nav = (/** @type {number | null} */ prev, /** @type {HTMLElement} */ $next) => h('div', { class: 'actions' }, [
    $next,
    prev === null ? null : h('button', { type: 'button', class: 'secondary', onclick: () => show(prev) }, [t('applyPrevious')]),
  ]);

  function stepDocuments() {
    return [
      h('p', {}, [t('applyDocumentsIntro')]),
      docs.$el,
      nav(null, h('button', { type: 'button', id: 'apply-next', onclick: () => { if (docs.validate()) next(1); } }, [t('applyNext')])),
    ];
  }

  function stepForm() {
    return [
      h('form', { novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); if (form.validate()) next(2); } }, [
        form.$el,
        nav(0, h('button', { type: 'submit', id: 'apply-next' }, [t('applyNext')])),
      ]),
    ];
  }

  function stepReview() {
    const review = applyReview(
      { fields: service.form, requirements: readiness.requirements, answers: form.values(), documentIds: docs.ids() },
      {
        onEdit: show,
        onSend: () => send(review),
        onFix: (step, errors) => {
          show(step);
          if (step === 1) form.showErrors(errors.answers); else docs.showErrors(errors.documents);
        },
      },
    );
    return [...review.$nodes, nav(1, review.$send)];
  }

  /** @param {{ busy: (on: boolean) => void, refused: (problem: import('../../components/apply-review.js').Problem) => void }} review */
  async function send(review) {
    const forNik = whom ? whom.nik() : null;
    if (forNik === undefined) return; // a family member chosen without their NIK: said next to the field
    review.busy(true);
    const result = await keeper.submit({ answers: form.values(), documentIds: docs.ids(), title: service.name, forNik });
    if (result.outcome === 'busy') return;
    if (result.outcome === 'refused' && result.problem?.code === 'profile_incomplete') {
      // The profile changed on another device (or the check above ran on an old copy): the same way out.
      const fields = (result.problem.errors || []).map((e) => e.field.replace('profile.', ''));
      $body.replaceChildren(...profileNeeded(service, serviceId, fields.filter((f) => f === 'name' || f === 'nik')).slice(1));
      $step.focus();
      return;
    }
    if (result.outcome !== 'sent') {
      review.busy(false);
      if (result.outcome === 'refused') review.refused(result.problem);
      return;
    }
    const sent = applyReceipt(result.item, { onTitle: (text) => { $step.textContent = text; } });
    receipt = sent;
    $body.replaceChildren(sent.$el);
    $saved.textContent = '';
    $step.focus();
    sent.announce();
  }

  show(Math.min(draft.step || 0, 2), false);
  return () => {
    receipt?.destroy();
    keeper.leave();
  };
}

const LEVELS = ['phone', 'registry', 'in_person'];

/**
 * "Untuk siapa?": shown only to someone holding an active mandate that covers this service. The API lists a
 * member's NIK masked, so the person types it (checked against the masked digits here, and the mandate by the
 * server, which refuses with no_mandate). `nik()` is null for myself, the NIK for a member, undefined (and the
 * field says why) when a member is chosen without a NIK that fits.
 * @param {Service & { code?: string }} service
 * @returns {Promise<{ $el: HTMLElement, nik: () => string | null | undefined } | null>}
 */
async function whomChooser(service) {
  const me = session.me()?.id;
  const [mandates, family] = await Promise.all([get('/api/v1/me/mandates'), get('/api/v1/me/family')]).catch(() => [{ items: [] }, { items: [] }]);
  const masked = new Map(family.items.map((/** @type {any} */ m) => [m.id, m.nik]));
  const choices = mandates.items.filter((/** @type {any} */ m) => m.holder.id === me && m.status === 'active' && masked.has(m.member.id)
    && (m.services.includes('*') || m.services.includes(service.code)));
  if (!choices.length) return null;
  const $select = /** @type {HTMLSelectElement} */ (h('select', { id: 'apply-for' }, [
    h('option', { value: '' }, [t('applyForMyself')]),
    ...choices.map((/** @type {any} */ m) => h('option', { value: m.member.id }, [m.member.name])),
  ]));
  const $nik = /** @type {HTMLInputElement} */ (h('input', { id: 'apply-for-nik', inputmode: 'numeric', autocomplete: 'off', maxlength: '16', pattern: '[0-9]{16}' }));
  const $hint = h('p', { class: 'hint', id: 'apply-for-nik-hint' });
  const $error = h('p', { class: 'error', id: 'apply-for-nik-error', role: 'alert', hidden: true });
  const $nikRow = h('div', { class: 'field', hidden: true }, [h('label', { for: 'apply-for-nik' }, [t('applyForNik')]), $hint, $error, $nik]);
  $select.addEventListener('change', () => {
    $nikRow.hidden = !$select.value;
    $hint.textContent = $select.value ? t('applyForNikHint', { nik: masked.get($select.value) }) : '';
    $error.hidden = true;
  });
  const $el = h('section', { class: 'card', id: 'apply-whom' }, [
    h('div', { class: 'field' }, [h('label', { for: 'apply-for' }, [t('applyFor')]), $select]),
    $nikRow,
  ]);
  const nik = () => {
    if (!$select.value) return null;
    const typed = $nik.value.trim();
    const shown = String(masked.get($select.value) || '');
    if (/^[0-9]{16}$/.test(typed) && typed.slice(0, 4) === shown.slice(0, 4) && typed.slice(-4) === shown.slice(-4)) return typed;
    $error.textContent = t('applyForNikWrong');
    $error.hidden = false;
    $nik.focus();
    return undefined;
  };
  return { $el, nik };
}

/** Whether an account at `have` may apply to a service that needs `need`. @param {string | undefined} have @param {string | undefined} need */
function meetsAssurance(have, need) {
  return LEVELS.indexOf(have || 'phone') >= LEVELS.indexOf(need || 'phone');
}

/**
 * The screen instead of step 1 when the account is less sure than the service needs: "verify your identity
 * first", with the way — the verification screen, which brings the person back here — or, for a service that
 * needs the KTP-el seen, the MPP counter. Its first node is the screen's <h1>.
 * @param {Service} service
 * @param {string} serviceId
 * @returns {HTMLElement[]}
 */
function assuranceNeeded(service, serviceId) {
  const inPerson = service.assurance === 'in_person';
  const back = encodeURIComponent(`/apply/${serviceId}`);
  return [
    h('h1', {}, [t('applyHeading', { name: service.name })]),
    h('section', { class: 'card notice', id: 'apply-assurance' }, [
      h('p', {}, [t(inPerson ? 'applyAssuranceInPerson' : 'applyAssuranceNeeded')]),
      inPerson ? null : h('p', {}, [h('a', { class: 'button', id: 'apply-verify-link', href: `#/settings/identity?back=${back}` }, [t('applyAssuranceVerify')])]),
    ]),
  ];
}

/**
 * The screen instead of step 1 when the profile lacks what applying needs: what is missing, why, and the way to
 * the profile form (settings), which returns here once saved. Its first node is the screen's <h1>.
 * @param {Service} service
 * @param {string} serviceId
 * @param {string[]} missing 'name' and/or 'nik'
 * @returns {HTMLElement[]}
 */
function profileNeeded(service, serviceId, missing) {
  const back = `/apply/${serviceId}`;
  const need = missing.includes('nik') ? '&need=nik' : '';
  return [
    h('h1', {}, [t('applyHeading', { name: service.name })]),
    h('section', { class: 'card', id: 'apply-profile', 'aria-labelledby': 'apply-profile-title' }, [
      h('h2', { id: 'apply-profile-title' }, [t('applyProfileTitle')]),
      h('ul', {}, missing.map((m) => h('li', {}, [t(`applyProfileMissing_${m}`)]))),
      h('p', { class: 'hint' }, [t('applyProfileHelp')]),
      h('p', {}, [h('a', { class: 'button', id: 'apply-profile-link', href: `#/settings?profile=edit${need}&back=${encodeURIComponent(back)}` }, [t('applyProfileButton')])]),
    ]),
  ];
}
