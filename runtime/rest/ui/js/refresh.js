// Periodic refresh that never overlaps itself, waits while the tab is
// hidden, and reports failures without dropping what is on screen.

const FAST_MS = 500;

/**
 * Calls `load()` now and every `intervalMs` after it settles.
 * `onError(e)` is called for a failed load, `onOk()` after a good one.
 * Returns { stop, now }: stop for good, or refresh at once and then
 * quickly for a few seconds (after an action, whose effect is not instant).
 */
export function poll(load, { intervalMs = 3000, onError = () => {}, onOk = () => {} } = {}) {
  let timer = null;
  let stopped = false;
  let running = false;
  let again = false;
  let fastUntil = 0;

  const next = () => (Date.now() < fastUntil ? FAST_MS : intervalMs);

  async function tick() {
    if (stopped) return;
    if (running) {
      again = true; // run once more as soon as this one settles
      return;
    }
    clearTimeout(timer);
    if (document.hidden) {
      timer = setTimeout(tick, intervalMs);
      return;
    }
    running = true;
    try {
      await load();
      if (!stopped) onOk();
    } catch (e) {
      if (!stopped) onError(e);
    } finally {
      running = false;
      if (!stopped) {
        timer = setTimeout(tick, again ? 0 : next());
        again = false;
      }
    }
  }

  const onVisible = () => {
    if (!document.hidden) tick();
  };
  document.addEventListener('visibilitychange', onVisible);
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
    now(fastForMs = 5000) {
      fastUntil = Date.now() + fastForMs;
      tick();
    },
  };
}
