// The board's voice: a chime, then "Nomor antrean A dua belas, silakan ke loket A tiga" — without any internet
// service.
//
// Contract. createSpeaker({ lang, onSpoken }) returns { unlock, ready, say, enabled, setEnabled, destroy }.
// - Receives the board's language. Speaks with the Web Speech API when the device has a voice of that language
//   (id-ID; English for an English board); otherwise plays the audio files shipped with the PWA
//   (pwa/audio/id/<part>.mp3, made by scripts/make_callout_audio.py), one part after another, through Web Audio
//   (gapless, and one unlocked AudioContext serves every later call).
// - The files are kept in a Cache Storage cache of their own (AUDIO_CACHE), filled when the board opens, so the
//   board still speaks after a reload during an outage; citizens' phones never download them.
// - Browsers refuse to play sound until a person has touched the page: unlock() must run from a tap (the board's
//   "Ketuk untuk mengaktifkan suara"); ready() says whether sound can play now.
// - Calls are spoken one at a time, in order (say() queues them). Emits onSpoken(text, how) after each call-out
//   (how: 'speech' | 'audio'), for the screen-reader live region and for tests.
// - destroy() stops speaking and closes the AudioContext.
import { audioName, calloutParts, calloutText, numberWords, PHRASES } from './callout.js';

// Bump when the audio files change (scripts/make_callout_audio.py): the old cache is then dropped.
export const AUDIO_CACHE = 'mpp-board-audio-v1';
const AUDIO_BASE = '/audio/';

/** Every audio file a call-out can need (the same list as api/queue/callout.py's vocabulary()). */
export function audioFiles() {
  const names = new Set([...PHRASES.id.map(audioName), 'chime']);
  for (let c = 65; c <= 90; c++) names.add(audioName(String.fromCharCode(c)));
  for (const n of [...Array(1000).keys(), 1000, 2000]) for (const w of numberWords(n, 'id')) names.add(audioName(w));
  return [...names].map((name) => (name === 'chime' ? `${AUDIO_BASE}chime.mp3` : `${AUDIO_BASE}id/${name}.mp3`));
}

/**
 * Keep the audio files in their cache (fetched once; later boards and reloads read the cache).
 * @returns {Promise<void>}
 */
export async function keepAudio() {
  if (!('caches' in window)) return;
  for (const name of await caches.keys()) {
    if (name.startsWith('mpp-board-audio-') && name !== AUDIO_CACHE) await caches.delete(name);
  }
  const cache = await caches.open(AUDIO_CACHE);
  await Promise.all(audioFiles().map(async (url) => {
    if (await cache.match(url)) return;
    const response = await fetch(url);
    if (response.ok) await cache.put(url, response);
  }));
}

/** @param {string} url */
async function audioBytes(url) {
  if ('caches' in window) {
    const cached = await (await caches.open(AUDIO_CACHE)).match(url);
    if (cached) return cached.arrayBuffer();
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.arrayBuffer();
}

/**
 * @param {{ lang: 'id' | 'en', onSpoken?: (text: string, how: 'speech' | 'audio') => void }} options
 */
export function createSpeaker({ lang, onSpoken }) {
  /** @type {AudioContext | null} */
  let context = null;
  /** @type {Map<string, Promise<AudioBuffer>>} */
  const buffers = new Map();
  /** @type {{ number: string, counter: string }[]} */
  const queue = [];
  let busy = false;
  let enabled = true;
  let destroyed = false;
  const synth = 'speechSynthesis' in window ? window.speechSynthesis : null;

  /** A speech-synthesis voice of the board's language, if the device has one (none on most TVs). */
  function voice() {
    if (!synth) return null;
    const prefixes = lang === 'id' ? ['id', 'in'] : ['en'];
    return synth.getVoices().find((v) => prefixes.some((p) => v.lang.toLowerCase().replace('_', '-').startsWith(p))) || null;
  }

  /** @param {string} url */
  function buffer(url) {
    let found = buffers.get(url);
    if (!found) {
      const ctx = /** @type {AudioContext} */ (context);
      found = audioBytes(url).then((bytes) => ctx.decodeAudioData(bytes));
      buffers.set(url, found);
      found.catch(() => buffers.delete(url));
    }
    return found;
  }

  /** Play the files one after another; resolves when the last has finished. @param {string[]} urls */
  async function play(urls) {
    const ctx = /** @type {AudioContext} */ (context);
    const decoded = await Promise.all(urls.map(buffer));
    let at = ctx.currentTime + 0.05;
    for (const b of decoded) {
      const source = ctx.createBufferSource();
      source.buffer = b;
      source.connect(ctx.destination);
      source.start(at);
      at += b.duration;
    }
    await new Promise((resolve) => window.setTimeout(resolve, (at - ctx.currentTime) * 1000 + 50));
  }

  /** @param {string} text @param {SpeechSynthesisVoice} v */
  function speak(text, v) {
    return new Promise((resolve) => {
      const s = /** @type {SpeechSynthesis} */ (synth);
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = v;
      utterance.lang = v.lang;
      utterance.rate = 0.9;
      // Some engines never fire 'end': do not let one call-out hold back the next for ever.
      const guard = window.setTimeout(resolve, 12000);
      utterance.onend = utterance.onerror = () => { window.clearTimeout(guard); resolve(undefined); };
      s.speak(utterance);
    });
  }

  async function drain() {
    if (busy) return;
    busy = true;
    try {
      while (queue.length && !destroyed) {
        const call = /** @type {{ number: string, counter: string }} */ (queue.shift());
        if (!enabled || !ready()) continue;
        const v = voice();
        try {
          await play([`${AUDIO_BASE}chime.mp3`]);
          if (v) {
            const text = calloutText(call.number, call.counter, lang);
            await speak(text, v);
            onSpoken?.(text, 'speech');
          } else {
            // No voice of the board's language: the Indonesian recordings (the building's language) say it.
            const parts = calloutParts(call.number, call.counter, 'id');
            await play(parts.map((p) => `${AUDIO_BASE}id/${audioName(p)}.mp3`));
            onSpoken?.(calloutText(call.number, call.counter, 'id'), 'audio');
          }
        } catch {
          // A file missing from the cache while offline, or a decoding error: the screen still shows the call.
        }
      }
    } finally {
      busy = false;
    }
  }

  /** Whether sound can play now (the browser has let this page's audio start). */
  function ready() {
    return context !== null && context.state === 'running';
  }

  return {
    /**
     * Start the audio (from a tap; on a TV set up to allow autoplay, also without one).
     * @returns {Promise<boolean>} whether sound can play now
     */
    async unlock() {
      if (!context) {
        const Ctx = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
        if (!Ctx) return false;
        context = new Ctx();
      }
      const ctx = /** @type {AudioContext} */ (context);
      // resume() waits for a gesture that may never come: do not hang on it.
      await Promise.race([ctx.resume().catch(() => undefined), new Promise((r) => window.setTimeout(r, 300))]);
      // A silent moment of speech also unlocks speechSynthesis on browsers that gate it on a gesture too.
      if (synth && ready()) synth.speak(new SpeechSynthesisUtterance(''));
      return ready();
    },
    ready,
    /** Queue a call-out. @param {{ number: string, counter: string }} call */
    say(call) {
      queue.push(call);
      drain();
    },
    enabled: () => enabled,
    /** @param {boolean} on */
    setEnabled(on) {
      enabled = on;
      if (!on) { queue.length = 0; synth?.cancel(); }
    },
    destroy() {
      destroyed = true;
      queue.length = 0;
      synth?.cancel();
      context?.close().catch(() => undefined);
      context = null;
    },
  };
}
