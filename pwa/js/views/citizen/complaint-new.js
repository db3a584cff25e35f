// Filing a complaint (pengaduan), `#/complaints/new?application=<id>` | `?ticket=<id>` | `?service=<id>[&region=]`:
// it is always about something — an application, a queue ticket, or a service — which decides the agency it goes
// to. The category (its response time in working days, as published for SP4N-LAPOR!), the text, an optional
// document or photo from the wallet, and whether to hide one's identity from the agency.
//
// Sent with an Idempotency-Key kept for this form's body (components/feedback-common.js): a retry after a lost
// answer gets the same complaint back, not a second one. After 201 the screen shows the number and the due date.
import { ApiError, OfflineError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { forgetKey, keyFor } from '../../components/feedback-common.js';
import { internalRoute } from '../../components/return-to.js';

const TEXT_MIN = 10;
const TEXT_MAX = 4000;

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const applicationId = ctx.query.get('application');
  const ticketId = ctx.query.get('ticket');
  const serviceId = ctx.query.get('service');
  const region = ctx.query.get('region');
  $main.append(h('h1', {}, [t('titleComplaintNew')]));
  if (!applicationId && !ticketId && !serviceId) {
    $main.append(h('p', { class: 'card', id: 'fb-cmp-no-subject' }, [t('fbCmpHowToFile')]), h('p', {}, [h('a', { href: '#/complaints' }, [t('titleComplaints')])]));
    return;
  }

  /** What the complaint is about, in words, and where "back" goes. */
  let subject = { title: '', meta: '', back: '#/complaints' };
  /** @type {any[]} */
  let categories = [];
  /** @type {any[]} */
  let documents = [];
  try {
    const [cats, docs, about] = await Promise.all([
      get('/api/v1/complaints/categories'),
      get('/api/v1/wallet/documents').catch(() => ({ items: [] })),
      applicationId ? get(`/api/v1/applications/${encodeURIComponent(applicationId)}`)
        : serviceId ? get(`/api/v1/services/${encodeURIComponent(serviceId)}`) : Promise.resolve(null),
    ]);
    categories = cats.items;
    documents = docs.items || [];
    if (applicationId) subject = { title: about.service.name, meta: [about.number, about.agency.name].filter(Boolean).join(' · '), back: `#/applications/${about.id}` };
    else if (serviceId) subject = { title: about.name, meta: `${about.agency.name} · ${about.region?.name ?? ''}`, back: `#/services/${about.id}` };
    else subject = { title: t('fbCmpAboutTicket'), meta: ctx.query.get('label') || '', back: `#${internalRoute(ctx.query.get('back')) || '/complaints'}` };
  } catch (error) {
    $main.append(h('p', { class: 'card' }, [error instanceof ApiError && error.status === 404 ? t('accountErr_not_found') : error instanceof OfflineError ? t('offline') : problemText(error)]));
    return;
  }

  const $summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'fb-cmp-problem', hidden: true });
  const $catError = h('p', { class: 'error', id: 'fb-cmp-category-error', hidden: true });
  const $cats = h('fieldset', { class: 'q-fieldset fb-categories', id: 'fb-cmp-category', 'aria-describedby': 'fb-cmp-category-error' }, [
    h('legend', {}, [t('fbCmpCategoryLegend')]),
    $catError,
    h('div', { class: 'fb-category-list' }, categories.map((c) => {
      const id = `fb-cat-${c.code}`;
      return h('label', { class: 'q-choice fb-category', for: id }, [
        h('input', { type: 'radio', name: 'category', value: c.code, id }),
        h('span', { class: 'q-choice-main' }, [c.name?.id || c.name?.en ? localName(c.name) : String(c.name)]),
        h('span', { class: 'q-choice-sub' }, [t('fbCmpDays', { n: c.responseDays })]),
      ]);
    })),
  ]);
  const $text = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    id: 'fb-cmp-text', name: 'text', rows: '6', maxlength: String(TEXT_MAX), 'aria-describedby': 'fb-cmp-text-hint fb-cmp-text-count fb-cmp-text-error',
  }));
  const $textError = h('p', { class: 'error', id: 'fb-cmp-text-error', hidden: true });
  const $count = h('p', { class: 'hint', id: 'fb-cmp-text-count', 'aria-live': 'polite' });
  const showCount = () => { $count.textContent = t('fbCharCount', { used: $text.value.length, max: TEXT_MAX }); };
  $text.addEventListener('input', showCount);
  showCount();
  // A message about a field goes once the field is right, not at the next send.
  $text.addEventListener('input', () => {
    if ($text.value.trim().length >= TEXT_MIN && !$textError.hidden) { $textError.hidden = true; $text.removeAttribute('aria-invalid'); }
  });
  $cats.addEventListener('change', () => { $catError.hidden = true; });
  const $attachment = /** @type {HTMLSelectElement} */ (h('select', { id: 'fb-cmp-attachment', name: 'attachment', 'aria-describedby': 'fb-cmp-attachment-hint' }, [
    h('option', { value: '' }, [t('fbCmpNoAttachment')]),
    ...documents.map((d) => h('option', { value: d.id }, [[d.title, d.type?.name].filter(Boolean).join(' — ')])),
  ]));
  const $anonymous = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'fb-cmp-anonymous', name: 'anonymous', 'aria-describedby': 'fb-cmp-anonymous-hint' }));
  const $officer = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'fb-cmp-officer', name: 'aboutOfficer' }));
  const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'fb-cmp-send' }, [t('fbCmpSend')]));
  const $form = h('form', { class: 'fb-cmp-form', id: 'fb-cmp-form', novalidate: true }, [
    $summary,
    $cats,
    h('div', { class: 'field' }, [
      h('label', { for: 'fb-cmp-text' }, [t('fbCmpTextLabel')]),
      h('p', { class: 'hint', id: 'fb-cmp-text-hint' }, [t('fbCmpTextHint')]),
      $textError,
      $text,
      $count,
    ]),
    h('div', { class: 'field' }, [
      h('label', { for: 'fb-cmp-attachment' }, [t('fbCmpAttachmentLabel')]),
      h('p', { class: 'hint', id: 'fb-cmp-attachment-hint' }, [documents.length ? t('fbCmpAttachmentHint') : t('fbCmpAttachmentNone'), ' ',
        h('a', { href: `#/wallet?back=${encodeURIComponent(`/complaints/new?${ctx.query.toString()}`)}` }, [t('fbCmpAttachmentWallet')])]),
      $attachment,
    ]),
    applicationId || ticketId ? h('label', { class: 'check fb-check', for: 'fb-cmp-officer' }, [$officer, t('fbCmpAboutOfficer')]) : '',
    h('label', { class: 'check fb-check', for: 'fb-cmp-anonymous' }, [$anonymous, t('fbCmpAnonymous')]),
    h('p', { class: 'hint fb-check-hint', id: 'fb-cmp-anonymous-hint' }, [t('fbCmpAnonymousHint')]),
    h('div', { class: 'actions' }, [$send]),
  ]);
  $main.append(
    h('p', {}, [h('a', { class: 'back', href: subject.back }, [t('fbBack')])]),
    h('section', { class: 'card fb-subject', id: 'fb-cmp-subject', 'aria-label': t('fbCmpAbout') }, [
      h('p', { class: 'meta' }, [t('fbCmpAbout')]),
      h('p', {}, [h('strong', {}, [subject.title])]),
      subject.meta ? h('p', { class: 'meta' }, [subject.meta]) : '',
    ]),
    $form,
  );

  let busy = false;
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const category = /** @type {HTMLInputElement | null} */ ($form.querySelector('input[name=category]:checked'))?.value || '';
    const text = $text.value.trim();
    /** @type {[HTMLElement, string][]} */
    const problems = [];
    if (!category) problems.push([/** @type {HTMLElement} */ ($cats.querySelector('input')), t('fbCmpErrCategory')]);
    if (text.length < TEXT_MIN) problems.push([$text, t('fbCmpErrTextShort', { min: TEXT_MIN })]);
    showFieldErrors(problems);
    if (problems.length) return;
    /** @type {Record<string, unknown>} */
    const body = { category, text, anonymous: $anonymous.checked };
    if (applicationId) body.applicationId = applicationId;
    if (ticketId) body.ticketId = ticketId;
    if (serviceId) body.serviceId = serviceId;
    if (serviceId && region) body.region = region;
    if ((applicationId || ticketId) && $officer.checked) body.aboutOfficer = true;
    if ($attachment.value) body.attachmentId = $attachment.value;
    const slot = `complaint:${applicationId || ticketId || serviceId}`;
    busy = true;
    $send.disabled = true;
    $send.textContent = t('fbSkmSending');
    try {
      const created = await api('/api/v1/complaints', { method: 'POST', body, headers: { 'Idempotency-Key': keyFor(slot, body) } });
      forgetKey(slot);
      filed(created);
    } catch (error) {
      busy = false;
      $send.disabled = false;
      $send.textContent = t('fbCmpSend');
      $summary.replaceChildren(error instanceof OfflineError ? t('fbCmpOffline') : problemText(error));
      $summary.hidden = false;
      $summary.focus();
    }
  });

  /** Field messages next to their fields and an error summary linking to them (GOV.UK pattern). @param {[HTMLElement, string][]} problems */
  function showFieldErrors(problems) {
    $catError.hidden = true;
    $textError.hidden = true;
    $text.removeAttribute('aria-invalid');
    if (!problems.length) { $summary.hidden = true; return; }
    for (const [$field, message] of problems) {
      if ($field === $text) { $textError.textContent = message; $textError.hidden = false; $text.setAttribute('aria-invalid', 'true'); }
      else { $catError.textContent = message; $catError.hidden = false; }
    }
    $summary.replaceChildren(
      h('h2', {}, [t('fbErrSummary')]),
      h('ul', {}, problems.map(([$field, message]) => h('li', {}, [h('a', { href: `#${$field.id}`, onclick: (/** @type {Event} */ e) => { e.preventDefault(); $field.focus(); } }, [message])]))),
    );
    $summary.hidden = false;
    $summary.focus();
  }

  /** The number and the due date, in place of the form. @param {any} created */
  function filed(created) {
    const $title = h('h1', { tabindex: '-1', id: 'fb-cmp-filed-title' }, [t('fbCmpFiledTitle')]);
    $main.replaceChildren(h('section', { class: 'card fb-filed', id: 'fb-cmp-filed', 'aria-labelledby': 'fb-cmp-filed-title' }, [
      $title,
      h('dl', { class: 'facts fb-facts' }, [
        h('dt', {}, [t('fbCmpNumber')]), h('dd', { id: 'fb-cmp-number', class: 'fb-number' }, [created.number]),
        h('dt', {}, [t('fbCmpDueLabel')]), h('dd', { id: 'fb-cmp-due' }, [formatDate(created.dueDate)]),
      ]),
      h('p', {}, [t('fbCmpFiledText')]),
      h('p', { class: 'actions' }, [
        h('a', { class: 'button', href: `#/complaints/${created.id}`, id: 'fb-cmp-open' }, [t('fbCmpOpen')]),
        h('a', { class: 'button secondary', href: '#/complaints' }, [t('titleComplaints')]),
      ]),
    ]));
    $title.focus();
    announce(t('fbCmpFiledTitle'));
  }
}

/** A `{id, en}` name in the screen's language. @param {{ id?: string, en?: string }} name */
function localName(name) {
  return (document.documentElement.lang === 'en' ? name.en : name.id) || name.id || name.en || '';
}
