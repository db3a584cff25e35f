// The app's controller: language, session, navigation for the current mode, service worker and the outbox.
import { language, loadLanguage, preferredLanguage, t, translate } from './i18n.js';
import * as session from './session.js';
import { start, render } from './router.js';
import { h, toast } from './lib/dom.js';

const $lang = /** @type {HTMLButtonElement} */ (document.getElementById('lang'));
const $nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const $brand = /** @type {HTMLAnchorElement} */ (document.getElementById('brand'));
const $netstate = /** @type {HTMLElement} */ (document.getElementById('netstate'));

/** @type {Record<string, [string, string][]>} [hash, i18n key] per mode */
const NAV = {
  citizen: [['#/', 'navHome'], ['#/applications', 'navApplications'], ['#/wallet', 'navWallet'], ['#/notifications', 'navNotifications'], ['#/settings', 'navSettings']],
  staff: [['#/officer', 'navInbox'], ['#/officer/workload', 'navWorkload'], ['#/settings', 'navSettings']],
  kiosk: [],
  anonymous: [['#/', 'navHome'], ['#/signin', 'navSignIn'], ['#/settings', 'navSettings']],
};

function drawNav() {
  const mode = session.kind() ?? 'anonymous';
  document.body.dataset.mode = mode;
  $brand.href = mode === 'staff' ? '#/officer' : mode === 'kiosk' ? '#/kiosk' : '#/';
  // The team's workload is a supervisor's screen: plain officers are not shown a link to a polite refusal.
  const items = NAV[mode].filter(([href]) => href !== '#/officer/workload' || session.hasRole('supervisor'));
  $nav.hidden = items.length === 0;
  const here = location.hash.split('?')[0] || '#/';
  $nav.replaceChildren(h('ul', {}, items.map(([href, key]) => h('li', {}, [
    h('a', { href, 'aria-current': here === href ? 'page' : undefined }, [t(key)]),
  ]))));
  translate($nav.parentElement || document);
}

function drawNetState() {
  $netstate.hidden = navigator.onLine;
  $netstate.textContent = t('offlineBanner');
}

$lang.addEventListener('click', async () => {
  await loadLanguage(language() === 'id' ? 'en' : 'id');
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
