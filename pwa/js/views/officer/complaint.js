// One complaint (pengaduan) for the agency's staff (`#/officer/complaints/:id`), and for the region admin
// (`#/admin/complaints/:id`, which adds reassignment through `extra`): its number, status and deadline, the
// text, what it is about, the attachment (fetched with the session's token and shown from an object URL), the
// complainant or "Identitas disembunyikan", SP4N-LAPOR!'s tracking id and status, the timeline, and the answer
// form. The answer carries the version the officer read: when someone else changed the complaint first the API
// answers 409 and the screen says so, keeping what was typed, with a reload.
//
// It also holds what the complaint screens share (statuses, categories, names, errors), so the list and the
// admin's screens import them from here rather than from a module of their own.
import { ApiError, OfflineError, api, get } from '../../api.js';
import { language, t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { loadStyles } from './common.js';

/**
 * @typedef {{ at: string, action: string, actorRole?: string | null, text?: string | null }} ComplaintEvent
 * @typedef {object} StaffComplaint
 * @property {string} id
 * @property {string} number
 * @property {string} status
 * @property {any} category a code, or a {code, name}
 * @property {string | null} [dueDate]
 * @property {boolean} [overdue]
 * @property {string} [createdAt]
 * @property {any} [agencyName]
 * @property {any} [serviceName]
 * @property {string | null} [applicationNumber]
 * @property {string | null} [complainantName]
 * @property {string} [text]
 * @property {boolean} [anonymous]
 * @property {boolean} [aboutOfficer]
 * @property {string | null} [answer]
 * @property {string | null} [answeredAt]
 * @property {string | null} [confirmBy]
 * @property {string | null} [closeReason]
 * @property {{ id: string, title?: string | null, contentType?: string | null } | null} [attachment]
 * @property {{ name?: string | null, phone?: string | null } | null} [complainant]
 * @property {{ id?: string | null, status?: string | null } | null} [lapor]
 * @property {ComplaintEvent[]} [events]
 * @property {number} [version]
 */

export const STATUSES = /** @type {const} */ (['submitted', 'escalated', 'answered', 'closed']);
/** Statuses the agency (or the region) still has to answer. */
export const ANSWERABLE = ['submitted', 'escalated'];

/**
 * A name as the API gives it: a plain string, a {id, en} pair, or a {code, name} reference.
 * @param {any} value
 * @returns {string}
 */
export function nameText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    if ('name' in value) return nameText(value.name);
    if ('id' in value || 'en' in value) return String((language() === 'en' ? value.en : value.id) ?? value.id ?? value.en ?? '');
  }
  return String(value);
}

/** A key that may not exist in the catalogue (an action or role added to the API later): its text, or null. */
const known = (/** @type {string} */ key) => { const text = t(key); return text === key ? null : text; };

/** @param {string} status */
export const complaintStatusText = (status) => known(`stcSt_${status}`) ?? status;

/**
 * The status as a word (never colour alone); escalated and overdue complaints are marked as such in the lists.
 * @param {string} status
 */
export const complaintBadge = (status) => h('span', { class: `badge stc-st stc-st-${status}` }, [complaintStatusText(status)]);

/** The due date, with "Terlambat" next to an icon when it has passed. @param {StaffComplaint} c */
export function complaintDue(c) {
  const late = c.overdue && ANSWERABLE.includes(c.status);
  return h('span', { class: 'off-due' }, [
    c.dueDate ? formatDate(c.dueDate) : '—',
    late ? h('span', { class: 'off-flag off-overdue' }, [h('span', { 'aria-hidden': 'true' }, ['⚠']), ` ${t('stcOverdue')}`]) : null,
  ]);
}

/** @type {Promise<Map<string, any>> | null} */
let categories = null;
/** The complaint categories (public, the same for every region), fetched once: code → name. */
export function loadCategories() {
  categories ??= get('/api/v1/complaints/categories', {})
    .then((/** @type {{ items: { code: string, name: any }[] }} */ list) => new Map(list.items.map((c) => [c.code, c.name])))
    .catch(() => { categories = null; return new Map(); });
  return categories;
}

