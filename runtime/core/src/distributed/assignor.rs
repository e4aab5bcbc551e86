//! The leader's assignment of connectors and tasks to workers, incremental
//! and cooperative as KIP-415 (`IncrementalCooperativeAssignor`) has it:
//! - work that stays where it runs is neither stopped nor restarted;
//! - work of a worker that left is held for `scheduled.rebalance.max.delay.ms`,
//!   so a worker that restarts gets its own work back, then reassigned;
//! - a worker that joins gets work by a revocation round: the busiest
//!   workers stop their excess, rejoin, and the freed work goes to the
//!   least busy; revocations never happen two rounds in a row.
//!
//! Everything here is pure: the clock comes in as milliseconds.

use std::collections::{BTreeMap, BTreeSet};

use super::protocol::TaskRef;

/// A set of connectors and tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Work {
    pub connectors: BTreeSet<String>,
    pub tasks: BTreeSet<TaskRef>,
}

impl Work {
    pub fn is_empty(&self) -> bool {
        self.connectors.is_empty() && self.tasks.is_empty()
    }

    fn extend(&mut self, other: &Work) {
        self.connectors.extend(other.connectors.iter().cloned());
        self.tasks.extend(other.tasks.iter().cloned());
    }

    fn minus(&self, other: &Work) -> Work {
        Work {
            connectors: self.connectors.difference(&other.connectors).cloned().collect(),
            tasks: self.tasks.difference(&other.tasks).cloned().collect(),
        }
    }

    fn intersect(&self, other: &Work) -> Work {
        Work {
            connectors: self.connectors.intersection(&other.connectors).cloned().collect(),
            tasks: self.tasks.intersection(&other.tasks).cloned().collect(),
        }
    }
}

/// What one worker is told: what to start and what to stop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub start: Work,
    pub stop: Work,
}

/// The assignments of one rebalance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub deltas: BTreeMap<String, Delta>,
    /// Milliseconds until held work is reassigned (0: nothing held).
    pub delay_ms: i32,
}

/// What the leader remembers between rebalances.
#[derive(Debug, Clone, Default)]
pub struct AssignorState {
    /// Each worker's work after the last plan.
    previous: BTreeMap<String, Work>,
    /// Work of departed workers, held until `deadline_ms`.
    held: Work,
    deadline_ms: Option<i64>,
    /// When the leader saw a member gone, before the rebalance that follows:
    /// the delay counts from then.
    departure_ms: Option<i64>,
    revoked_last_round: bool,
}

impl AssignorState {
    /// The leader saw a member leave the group at `at_ms` (its join takes a
    /// while on some brokers): work found lost next is held from then on.
    pub fn noticed_departure(&mut self, at_ms: i64) {
        self.departure_ms.get_or_insert(at_ms);
    }

    /// The leader rejoined under a new member id: its memory follows it.
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(w) = self.previous.remove(from) {
            self.previous.insert(to.to_owned(), w);
        }
    }
}

