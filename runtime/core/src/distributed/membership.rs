//! A worker's membership in its cluster: Kafka's group coordinator with
//! protocol type `connect`, as Kafka Connect's `WorkerGroupMember` uses it.
//! FindCoordinator, then per rebalance JoinGroup (every worker's state goes
//! to the leader) and SyncGroup (the leader's assignments come back), with
//! Heartbeats in between and LeaveGroup on a clean stop. Membership,
//! leader election and the eviction of dead workers are the broker's.

use std::time::Duration;

use bytes::Bytes;
use ferry_api::{ConnectError, Result};
use kafka_protocol::messages::find_coordinator_request::FindCoordinatorRequest;
use kafka_protocol::messages::heartbeat_request::HeartbeatRequest;
use kafka_protocol::messages::join_group_request::{JoinGroupRequest, JoinGroupRequestProtocol};
use kafka_protocol::messages::leave_group_request::{LeaveGroupRequest, MemberIdentity};
use kafka_protocol::messages::sync_group_request::{SyncGroupRequest, SyncGroupRequestAssignment};
use kafka_protocol::messages::GroupId;
use kafka_protocol::protocol::StrBytes;
use tokio::time::Instant;

use super::protocol::{self, Assignment, Protocol, WorkerState};
use super::wire::Connection;

/// The request versions used: those librdkafka uses too, which every
/// Kafka-protocol broker serves.
const FIND_COORDINATOR_V: i16 = 2;
const JOIN_GROUP_V: i16 = 5;
const SYNC_GROUP_V: i16 = 3;
const HEARTBEAT_V: i16 = 3;
const LEAVE_GROUP_V: i16 = 3;

/// Kafka's error codes the membership reacts to.
mod code {
    pub const NONE: i16 = 0;
    pub const COORDINATOR_LOAD_IN_PROGRESS: i16 = 14;
    pub const COORDINATOR_NOT_AVAILABLE: i16 = 15;
    pub const NOT_COORDINATOR: i16 = 16;
    pub const ILLEGAL_GENERATION: i16 = 22;
    pub const UNKNOWN_MEMBER_ID: i16 = 25;
    pub const REBALANCE_IN_PROGRESS: i16 = 27;
    pub const MEMBER_ID_REQUIRED: i16 = 79;
}

const CONNECT_PROTOCOL_TYPE: &str = "connect";

/// The worker's group settings (Connect's names in brackets).
#[derive(Debug, Clone)]
pub struct MembershipConfig {
    pub bootstrap: Vec<String>,
    /// `group.id`
    pub group_id: String,
    /// `session.timeout.ms`
    pub session_timeout: Duration,
    /// `rebalance.timeout.ms`
    pub rebalance_timeout: Duration,
    /// `connect.protocol`: the most capable protocol offered.
    pub protocol: Protocol,
    pub client_id: String,
}

/// The outcome of a JoinGroup.
#[derive(Debug, Clone)]
pub struct Joined {
    pub generation: i32,
    pub member_id: String,
    pub leader_id: String,
    /// The protocol every member supports, as the coordinator chose it.
    pub protocol: Protocol,
    /// Every member's state, sorted by member id: the leader's view only.
    pub members: Vec<(String, WorkerState)>,
}

impl Joined {
    pub fn is_leader(&self) -> bool {
        self.member_id == self.leader_id
    }
}

/// What a heartbeat or a sync tells the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    /// The group is rebalancing (or forgot this member): join again.
    Rejoin,
}

pub struct Membership {
    config: MembershipConfig,
    coordinator: Option<Connection>,
    member_id: String,
    generation: i32,
}

fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_owned())
}

fn kafka_error(what: &str, code: i16) -> ConnectError {
    ConnectError::retriable(format!("{what} failed with Kafka error code {code}"))
}

