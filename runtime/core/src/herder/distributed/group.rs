//! The worker's life in its group: read the config topic, join, let the
//! leader assign, apply the assignment, then exchange statuses and watch
//! the config topic until the group rebalances again. Heartbeats run
//! beside it, on their own connection (`distributed::group_watch`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::work::{Command, Local};
use super::{DistributedHerder, Leader};
use crate::herder::context::Event;
use crate::distributed::assignor::{assign, AssignorState, Work};
use crate::distributed::group_watch::{Alarm, Role};
use crate::distributed::membership::{Joined, Membership, MembershipConfig, Outcome};
use crate::distributed::protocol::{Assignment, Protocol, TaskRef, WorkerState};
use crate::herder::TargetState;

/// How often statuses are exchanged and the config topic is looked at.
const TICK: Duration = Duration::from_millis(500);
/// Every how many ticks the config and status topics are read to their end.
const FULL_READ_EVERY: u32 = 10;

/// Stops the group watch when the steady state ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<Alarm>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a member says it runs.
fn work_of(a: Option<&Assignment>) -> Work {
    let mut w = Work::default();
    if let Some(a) = a {
        w.connectors.extend(a.connectors.iter().cloned());
        w.tasks.extend(a.tasks.iter().cloned());
    }
    w
}

impl DistributedHerder {
    /// The leader's assignments: every connector, and the committed tasks of those not stopped.
    fn plan(&self, joined: &Joined, assignor: &mut AssignorState) -> Vec<(String, Assignment)> {
        let wanted = self.wanted();
        let shared = self.shared();
        let running: BTreeMap<String, Work> = joined.members.iter().map(|(id, s)| (id.clone(), work_of(s.previous.as_ref()))).collect();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let max_delay = i64::try_from(self.settings.max_delay.as_millis()).unwrap_or(i64::MAX);
        let plan = if joined.protocol == Protocol::Default {
            // Eager: nothing runs, nothing is held; all of it is placed afresh.
            let idle = running.keys().map(|m| (m.clone(), Work::default())).collect();
            *assignor = AssignorState::default();
            assign(assignor, &idle, &wanted, 0, now_ms)
        } else {
            assign(assignor, &running, &wanted, max_delay, now_ms)
        };
        let leader_url = joined.members.iter().find(|(id, _)| *id == joined.leader_id).map(|(_, s)| s.url.clone()).unwrap_or_default();
        joined
            .members
            .iter()
            .map(|(id, _)| {
                let d = plan.deltas.get(id).cloned().unwrap_or_default();
                let a = Assignment {
                    error: Assignment::NO_ERROR,
                    leader: joined.leader_id.clone(),
                    leader_url: leader_url.clone(),
                    config_offset: shared.config.offset,
                    connectors: d.start.connectors.into_iter().collect(),
                    tasks: d.start.tasks.into_iter().collect(),
                    revoked_connectors: d.stop.connectors.into_iter().collect(),
                    revoked_tasks: d.stop.tasks.into_iter().collect(),
                    delay: plan.delay_ms,
                };
                (id.clone(), a)
            })
            .collect()
    }

    /// The work the config topic asks for: every connector, and the
    /// committed tasks of those not stopped. The group rebalances when it changes.
    fn wanted(&self) -> Work {
        let shared = self.shared();
        let mut wanted = Work::default();
        for (name, c) in &shared.config.connectors {
            wanted.connectors.insert(name.clone());
            if c.target != TargetState::Stopped {
                wanted.tasks.extend((0..c.tasks.len() as i32).map(|task| TaskRef { connector: name.clone(), task }));
            }
        }
        wanted
    }

