// Reading a QR code with the kiosk tablet's camera (the booking check-in, the survey of a served ticket):
// `getUserMedia` and the browser's own `BarcodeDetector` where the tablet has both; nothing is sent anywhere but
// the value read. Where there is no detector or no camera nothing is shown, and the screen's text field (which a
// handheld scanner "types" into) remains the way.
//
// Contract: startQrScan($camera, onValue, { text, isBusy }) fills $camera (a container the view placed, hidden
// until the camera runs) with a line of text and the video, and calls onValue(rawValue) for each code read while
// isBusy() is false. Returns stop(), which the view calls from its cleanup (it stops the camera's tracks).
import { h } from '../lib/dom.js';

const SCAN_EVERY_MS = 300;

/**
 * @param {HTMLElement} $camera
 * @param {(value: string) => void} onValue
 * @param {{ text: string, isBusy: () => boolean }} options
 * @returns {() => void} stop
 */
export function startQrScan($camera, onValue, { text, isBusy }) {
  /** @type {MediaStream | null} */
  let stream = null;
  let timer = 0;
  let stopped = false;
  const stop = () => {
    stopped = true;
    window.clearInterval(timer);
    for (const track of stream?.getTracks() || []) track.stop();
    stream = null;
  };
  (async () => {
    const Detector = /** @type {any} */ (window).BarcodeDetector;
    if (!Detector || !navigator.mediaDevices?.getUserMedia) return;
    try {
      const formats = await Detector.getSupportedFormats?.();
      if (formats && !formats.includes('qr_code')) return;
      const detector = new Detector({ formats: ['qr_code'] });
      const media = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user' }, audio: false });
      if (stopped) { for (const track of media.getTracks()) track.stop(); return; }
      stream = media;
      const $video = /** @type {HTMLVideoElement} */ (h('video', { class: 'kq-video', muted: true, playsinline: true, 'aria-hidden': 'true' }));
      $video.srcObject = stream;
      $camera.replaceChildren(h('p', { class: 'kq-camera-text' }, [text]), $video);
      $camera.hidden = false;
      await $video.play();
      timer = window.setInterval(async () => {
        if (isBusy() || $video.readyState < 2) return;
        const found = await detector.detect($video).catch(() => []);
        const value = found[0]?.rawValue;
        if (value) onValue(String(value));
      }, SCAN_EVERY_MS);
    } catch {
      // No permission or no camera: the text field (and a handheld scanner) remain.
      stop();
      $camera.hidden = true;
    }
  })();
  return stop;
}
