//! A member's watch on its group between rebalances: heartbeats on a
//! connection of their own (a busy worker never delays one, as Kafka's
//! heartbeat thread), and a look at who is still in the group.
//!
//! The look is for coordinators that evict a dead member without starting
//! a new generation, and tell only the member whose request noticed it
//! (tansu does). The leader then learns nothing from its heartbeats, so it
//! looks at the group itself: a member of its generation gone means the
//! work must be planned again. A leader that is gone cannot do that, so the
//! first of the members left takes over by joining anew.

use std::collections::BTreeSet;
use std::time::Duration;

use ferry_api::Result;
use kafka_protocol::messages::describe_groups_request::DescribeGroupsRequest;
use kafka_protocol::messages::heartbeat_request::HeartbeatRequest;
use kafka_protocol::messages::GroupId;

use super::membership::{code, kafka_error, rejoin_on, str_bytes, Coordinator, Outcome, DESCRIBE_GROUPS_V, HEARTBEAT_V};

/// Who the member knew in its generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The leader, and every member it planned for.
    Leader { members: BTreeSet<String> },
    /// A follower, and its leader.
    Follower { leader: String },
}

/// Why the member must leave its steady state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// Join again: the group rebalances.
    Rejoin,
    /// The leader saw a member of its generation gone: its work must be
    /// planned again (and held from this moment).
    Departed,
    /// The leader is gone and this member is the first of those left:
    /// leave and join anew, which starts a new generation on any broker.
    TakeOver,
}

/// What the group's members tell a member in `role` with id `me`.
pub fn alarm_for(role: &Role, me: &str, present: &BTreeSet<String>) -> Option<Alarm> {
    // A look that misses this member itself (a broker that does not know
    // the group, or describes it otherwise) tells nothing.
    if !present.contains(me) {
        return None;
    }
    match role {
        Role::Leader { members } => (!members.is_subset(present)).then_some(Alarm::Departed),
        Role::Follower { leader } => (!present.contains(leader) && present.iter().next().map(String::as_str) == Some(me)).then_some(Alarm::TakeOver),
    }
}

pub struct GroupWatch {
    coordinator: Coordinator,
    member_id: String,
    generation: i32,
}

impl GroupWatch {
    pub(super) fn new(coordinator: Coordinator, member_id: String, generation: i32) -> Self {
        Self { coordinator, member_id, generation }
    }

    /// Tells the coordinator this member is alive; it answers whether the group rebalances.
    pub async fn heartbeat(&mut self) -> Result<Outcome<()>> {
        let request = HeartbeatRequest::default()
            .with_group_id(GroupId(str_bytes(&self.coordinator.config().group_id)))
            .with_generation_id(self.generation)
            .with_member_id(str_bytes(&self.member_id));
        let within = self.coordinator.config().session_timeout;
        match self.coordinator.call(&request, HEARTBEAT_V, within).await {
            Ok(r) if r.error_code == code::NONE => Ok(Outcome::Done(())),
            Ok(r) => {
                tracing::debug!(code = r.error_code, generation = self.generation, "Heartbeat answered");
                rejoin_on(&mut self.coordinator, r.error_code, "Heartbeat")
            }
            // A broken connection: the coordinator may have moved.
            Err(_) => Ok(Outcome::Rejoin),
        }
    }

    /// The ids of the group's members, as the coordinator has them now.
    pub async fn members(&mut self) -> Result<BTreeSet<String>> {
        let group_id = self.coordinator.config().group_id.clone();
        let request = DescribeGroupsRequest::default().with_groups(vec![GroupId(str_bytes(&group_id))]);
        let within = self.coordinator.config().session_timeout;
        let r = self.coordinator.call(&request, DESCRIBE_GROUPS_V, within).await?;
        let group = r.groups.into_iter().next().ok_or_else(|| kafka_error(&format!("Describing group {group_id}"), -1))?;
        if group.error_code != code::NONE {
            self.coordinator.lost(group.error_code);
            return Err(kafka_error(&format!("Describing group {group_id}"), group.error_code));
        }
        Ok(group.members.iter().map(|m| m.member_id.as_str().to_owned()).collect())
    }

    /// Heartbeats every `interval` and looks at the group after each one,
    /// until something asks the member to leave its steady state.
    pub async fn run(mut self, role: Role, interval: Duration) -> Alarm {
        let mut beat = tokio::time::interval(interval);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            beat.tick().await;
            let rebalancing = match self.heartbeat().await {
                Ok(Outcome::Done(())) => false,
                Ok(Outcome::Rejoin) => true,
                Err(e) => {
                    tracing::warn!("heartbeat failed: {}; joining again", e.trace());
                    return Alarm::Rejoin;
                }
            };
            // Looked at on a rebalance too: a follower that would otherwise
            // wait on a leader that is gone (brokers may hold its join
            // until the old leader's turn passes) takes over at once.
            match self.members().await {
                Ok(present) => {
                    if let Some(alarm) = alarm_for(&role, &self.member_id, &present) {
                        tracing::info!(?role, ?present, ?alarm, "a member of this generation left the group");
                        return alarm;
                    }
                }
                // Only a help: a broker that cannot describe groups still rebalances on its own.
                Err(e) => tracing::debug!("cannot describe the group: {}", e.trace()),
            }
            if rebalancing {
                return Alarm::Rejoin;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_leader_replans_when_a_member_of_its_generation_is_gone() {
        let role = Role::Leader { members: set(&["a", "b", "c"]) };
        assert_eq!(alarm_for(&role, "a", &set(&["a", "b", "c"])), None);
        // A newcomer's own join starts the next rebalance.
        assert_eq!(alarm_for(&role, "a", &set(&["a", "b", "c", "d"])), None);
        assert_eq!(alarm_for(&role, "a", &set(&["a", "c"])), Some(Alarm::Departed));
        assert_eq!(alarm_for(&role, "a", &set(&[])), None, "a broker that lists no member tells nothing");
    }

    #[test]
    fn the_first_member_left_takes_over_from_a_leader_that_is_gone() {
        let follower = |me: &str| (Role::Follower { leader: "a".into() }, me.to_owned());
        let (role, me) = follower("b");
        assert_eq!(alarm_for(&role, &me, &set(&["a", "b", "c"])), None);
        assert_eq!(alarm_for(&role, &me, &set(&["b", "c"])), Some(Alarm::TakeOver));
        let (role, me) = follower("c");
        assert_eq!(alarm_for(&role, &me, &set(&["b", "c"])), None, "b takes over, c waits to be told");
    }
}
