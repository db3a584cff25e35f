// Status look-up at the kiosk. Nothing is shown until the application's owner confirms with the code sent to their
// own phone; the answer is the same whether or not a number exists, so this screen says "if the number is right".
// What is shown lives in this screen's DOM only (never in storage) and goes with the idle wipe or "Done".
import { ApiError, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { kioskBar, startIdle, useStyles, wipe } from '../../components/kiosk-shell.js';
import { WITHOUT_DEADLINE, isIn } from '../../statuses.js';

/** @param {HTMLElement} $main */
export default async function render($main) {
  useStyles();
  startIdle();
  const $step = h('div', { id: 'kiosk-status-step' });
  $main.append(h('div', { class: 'kiosk' }, [
    kioskBar('status'),
    h('h1', {}, [t('kioskStatusTitle')]),
    h('p', { class: 'kiosk-lead' }, [t('kioskStatusIntro')]),
    $step,
  ]));
  askNumber($step, '');
}

/**
 * @param {HTMLElement} $input
 * @param {HTMLElement} $error
 * @param {string} message
 */
function fieldError($input, $error, message) {
  $error.textContent = message;
  $input.setAttribute('aria-invalid', 'true');
  $input.focus();
}

/**
 * Step 1: the number.
 * @param {HTMLElement} $step
 * @param {string} number
 */
function askNumber($step, number) {
  const $number = /** @type {HTMLInputElement} */ (h('input', {
    id: 'kiosk-number', name: 'number', type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: '40',
    'aria-describedby': 'kiosk-number-hint kiosk-number-error',
  }));
  $number.value = number;
  const $error = h('p', { id: 'kiosk-number-error', class: 'error', role: 'alert' });
  const $button = h('button', { type: 'submit', class: 'kiosk-primary' }, [t('kioskSendCode')]);
  const $form = h('form', { class: 'card kiosk-form', id: 'kiosk-number-form', novalidate: true }, [
    h('div', { class: 'field' }, [
      h('label', { for: 'kiosk-number' }, [t('kioskNumberLabel')]),
      h('p', { class: 'hint', id: 'kiosk-number-hint' }, [t('kioskNumberHint')]),
      $number,
    ]),
    $error,
    $button,
  ]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const typed = $number.value.trim();
    $error.textContent = '';
    $number.removeAttribute('aria-invalid');
    if (!/^[\d\s.\-–—]{14,40}$/.test(typed)) { fieldError($number, $error, t('kioskNumberInvalid')); return; }
    $button.setAttribute('disabled', '');
    try {
      await post('/api/v1/kiosk/status/code', { number: typed });
      askCode($step, typed);
    } catch (error) {
      $button.removeAttribute('disabled');
      fieldError($number, $error, errorText(error, 'number'));
    }
  });
  $step.replaceChildren($form);
}

/**
 * Step 2: the code the owner received.
 * @param {HTMLElement} $step
 * @param {string} number
 */
function askCode($step, number) {
  const $code = /** @type {HTMLInputElement} */ (h('input', {
    id: 'kiosk-code', name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    maxlength: '6', pattern: '[0-9]*', 'aria-describedby': 'kiosk-code-hint kiosk-code-error',
  }));
  const $error = h('p', { id: 'kiosk-code-error', class: 'error', role: 'alert' });
  const $button = h('button', { type: 'submit', class: 'kiosk-primary' }, [t('kioskShowStatus')]);
  const $again = h('button', { type: 'button', class: 'secondary kiosk-secondary' }, [t('kioskNewCode')]);
  const $other = h('button', { type: 'button', class: 'secondary kiosk-secondary' }, [t('kioskOtherNumber')]);
  const $sent = h('p', { class: 'kiosk-sent', id: 'kiosk-code-sent' }, [t('kioskCodeSent', { number })]);
  const $form = h('form', { class: 'card kiosk-form', id: 'kiosk-code-form', novalidate: true }, [
    $sent,
    h('div', { class: 'field' }, [
      h('label', { for: 'kiosk-code' }, [t('kioskCodeLabel')]),
      h('p', { class: 'hint', id: 'kiosk-code-hint' }, [t('kioskCodeHint')]),
      $code,
    ]),
    $error,
    $button,
    h('div', { class: 'kiosk-row' }, [$again, $other]),
  ]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = $code.value.replace(/\s/g, '');
    $error.textContent = '';
    $code.removeAttribute('aria-invalid');
    if (!/^\d{6}$/.test(code)) { fieldError($code, $error, t('kioskCodeFormat')); return; }
    $button.setAttribute('disabled', '');
    try {
      const summary = await post('/api/v1/kiosk/status', { number, code });
      showResult($step, summary);
    } catch (error) {
      $button.removeAttribute('disabled');
      $code.value = '';
      fieldError($code, $error, errorText(error, 'code'));
    }
  });
  $again.addEventListener('click', async () => {
    $error.textContent = '';
    try {
      await post('/api/v1/kiosk/status/code', { number });
      announce(t('kioskCodeSent', { number }));
      $code.focus();
    } catch (error) {
      fieldError($code, $error, errorText(error, 'number'));
    }
  });
  $other.addEventListener('click', () => askNumber($step, ''));
  $step.replaceChildren($form);
  // The screen changed under the user's finger: put them in the field and say what happened.
  $code.focus();
  announce($sent.textContent || '');
}