/// Plans one rebalance. `running` is what each member says it runs (its
/// metadata), `wanted` every connector and task of the config topic.
pub fn assign(state: &mut AssignorState, running: &BTreeMap<String, Work>, wanted: &Work, max_delay_ms: i64, now_ms: i64) -> Plan {
    if running.is_empty() {
        *state = AssignorState::default();
        return Plan::default();
    }
    let mut deltas: BTreeMap<String, Delta> = running.keys().map(|m| (m.clone(), Delta::default())).collect();
    // What each member keeps: what it runs, still wanted, claimed by no member before it.
    let mut kept: BTreeMap<String, Work> = BTreeMap::new();
    let mut claimed = Work::default();
    for (member, work) in running {
        let keep = work.intersect(wanted).minus(&claimed);
        deltas.entry(member.clone()).or_default().stop = work.minus(&keep);
        claimed.extend(&keep);
        kept.insert(member.clone(), keep);
    }

    // Work the last plan gave to workers that are gone, and no one runs.
    let mut lost = Work::default();
    for (member, work) in &state.previous {
        if !running.contains_key(member) {
            lost.extend(&work.intersect(wanted).minus(&claimed));
        }
    }
    lost.extend(&state.held.intersect(wanted).minus(&claimed));
    let newcomers: Vec<&String> = running.keys().filter(|m| !state.previous.contains_key(*m)).collect();
    let mut delay_ms = 0;
    let mut to_place = wanted.minus(&claimed);
    if !lost.is_empty() && max_delay_ms > 0 {
        let since = state.departure_ms.map_or(now_ms, |d| d.min(now_ms));
        let deadline = *state.deadline_ms.get_or_insert(since + max_delay_ms);
        if now_ms < deadline && newcomers.is_empty() {
            // Hold it: the worker may be back soon.
            to_place = to_place.minus(&lost);
            state.held = lost.clone();
            delay_ms = i32::try_from(deadline - now_ms).unwrap_or(i32::MAX);
        } else {
            // Expired, or a worker (re)joined: the held work goes to newcomers first.
            for (i, c) in lost.connectors.iter().enumerate() {
                if let Some(m) = newcomers.get(i % newcomers.len().max(1)) {
                    deltas.entry((*m).clone()).or_default().start.connectors.insert(c.clone());
                    to_place.connectors.remove(c);
                }
            }
            for (i, t) in lost.tasks.iter().enumerate() {
                if let Some(m) = newcomers.get(i % newcomers.len().max(1)) {
                    deltas.entry((*m).clone()).or_default().start.tasks.insert(t.clone());
                    to_place.tasks.remove(t);
                }
            }
            state.held = Work::default();
            state.deadline_ms = None;
        }
    } else {
        state.held = Work::default();
        state.deadline_ms = None;
    }

    // The load each member will have, to place new work on the least busy.
    let mut load: BTreeMap<String, Work> = kept.clone();
    for (m, d) in &deltas {
        load.entry(m.clone()).or_default().extend(&d.start);
    }
    for c in &to_place.connectors {
        let m = least_busy(&load, |w| w.connectors.len());
        load.entry(m.clone()).or_default().connectors.insert(c.clone());
        deltas.entry(m).or_default().start.connectors.insert(c.clone());
    }
    for t in &to_place.tasks {
        let m = least_busy(&load, |w| w.tasks.len());
        load.entry(m.clone()).or_default().tasks.insert(t.clone());
        deltas.entry(m).or_default().start.tasks.insert(t.clone());
    }

    // Balance by revocation, when nothing was placed nor held this round.
    let mut revoked = false;
    if !state.revoked_last_round && to_place.is_empty() && delay_ms == 0 {
        revoked |= revoke_excess(&mut load, &mut deltas, |w| &mut w.connectors);
        revoked |= revoke_excess(&mut load, &mut deltas, |w| &mut w.tasks);
    }
    state.revoked_last_round = revoked;
    state.previous = load;
    state.departure_ms = None;
    Plan { deltas, delay_ms }
}

fn least_busy(load: &BTreeMap<String, Work>, size: impl Fn(&Work) -> usize) -> String {
    load.iter().min_by_key(|(m, w)| (size(w), (*m).clone())).map(|(m, _)| m.clone()).unwrap_or_default()
}

