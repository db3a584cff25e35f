// One of my applications: status, live deadline, what is needed from me (and the correction flow), the timeline
// oldest first, withdrawal before a decision, the result in the wallet. Readable offline from its last snapshot.
import { api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { fetchWithSnapshot, save } from '../../store/snapshots.js';
import { deadlineText, statusBadge } from '../../components/application-status.js';
import { answersForm, documentsChooser, serverErrors } from '../../components/answers-form.js';
import { answerText } from '../../components/answer-text.js';
import { STATUS, WITHDRAWABLE, isIn } from '../../statuses.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const id = ctx.params.id;
  const key = `application:${id}`;
  let snapshot;
  try {
    snapshot = await fetchWithSnapshot(key, `/api/v1/applications/${id}`);
  } catch (error) {
    $main.append(h('h1', {}, [t('titleApplication')]), h('p', { class: 'status' }, [/** @type {any} */ (error)?.status === 404 ? t('notFound') : t('offline')]));
    return;
  }
  /** @type {any} */
  let a = snapshot.data;
  /** @type {any} the service definition, fetched when needed (correction, readable answers) */
  let service = null;
  const $detail = h('article', { class: 'detail', id: 'application' });
  // Rating and complaining (issue 17): filled once the open survey invitations are known; kept across redraws.
  const $feedback = h('div', { class: 'fb-app', id: 'fb-app' });
  $main.append($detail);

  const draw = (/** @type {boolean} */ offline, /** @type {string} */ at) => {
    const closed = offline ? [h('p', { class: 'hint' }, [t('applicationOfflineActions')])] : [];
    $detail.replaceChildren(
      h('p', {}, [h('a', { href: '#/applications', class: 'back' }, [t('applicationBack')])]),
      h('h1', {}, [a.service.name]),
      offline ? h('p', { class: 'status', role: 'status', id: 'application-offline' }, [t('applicationsOfflineNote', { time: formatDate(at, true) })]) : '',
      h('dl', { class: 'facts' }, [
        h('dt', {}, [t('applicationNumber')]), h('dd', { id: 'application-number' }, [a.number ?? '—']),
        h('dt', {}, [t('applicationStatus')]), h('dd', { id: 'application-status' }, [statusBadge(a.status)]),
        h('dt', {}, [t('applicationAgency')]), h('dd', {}, [`${a.agency.name} · ${a.region.name}`]),
        a.submittedAt ? h('dt', {}, [t('applicationSubmitted')]) : '', a.submittedAt ? h('dd', {}, [formatDate(a.submittedAt, true)]) : '',
        deadlineText(a.deadline, a.status) ? h('dt', {}, [t('applicationDeadline')]) : '',
        deadlineText(a.deadline, a.status) ? h('dd', { id: 'application-deadline' }, [deadlineText(a.deadline, a.status)]) : '',
        // The standard the application was made under: a later version does not change what was asked of it.
        a.serviceVersion && !offline ? h('dt', {}, [t('applicationStandard')]) : '',
        a.serviceVersion && !offline ? h('dd', {}, [h('a', {
          id: 'application-standard',
          href: a.serviceId ? `#/services/${a.serviceId}?version=${a.serviceVersion}` : '#',
          onclick: a.serviceId ? undefined : openStandard,
        }, [t('applicationStandardVersion', { version: a.serviceVersion })])]) : '',
      ]),
      ...needed(offline),
      a.status === STATUS.completed && a.resultDocument
        ? h('p', {}, [h('a', { class: 'button', href: `#/wallet/${a.resultDocument}` }, [t('applicationResult')])]) : '',
      a.decisionReason && a.status !== STATUS.needs_correction ? h('p', {}, [`${t('applicationDecisionReason')}: ${a.decisionReason}`]) : '',
      a.status === STATUS.draft ? h('p', {}, [h('button', { type: 'button', disabled: offline, onclick: continueDraft }, [t('applicationContinueDraft')])]) : '',
      offline || a.status === STATUS.draft ? '' : $feedback,
      ...answers(),
      h('h2', {}, [t('applicationTimeline')]),
      h('ol', { class: 'timeline', id: 'timeline' }, statusChanges(a.timeline).map((/** @type {any} */ e) => h('li', {}, [
        h('strong', {}, [e.action === 'deadline_changed' ? t('applicationDeadlineMoved') : t(`applicationsStatus_${e.toStatus}`)]), ' ',
        h('span', { class: 'meta' }, [`${formatDate(e.at, true)} · ${e.actor || t(`applicationActor_${e.actorRole}`)}`]),
        e.reason ? h('p', {}, [e.reason]) : '',
      ]))),
      h('h2', {}, [t('applicationDocuments')]),
      h('ul', {}, (a.documents || []).map((/** @type {any} */ d) => h('li', {}, [`${d.type.name} — ${t(`applicationDocStatus_${d.status}`)}`]))),
      ...closed,
      isIn(WITHDRAWABLE, a.status) && !offline ? withdrawBlock() : '',
    );
  };

  /**
   * The steps a citizen follows: each change of status, once, and each deadline moved for a day off added (its
   * reason names the day). The API already leaves out the agency's own steps (claiming a case); another entry that
   * keeps the status (such a step in a snapshot saved before) would read as a second "Diajukan", so it is not shown.
   * @param {any[] | undefined} timeline
   */
  function statusChanges(timeline) {
    return (timeline || []).filter((e) => e.fromStatus !== e.toStatus || e.action === 'deadline_changed');
  }

  /** The answers in words, once the service's questions are known (from the catalogue cache when offline). */
  function answers() {
    if (!service || !a.answers || !Object.keys(a.answers).length) return [];
    return [
      h('h2', { id: 'answers-title' }, [t('applicationAnswers')]),
      h('dl', { class: 'review', id: 'answers' }, service.form.flatMap((/** @type {any} */ f) => [h('dt', {}, [f.label]), h('dd', {}, [answerText(f, a.answers[f.name])])])),
    ];
  }

  /** "What is needed from me": the officer's reason, and the way to fix it. */
  function needed(/** @type {boolean} */ offline) {
    if (a.status !== STATUS.needs_correction) return [];
    return [h('section', { class: 'card action-needed', id: 'action-needed', 'aria-labelledby': 'needed-title' }, [
      h('h2', { id: 'needed-title' }, [t('applicationNeeded')]),
      h('p', {}, [a.actionNeeded || a.correctionReason || '']),
      offline ? '' : h('button', { type: 'button', id: 'correct', onclick: correct }, [t('applicationCorrect')]),
    ])];
  }

  async function loadService() {
    if (service) return service;
    const found = await get('/api/v1/services', { q: a.service.code, region: a.region.code, pageSize: 100 });
    const summary = found.items.find((/** @type {any} */ s) => s.code === a.service.code);
    service = await get(`/api/v1/services/${summary.id}`);
    return service;
  }

  /**
   * The standard's link where an older saved copy of the application has no serviceId: the service is found by code.
   * @param {Event} event
   */
  async function openStandard(event) {
    event.preventDefault();
    const id = (await loadService().catch(() => null))?.id;
    if (id) location.hash = `#/services/${id}?version=${a.serviceVersion}`;
    else announce(t('offline'));
  }

  async function continueDraft() {
    const s = await loadService().catch(() => null);
    if (s) location.hash = `#/apply/${s.id}?draft=${a.id}`;
  }

  /** The correction flow: the same questions and document choice as applying, prefilled; resubmit. */
  async function correct() {
    let readiness;
    try {
      await loadService();
      readiness = await get('/api/v1/applications/readiness', { serviceId: service.id });
    } catch {
      announce(t('offline'));
      return;
    }
    const current = new Map((a.documents || []).map((/** @type {any} */ d) => [d.requirement, d.id]));
    // Prefer what the application holds now; a newer upload for a requirement shows instead once it exists.
    const requirements = readiness.requirements.map((/** @type {any} */ r) => (current.has(r.code) && !r.documentId ? { ...r, documentId: current.get(r.code), state: 'pending' } : r));
    const docs = documentsChooser(requirements, null, () => {}, `/applications/${a.id}`);
    const form = answersForm(service.form, a.answers || {}, () => {});
    const $problem = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
    const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'resubmit' }, [t('applicationResubmit')]));
    const $title = h('h2', { tabindex: '-1', id: 'correct-title' }, [t('applicationCorrectTitle')]);
    const $form = h('form', { novalidate: true, class: 'correction' }, [
      $title, $problem,
      h('p', { class: 'hint' }, [a.actionNeeded || a.correctionReason || '']),
      h('h3', {}, [t('applyStepDocuments')]), docs.$el,
      h('h3', {}, [t('applyStepForm')]), form.$el,
      h('div', { class: 'actions' }, [$send, h('button', { type: 'button', class: 'secondary', onclick: () => draw(false, '') }, [t('applicationCancel')])]),
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!docs.validate() || !form.validate()) return;
      $send.disabled = true;
      try {
        a = await api(`/api/v1/applications/${a.id}/resubmit`, {
          method: 'POST', body: { answers: form.values(), documentIds: docs.ids() }, headers: { 'If-Match': `"${a.version}"` },
        });
        await save(key, a);
        draw(false, '');
        announce(t('applicationResubmitted'));
        /** @type {HTMLElement} */ ($detail.querySelector('h1')).focus();
      } catch (error) {
        $send.disabled = false;
        const e = /** @type {any} */ (error);
        const split = serverErrors(e?.problem?.errors);
        form.showErrors(split.answers);
        docs.showErrors(split.documents);
        $problem.hidden = false;
        $problem.textContent = e?.status === 412 ? t('applicationStale') : e?.status ? `${t('applyRefused')} ${problemText(e)}` : t('offline');
        $problem.focus();
      }
    });
    const $section = /** @type {HTMLElement} */ ($detail.querySelector('#action-needed'));
    $section.replaceWith($form);
    $title.focus();
  }

  function withdrawBlock() {
    const $block = h('div', { class: 'withdraw', id: 'withdraw' });
    const ask = () => {
      const $reason = h('textarea', { id: 'withdraw-reason', rows: '2', maxlength: '1000' });
      const $confirm = h('div', { class: 'card confirm', role: 'group', 'aria-labelledby': 'withdraw-q' }, [
        h('p', { id: 'withdraw-q' }, [h('strong', {}, [t('applicationWithdrawConfirm')])]),
        h('label', { for: 'withdraw-reason' }, [t('applicationWithdrawReason')]), $reason,
        h('div', { class: 'actions' }, [
          h('button', { type: 'button', class: 'danger', id: 'withdraw-yes', onclick: async () => {
            try {
              a = await api(`/api/v1/applications/${a.id}/withdraw`, {
                method: 'POST', body: { reason: /** @type {HTMLTextAreaElement} */ ($reason).value.trim() || null }, headers: { 'If-Match': `"${a.version}"` },
              });
              await save(key, a);
              draw(false, '');
              announce(t('applicationWithdrawn'));
              /** @type {HTMLElement} */ ($detail.querySelector('h1')).focus();
            } catch (error) {
              announce(/** @type {any} */ (error)?.status === 412 ? t('applicationStale') : t('offline'));
            }
          } }, [t('applicationWithdrawYes')]),
          h('button', { type: 'button', class: 'secondary', onclick: () => { $block.replaceChildren($start); $start.focus(); } }, [t('applicationCancel')]),
        ]),
      ]);
      $block.replaceChildren($confirm);
      $reason.focus();
    };
    const $start = h('button', { type: 'button', class: 'secondary', id: 'withdraw-start', onclick: ask }, [t('applicationWithdraw')]);
    $block.append($start);
    return $block;
  }

  draw(snapshot.offline, snapshot.at);
  if (!snapshot.offline && a.status !== STATUS.draft) feedbackCard(a, $feedback);
  // Added in place rather than redrawn, so focus (on the <h1>) stays where the router put it.
  loadService().then(() => { if (!$detail.querySelector('#answers')) $detail.querySelector('#timeline')?.previousElementSibling?.before(...answers()); }).catch(() => undefined);
}