/** @param {any} category @param {Map<string, any>} names */
export function categoryText(category, names) {
  if (category && typeof category === 'object') return nameText(category);
  return nameText(names.get(category)) || known(`stcCat_${category}`) || String(category || '');
}

/**
 * An error of the complaint screens in words: its stable code first (someone else's change, a status that moved
 * on, another agency's complaint), then lib/problem.js's catalogue.
 * @param {unknown} error
 */
export function complaintErrorText(error) {
  if (error instanceof OfflineError) return t('officerOffline');
  if (error instanceof ApiError) {
    const byCode = known(`stcErr_${error.code}`);
    if (byCode) return byCode;
    if (error.status === 403) return t('stcErr_forbidden');
    if (error.status === 404) return t('stcErr_not_found');
    if (error.status === 409) return t('stcErr_version_conflict');
  }
  return problemText(error);
}

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  return renderComplaint($main, ctx.params.id, { back: '#/officer/complaints' });
}

/**
 * The complaint screen; the admin's view calls it with `extra` (the reassignment), drawn under the answer.
 * Contract: fills $main; returns the cleanup (revokes the attachment's object URL).
 * @param {HTMLElement} $main
 * @param {string} id
 * @param {{ back: string, extra?: (c: StaffComplaint, reload: (message?: string) => Promise<void>) => Node | null }} options
 * @returns {Promise<() => void>}
 */
