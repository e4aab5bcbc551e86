//! Opt-in (`task.restart.on.failure=true`): FAILED tasks are restarted
//! automatically, the wait doubling with each failure in a row up to
//! `task.restart.backoff.max.ms`. The task's status trace says when the
//! next restart is due, so the REST API shows it.

use std::collections::HashMap;
use std::sync::Weak;
use std::time::{Duration, Instant};

use super::standalone::StandaloneHerder;
use super::{Herder, State, TaskId};

/// How often task states are looked at.
const CHECK_EVERY: Duration = Duration::from_millis(200);

/// What is known of one task's failures.
struct Failures {
    /// Failures in a row.
    count: u32,
    /// When the pending restart is due (`None`: the task is not FAILED).
    due: Option<Instant>,
    /// When the task last started again.
    restarted: Instant,
}

/// The wait before restart number `count` (from 1).
pub fn backoff(count: u32, initial: Duration, max: Duration) -> Duration {
    initial.saturating_mul(2u32.saturating_pow(count.saturating_sub(1))).min(max)
}

pub async fn restart_failed_tasks(herder: Weak<StandaloneHerder>, initial: Duration, max: Duration) {
    let mut tasks: HashMap<TaskId, Failures> = HashMap::new();
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        let Some(h) = herder.upgrade() else { return };
        let ids = h.task_ids().await;
        tasks.retain(|id, _| ids.contains(id));
        for id in ids {
            let Some(info) = h.status().task(&id) else { continue };
            let now = Instant::now();
            let f = tasks.entry(id.clone()).or_insert(Failures { count: 0, due: None, restarted: now });
            if info.state != State::Failed {
                // A task that ran a whole max backoff without failing starts over.
                if f.due.is_none() && f.count > 0 && now.duration_since(f.restarted) >= max {
                    f.count = 0;
                }
                continue;
            }
            match f.due {
                None => {
                    f.count += 1;
                    let wait = backoff(f.count, initial, max);
                    f.due = Some(now + wait);
                    let trace = info.trace.unwrap_or_default();
                    let note = format!("Ferry restarts this task automatically in {} ms (failure {} in a row)", wait.as_millis(), f.count);
                    tracing::warn!(task = %id, "{note}");
                    h.status().set_task(&id, State::Failed, Some(format!("{trace}\n{note}")));
                }
                Some(at) if now >= at => {
                    f.due = None;
                    f.restarted = now;
                    if let Err(e) = h.restart_task(&id).await {
                        tracing::warn!(task = %id, error = %e, "automatic restart failed");
                    }
                }
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let (i, m) = (Duration::from_secs(1), Duration::from_secs(10));
        let waits: Vec<u64> = (1..=6).map(|n| backoff(n, i, m).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
    }
}
