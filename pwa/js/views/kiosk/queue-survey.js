// Rating a served walk-in ticket at the kiosk (`#/kiosk/queue/survey`): the citizen holds the ticket's QR code to the
// camera (components/kiosk-qr.js, as the booking check-in reads codes) or types what is printed, the kiosk asks
// the server whether that ticket may still be rated (served today, not yet rated), then shows the nine SKM
// questions (components/skm-form.js), then thanks — and after a few seconds wipes the tablet for the next person
// (components/kiosk-shell.js), as "Selesai" does at once.
//
// The ticket's QR holds its follow link (`…/#/q/<token>`); a handheld scanner types that link, and a person may type
// the token itself: both are accepted. One answer per ticket: the server refuses a second (409 survey_answered).
import { ApiError, OfflineError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h, newId } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { kioskBar, startIdle, useStyles, wipe } from '../../components/kiosk-shell.js';
import { startQrScan } from '../../components/kiosk-qr.js';
import { createSkmForm } from '../../components/skm-form.js';

/** How long the thanks stay on screen before the tablet is wiped for the next person. */
const THANKS_MS = 8000;
const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/**
 * The follow token in what was scanned or typed: a follow link (`https://…/#/q/<token>`) or the token alone.
 * @param {string} value
 */
export function tokenOf(value) {
  const text = value.trim();
  const link = /#\/q\/([A-Za-z0-9_-]{32})(?:[?#/].*)?$/.exec(text);
  if (link) return link[1];
  return TOKEN.test(text) ? text : null;
}

/** @param {HTMLElement} $main */
export default async function render($main) {
  useStyles();
  startIdle();
  const $step = h('div', { id: 'kq-survey-step' });
  const $title = h('h1', {}, [t('kqSurveyTitle')]);
  $main.append(h('div', { class: 'kiosk' }, [kioskBar('queue'), $title, $step]));
  let busy = false;
  let timer = 0;
  /** @type {() => void} */
  let stopCamera = () => {};

  const $code = /** @type {HTMLInputElement} */ (h('input', {
    id: 'kq-survey-code', name: 'token', type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
    maxlength: '300', class: 'kq-code-input', 'aria-describedby': 'kq-survey-hint kq-survey-error',
  }));
  const $error = h('p', { class: 'error', id: 'kq-survey-error', role: 'alert' });
  const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'kiosk-primary', id: 'kq-survey-find' }, [t('kqSurveyFind')]));
  const $camera = h('div', { class: 'kq-camera', id: 'kq-survey-camera', hidden: true });
  const $form = h('form', { class: 'card kiosk-form', id: 'kq-survey-form', novalidate: true }, [
    h('div', { class: 'field' }, [
      h('label', { for: 'kq-survey-code' }, [t('kqSurveyCodeLabel')]),
      h('p', { class: 'hint', id: 'kq-survey-hint' }, [t('kqSurveyCodeHint')]),
      $code,
    ]),
    $error,
    $send,
  ]);
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = tokenOf($code.value);
    if (!token) {
      $error.textContent = t('kqSurveyCodeFormat');
      $code.setAttribute('aria-invalid', 'true');
      $code.focus();
      return;
    }
    find(token);
  });
  $step.replaceChildren(h('p', { class: 'kiosk-lead' }, [t('kqSurveyIntro')]), $camera, $form);
  $code.focus();
  stopCamera = startQrScan($camera, (value) => {
    const token = tokenOf(value);
    if (!token) return;
    announce(t('kqScanned'));
    find(token);
  }, { text: t('kqSurveyCameraText'), isBusy: () => busy });

  return () => { stopCamera(); window.clearTimeout(timer); };

  /** Whether the ticket may be rated; then the questions. @param {string} token */
  async function find(token) {
    if (busy) return;
    busy = true;
    $send.disabled = true;
    $error.textContent = '';
    $code.removeAttribute('aria-invalid');
    try {
      const ticket = await get(`/api/v1/kiosk/queue/survey/${encodeURIComponent(token)}`);
      stopCamera();
      questions(token, ticket);
    } catch (error) {
      $error.replaceChildren(refusal(error));
      $code.setAttribute('aria-invalid', 'true');
      $code.focus();
      $send.disabled = false;
      // The same ticket may still be in front of the camera: wait a moment before reading it again.
      window.setTimeout(() => { busy = false; }, 3000);
    }
  }

  /** @param {string} token @param {{ number: string, agencyName: string, serviceName: string | null }} ticket */
  function questions(token, ticket) {
    const key = newId();
    const form = createSkmForm({
      idPrefix: 'kskm',
      onSend: async (answer) => {
        form.busy(true);
        try {
          await api(`/api/v1/kiosk/queue/survey/${encodeURIComponent(token)}`, { method: 'POST', body: answer, headers: { 'Idempotency-Key': key } });
          thanks();
        } catch (error) {
          form.busy(false);
          form.problem([refusal(error)]);
        }
      },
    });
    const $about = h('h2', { class: 'kq-survey-ticket', id: 'kq-survey-ticket', tabindex: '-1' }, [t('kqSurveyTicket', { number: ticket.number })]);
    $step.replaceChildren(
      $about,
      h('p', { class: 'kiosk-lead' }, [[ticket.serviceName, ticket.agencyName].filter(Boolean).join(' · ')]),
      h('p', { class: 'fb-private', id: 'kq-survey-private' }, [t('fbSkmPrivacy')]),
      form.$el,
      h('button', { type: 'button', class: 'secondary kiosk-secondary', id: 'kq-survey-cancel', onclick: () => wipe() }, [t('fbCancel')]),
    );
    // The step changed under the person's finger: the ticket's heading is read first, then the questions.
    $about.focus();
  }

  function thanks() {
    const $thanks = h('h2', { id: 'kq-survey-thanks', tabindex: '-1' }, [t('fbSkmThanksTitle')]);
    $step.replaceChildren(h('section', { class: 'card kiosk-result-card fb-thanks', 'aria-labelledby': 'kq-survey-thanks' }, [
      $thanks,
      h('p', {}, [t('fbSkmThanksText')]),
      h('p', { class: 'hint' }, [t('kqSurveyBackSoon')]),
      h('button', { type: 'button', class: 'kiosk-primary', id: 'kq-survey-done', onclick: () => wipe() }, [t('kqDone')]),
    ]));
    $thanks.focus();
    announce(t('fbSkmThanksTitle'));
    // Nothing personal is on screen, but the next person should find the kiosk's home, not someone's thanks.
    timer = window.setTimeout(() => { wipe(); }, THANKS_MS);
  }
}

/** Why the ticket cannot be rated (or the answer was refused), in words. @param {unknown} error */
function refusal(error) {
  if (error instanceof OfflineError) return t('kqOfflineRetry');
  if (error instanceof ApiError) {
    if (error.status === 404) return t('kqSurveyUnknown');
    if (error.code === 'survey_answered') return t('accountErr_survey_answered');
    if (error.code === 'survey_not_open') return t('kqSurveyNotOpen');
  }
  return problemText(error);
}