/// Stops what members hold beyond their fair share, when some member is
/// below it: sorted busiest first, the first `total % n` may keep the share
/// rounded up, the others the share rounded down. The work stopped is
/// placed in the next round, which its workers' rejoin starts.
fn revoke_excess<T: Ord + Clone>(load: &mut BTreeMap<String, Work>, deltas: &mut BTreeMap<String, Delta>, items: impl Fn(&mut Work) -> &mut BTreeSet<T>) -> bool {
    let n = load.len();
    let total: usize = load.values_mut().map(|w| items(w).len()).sum();
    let floor = total / n;
    if !load.values_mut().any(|w| items(w).len() < floor) {
        return false;
    }
    let mut order: Vec<(usize, String)> = load.iter_mut().map(|(m, w)| (items(w).len(), m.clone())).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut revoked = false;
    for (i, (_, member)) in order.iter().enumerate() {
        let cap = if i < total % n { floor + 1 } else { floor };
        let Some(work) = load.get_mut(member) else { continue };
        while items(work).len() > cap {
            let Some(last) = items(work).iter().next_back().cloned() else { break };
            items(work).remove(&last);
            items(&mut deltas.entry(member.clone()).or_default().stop).insert(last);
            revoked = true;
        }
    }
    revoked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(connectors: &[(&str, i32)]) -> Work {
        Work {
            connectors: connectors.iter().map(|(c, _)| (*c).to_owned()).collect(),
            tasks: connectors.iter().flat_map(|(c, n)| (0..*n).map(|t| TaskRef { connector: (*c).to_owned(), task: t })).collect(),
        }
    }

    /// Workers that do what the plans say, and the leader's memory.
    #[derive(Default)]
    struct Cluster {
        state: AssignorState,
        running: BTreeMap<String, Work>,
    }

    impl Cluster {
        /// w1, w2 and w3 running six tasks of one connector, settled.
        fn settled_three() -> (Self, Work) {
            let mut c = Cluster::default();
            for m in ["w1", "w2", "w3"] {
                c.join(m);
            }
            let want = wanted(&[("jdbc", 6)]);
            c.settle(&want, 0);
            (c, want)
        }

        fn join(&mut self, member: &str) {
            self.running.insert(member.to_owned(), Work::default());
        }

        fn round(&mut self, wanted: &Work, now_ms: i64) -> Plan {
            let plan = assign(&mut self.state, &self.running, wanted, 5_000, now_ms);
            for (m, d) in &plan.deltas {
                let w = self.running.entry(m.clone()).or_default();
                *w = w.minus(&d.stop);
                w.extend(&d.start);
            }
            plan
        }

        /// Rounds until no plan stops anything (a revocation round is followed by a rejoin).
        fn settle(&mut self, wanted: &Work, now_ms: i64) -> Vec<Plan> {
            let mut plans = vec![self.round(wanted, now_ms)];
            while plans.last().is_some_and(|p| p.deltas.values().any(|d| !d.stop.is_empty())) {
                assert!(plans.len() < 4, "the plan does not settle: {plans:?}");
                plans.push(self.round(wanted, now_ms));
            }
            plans
        }

        fn tasks_of(&self, m: &str) -> usize {
            self.running[m].tasks.len()
        }

        /// Every wanted item runs exactly once.
        fn check_complete(&self, wanted: &Work) {
            let mut all = Work::default();
            let mut count = 0;
            for w in self.running.values() {
                count += w.connectors.len() + w.tasks.len();
                all.extend(w);
            }
            assert_eq!(&all, wanted);
            assert_eq!(count, wanted.connectors.len() + wanted.tasks.len(), "nothing runs twice");
        }
    }

    #[test]
    fn a_new_cluster_shares_the_work_evenly() {
        let mut c = Cluster::default();
        c.join("w1");
        c.join("w2");
        let want = wanted(&[("jdbc", 4), ("file", 2)]);
        c.settle(&want, 0);
        c.check_complete(&want);
        assert_eq!((c.tasks_of("w1"), c.tasks_of("w2")), (3, 3));
        assert_eq!(c.running["w1"].connectors.len(), 1);
    }

    #[test]
    fn a_renamed_leader_is_no_newcomer() {
        let (mut c, want) = Cluster::settled_three();
        c.running.remove("w3");
        let held = c.round(&want, 1_000);
        assert_eq!(held.delay_ms, 5_000);
        // w1 rejoins as w1b: w3's work is still held, not handed to "the newcomer".
        let w1 = c.running.remove("w1").expect("w1");
        c.running.insert("w1b".into(), w1);
        c.state.rename("w1", "w1b");
        let plan = c.round(&want, 2_000);
        assert_eq!(plan.delay_ms, 4_000, "{plan:?}");
        assert!(plan.deltas.values().all(|d| d.start.is_empty()), "{plan:?}");
    }

    #[test]
    fn held_work_waits_from_when_the_leader_saw_the_worker_gone() {
        let (mut c, want) = Cluster::settled_three();
        c.running.remove("w3");
        c.state.noticed_departure(10_000);
        let held = c.round(&want, 13_000);
        assert_eq!(held.delay_ms, 2_000, "5 s from the moment it was seen gone: {held:?}");
        let placed = c.round(&want, 15_000);
        assert_eq!(placed.delay_ms, 0);
        c.check_complete(&want);
    }

    #[test]
    fn work_that_stays_is_not_restarted() {
        let mut c = Cluster::default();
        c.join("w1");
        c.join("w2");
        let want = wanted(&[("jdbc", 4)]);
        c.settle(&want, 0);
        let again = c.round(&want, 1_000);
        assert!(again.deltas.values().all(|d| d.start.is_empty() && d.stop.is_empty()), "{again:?}");
        assert_eq!(again.delay_ms, 0);
    }

    #[test]
    fn a_joining_worker_gets_work_by_one_revocation_round() {
        let mut c = Cluster::default();
        c.join("w1");
        c.join("w2");
        let want = wanted(&[("jdbc", 6)]);
        c.settle(&want, 0);
        let before = c.running.clone();
        c.join("w3");
        let plans = c.settle(&want, 1_000);
        assert_eq!(plans.len(), 2, "revoke, then assign");
        assert!(plans[0].deltas["w3"].start.is_empty(), "nothing is placed while work is being stopped");
        c.check_complete(&want);
        assert_eq!((c.tasks_of("w1"), c.tasks_of("w2"), c.tasks_of("w3")), (2, 2, 2));
        // Only the excess moved: what w1 and w2 still run, they ran before.
        for w in ["w1", "w2"] {
            assert!(c.running[w].tasks.is_subset(&before[w].tasks));
        }
    }

    #[test]
    fn a_departed_workers_work_waits_for_the_delay_then_moves() {
        let mut c = Cluster::default();
        for w in ["w1", "w2", "w3"] {
            c.join(w);
        }
        let want = wanted(&[("jdbc", 6)]);
        c.settle(&want, 0);
        let gone = c.running.remove("w2").expect("w2");
        let held = c.round(&want, 10_000);
        assert_eq!(held.delay_ms, 5_000, "held for scheduled.rebalance.max.delay.ms");
        assert!(held.deltas.values().all(|d| d.start.is_empty() && d.stop.is_empty()), "nothing moves yet: {held:?}");
        let still = c.round(&want, 12_000);
        assert_eq!(still.delay_ms, 3_000, "the delay counts down");
        let moved = c.round(&want, 15_000);
        assert_eq!(moved.delay_ms, 0);
        c.check_complete(&want);
        let started: BTreeSet<TaskRef> = moved.deltas.values().flat_map(|d| d.start.tasks.iter().cloned()).collect();
        assert_eq!(started, gone.tasks, "exactly the departed worker's tasks move");
    }

    #[test]
    fn a_worker_back_within_the_delay_gets_the_held_work() {
        let mut c = Cluster::default();
        for w in ["w1", "w2"] {
            c.join(w);
        }
        let want = wanted(&[("jdbc", 4)]);
        c.settle(&want, 0);
        let gone = c.running.remove("w2").expect("w2");
        assert_eq!(c.round(&want, 1_000).delay_ms, 5_000);
        // It restarts under a new member id.
        c.join("w2-restarted");
        let back = c.round(&want, 2_000);
        assert_eq!(back.deltas["w2-restarted"].start, gone, "{back:?}");
        assert!(back.deltas["w1"].start.is_empty() && back.deltas["w1"].stop.is_empty());
        c.check_complete(&want);
    }

    #[test]
    fn deleted_connectors_stop_and_new_ones_start() {
        let mut c = Cluster::default();
        for w in ["w1", "w2"] {
            c.join(w);
        }
        c.settle(&wanted(&[("old", 2)]), 0);
        let want = wanted(&[("new", 2)]);
        let plan = c.round(&want, 1_000);
        let stopped: usize = plan.deltas.values().map(|d| d.stop.tasks.len() + d.stop.connectors.len()).sum();
        assert_eq!(stopped, 3, "old's connector and two tasks stop");
        c.check_complete(&want);
    }

    #[test]
    fn duplicated_work_runs_once_and_no_delay_means_at_once() {
        let mut state = AssignorState::default();
        let w = wanted(&[("c", 2)]);
        let running: BTreeMap<String, Work> = [("a".to_owned(), w.clone()), ("b".to_owned(), w.clone())].into();
        let plan = assign(&mut state, &running, &w, 0, 0);
        assert_eq!(plan.deltas["b"].stop, w, "the second claimant stops its copy");
        assert!(plan.deltas["a"].start.is_empty() && plan.deltas["b"].start.is_empty(), "nothing starts twice");
        // With no delay configured, a departed worker's work moves at once.
        let mut state = AssignorState::default();
        let both: BTreeMap<String, Work> = [("a".to_owned(), Work::default()), ("b".to_owned(), Work::default())].into();
        let first = assign(&mut state, &both, &w, 0, 0);
        let a_only: BTreeMap<String, Work> = [("a".to_owned(), first.deltas["a"].start.clone())].into();
        let second = assign(&mut state, &a_only, &w, 0, 1);
        assert_eq!(second.deltas["a"].start, first.deltas["b"].start);
        assert_eq!(second.delay_ms, 0);
    }
}
