// Apply for a service, step by step: 1 documents from the wallet, 2 the service's questions, 3 review and send.
// Everything typed goes to IndexedDB at once (store/drafts.js) and to a server draft, so nothing is lost offline
// and the application can be finished on another device. Sending goes through the outbox with an
// Idempotency-Key made once per submission: with no connection it waits on the phone and the receipt says so.
import { api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, newId } from '../../lib/dom.js';
import * as drafts from '../../store/drafts.js';
import * as outbox from '../../store/outbox.js';
import { fetchWithSnapshot } from '../../store/snapshots.js';
import { answersForm, answerText, documentsChooser, serverErrors } from '../../components/answers-form.js';

const STEPS = ['applyStepDocuments', 'applyStepForm', 'applyStepReview'];

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const serviceId = ctx.params.serviceId;
  let service;
  try {
    service = await get(`/api/v1/services/${serviceId}`); // the service worker keeps the catalogue offline
  } catch {
    $main.append(h('h1', {}, [t('titleApply')]), h('p', { class: 'status' }, [t('offline')]));
    return;
  }
  const readiness = await fetchWithSnapshot(`readiness:${serviceId}`, '/api/v1/applications/readiness', { serviceId })
    .then((s) => s.data)
    .catch(() => ({
      // Never seen offline: the requirements without wallet matches; the person can still type the answers.
      requirements: service.requirements.map((/** @type {any} */ r) => ({ code: r.code, name: r.name, optional: Boolean(r.optional), state: 'missing', documentId: null })),
    }));

  /** @type {import('../../store/drafts.js').Draft} */
  let draft = (await drafts.load(serviceId)) ?? {
    serviceId, draftId: null, version: null, answers: {}, documentIds: [], step: 0, updatedAt: '',
  };
  let fresh = !draft.updatedAt;
  // Resuming a draft kept on the server (started on another device), unless this device holds newer typing.
  const resume = ctx.query.get('draft');
  if (resume && (draft.draftId !== resume || !draft.unsynced)) {
    try {
      const server = await api(`/api/v1/applications/${resume}`);
      if (server.status === 'draft') {
        draft = { ...draft, draftId: server.id, version: server.version, answers: server.answers || {}, documentIds: (server.documents || []).map((/** @type {any} */ d) => d.id) };
        fresh = false;
      }
    } catch { /* offline: carry on with this device's copy */ }
  }

  const $step = h('h2', { tabindex: '-1', id: 'apply-step' });
  const $body = h('div', { class: 'apply-body' });
  const $saved = h('p', { class: 'hint', role: 'status', id: 'apply-saved' });
  $main.append(
    h('p', {}, [h('a', { href: `#/services/${serviceId}`, class: 'back' }, [t('applyBackToService')])]),
    h('h1', {}, [t('applyHeading', { name: service.name })]),
    h('p', { class: 'meta' }, [`${service.agency.name} · ${service.region.name}`]),
    h('section', { class: 'detail apply', 'aria-labelledby': 'apply-step' }, [$step, $body, $saved]),
  );

  const back = `/apply/${serviceId}`;
  const docs = documentsChooser(readiness.requirements, fresh ? null : draft.documentIds, changed, back);
  const form = answersForm(service.form, draft.answers, changed);

  let localTimer = 0;
  let sent = false;
  // Once sent, the draft is gone for good: a late timer must not bring it back.
  const persist = () => (sent ? Promise.resolve() : drafts.keep(draft).catch(() => undefined));
  let serverTimer = 0;
  function changed() {
    draft = { ...draft, answers: form.values(), documentIds: docs.ids(), unsynced: true };
    clearTimeout(localTimer);
    localTimer = window.setTimeout(persist, 300);
    clearTimeout(serverTimer);
    serverTimer = window.setTimeout(syncDraft, 3000);
  }
  /** @type {Promise<void>} the server save under way: a submission waits for it, to send the draft's id */
  let syncing = Promise.resolve();
  function syncDraft() {
    clearTimeout(serverTimer);
    if (!navigator.onLine || submitting) return syncing;
    syncing = syncing.then(async () => {
      try {
        const before = draft;
        const saved = await drafts.sync(draft);
        // Typing may have gone on while it was saved: keep the newest answers, take the server's id and version.
        draft = { ...draft, draftId: saved.draftId, version: saved.version, unsynced: draft !== before };
        await persist();
        $saved.textContent = t('applyDraftSaved');
      } catch { /* kept on this phone; the next change or step tries again */ }
    });
    return syncing;
  }

  let submitting = false;
  /** @param {number} n @param {boolean} [focus] the first step leaves focus to the router (the <h1>) */
  const show = (n, focus = true) => {
    draft = { ...draft, step: n };
    persist();
    $step.textContent = `${t('applyStepOf', { n: n + 1, total: STEPS.length })}: ${t(STEPS[n])}`;
    $body.replaceChildren(...[stepDocuments, stepForm, stepReview][n]());
    if (focus) $step.focus();
  };

  const nav = (/** @type {number | null} */ prev, /** @type {HTMLElement} */ $next) => h('div', { class: 'actions' }, [
    $next,
    prev === null ? null : h('button', { type: 'button', class: 'secondary', onclick: () => show(prev) }, [t('applyPrevious')]),
  ]);

  function stepDocuments() {
    return [
      h('p', {}, [t('applyDocumentsIntro')]),
      docs.$el,
      nav(null, h('button', { type: 'button', id: 'apply-next', onclick: () => { if (docs.validate()) { changed(); syncDraft(); show(1); } } }, [t('applyNext')])),
    ];
  }

  function stepForm() {
    return [
      h('form', { novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); if (form.validate()) { changed(); syncDraft(); show(2); } } }, [
        form.$el,
        nav(0, h('button', { type: 'submit', id: 'apply-next' }, [t('applyNext')])),
      ]),
    ];
  }

  function stepReview() {
    const answers = form.values();
    const chosen = new Set(docs.ids());
    const $problem = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
    const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'apply-submit' }, [t('applySubmit')]));
    $send.addEventListener('click', () => submit($send, $problem));
    return [
      $problem,
      h('h3', {}, [t('applyStepDocuments')]),
      h('ul', {}, readiness.requirements.filter((/** @type {any} */ r) => chosen.has(r.documentId)).map((/** @type {any} */ r) => h('li', {}, [r.name]))),
      h('p', {}, [h('button', { type: 'button', class: 'link', onclick: () => show(0) }, [t('applyChangeDocuments')])]),
      h('h3', {}, [t('applyStepForm')]),
      h('dl', { class: 'review' }, service.form.flatMap((/** @type {any} */ f) => [h('dt', {}, [f.label]), h('dd', {}, [answerText(f, answers[f.name])])])),
      h('p', {}, [h('button', { type: 'button', class: 'link', onclick: () => show(1) }, [t('applyChangeAnswers')])]),
      h('p', { class: 'hint' }, [t('applyDeclaration')]),
      nav(1, $send),
    ];
  }

  /** @param {HTMLButtonElement} $send @param {HTMLElement} $problem */
  async function submit($send, $problem) {
    if (submitting) return;
    submitting = true;
    $send.disabled = true;
    clearTimeout(serverTimer);
    await syncing;
    // One key per submission, kept with the draft before the first try: a retry after a crash reuses it.
    if (!draft.submissionKey) draft = { ...draft, submissionKey: newId() };
    await drafts.keep(draft);
    const body = { serviceId, answers: form.values(), documentIds: docs.ids(), ...(draft.draftId ? { draftId: draft.draftId } : {}) };
    let result;
    try {
      result = await outbox.submit({ id: /** @type {string} */ (draft.submissionKey), path: '/api/v1/applications', body, title: service.name, serviceId });
    } catch {
      submitting = false;
      $send.disabled = false;
      return;
    }
    if (result.outcome === 'failed') {
      // The server refused this content: nothing is queued, the person fixes it here.
      await outbox.remove(result.item.id);
      draft = { ...draft, submissionKey: undefined };
      await drafts.keep(draft);
      submitting = false;
      $send.disabled = false;
      const problem = result.item.problem;
      const split = serverErrors(problem?.errors);
      const items = [
        ...Object.entries(split.answers).map(([name, message]) => h('li', {}, [h('button', { type: 'button', class: 'link', onclick: () => { show(1); form.showErrors(split.answers); } }, [`${service.form.find((/** @type {any} */ f) => f.name === name)?.label ?? name}: ${message}`])])),
        ...split.documents.map((m) => h('li', {}, [h('button', { type: 'button', class: 'link', onclick: () => { show(0); docs.showErrors(split.documents); } }, [`${t('applyStepDocuments')}: ${m}`])])),
        ...split.other.map((m) => h('li', {}, [m])),
      ];
      $problem.hidden = false;
      $problem.replaceChildren(h('h2', {}, [t('applyRefused')]), h('p', {}, [problem?.detail ?? '']), items.length ? h('ul', {}, items) : '');
      $problem.focus();
      return;
    }
    sent = true;
    clearTimeout(localTimer);
    await drafts.drop(serviceId);
    receipt(result.item);
  }

  /** @param {import('../../store/outbox.js').OutboxItem} item */
  function receipt(item) {
    const $receipt = h('div', { class: 'receipt', id: 'receipt', 'data-state': item.state });
    const draw = (/** @type {import('../../store/outbox.js').OutboxItem} */ current) => {
      $receipt.dataset.state = current.state;
      if (current.state === 'received' && current.result) {
        $step.textContent = t('applyReceivedTitle');
        $receipt.replaceChildren(
          h('p', { class: 'receipt-main' }, [t('applyReceived', { number: current.result.number ?? '' })]),
          h('p', {}, [t('applyReceivedHelp')]),
          h('p', {}, [h('a', { class: 'button', href: `#/applications/${current.result.id}` }, [t('applyOpenApplication')])]),
        );
        import('../../sw-client.js').then((m) => m.offerInstall()).catch(() => undefined);
      } else {
        $step.textContent = t('applySavedTitle');
        $receipt.replaceChildren(
          h('p', { class: 'receipt-main' }, [t('applySavedOnPhone')]),
          h('p', {}, [t('applySavedHelp', { time: formatDate(current.createdAt, true) })]),
          h('p', {}, [h('a', { class: 'button secondary', href: '#/outbox' }, [t('applyOpenOutbox')])]),
        );
      }
    };
    draw(item);
    $body.replaceChildren($receipt);
    $saved.textContent = '';
    $step.focus();
    announce(/** @type {string} */ ($receipt.querySelector('.receipt-main')?.textContent));
    // Sent later from this screen's outbox: the receipt turns into "received" in place.
    stop = outbox.onChange(async () => {
      const current = await outbox.item(item.id);
      if (current && current.state !== $receipt.dataset.state && current.state === 'received') {
        draw(current);
        announce(/** @type {string} */ ($receipt.querySelector('.receipt-main')?.textContent));
      }
    });
  }

  /** @type {() => void} */
  let stop = () => {};
  show(Math.min(draft.step || 0, 2), false);
  return () => {
    stop();
    clearTimeout(localTimer);
    // Leaving the screen: what was typed is already on the phone; try the server copy once more.
    if (serverTimer && draft.unsynced && !submitting) { clearTimeout(serverTimer); syncDraft(); }
  };
}
