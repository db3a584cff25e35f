// One of my complaints (`#/complaints/<id>`): number, status in words, category, what it is about, the due date
// ("terlambat" when past it), my text and attachment, the agency's answer, and the history oldest first.
// Once answered: "Jawaban memuaskan" (confirm: closed), "Belum selesai" (dispute with a text: escalated to the
// regional government, which must answer again); before it is closed: "Tarik pengaduan" (withdraw), after a
// confirmation asked in place. A 409 (someone — the agency, the worker — changed it meanwhile) reloads it.
import { ApiError, OfflineError, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { complaintChip, complaintDue } from '../../components/feedback-common.js';

/** The event actions and actor roles the API records (feedback_complaint_event's CHECKs). */
const ACTIONS = ['filed', 'answered', 'escalated', 'disputed', 'confirmed', 'closed', 'withdrawn', 'forwarded', 'lapor_status', 'reassigned'];
const ROLES = ['citizen', 'officer', 'supervisor', 'admin', 'system', 'lapor'];

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const id = ctx.params.id;
  const $detail = h('article', { class: 'detail fb-complaint', id: 'fb-complaint' });
  $main.append($detail);
  /** @type {any} */
  let c;
  /** @type {Map<string, any>} */
  let categories = new Map();
  try {
    const [complaint, cats] = await Promise.all([
      get(`/api/v1/complaints/${encodeURIComponent(id)}`),
      get('/api/v1/complaints/categories').catch(() => ({ items: [] })),
    ]);
    c = complaint;
    categories = new Map(cats.items.map((/** @type {any} */ k) => [k.code, k]));
  } catch (error) {
    $detail.append(h('h1', {}, [t('titleComplaint')]), h('p', { class: 'status' }, [
      error instanceof ApiError && error.status === 404 ? t('accountErr_not_found') : error instanceof OfflineError ? t('offline') : problemText(error),
    ]));
    return;
  }
  const $notice = h('p', { class: 'q-notice', role: 'status', id: 'fb-cmp-notice', hidden: true });
  const $problem = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'fb-cmp-action-problem', hidden: true });

  const draw = () => {
    const category = categoryName(c.category, categories);
    const due = complaintDue(c);
    $detail.replaceChildren(
      h('p', {}, [h('a', { class: 'back', href: '#/complaints' }, [t('fbBackToComplaints')])]),
      h('h1', {}, [t('fbCmpTitle', { number: c.number })]),
      $notice,
      h('dl', { class: 'facts fb-facts' }, [
        h('dt', {}, [t('fbCmpStatus')]), h('dd', { id: 'fb-cmp-status' }, [complaintChip(c.status), c.closeReason ? ` ${t(`fbCmpClose_${c.closeReason}`)}` : '']),
        category ? h('dt', {}, [t('fbCmpCategory')]) : '', category ? h('dd', {}, [category]) : '',
        h('dt', {}, [t('fbCmpAbout')]), h('dd', {}, [[c.serviceName, c.agencyName].filter(Boolean).join(' · ')]),
        h('dt', {}, [t('fbCmpFiledLabel')]), h('dd', {}, [formatDate(c.createdAt, true)]),
        due ? h('dt', {}, [t('fbCmpDueLabel')]) : '', due ? h('dd', { id: 'fb-cmp-due' }, [due]) : '',
      ]),
      c.anonymous ? h('p', { class: 'hint', id: 'fb-cmp-anonymous' }, [t('fbCmpAnonymousOn')]) : '',
      h('h2', {}, [t('fbCmpText')]),
      h('p', { class: 'fb-text', id: 'fb-cmp-text' }, [c.text]),
      c.attachment ? h('p', {}, [`${t('fbCmpAttachment')}: `, h('a', { href: `#/wallet/${c.attachment.id}`, id: 'fb-cmp-attachment' }, [c.attachment.title || t('fbCmpAttachment')])]) : '',
      c.answer ? h('section', { class: 'card fb-answer', id: 'fb-cmp-answer', 'aria-labelledby': 'fb-cmp-answer-title' }, [
        h('h2', { id: 'fb-cmp-answer-title' }, [t('fbCmpAnswer')]),
        h('p', { class: 'fb-text' }, [c.answer]),
        c.answeredAt ? h('p', { class: 'meta' }, [formatDate(c.answeredAt, true)]) : '',
      ]) : '',
      $problem,
      ...actions(),
      h('h2', {}, [t('fbCmpTimeline')]),
      h('ol', { class: 'timeline', id: 'fb-cmp-timeline' }, (c.events || []).map((/** @type {any} */ e) => h('li', {}, [
        h('strong', {}, [ACTIONS.includes(e.action) ? t(`fbCmpEv_${e.action}`) : t('fbCmpEv_other')]), ' ',
        h('span', { class: 'meta' }, [[formatDate(e.at, true), ROLES.includes(e.actorRole) ? t(`fbCmpActor_${e.actorRole}`) : ''].filter(Boolean).join(' · ')]),
        e.text ? h('p', { class: 'fb-text' }, [e.text]) : '',
      ]))),
    );
  };

  /** What I can do now: answered → confirm or dispute; not closed → withdraw. */
  function actions() {
    /** @type {HTMLElement[]} */
    const out = [];
    if (c.status === 'answered') {
      out.push(h('section', { class: 'card fb-decide', id: 'fb-cmp-decide', 'aria-labelledby': 'fb-cmp-decide-title' }, [
        h('h2', { id: 'fb-cmp-decide-title' }, [t('fbCmpDecideTitle')]),
        c.confirmBy ? h('p', { class: 'hint' }, [t('fbCmpConfirmBy', { date: formatDate(c.confirmBy) })]) : '',
        h('div', { class: 'actions', id: 'fb-cmp-decide-actions' }, [
          h('button', { type: 'button', id: 'fb-cmp-confirm', onclick: confirm }, [t('fbCmpConfirm')]),
          h('button', { type: 'button', class: 'secondary', id: 'fb-cmp-dispute', onclick: askDispute }, [t('fbCmpDispute')]),
        ]),
      ]));
    }
    if (c.status !== 'closed') {
      out.push(h('div', { class: 'withdraw', id: 'fb-cmp-withdraw' }, [
        h('button', { type: 'button', class: 'secondary', id: 'fb-cmp-withdraw-start', onclick: askWithdraw }, [t('fbCmpWithdraw')]),
      ]));
    }
    return out;
  }

  /**
   * Send an action; on success redraw with the complaint as it is now, say so, and put the
   * focus on the notice (the button pressed is gone).
   * @param {string} path @param {any} body @param {string} done
   */
  async function act(path, body, done) {
    $problem.hidden = true;
    try {
      const answer = await post(`/api/v1/complaints/${c.id}/${path}`, body);
      // The answer may be the short item: the timeline comes with the full detail.
      c = Array.isArray(answer?.events) ? answer : await get(`/api/v1/complaints/${c.id}`).catch(() => ({ ...c, ...answer }));
      draw();
      $notice.textContent = done;
      $notice.hidden = false;
      $notice.setAttribute('tabindex', '-1');
      $notice.focus();
      announce(done);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'complaint_wrong_status') {
        c = await get(`/api/v1/complaints/${c.id}`).catch(() => c);
        draw();
      }
      $problem.replaceChildren(error instanceof OfflineError ? t('offline') : problemText(error));
      $problem.hidden = false;
      $problem.focus();
    }
  }

  function confirm() {
    act('confirm', {}, t('fbCmpConfirmed'));
  }

  function askDispute() {
    const $box = /** @type {HTMLElement} */ ($detail.querySelector('#fb-cmp-decide-actions'));
    const $text = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'fb-cmp-dispute-text', rows: '4', maxlength: '4000', 'aria-describedby': 'fb-cmp-dispute-hint fb-cmp-dispute-error' }));
    const $error = h('p', { class: 'error', id: 'fb-cmp-dispute-error', hidden: true });
    const $form = h('form', { class: 'fb-dispute', id: 'fb-cmp-dispute-form', novalidate: true }, [
      h('div', { class: 'field' }, [
        h('label', { for: 'fb-cmp-dispute-text' }, [t('fbCmpDisputeLabel')]),
        h('p', { class: 'hint', id: 'fb-cmp-dispute-hint' }, [t('fbCmpDisputeHint')]),
        $error,
        $text,
      ]),
      h('div', { class: 'actions' }, [
        h('button', { type: 'submit', id: 'fb-cmp-dispute-send' }, [t('fbCmpDisputeSend')]),
        h('button', { type: 'button', class: 'secondary', onclick: () => { draw(); /** @type {HTMLElement | null} */ ($detail.querySelector('#fb-cmp-dispute'))?.focus(); } }, [t('fbCancel')]),
      ]),
    ]);
    $form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = $text.value.trim();
      if (text.length < 10) {
        $error.textContent = t('fbCmpErrTextShort', { min: 10 });
        $error.hidden = false;
        $text.setAttribute('aria-invalid', 'true');
        $text.focus();
        return;
      }
      act('dispute', { text }, t('fbCmpDisputed'));
    });
    $box.replaceWith($form);
    $text.focus();
  }

  function askWithdraw() {
    const $block = /** @type {HTMLElement} */ ($detail.querySelector('#fb-cmp-withdraw'));
    const $start = /** @type {HTMLElement} */ ($block.querySelector('button'));
    const $yes = h('button', { type: 'button', class: 'danger', id: 'fb-cmp-withdraw-yes', onclick: () => act('withdraw', {}, t('fbCmpWithdrawn')) }, [t('fbCmpWithdrawYes')]);
    // Asked in place rather than in a dialog: the question stays next to what it is about, and Cancel goes back.
    $block.replaceChildren(h('div', { class: 'card confirm', role: 'group', 'aria-labelledby': 'fb-cmp-withdraw-q' }, [
      h('p', { id: 'fb-cmp-withdraw-q' }, [h('strong', {}, [t('fbCmpWithdrawConfirm')])]),
      h('div', { class: 'actions' }, [
        $yes,
        h('button', { type: 'button', class: 'secondary', onclick: () => { $block.replaceChildren($start); $start.focus(); } }, [t('fbCancel')]),
      ]),
    ]));
    $yes.focus();
  }

  draw();
}

/**
 * The category's name with its response time, from the category list; the API may give the code or `{code, name}`.
 * @param {any} category @param {Map<string, any>} categories
 */
function categoryName(category, categories) {
  const code = typeof category === 'string' ? category : category?.code;
  const known = categories.get(code) || (typeof category === 'object' ? category : null);
  if (!known) return code || '';
  const name = typeof known.name === 'object' ? (document.documentElement.lang === 'en' ? known.name.en : known.name.id) : known.name;
  return known.responseDays ? `${name} (${t('fbCmpDays', { n: known.responseDays })})` : name;
}
