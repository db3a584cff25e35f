// An enrolment code for a staff member's first passkey, shown once (the server keeps only an HMAC): after an
// invitation, a new code, or lost passkeys. The code to read aloud, the link (to open on their phone, copy or
// send) and the link's QR code, drawn by the server from its own link, so the person can scan it from this screen.
//
// Contract: receives the new code, the person (name, phone) and options: a note, the heading's level where it is
// placed (`heading`, default h3) and `onDone`; returns { $el: its <section>, which the caller places, and focus(),
// which the caller calls once it is placed: the code is what the admin must act on now }. Only one is on the
// screen at a time (a new one removes the previous one wherever it was), since each carries a secret and the same
// element ids.
import { t } from '../../../i18n.js';
import { formatDate, h } from '../../../lib/dom.js';
import { copyButton } from '../common.js';
import { nameOf } from './shared.js';

/**
 * @param {import('./shared.js').NewCode} issued
 * @param {{ name: string, phone: string }} person
 * @param {{ note?: string, heading?: string, onDone?: () => void }} [options]
 */
export function codePanel(issued, person, { note, heading = 'h3', onDone } = {}) {
  document.querySelectorAll('.adm-staff-code').forEach(($old) => $old.remove());
  const name = nameOf(person);
  const $code = h('code', { class: 'adm-code', id: 'adm-enrol-code' }, [issued.enrolmentCode]);
  // A link, so that it can be long-pressed and shared; it opens in a new tab, away from this admin's session.
  const $link = h('a', { class: 'adm-secret', id: 'adm-enrol-link', href: issued.link, target: '_blank', rel: 'noopener noreferrer' }, [issued.link]);
  const $title = h(heading, { id: 'adm-code-title', tabindex: '-1' }, [t('adminStaffCodeTitle', { name })]);
  // An <img> of the SVG: drawn, never run (no script in an image), and the CSP allows data: images.
  const $qr = h('img', {
    class: 'adm-qr',
    id: 'adm-enrol-qr',
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(issued.qrSvg)}`,
    alt: t('adminStaffQrAlt', { name }),
  });
  const $el = h('section', { class: 'adm-once adm-staff-code', 'aria-labelledby': 'adm-code-title' }, [
    $title,
    note ? h('p', {}, [note]) : '',
    h('p', { class: 'adm-warning' }, [h('strong', {}, [t('adminShownOnce')]), ' ', t('adminStaffCodeWarning', { name })]),
    h('p', { class: 'adm-label' }, [t('adminStaffCode')]), $code,
    h('p', { class: 'adm-label' }, [t('adminStaffLink')]), $link,
    h('figure', { class: 'adm-qr-box' }, [$qr, h('figcaption', { class: 'hint' }, [t('adminStaffQrHint', { name })])]),
    h('p', { class: 'meta' }, [t('adminStaffExpires', { date: formatDate(issued.expiresAt, true) })]),
    h('div', { class: 'adm-actions' }, [
      copyButton(issued.enrolmentCode, t('adminCopyCode'), $code),
      copyButton(issued.link, t('adminCopyLink'), $link),
      h('button', { type: 'button', onclick: () => { $el.remove(); onDone?.(); } }, [t('adminStaffCodeDone')]),
    ]),
  ]);
  return { $el, focus: () => $title.focus() };
}
