//! Waiting with deadlines, and names no two tests share.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Polls `f` until it returns `Some`, or panics naming `what` at the deadline.
pub fn wait_until<T>(deadline: Duration, what: &str, f: impl FnMut() -> Option<T>) -> T {
    poll_until(deadline, f).unwrap_or_else(|| panic!("timed out after {deadline:?} waiting for {what}"))
}

/// Polls `f` until it returns `Some`; `None` at the deadline, so the
/// caller can say what it last saw.
pub fn poll_until<T>(deadline: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + deadline;
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

/// `prefix-<pid>-<n>-<time>`: unique across tests, runs and processes.
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis() % 1_000_000;
    format!("{prefix}-{}-{n}-{t}", std::process::id())
}
