//! Exponential backoff with jitter, so that many tasks retrying against a
//! cluster that is recovering do not all come back at once.

use std::time::Duration;

/// The longest single wait, however many retries came before.
const MAX_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub max_retries: u32,
}

impl Backoff {
    /// The ceiling of the wait before retry `attempt` (1-based):
    /// `initial × 2^(attempt-1)`, at most 10 s.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(MAX_WAIT)
    }

    /// A random wait between half the ceiling and the ceiling.
    pub fn wait(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(fastrand::u64(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_up_to_ten_seconds() {
        let b = Backoff { initial: Duration::from_millis(100), max_retries: 5 };
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(4), Duration::from_millis(800));
        assert_eq!(b.ceiling(40), MAX_WAIT);
        for attempt in 1..10 {
            let w = b.wait(attempt);
            assert!(w >= b.ceiling(attempt) / 2 && w <= b.ceiling(attempt), "{attempt}: {w:?}");
        }
        let waits: std::collections::HashSet<Duration> = (0..20).map(|_| b.wait(8)).collect();
        assert!(waits.len() > 1, "randomized");
    }
}