/**
 * @param {unknown} error
 * @param {'number' | 'code'} step
 */
function errorText(error, step) {
  if (!(error instanceof ApiError)) return t('kioskOffline');
  switch (error.problem.code || error.code) {
    case 'invalid_number': return t('kioskNumberInvalid');
    case 'rate_limited': return t('kioskRateLimited');
    case 'invalid_code': return t('kioskCodeWrong');
    case 'code_expired': return t('kioskCodeExpired');
    case 'too_many_attempts': return t('kioskCodeLocked');
    case 'invalid_request': return step === 'code' ? t('kioskCodeFormat') : t('kioskNumberInvalid');
    default: return problemText(error);
  }
}

/**
 * The date that matters: when a closed application was closed ("Selesai pada 3 Desember 2026"), otherwise the
 * deadline ("Selesai paling lambat …") — a completed application's old deadline would read as still pending.
 * @param {any} s
 * @param {any} d
 */
function when(s, d) {
  if (s.closedOn) return [h('dt', {}, [t(`kioskResultClosed_${s.status}`)]), h('dd', { id: 'kiosk-result-closed' }, [formatDate(s.closedOn)])];
  if (!d.dueDate || isIn(WITHOUT_DEADLINE, s.status)) return [];
  return [h('dt', {}, [t('kioskResultDue')]), h('dd', { id: 'kiosk-result-due' }, [formatDate(d.dueDate)])];
}

/**
 * Step 3: the minimal summary — service, status, deadline, what is needed. Nothing else exists in the answer.
 * @param {HTMLElement} $step
 * @param {any} s
 */
function showResult($step, s) {
  const d = s.deadline || {};
  const $title = h('h2', { id: 'kiosk-result-title', tabindex: '-1' }, [t('kioskResultTitle', { number: s.number })]);
  const $done = h('button', { type: 'button', class: 'kiosk-primary', id: 'kiosk-done' }, [t('kioskDone')]);
  $done.addEventListener('click', () => { wipe(); });
  $step.replaceChildren(h('section', { class: 'card kiosk-result-card', id: 'kiosk-result', 'aria-labelledby': 'kiosk-result-title' }, [
    $title,
    h('dl', { class: 'kiosk-facts' }, [
      h('dt', {}, [t('kioskResultStatus')]),
      h('dd', {}, [h('strong', { class: `kiosk-state kiosk-state-${s.status}` }, [t(`kioskStatus_${s.status}`)])]),
      h('dt', {}, [t('kioskResultService')]), h('dd', {}, [s.service]),
      h('dt', {}, [t('kioskResultAgency')]), h('dd', {}, [s.agency]),
      ...when(s, d),
    ]),
    d.paused ? h('p', { class: 'kiosk-note' }, [t('kioskResultPaused')]) : null,
    d.overdue ? h('p', { class: 'kiosk-note kiosk-warn' }, [t('kioskResultOverdue')]) : null,
    ...(s.actionNeeded ? [
      h('h3', {}, [t('kioskResultNeeded')]),
      h('p', { class: 'kiosk-needed' }, [s.actionNeeded]),
      h('p', {}, [t('kioskResultNeededHelp')]),
    ] : []),
    $done,
  ]));
  $title.focus();
}
