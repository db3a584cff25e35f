// The app's controller: language, session, navigation for the current mode, service worker and the outbox.
import { language, loadLanguage, preferredLanguage, t, translate } from './i18n.js';
import * as session from './session.js';
import { api } from './api.js';
import { start, render } from './router.js';
import { h, toast } from './lib/dom.js';

const $lang = /** @type {HTMLButtonElement} */ (document.getElementById('lang'));
const $nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const $brand = /** @type {HTMLAnchorElement} */ (document.getElementById('brand'));
const $netstate = /** @type {HTMLElement} */ (document.getElementById('netstate'));
const $settings = /** @type {HTMLAnchorElement} */ (document.getElementById('settings-link'));

/**
 * Per mode: [hash, i18n key, icon]. Settings is not a tab: it is the gear in the header (index.html), so the
 * citizen's four tabs each get a quarter of a 320 px screen — room for "Permohonan" and "Notifications" in full
 * under their icons, where five tabs cut them off.
 * @type {Record<string, [string, string, keyof typeof ICONS][]>}
 */
const NAV = {
  citizen: [['#/', 'navHome', 'home'], ['#/applications', 'navApplications', 'applications'], ['#/wallet', 'navWallet', 'wallet'], ['#/notifications', 'navNotifications', 'notifications']],
  staff: [['#/officer', 'navInbox', 'inbox'], ['#/officer/counter', 'navCounter', 'counter'], ['#/officer/identity', 'navIdentityCheck', 'identityCheck'], ['#/officer/mandates', 'navMandates', 'staff'], ['#/officer/complaints', 'navComplaints', 'complaints'], ['#/officer/skm', 'navSkm', 'skm'], ['#/officer/stats', 'navStats', 'stats'], ['#/officer/workload', 'navWorkload', 'workload']],
  admin: [['#/admin', 'navAdminHome', 'home'], ['#/admin/services', 'navAdminServices', 'applications'], ['#/admin/staff', 'navAdminStaff', 'staff'], ['#/admin/kiosks', 'navAdminKiosks', 'kiosk'], ['#/admin/complaints', 'navComplaints', 'complaints'], ['#/admin/skm', 'navSkm', 'skm'], ['#/admin/stats', 'navStats', 'stats']],
  kiosk: [],
  anonymous: [['#/', 'navHome', 'home'], ['#/signin', 'navSignIn', 'signIn']],
};

/** Outline icons on a 24 px grid, drawn with the link's text colour (so they follow its current/hover state). */
const ICONS = {
  home: ['M3 11l9-8 9 8', 'M5 10v10h5v-6h4v6h5V10'],
  applications: ['M6 3h8l4 4v14H6z', 'M14 3v4h4', 'M9 12h6', 'M9 16h6'],
  wallet: ['M3 8h18v12H3z', 'M5 8l11-4 1 4', 'M16 14h2'],
  notifications: ['M6 17v-6a6 6 0 0 1 12 0v6l2 2H4z', 'M10 22h4'],
  signIn: ['M14 3h6v18h-6', 'M10 7l5 5-5 5', 'M15 12H3'],
  inbox: ['M5 4h14l2 9v7H3v-7z', 'M3 13h5l2 3h4l2-3h5'],
  workload: ['M4 20V11', 'M10 20V4', 'M16 20v-7', 'M2 20h20'],
  identityCheck: ['M3 6h18v12H3z', 'M7 10h4', 'M7 14h6', 'M15 9h3v4h-3z'],
  kiosk: ['M5 3h14v13H5z', 'M9 20h6', 'M12 16v4'],
  staff: ['M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M2 21v-1a7 7 0 0 1 14 0v1', 'M16 3.5a4 4 0 0 1 0 7', 'M19 14a6 6 0 0 1 3 5v2'],
  failed: ['M4 6h16v12H4z', 'M4 6l8 7 8-7', 'M12 16v.01'],
  counter: ['M3 12h18', 'M5 12v8', 'M19 12v8', 'M8 8a4 4 0 0 1 8 0', 'M12 4v0'],
  complaints: ['M4 4h16v12H9l-5 4z', 'M12 7v4', 'M12 13.5v.01'],
  skm: ['M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z'],
  stats: ['M3 3v18h18', 'M7 15l4-4 3 3 5-6'],
};

/** @param {keyof typeof ICONS} name */
function icon(name) {
  const NS = 'http://www.w3.org/2000/svg';
  const $svg = document.createElementNS(NS, 'svg');
  // Decorative: the label next to it names the link.
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: '24', height: '24', 'aria-hidden': 'true', focusable: 'false', class: 'nav-icon' })) $svg.setAttribute(k, v);
  for (const d of ICONS[name]) {
    const $path = document.createElementNS(NS, 'path');
    $path.setAttribute('d', d);
    $svg.append($path);
  }
  return $svg;
}

function drawNav() {
  const mode = session.isAdmin() ? 'admin' : session.kind() ?? 'anonymous';
  document.body.dataset.mode = mode;
  $brand.href = `#${session.home()}`;
  // The team's workload and the agency's figures (Kinerja) are a supervisor's screens: plain officers are not
  // shown a link to a polite refusal.
  // Family mandates are checked against the KK by Disdukcapil's officers only (api/identity/service.py).
  const items = NAV[mode].filter(([href]) => ((href !== '#/officer/workload' && href !== '#/officer/stats') || session.hasRole('supervisor'))
    && (href !== '#/officer/mandates' || session.me()?.agency?.code === 'DISDUKCAPIL'));
  $nav.hidden = items.length === 0;
  const here = location.hash.split('?')[0] || '#/';
  $nav.replaceChildren(h('ul', {}, items.map(([href, key, name]) => h('li', {}, [
    h('a', { href, 'aria-current': here === href ? 'page' : undefined }, [icon(name), h('span', { class: 'nav-label' }, [t(key)])]),
  ]))));
  // The gear is hidden in kiosk mode by CSS (body[data-mode="kiosk"]), like the language button.
  if (here === '#/settings') $settings.setAttribute('aria-current', 'page'); else $settings.removeAttribute('aria-current');
  translate($nav.parentElement || document);
}

function drawNetState() {
  $netstate.hidden = navigator.onLine;
  $netstate.textContent = t('offlineBanner');
}

$lang.addEventListener('click', async () => {
  await loadLanguage(language() === 'id' ? 'en' : 'id');
  // As in Settings: SMS and notifications follow the account's language, so a signed-in switch is saved too.
  if (session.signedIn() && session.kind() !== 'kiosk') {
    api('/api/v1/me', { method: 'PATCH', body: { language: language() } }).then(() => session.reloadMe()).catch(() => undefined);
  }
  $lang.setAttribute('aria-label', t('switchLanguageLabel'));
  drawNav();
  drawNetState();
  await render();
});
addEventListener('hashchange', drawNav);
addEventListener('online', drawNetState);
addEventListener('offline', drawNetState);
session.onChange(drawNav);

await loadLanguage(preferredLanguage());
$lang.setAttribute('aria-label', t('switchLanguageLabel'));
await session.restore();
drawNav();
drawNetState();
await start();

// After the first screen: the service worker and the outbox, off the critical path.
if ('serviceWorker' in navigator) {
  import('./sw-client.js').then((m) => m.register()).catch(() => undefined);
}
if (session.kind() === 'citizen') {
  import('./store/outbox.js').then((m) => m.replay()).catch(() => undefined);
  // The unread count on the Notifications link: one small request, after the first screen.
  import('./components/notifications-badge.js').then((m) => m.start()).catch(() => undefined);
}
export { toast };