export async function renderComplaint($main, id, { back, extra }) {
  /** @type {string | null} */
  let objectUrl = null;
  const cleanup = () => { if (objectUrl) URL.revokeObjectURL(objectUrl); objectUrl = null; };
  const names = await loadCategories();
  const $back = h('p', {}, [h('a', { class: 'back', href: back }, [t('stcBackToList')])]);

  /** @type {StaffComplaint} */
  let c;
  try {
    c = await get(`/api/v1/staff/complaints/${encodeURIComponent(id)}`);
  } catch (error) {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 403);
    $main.append(
      h('h1', {}, [missing ? t('stcNotFound') : t('stcTitleOne')]),
      h('p', { class: 'error', role: 'alert', id: 'stc-load-error' }, [complaintErrorText(error)]),
      $back,
    );
    return cleanup;
  }

  const $title = h('h1', { id: 'stc-title' }, [t('stcComplaintNumber', { number: c.number })]);
  const $notice = h('p', { class: 'off-message', id: 'stc-notice', role: 'status', tabindex: '-1', hidden: true });
  const $body = h('div', { class: 'stc-detail' });
  // What the officer typed survives a redraw and a conflict: the textarea is made once.
  const $answer = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    id: 'stc-answer', rows: '6', maxlength: '4000', 'aria-describedby': 'stc-answer-hint stc-answer-error',
  }));
  $main.append($title, $back, $notice, $body);
  draw();
  return cleanup;

  /** @param {string} text @param {boolean} [isError] */
  function notice(text, isError = false) {
    $notice.hidden = false;
    $notice.textContent = text;
    $notice.classList.toggle('error', isError);
    announce(text);
  }

  /** Fetch the complaint again (after a conflict, or the admin's reassignment) and redraw; the answer stays typed. */
  async function reload(/** @type {string | undefined} */ message) {
    try {
      c = await get(`/api/v1/staff/complaints/${encodeURIComponent(id)}`);
      draw();
      if (message) notice(message);
      else { $notice.hidden = true; }
    } catch (error) {
      notice(complaintErrorText(error), true);
    }
    if ($notice.hidden) $title.focus(); else $notice.focus();
  }

  function draw() {
    cleanup();
    const about = [nameText(c.serviceName), c.applicationNumber ? t('stcAboutApplication', { number: c.applicationNumber }) : '']
      .filter(Boolean).join(' · ');
    $body.replaceChildren(
      h('section', { class: `card stc-head${c.status === 'escalated' ? ' stc-escalated' : ''}`, 'aria-labelledby': 'stc-facts-title' }, [
        h('h2', { id: 'stc-facts-title', class: 'visually-hidden' }, [t('stcFacts')]),
        h('p', { class: 'stc-status-line' }, [complaintBadge(c.status), c.status === 'closed' && c.closeReason ? ` ${known(`stcClosed_${c.closeReason}`) ?? ''}` : '']),
        h('dl', { class: 'off-facts stc-facts' }, [
          h('dt', {}, [t('stcCategory')]), h('dd', { id: 'stc-category' }, [categoryText(c.category, names)]),
          h('dt', {}, [t('stcDue')]), h('dd', { id: 'stc-due' }, [complaintDue(c)]),
          h('dt', {}, [t('stcFiled')]), h('dd', {}, [c.createdAt ? formatDate(c.createdAt, true) : '—']),
          h('dt', {}, [t('stcAgency')]), h('dd', { id: 'stc-agency' }, [nameText(c.agencyName) || '—']),
          h('dt', {}, [t('stcAbout')]), h('dd', { id: 'stc-about' }, [about || '—', c.aboutOfficer ? h('span', { class: 'stc-about-officer' }, [` · ${t('stcAboutOfficer')}`]) : null]),
          h('dt', {}, [t('stcComplainant')]), h('dd', { id: 'stc-complainant' }, [complainant(c)]),
          ...(c.lapor && (c.lapor.id || c.lapor.status) ? [
            h('dt', {}, [t('stcLapor')]),
            h('dd', { id: 'stc-lapor' }, [
              c.lapor.id ? t('stcLaporId', { id: c.lapor.id }) : t('stcLaporPending'),
              c.lapor.status ? ` · ${t('stcLaporStatus', { status: c.lapor.status })}` : '',
            ]),
          ] : []),
          ...(c.confirmBy && c.status === 'answered' ? [h('dt', {}, [t('stcConfirmBy')]), h('dd', {}, [formatDate(c.confirmBy)])] : []),
        ]),
      ]),
      h('section', { class: 'card', 'aria-labelledby': 'stc-text-title' }, [
        h('h2', { id: 'stc-text-title' }, [t('stcText')]),
        h('p', { class: 'stc-text', id: 'stc-text' }, [c.text || '']),
        c.attachment ? attachmentPart(c) : null,
      ]),
      c.answer ? h('section', { class: 'card', 'aria-labelledby': 'stc-given-title' }, [
        h('h2', { id: 'stc-given-title' }, [t('stcAnswerGiven')]),
        h('p', { class: 'stc-text', id: 'stc-given' }, [c.answer]),
        c.answeredAt ? h('p', { class: 'meta' }, [formatDate(c.answeredAt, true)]) : null,
      ]) : '',
      ANSWERABLE.includes(c.status) ? answerForm() : '',
      (extra && extra(c, reload)) || '',
      timeline(c.events || []),
    );
  }

  /** @param {StaffComplaint} x */
  function complainant(x) {
    if (!x.complainant) return h('span', { class: 'stc-hidden' }, [x.anonymous ? t('stcIdentityHidden') : '—']);
    const who = [x.complainant.name, x.complainant.phone].filter(Boolean).join(' · ');
    // A region admin sees who filed an anonymous complaint; the agency does not, and the admin is reminded.
    return h('span', {}, [who || '—', x.anonymous ? h('span', { class: 'stc-hidden' }, [` (${t('stcHiddenFromAgency')})`]) : null]);
  }

  /** The attachment: a button that fetches it with the token (a plain link would go without it). @param {StaffComplaint} x */
  function attachmentPart(x) {
    const a = /** @type {NonNullable<StaffComplaint['attachment']>} */ (x.attachment);
    const title = a.title || t('stcAttachment');
    const $place = h('div', { class: 'stc-attachment-view', id: 'stc-attachment-view' });
    const $open = h('button', { type: 'button', class: 'secondary', id: 'stc-attachment-open' }, [t('stcAttachmentOpen', { title })]);
    $open.addEventListener('click', async () => {
      $open.setAttribute('disabled', '');
      try {
        const blob = await api(`/api/v1/staff/complaints/${encodeURIComponent(x.id)}/attachment`, { as: 'blob' });
        cleanup();
        objectUrl = URL.createObjectURL(blob);
        const type = a.contentType || blob.type || '';
        $place.replaceChildren(
          type.startsWith('image/') ? h('img', { src: objectUrl, alt: t('stcAttachmentImage', { title }), class: 'stc-attachment-img' }) : '',
          h('p', {}, [h('a', { href: objectUrl, target: '_blank', rel: 'noopener', download: title }, [t('stcAttachmentDownload', { title })])]),
        );
      } catch (error) {
        $place.replaceChildren(h('p', { class: 'error', role: 'alert' }, [complaintErrorText(error)]));
      } finally {
        $open.removeAttribute('disabled');
      }
    });
    return h('div', { class: 'stc-attachment' }, [h('h3', {}, [t('stcAttachment')]), $open, $place]);
  }

  function answerForm() {
    const $error = h('p', { class: 'error', id: 'stc-answer-error', hidden: true });
    const $send = h('button', { type: 'submit', id: 'stc-answer-send' }, [t('stcAnswerSend')]);
    const $conflict = h('div', { class: 'off-conflict', id: 'stc-conflict', tabindex: '-1', role: 'alert', hidden: true });
    const $form = h('form', { class: 'card stc-answer', 'aria-labelledby': 'stc-answer-title', novalidate: true }, [
      h('h2', { id: 'stc-answer-title' }, [t('stcAnswerTitle')]),
      $conflict,
      h('div', { class: 'field' }, [
        h('label', { for: 'stc-answer' }, [t('stcAnswerLabel')]),
        h('p', { class: 'hint', id: 'stc-answer-hint' }, [t('stcAnswerHint')]),
        $answer,
        $error,
      ]),
      $send,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = $answer.value.trim();
      $error.hidden = true;
      $answer.removeAttribute('aria-invalid');
      if (text.length < 10) {
        $error.hidden = false;
        $error.textContent = t('stcAnswerTooShort');
        $answer.setAttribute('aria-invalid', 'true');
        $answer.focus();
        return;
      }
      $send.setAttribute('disabled', '');
      try {
        c = await api(`/api/v1/staff/complaints/${encodeURIComponent(c.id)}/answer`, { method: 'POST', body: { text, version: c.version } });
        // The answer is the complaint's detail again; fetch it when the API gave less (events, complainant).
        if (!c.events) c = await get(`/api/v1/staff/complaints/${encodeURIComponent(id)}`);
        $answer.value = '';
        draw();
        notice(t('stcAnswered', { status: complaintStatusText(c.status) }));
        $notice.focus();
      } catch (error) {
        $send.removeAttribute('disabled');
        if (error instanceof ApiError && error.status === 409) {
          // Someone else answered (or the region took it) first: say so where the officer is, keep the text.
          $conflict.hidden = false;
          $conflict.replaceChildren(
            h('p', {}, [complaintErrorText(error)]),
            h('button', { type: 'button', class: 'secondary', onclick: () => reload(t('stcReloaded')) }, [t('stcReload')]),
          );
          $conflict.focus();
        } else {
          $error.hidden = false;
          $error.textContent = complaintErrorText(error);
          $answer.focus();
        }
      }
    });
    return $form;
  }
}

/** @param {ComplaintEvent[]} events */
function timeline(events) {
  return h('section', { class: 'card', 'aria-labelledby': 'stc-timeline-title' }, [
    h('h2', { id: 'stc-timeline-title' }, [t('stcTimeline')]),
    events.length ? h('ol', { class: 'off-timeline', id: 'stc-timeline' }, events.map((e) => h('li', {}, [
      h('strong', {}, [known(`stcAct_${e.action}`) ?? t('stcActOther')]),
      h('p', { class: 'meta' }, [formatDate(e.at, true), e.actorRole ? ` · ${known(`stcRole_${e.actorRole}`) ?? e.actorRole}` : '']),
      e.text ? h('p', { class: 'stc-text' }, [e.text]) : null,
    ]))) : h('p', {}, [t('stcTimelineEmpty')]),
  ]);
}
