// What the display board says when it calls a ticket: "Nomor antrean A dua belas, silakan ke loket tiga".
//
// The same composition as api/queue/callout.py (tests/queue/test_callout.py runs both, with node, and checks that
// they agree). Pure: no DOM, no imports, so node can load it as it is.
//
// A ticket number or a counter (A12, 3) is read as runs: letters one by one ("A", "B"), digits as a number
// in words (012 is "dua belas": leading zeros are not read); dashes and spaces only separate. A run of more than
// six digits is read digit by digit. Each part of callout_parts() is also the name of its audio file (audioName),
// so the board can speak without any speech engine: pwa/audio/id/<name>.mp3, played one after another.

/** @typedef {'id' | 'en'} Lang */

const ID_ONES = ['nol', 'satu', 'dua', 'tiga', 'empat', 'lima', 'enam', 'tujuh', 'delapan', 'sembilan'];
const EN_ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven',
  'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** The fixed phrases around the ticket and the counter. @type {Record<Lang, [string, string]>} */
export const PHRASES = {
  id: ['Nomor antrean', 'silakan ke loket'],
  en: ['Ticket', 'please go to counter'],
};

export const MAX_NUMBER = 999999;
const RUN = /[A-Za-z]+|[0-9]+/g;

/** @param {number} n @returns {string[]} */
function idBelowThousand(n) {
  if (n < 10) return [ID_ONES[n]];
  if (n === 10) return ['sepuluh'];
  if (n === 11) return ['sebelas'];
  if (n < 20) return [ID_ONES[n - 10], 'belas'];
  if (n < 100) {
    const tens = Math.floor(n / 10);
    const ones = n % 10;
    return [ID_ONES[tens], 'puluh', ...(ones ? [ID_ONES[ones]] : [])];
  }
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const head = hundreds === 1 ? ['seratus'] : [ID_ONES[hundreds], 'ratus'];
  return [...head, ...(rest ? idBelowThousand(rest) : [])];
}

/** @param {number} n @returns {string[]} */
function enBelowThousand(n) {
  if (n < 20) return [EN_ONES[n]];
  if (n < 100) {
    const tens = Math.floor(n / 10);
    const ones = n % 10;
    return [EN_TENS[tens], ...(ones ? [EN_ONES[ones]] : [])];
  }
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  return [EN_ONES[hundreds], 'hundred', ...(rest ? enBelowThousand(rest) : [])];
}

/**
 * 0 … 999 999 in words: 12 → ['dua', 'belas'], 111 → ['seratus', 'sebelas'], 1000 → ['seribu'].
 * @param {number} n
 * @param {Lang} [lang]
 * @returns {string[]}
 */
export function numberWords(n, lang = 'id') {
  if (!Number.isInteger(n) || n < 0 || n > MAX_NUMBER) throw new RangeError(`${n} is outside 0…${MAX_NUMBER}`);
  const below = lang === 'id' ? idBelowThousand : enBelowThousand;
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  if (!thousands) return below(n);
  let head;
  if (lang === 'id') head = thousands === 1 ? ['seribu'] : [...below(thousands), 'ribu'];
  else head = [...below(thousands), 'thousand'];
  return [...head, ...(rest ? below(rest) : [])];
}

/**
 * A ticket number or a counter as words: 'A-012' → ['A', 'dua', 'belas'].
 * @param {string} code
 * @param {Lang} [lang]
 * @returns {string[]}
 */
export function spoken(code, lang = 'id') {
  /** @type {string[]} */
  const words = [];
  for (const run of String(code).match(RUN) || []) {
    if (/^[0-9]+$/.test(run)) {
      if (run.length > String(MAX_NUMBER).length) {
        for (const digit of run) words.push(...numberWords(Number(digit), lang));
      } else {
        words.push(...numberWords(Number(run), lang));
      }
    } else {
      words.push(...run.toUpperCase().split(''));
    }
  }
  return words;
}

/**
 * The call-out in order, a part per audio file.
 * @param {string} number @param {string} counter @param {Lang} [lang]
 * @returns {string[]}
 */
export function calloutParts(number, counter, lang = 'id') {
  const [before, after] = PHRASES[lang];
  return [before, ...spoken(number, lang), after, ...spoken(counter, lang)];
}

/**
 * "Nomor antrean A dua belas, silakan ke loket tiga".
 * @param {string} number @param {string} counter @param {Lang} [lang]
 */
export function calloutText(number, counter, lang = 'id') {
  const [before, after] = PHRASES[lang];
  return `${before} ${spoken(number, lang).join(' ')}, ${after} ${spoken(counter, lang).join(' ')}`.trim();
}

/** The audio file of a part, without extension: 'silakan ke loket' → 'silakan-ke-loket'. @param {string} part */
export const audioName = (part) => part.toLowerCase().replace(/ /g, '-');
