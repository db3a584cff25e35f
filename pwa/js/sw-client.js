// Registers the service worker and shows "update available" when a new version is waiting.
// (Filled in by the offline work: see sw.js.)
export async function register() {
  await navigator.serviceWorker.register('/sw.js');
}
