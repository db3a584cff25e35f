// The admin home: what an admin can do here, each a link to its screen (services, building, calendar, staff,
// kiosks, the integrations — single sign-on, webhooks, OSS differences — side by side, import/export, failed
// notifications). It says which region the admin manages, so a national admin knows they see every region.
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { isRegionAdmin, loadStyles } from './common.js';

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  const me = session.me() || {};
  const scope = isRegionAdmin() && me.region?.name ? t('adminHomeRegion', { region: me.region.name }) : t('adminHomeNational');
  /** @type {[string, string, string][]} */
  const tasks = [
    ['#/admin/services', t('adminServicesTitle'), t('adminServicesIntro')],
    ['#/admin/building', t('adminBuildingTitle'), t('adminBuildingIntro')],
    ['#/admin/calendar', t('adminCalendarTitle'), t('adminCalendarIntro')],
    ['#/admin/queue', t('aqTitle'), t('aqHomeIntro')],
    ['#/admin/complaints', t('stcAdminTitle'), t('stcAdminHomeIntro')],
    ['#/admin/skm', t('sskmRegionTitle'), t('sskmAdminHomeIntro')],
    ['#/admin/staff', t('adminStaffTitle'), t('adminStaffIntro')],
    ['#/admin/kiosks', t('adminKiosksTitle'), isRegionAdmin() ? t('adminKiosksIntro') : t('adminKiosksIntroNational')],
    ['#/admin/sso', t('adminSsoTitle'), t('adminSsoIntro')],
    ['#/admin/webhooks', t('adminWhTitle'), t('adminWhHomeIntro')],
    ['#/admin/oss', t('adminOssTitle'), t('adminOssHomeIntro')],
    ['#/admin/transfer', t('adminTransferTitle'), t('adminTransferIntro')],
    ['#/admin/notifications', t('adminFailedTitle'), t('adminFailedIntro')],
  ];
  $main.append(
    h('h1', {}, [t('adminHomeTitle')]),
    h('p', { class: 'adm-scope' }, [scope]),
    h('ul', { class: 'adm-tasks' }, tasks.map(([href, title, text]) => h('li', { class: 'card' }, [
      h('h2', {}, [h('a', { href }, [title])]),
      h('p', {}, [text]),
    ]))),
  );
}
