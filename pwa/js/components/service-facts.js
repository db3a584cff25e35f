// "Gratis · 5 hari kerja": the two facts citizens ask first, in one line.
import { t } from '../i18n.js';
import { formatRupiah } from '../lib/dom.js';

/** @param {number} fee */
export const feeText = (fee) => (fee === 0 ? t('free') : formatRupiah(fee));
/** @param {number} days */
export const slaText = (days) => (days === 0 ? t('sameDay') : t('days', { n: days }));
/** @param {{ fee: number, slaDays: number }} service */
export const serviceFacts = (service) => `${feeText(service.fee)} · ${slaText(service.slaDays)}`;