    /// Runs until `stop` turns true, then stops this worker's work and leaves the group.
    pub(super) async fn run_group(self: Arc<Self>, mut events: mpsc::UnboundedReceiver<Event>, mut commands: mpsc::UnboundedReceiver<Command>, mut stop: watch::Receiver<bool>) {
        let s = &self.settings;
        let mut membership = Membership::new(MembershipConfig {
            bootstrap: self.worker.config.bootstrap_servers.split(',').map(|b| b.trim().to_owned()).filter(|b| !b.is_empty()).collect(),
            group_id: s.group_id.clone(),
            session_timeout: s.session_timeout,
            rebalance_timeout: s.rebalance_timeout,
            protocol: s.protocol,
            client_id: self.worker.worker_id.clone(),
        });
        let mut assignor = AssignorState::default();
        let mut local = Local::default();
        let mut last = Assignment::default();
        // Restart requests are for the workers running when they were made:
        // those already in the topic at start are history.
        let mut started = false;
        // The generation of the last assignment, and the member id this
        // worker had before it rejoined anew (see "force" below).
        let mut synced_generation = -1;
        let mut renamed_from: Option<String> = None;
        'rebalance: while !*stop.borrow() {
            tracing::debug!("rebalance starts");
            self.rebalancing.send_replace(true);
            if let Err(e) = self.read_config().await {
                tracing::warn!("cannot read the config topic: {}; trying again", e.trace());
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            if !started {
                self.shared().config.take_restarts();
                started = true;
            }
            // Eager rebalancing (`connect.protocol=eager`): every worker stops
            // all its work before it joins, and the leader assigns it all anew.
            if s.protocol == Protocol::Default {
                self.revoke_all(&mut local).await;
            }
            let seen_offset = self.shared().config.offset;
            let state = WorkerState { url: self.url.clone(), config_offset: seen_offset, previous: Some(local.snapshot(&last)) };
            let joined = match membership.join(&state).await {
                Ok(j) => j,
                Err(e) => {
                    tracing::warn!("cannot join group {}: {}; trying again", s.group_id, e.trace());
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Some(old) = renamed_from.take() {
                assignor.rename(&old, &joined.member_id);
            }
            // A group that settled on the eager protocol (a member offers no other).
            if joined.protocol == Protocol::Default && s.protocol != Protocol::Default {
                self.revoke_all(&mut local).await;
            }
            // A member that has read further than the leader (Connect's
            // CONFIG_MISMATCH): the leader catches up before it plans.
            if joined.is_leader() && joined.members.iter().any(|(_, m)| m.config_offset > self.shared().config.offset) {
                if let Err(e) = self.read_config().await {
                    tracing::warn!("cannot read the config topic: {}", e.trace());
                }
            }
            let before = assignor.clone();
            let plan = if joined.is_leader() { self.plan(&joined, &mut assignor) } else { Vec::new() };
            // A broker that answers a join within the current generation
            // (tansu does when the member's metadata is unchanged, even after
            // another member's session expired) keeps the assignments it has
            // and tells no member to rejoin, so a plan that changes anything
            // would never take effect: the leader leaves and joins anew, which
            // starts a new generation on any broker, and plans again.
            let changes = plan.iter().any(|(_, a)| a.delay > 0 || !(a.connectors.is_empty() && a.tasks.is_empty() && a.revoked_connectors.is_empty() && a.revoked_tasks.is_empty()));
            if joined.is_leader() && joined.generation <= synced_generation && changes {
                tracing::info!(generation = joined.generation, "the group's generation did not change; joining anew so every worker gets its assignment");
                assignor = before;
                renamed_from = Some(joined.member_id.clone());
                if let Err(e) = membership.leave().await {
                    tracing::warn!("cannot leave group {}: {}", s.group_id, e.trace());
                }
                continue;
            }
            let assignment = match membership.sync(&joined, &plan).await {
                Ok(Outcome::Done(a)) => a,
                Ok(Outcome::Rejoin) => continue,
                Err(e) => {
                    tracing::warn!("cannot sync group {}: {}; joining again", s.group_id, e.trace());
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            synced_generation = joined.generation;
            // A worker stopping starts nothing more: a task started now would
            // be stopped at once, its consumer leaving a group that is still forming.
            if *stop.borrow() {
                break 'rebalance;
            }
            // Heartbeats start at once: applying the assignment may take a while.
            let role = if joined.is_leader() {
                Role::Leader { members: joined.members.iter().map(|(id, _)| id.clone()).collect() }
            } else {
                Role::Follower { leader: joined.leader_id.clone() }
            };
            let mut watch = AbortOnDrop(tokio::spawn(membership.watch().run(role, s.heartbeat_interval)));
            {
                let mut shared = self.shared();
                shared.generation = joined.generation;
                shared.leader = Leader { is_self: assignment.leader == joined.member_id, url: Some(assignment.leader_url.clone()).filter(|u| !u.is_empty()) };
            }
            // The leader may have read further than this worker.
            if let Err(e) = self.read_config().await {
                tracing::warn!("cannot read the config topic: {}", e.trace());
            }
            self.apply(&mut local, &assignment).await;
            last = assignment.clone();
            tracing::info!(
                generation = joined.generation,
                leader = joined.is_leader(),
                connectors = ?assignment.connectors,
                tasks = assignment.tasks.len(),
                revoked = assignment.revoked_connectors.len() + assignment.revoked_tasks.len(),
                "rebalanced"
            );
            if !(assignment.revoked_connectors.is_empty() && assignment.revoked_tasks.is_empty()) {
                // What was freed goes to others in the round that follows at once.
                continue;
            }
            self.rebalancing.send_replace(false);
            self.joined.send_replace(true);
            let mut handled_offset = self.shared().config.offset;
            let wanted = self.wanted();
            // Held work is the leader's to place when the delay ends: its join
            // starts the next generation, and the others hear of it in their
            // heartbeats. (Followers joining too would only add rounds on
            // brokers that pause their joins.)
            let rejoin_at = (assignment.delay > 0 && joined.is_leader()).then(|| Instant::now() + Duration::from_millis(assignment.delay as u64));
            let mut tick = tokio::time::interval(TICK);
            let mut ticks: u32 = 0;
            loop {
                tokio::select! {
                    _ = stop.changed() => break 'rebalance,
                    alarm = &mut watch.0 => {
                        match alarm {
                            Ok(Alarm::TakeOver) => {
                                tracing::info!("the group's leader is gone; joining anew to lead it");
                                if let Err(e) = membership.leave().await {
                                    tracing::warn!("cannot leave group {}: {}", s.group_id, e.trace());
                                }
                            }
                            Ok(Alarm::Departed) => assignor.noticed_departure(chrono::Utc::now().timestamp_millis()),
                            Ok(Alarm::Rejoin) | Err(_) => {}
                        }
                        continue 'rebalance;
                    }
                    _ = tick.tick() => {
                        // Most looks take what has arrived. The first after a rebalance,
                        // and one every few seconds, read to the end, so that a view
                        // which fell behind catches up.
                        ticks += 1;
                        let full = ticks % FULL_READ_EVERY == 1;
                        self.exchange_statuses(&mut local, full).await;
                        let read = if full { self.read_config().await } else { self.poll_config().await };
                        if let Err(e) = read {
                            tracing::warn!("cannot read the config topic: {}", e.trace());
                        }
                        if self.shared().config.offset != handled_offset {
                            handled_offset = self.shared().config.offset;
                            self.reconcile(&mut local).await;
                            if self.wanted() != wanted {
                                continue 'rebalance;
                            }
                        }
                        let restarts = self.shared().config.take_restarts();
                        for (name, request) in restarts {
                            self.restart_here(&mut local, &name, request).await;
                        }
                        if rejoin_at.is_some_and(|t| Instant::now() >= t) {
                            // The held work is placed now. The leader's metadata has not
                            // changed, and a broker may answer such a join within the
                            // current generation (see "joining anew" above): joining as
                            // a new member starts a new generation on any broker.
                            tracing::info!("the delay for departed workers is over; joining anew to place their work");
                            renamed_from = Some(membership.member_id().to_owned());
                            if let Err(e) = membership.leave().await {
                                tracing::warn!("cannot leave group {}: {}", s.group_id, e.trace());
                            }
                            continue 'rebalance;
                        }
                    }
                    Some(event) = events.recv() => self.handle_event(&mut local, event).await,
                    Some(command) = commands.recv() => self.handle_command(&mut local, command).await,
                }
            }
        }
        self.rebalancing.send_replace(true);
        let ran = local.status_keys();
        self.stop_all(&mut local).await;
        self.exchange_statuses(&mut local, true).await;
        self.publish_unassigned(ran).await;
        if let Err(e) = membership.leave().await {
            tracing::warn!("cannot leave group {}: {}", s.group_id, e.trace());
        }
    }
}
