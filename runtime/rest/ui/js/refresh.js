// Periodic refresh that never overlaps itself, waits while the tab is
// hidden, and reports failures without dropping what is on screen.

/**
 * Calls `load()` now and every `intervalMs` after it settles.
 * `onError(e)` is called for a failed load, `onOk()` after a good one.
 * Returns { stop, now } : stop for good, or refresh at once.
 */
export function poll(load, { intervalMs = 3000, onError = () => {}, onOk = () => {} } = {}) {
  let timer = null;
  let stopped = false;
  let running = false;

  async function tick() {
    if (stopped || running) return;
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
      if (!stopped) timer = setTimeout(tick, intervalMs);
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
    now: tick,
  };
}
