// The display board (#/board/<region code>): a TV in the MPP building, nobody signed in.
//
// Shows the latest call at each counter, the last calls and who waits, from the server-sent events of
// GET /api/v1/regions/<code>/queue/board/events (a new board within a moment of each call); flashes and calls out
// each new call (speaker.js). It keeps working through an outage: the last board is kept in localStorage and shown
// at once on a reload (the service worker serves the app itself offline), with "Terakhir diperbarui 10.42 — koneksi
// terputus" while the stream is down; it reconnects by itself.
//
// The TV layout takes the whole screen: the view marks <body> (board-mode, removed by its cleanup) so that
// board.css hides the app's header and menu.
import { ApiError, get } from '../../api.js';
import { language, loadLanguage, t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { createSpeaker, keepAudio } from './speaker.js';

/**
 * @typedef {{ id: number, number: string, counter: string, at: string, kind: string, callout: string }} BoardCall
 * @typedef {{ code: string, name: string, waiting: number, letter?: string | null }} AgencyWaiting
 * @typedef {{ region: { code: string, name: string }, mpp?: string | null, calls: BoardCall[],
 *   waiting: { total: number, agencies: AgencyWaiting[] }, asOf: string, version: string }} Board
 * @typedef {{ board: Board, seen: number }} Kept  seen: when the board was last known current (ms since epoch)
 */

// A stream silent for longer than this (pings come every 15 s) is treated as lost, and opened again.
const SILENCE_MS = 40000;
// Calls older than this when they reach the board (after an outage) are shown but not called out.
const SPEAK_WITHIN_MS = 120000;
const RECENT = 8;

/** @param {string} code */
const keptKey = (code) => `mpp.board.${code}.${language()}`;
/** @param {string} code */
const spokenKey = (code) => `mpp.board.${code}.spoken`;
const SOUND_KEY = 'mpp.board.sound';

/** @param {string} code @returns {Kept | null} */
function kept(code) {
  try {
    const value = JSON.parse(localStorage.getItem(keptKey(code)) || 'null');
    return value && value.board && Array.isArray(value.board.calls) ? value : null;
  } catch {
    return null;
  }
}

/**
 * "10.42": a moment as the building's clocks show it — in the region's UTC offset (from the board's asOf), not the
 * TV's own time zone, which is often left at the factory's setting.
 * @param {Date} d @param {string | undefined} asOf an ISO time with the region's offset
 */
function clock(d, asOf) {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(asOf || '');
  const sep = language() === 'en' ? ':' : '.';
  if (!offset) return d.toLocaleTimeString(language() === 'en' ? 'en-GB' : 'id-ID', { hour: '2-digit', minute: '2-digit' });
  const minutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
  const there = new Date(d.getTime() + minutes * 60000);
  return `${String(there.getUTCHours()).padStart(2, '0')}${sep}${String(there.getUTCMinutes()).padStart(2, '0')}`;
}
/** The hour and minute of an ISO time with its offset, as written (not converted to the TV's zone). @param {string} iso */
const wallClock = (iso) => {
  const found = /T(\d{2}):(\d{2})/.exec(iso);
  return found ? `${found[1]}${language() === 'en' ? ':' : '.'}${found[2]}` : '';
};

/** Add the board's stylesheet once (citizens never download it). */
function loadStyles() {
  if (document.querySelector('link[data-board-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/board.css', 'data-board-css': true }));
}

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const wanted = ctx.query.get('lang');
  if ((wanted === 'en' || wanted === 'id') && wanted !== language()) await loadLanguage(wanted);
  const code = ctx.params.region;
  document.body.classList.add('board-mode');
  const lang = /** @type {'id' | 'en'} */ (language());

  if (!/^[0-9]{2,10}$/.test(code)) return unknown($main, code);

  const $title = h('h1', { class: 'board-title', tabindex: '-1' }, [t('titleBoard')]);
  const $clock = h('span', { class: 'board-clock', 'aria-hidden': 'true' });
  const $sound = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'board-sound' }));
  const $stale = h('p', { class: 'board-stale', role: 'status', hidden: true });
  const $hero = h('section', { class: 'board-hero', 'aria-labelledby': 'board-hero-label' });
  const $counters = h('ol', { class: 'board-counters' });
  const $recent = h('ol', { class: 'board-recent' });
  const $waiting = h('section', { class: 'board-waiting', 'aria-labelledby': 'board-waiting-label' });
  const $spoken = h('p', { class: 'visually-hidden', 'aria-live': 'assertive', id: 'board-spoken' });
  const $board = h('div', { class: 'board', 'data-region': code }, [
    h('header', { class: 'board-bar' }, [$title, h('div', { class: 'board-bar-end' }, [$sound, $clock])]),
    $stale,
    h('div', { class: 'board-main' }, [
      $hero,
      h('section', { class: 'board-side', 'aria-labelledby': 'board-counters-label' }, [
        h('h2', { id: 'board-counters-label' }, [t('boardCounters')]),
        $counters,
      ]),
    ]),
    h('div', { class: 'board-foot' }, [
      h('section', { class: 'board-last', 'aria-labelledby': 'board-recent-label' }, [
        h('h2', { id: 'board-recent-label' }, [t('boardRecent')]),
        $recent,
      ]),
      $waiting,
    ]),
    $spoken,
  ]);
  $main.replaceChildren($board);

  const speaker = createSpeaker({
    lang,
    onSpoken: (text, how) => {
      $spoken.textContent = text;
      $board.dataset.spoken = text;
      $board.dataset.voice = how;
    },
  });
  keepAudio().catch(() => undefined);

  // --- sound: one tap on the TV when it is set up, remembered -----------------------------------------------
  /** @type {HTMLElement | null} */
  let $prompt = null;
  const choice = () => localStorage.getItem(SOUND_KEY);
  function drawSound() {
    const on = choice() !== 'off' && speaker.ready();
    $sound.textContent = on ? t('boardSoundOn') : choice() === 'off' ? t('boardSoundMuted') : t('boardSoundPrompt');
    $sound.setAttribute('aria-pressed', String(on));
    // While the first-time prompt covers the board, it is the one way to choose.
    $sound.hidden = $prompt !== null;
  }
  async function turnOn() {
    localStorage.setItem(SOUND_KEY, 'on');
    speaker.setEnabled(true);
    await speaker.unlock();
    $prompt?.remove();
    $prompt = null;
    drawSound();
  }
  function turnOff() {
    localStorage.setItem(SOUND_KEY, 'off');
    speaker.setEnabled(false);
    $prompt?.remove();
    $prompt = null;
    drawSound();
  }
  $sound.addEventListener('click', () => (choice() !== 'off' && speaker.ready() ? turnOff() : turnOn()));
  if (choice() === null) {
    // The first time on this TV: a full-screen tap target (browsers play nothing before a touch or a click).
    $prompt = h('div', { class: 'board-prompt' }, [
      h('button', { type: 'button', class: 'board-prompt-on', onclick: turnOn }, [t('boardSoundPrompt')]),
      h('button', { type: 'button', class: 'board-prompt-off', onclick: turnOff }, [t('boardSoundOff')]),
    ]);
    $board.append($prompt);
  } else if (choice() === 'on') {
    // Remembered: a TV whose browser allows autoplay speaks at once; any other shows the small button above.
    await speaker.unlock();
  } else {
    speaker.setEnabled(false);
  }
  drawSound();

  // --- drawing ---------------------------------------------------------------------------------------------
  /** @type {Board | null} */
  let board = null;
  /** The latest board's time, whose offset is the region's. @returns {string | undefined} */
  const regionTime = () => board?.asOf;
  let seen = 0;
  let live = false;
  let lastSpoken = Number(localStorage.getItem(spokenKey(code)) || 0);

  /** @param {BoardCall | undefined} call */
  function hero(call) {
    const children = [h('h2', { id: 'board-hero-label' }, [t('boardCalling')])];
    if (!call) children.push(h('p', { class: 'board-none' }, [t('boardNoCalls')]));
    else {
      children.push(
        h('p', { class: 'board-hero-number' }, [call.number]),
        h('p', { class: 'board-hero-counter' }, [h('span', { 'aria-hidden': 'true' }, ['→ ']), t('boardCounter', { counter: call.counter })]),
      );
    }
    $hero.replaceChildren(...children);
  }

  /** @param {Board} next @param {Set<number>} fresh ids of calls new to this board */
  function draw(next, fresh) {
    $title.textContent = t('boardTitle', { name: next.mpp || next.region.name });
    hero(next.calls[0]);
    if (next.calls[0] && fresh.has(next.calls[0].id)) flash($hero);
    // The latest call at each counter (the calls come newest first: the first one seen per counter).
    /** @type {Map<string, BoardCall>} */
    const latest = new Map();
    for (const call of next.calls) if (!latest.has(call.counter)) latest.set(call.counter, call);
    const counters = [...latest.values()].sort((a, b) => a.counter.localeCompare(b.counter, undefined, { numeric: true }));
    $counters.replaceChildren(...counters.map((call) => {
      const $item = h('li', { class: 'board-counter' }, [
        h('span', { class: 'board-counter-name' }, [t('boardCounter', { counter: call.counter })]),
        h('span', { class: 'board-counter-number' }, [call.number]),
      ]);
      if (fresh.has(call.id)) flash($item);
      return $item;
    }));
    if (!counters.length) $counters.replaceChildren(h('li', { class: 'board-none' }, [t('boardNoCalls')]));
    $recent.replaceChildren(...next.calls.slice(0, RECENT).map((call) => h('li', {}, [
      h('span', { class: 'board-recent-number' }, [call.number]),
      h('span', { class: 'board-recent-counter' }, [t('boardCounter', { counter: call.counter })]),
      h('span', { class: 'board-recent-time' }, [wallClock(call.at)]),
    ])));
    const agencies = next.waiting.agencies.filter((a) => a.waiting > 0);
    $waiting.replaceChildren(
      h('h2', { id: 'board-waiting-label' }, [t('boardWaiting'), ' ', h('strong', { class: 'board-waiting-total' }, [String(next.waiting.total)])]),
      agencies.length
        ? h('ul', {}, agencies.map((a) => h('li', {}, [
          a.letter ? h('span', { class: 'board-letter' }, [a.letter]) : null,
          h('span', { class: 'board-agency' }, [a.name]),
          h('strong', {}, [String(a.waiting)]),
        ])))
        : h('p', { class: 'board-none' }, [t('boardNoWaiting')]),
    );
  }

  /** @param {HTMLElement} $el */
  function flash($el) {
    $el.classList.remove('board-flash');
    void $el.offsetWidth; // restart the animation for a call right after another
    $el.classList.add('board-flash');
  }

  function drawStale() {
    if (live) {
      $stale.hidden = true;
      $board.classList.remove('board-is-stale');
      return;
    }
    $stale.hidden = false;
    $board.classList.add('board-is-stale');
    $stale.textContent = seen ? t('boardStale', { time: clock(new Date(seen), regionTime()) }) : t('boardConnecting');
  }

  /** A board from the stream (or from storage at start: `speak` false). @param {Board} next @param {boolean} speak */
  function accept(next, speak) {
    const fresh = new Set(next.calls.filter((c) => c.id > lastSpoken).map((c) => c.id));
    if (speak) {
      const due = next.calls.filter((c) => fresh.has(c.id) && Date.now() - Date.parse(c.at) < SPEAK_WITHIN_MS);
      for (const call of due.reverse()) speaker.say(call); // oldest first
    }
    const newest = Math.max(lastSpoken, ...next.calls.map((c) => c.id));
    if (newest !== lastSpoken) {
      lastSpoken = newest;
      localStorage.setItem(spokenKey(code), String(newest));
    }
    board = next;
    draw(next, speak ? fresh : new Set());
  }

  const before = kept(code);
  if (before) {
    seen = before.seen;
    accept(before.board, false);
  } else {
    hero(undefined);
  }
  drawStale();

  // --- the stream ----------------------------------------------------------------------------------------------
  /** @type {EventSource | null} */
  let source = null;
  let retry = 0;
  let stopped = false;
  /** @type {number | undefined} */
  let reconnectTimer;
  let lastMessage = Date.now();

  function touch() {
    lastMessage = Date.now();
    seen = lastMessage;
    if (!live) { live = true; drawStale(); }
    retry = 0;
  }

  function connect() {
    if (stopped) return;
    window.clearTimeout(reconnectTimer);
    source?.close();
    const url = `/api/v1/regions/${encodeURIComponent(code)}/queue/board/events?lang=${lang}`;
    const es = new EventSource(url);
    source = es;
    lastMessage = Date.now();
    es.addEventListener('board', (event) => {
      const next = /** @type {Board} */ (JSON.parse(/** @type {MessageEvent} */ (event).data));
      touch();
      accept(next, true);
      try {
        localStorage.setItem(keptKey(code), JSON.stringify({ board: next, seen }));
      } catch {
        // Storage full or refused: the board still shows; a reload offline would start empty.
      }
    });
    es.addEventListener('ping', () => {
      touch();
      if (board) localStorage.setItem(keptKey(code), JSON.stringify({ board, seen }));
    });
    es.addEventListener('open', () => touch());
    es.addEventListener('error', () => {
      live = false;
      drawStale();
      // CONNECTING: the browser retries by itself (after the server's retry advice). CLOSED: the answer was not a
      // stream (unknown region, too many boards, server error): find out which, then try again later.
      if (es.readyState === EventSource.CLOSED) void afterRefusal();
    });
  }

  async function afterRefusal() {
    source?.close();
    try {
      await get(`/api/v1/regions/${encodeURIComponent(code)}/queue/board`, { lang });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        stopped = true;
        unknown($main, code);
        return;
      }
      if (error instanceof ApiError && error.status !== 429) $stale.title = problemText(error);
    }
    // Back off: 3 s, 6 s, 12 s … up to a minute, with jitter so that a building's TVs do not return together.
    const wait = Math.min(60000, 3000 * 2 ** retry) * (0.75 + Math.random() / 2);
    retry += 1;
    reconnectTimer = window.setTimeout(connect, wait);
  }

  // A stream can die without an error (a proxy or Wi-Fi dropping it silently): no ping for a while means lost.
  const watchdog = window.setInterval(() => {
    $clock.textContent = clock(new Date(), regionTime());
    if (!stopped && Date.now() - lastMessage > SILENCE_MS) {
      live = false;
      drawStale();
      connect();
    }
  }, 1000);
  $clock.textContent = clock(new Date(), regionTime());
  const online = () => { if (!live) connect(); };
  window.addEventListener('online', online);
  connect();

  return () => {
    stopped = true;
    window.clearInterval(watchdog);
    window.clearTimeout(reconnectTimer);
    window.removeEventListener('online', online);
    source?.close();
    speaker.destroy();
    document.body.classList.remove('board-mode');
  };
}

/** An unknown region, in words. @param {HTMLElement} $main @param {string} code */
function unknown($main, code) {
  $main.replaceChildren(h('div', { class: 'board board-unknown' }, [
    h('h1', { tabindex: '-1' }, [t('boardUnknownRegion', { code })]),
    h('p', {}, [t('boardUnknownRegionHelp')]),
  ]));
  return () => document.body.classList.remove('board-mode');
}