/**
 * "Beri penilaian" while the application's survey is open (completed or rejected, not yet rated), and the way to
 * complain about it. Loaded lazily: most visits to an application are not about feedback.
 * @param {any} a @param {HTMLElement} $slot
 */
async function feedbackCard(a, $slot) {
  const complain = h('p', { class: 'fb-complain' }, [h('a', { href: `#/complaints/new?application=${a.id}`, id: 'fb-app-complain' }, [t('fbComplainLink')])]);
  $slot.replaceChildren(complain);
  if (a.status !== STATUS.completed && a.status !== STATUS.rejected) return;
  const { openInvitations } = await import('../../components/feedback-common.js');
  const open = (await openInvitations()).some((i) => i.kind === 'application' && i.ref === a.id);
  if (!open) return;
  $slot.replaceChildren(h('section', { class: 'card fb-rate', id: 'fb-app-rate', 'aria-labelledby': 'fb-app-rate-title' }, [
    h('h2', { id: 'fb-app-rate-title' }, [t('fbRateCardTitle')]),
    h('p', {}, [t('fbRateCardText')]),
    h('p', {}, [h('a', { class: 'button', href: `#/applications/${a.id}/survey`, id: 'fb-app-rate-link' }, [t('fbRateButton')])]),
  ]), complain);
}