impl Membership {
    pub fn new(config: MembershipConfig) -> Self {
        Self { config, coordinator: None, member_id: String::new(), generation: -1 }
    }

    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    /// The connection to the group's coordinator, found through a bootstrap broker.
    async fn coordinator(&mut self) -> Result<&mut Connection> {
        if self.coordinator.is_none() {
            let mut last = ConnectError::retriable("bootstrap.servers names no broker");
            for address in &self.config.bootstrap {
                match Self::find_coordinator(address, &self.config).await {
                    Ok(c) => {
                        self.coordinator = Some(c);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            if self.coordinator.is_none() {
                return Err(last);
            }
        }
        self.coordinator.as_mut().ok_or_else(|| ConnectError::retriable("no group coordinator"))
    }

    async fn find_coordinator(bootstrap: &str, config: &MembershipConfig) -> Result<Connection> {
        let mut conn = Connection::open(bootstrap, &config.client_id).await?;
        let request = FindCoordinatorRequest::default().with_key(str_bytes(&config.group_id)).with_key_type(0);
        let r = conn.call(&request, FIND_COORDINATOR_V, config.session_timeout).await?;
        if r.error_code != code::NONE {
            return Err(kafka_error(&format!("Finding the coordinator of group {}", config.group_id), r.error_code));
        }
        let address = format!("{}:{}", r.host.as_str(), r.port);
        if address == bootstrap {
            return Ok(conn);
        }
        Connection::open(&address, &config.client_id).await
    }

    /// Forgets the coordinator after an error that may mean it moved.
    fn lost_coordinator(&mut self, code: i16) {
        if matches!(code, code::NOT_COORDINATOR | code::COORDINATOR_NOT_AVAILABLE | code::COORDINATOR_LOAD_IN_PROGRESS) {
            self.coordinator = None;
        }
    }

    /// Joins (or rejoins) the group with this worker's state, waiting up to
    /// the rebalance timeout, twice, for the other members.
    pub async fn join(&mut self, state: &WorkerState) -> Result<Joined> {
        let deadline = Instant::now() + self.config.rebalance_timeout * 2;
        // The coordinator may hold a JoinGroup for the rebalance timeout.
        let answer_within = self.config.rebalance_timeout + Duration::from_secs(5);
        loop {
            let protocols = self
                .config
                .protocol
                .offered()
                .into_iter()
                .map(|p| JoinGroupRequestProtocol::default().with_name(str_bytes(p.name())).with_metadata(Bytes::from(protocol::encode_metadata(p, state))))
                .collect();
            let request = JoinGroupRequest::default()
                .with_group_id(GroupId(str_bytes(&self.config.group_id)))
                .with_session_timeout_ms(millis(self.config.session_timeout))
                .with_rebalance_timeout_ms(millis(self.config.rebalance_timeout))
                .with_member_id(str_bytes(&self.member_id))
                .with_protocol_type(str_bytes(CONNECT_PROTOCOL_TYPE))
                .with_protocols(protocols);
            let result = match self.coordinator().await {
                Ok(c) => c.call(&request, JOIN_GROUP_V, answer_within).await,
                Err(e) => Err(e),
            };
            let r = match result {
                Ok(r) => r,
                Err(e) if Instant::now() < deadline => {
                    tracing::debug!("joining group {}: {e}; trying again", self.config.group_id);
                    self.coordinator = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                Err(e) => {
                    self.coordinator = None;
                    return Err(e);
                }
            };
            tracing::debug!(code = r.error_code, generation = r.generation_id, leader = r.leader.as_str(), members = r.members.len(), "JoinGroup answered");
            match r.error_code {
                code::NONE => {}
                // KIP-394: the coordinator names this member's id, then it joins with it.
                code::MEMBER_ID_REQUIRED => {
                    self.member_id = r.member_id.as_str().to_owned();
                    continue;
                }
                code::UNKNOWN_MEMBER_ID | code::ILLEGAL_GENERATION | code::REBALANCE_IN_PROGRESS
                | code::NOT_COORDINATOR | code::COORDINATOR_NOT_AVAILABLE | code::COORDINATOR_LOAD_IN_PROGRESS
                    if Instant::now() < deadline =>
                {
                    if r.error_code == code::UNKNOWN_MEMBER_ID {
                        self.member_id.clear();
                    }
                    self.lost_coordinator(r.error_code);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                c => return Err(kafka_error(&format!("Joining group {}", self.config.group_id), c)),
            }
            self.member_id = r.member_id.as_str().to_owned();
            self.generation = r.generation_id;
            let name = r.protocol_name.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default();
            let chosen = Protocol::from_name(&name).ok_or_else(|| ConnectError::fatal(format!("The coordinator chose protocol '{name}', which this worker did not offer")))?;
            let mut members = Vec::with_capacity(r.members.len());
            for m in &r.members {
                match protocol::decode_metadata(&m.metadata) {
                    Ok(s) => members.push((m.member_id.as_str().to_owned(), s)),
                    Err(e) => tracing::warn!(member = m.member_id.as_str(), "a group member's metadata is unreadable, so it gets no work: {e}"),
                }
            }
            members.sort_by(|a, b| a.0.cmp(&b.0));
            return Ok(Joined { generation: r.generation_id, member_id: self.member_id.clone(), leader_id: r.leader.as_str().to_owned(), protocol: chosen, members });
        }
    }

    /// Hands out the leader's assignments (others pass none) and returns this worker's.
    pub async fn sync(&mut self, joined: &Joined, assignments: &[(String, Assignment)]) -> Result<Outcome<Assignment>> {
        let assignments = assignments
            .iter()
            .map(|(member, a)| SyncGroupRequestAssignment::default().with_member_id(str_bytes(member)).with_assignment(Bytes::from(protocol::encode_assignment(joined.protocol, a))))
            .collect();
        let request = SyncGroupRequest::default()
            .with_group_id(GroupId(str_bytes(&self.config.group_id)))
            .with_generation_id(joined.generation)
            .with_member_id(str_bytes(&self.member_id))
            .with_assignments(assignments);
        let within = self.config.rebalance_timeout + Duration::from_secs(5);
        let r = match self.coordinator().await?.call(&request, SYNC_GROUP_V, within).await {
            Ok(r) => r,
            Err(e) => {
                self.coordinator = None;
                return Err(e);
            }
        };
        tracing::debug!(code = r.error_code, generation = joined.generation, "SyncGroup answered");
        match r.error_code {
            code::NONE => Ok(Outcome::Done(protocol::decode_assignment(&r.assignment)?.1)),
            c => self.rejoin_on(c, "Syncing group"),
        }
    }

    /// Tells the coordinator this worker is alive; it answers whether the group rebalances.
    pub async fn heartbeat(&mut self) -> Result<Outcome<()>> {
        let request = HeartbeatRequest::default()
            .with_group_id(GroupId(str_bytes(&self.config.group_id)))
            .with_generation_id(self.generation)
            .with_member_id(str_bytes(&self.member_id));
        let within = self.config.session_timeout;
        let r = match self.coordinator().await {
            Ok(c) => c.call(&request, HEARTBEAT_V, within).await,
            Err(e) => Err(e),
        };
        match r {
            Ok(r) if r.error_code == code::NONE => Ok(Outcome::Done(())),
            Ok(r) => {
                tracing::debug!(code = r.error_code, generation = self.generation, "Heartbeat answered");
                self.rejoin_on(r.error_code, "Heartbeat")
            }
            // A broken connection: the coordinator may have moved.
            Err(_) => {
                self.coordinator = None;
                Ok(Outcome::Rejoin)
            }
        }
    }

    fn rejoin_on<T>(&mut self, code: i16, what: &str) -> Result<Outcome<T>> {
        match code {
            code::REBALANCE_IN_PROGRESS => Ok(Outcome::Rejoin),
            // The coordinator forgot this member: it joins as a new one.
            code::UNKNOWN_MEMBER_ID => {
                self.member_id.clear();
                Ok(Outcome::Rejoin)
            }
            // A stale generation: rejoining with the same id lets the
            // coordinator replace the member instead of waiting out its session.
            code::ILLEGAL_GENERATION => Ok(Outcome::Rejoin),
            code::NOT_COORDINATOR | code::COORDINATOR_NOT_AVAILABLE | code::COORDINATOR_LOAD_IN_PROGRESS => {
                self.lost_coordinator(code);
                Ok(Outcome::Rejoin)
            }
            c => Err(kafka_error(&format!("{what} of group {}", self.config.group_id), c)),
        }
    }

    /// Leaves the group, so the others rebalance at once instead of after the session timeout.
    pub async fn leave(&mut self) -> Result<()> {
        if self.member_id.is_empty() {
            return Ok(());
        }
        let request = LeaveGroupRequest::default()
            .with_group_id(GroupId(str_bytes(&self.config.group_id)))
            .with_members(vec![MemberIdentity::default().with_member_id(str_bytes(&self.member_id))]);
        let within = self.config.session_timeout;
        let r = match self.coordinator().await?.call(&request, LEAVE_GROUP_V, within).await {
            Ok(r) => r,
            Err(e) => {
                self.coordinator = None;
                return Err(e);
            }
        };
        self.member_id.clear();
        match r.error_code {
            code::NONE | code::UNKNOWN_MEMBER_ID => Ok(()),
            c => Err(kafka_error(&format!("Leaving group {}", self.config.group_id), c)),
        }
    }
}

fn millis(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}
