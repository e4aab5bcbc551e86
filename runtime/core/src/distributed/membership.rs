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
use kafka_protocol::messages::join_group_request::{JoinGroupRequest, JoinGroupRequestProtocol};
use kafka_protocol::messages::leave_group_request::{LeaveGroupRequest, MemberIdentity};
use kafka_protocol::messages::sync_group_request::{SyncGroupRequest, SyncGroupRequestAssignment};
use kafka_protocol::messages::GroupId;
use kafka_protocol::protocol::{Request, StrBytes};
use tokio::time::Instant;

use super::protocol::{self, Assignment, Protocol, WorkerState};
use super::wire::Connection;

/// The request versions used: those librdkafka uses too, which every
/// Kafka-protocol broker serves.
const FIND_COORDINATOR_V: i16 = 2;
const JOIN_GROUP_V: i16 = 5;
const SYNC_GROUP_V: i16 = 3;
pub(super) const HEARTBEAT_V: i16 = 3;
pub(super) const DESCRIBE_GROUPS_V: i16 = 1;
const LEAVE_GROUP_V: i16 = 3;

/// Kafka's error codes the membership reacts to.
pub(super) mod code {
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
    coordinator: Coordinator,
    member_id: String,
    generation: i32,
    /// The leader of the last rebalance this member could not finish as a follower.
    stalled_by: Option<String>,
}

/// The connection to the group's coordinator, found through a bootstrap
/// broker, and forgotten after an error that may mean it moved.
pub(super) struct Coordinator {
    config: MembershipConfig,
    connection: Option<Connection>,
}

impl Coordinator {
    pub(super) fn new(config: MembershipConfig) -> Self {
        Self { config, connection: None }
    }

    async fn connect(&mut self) -> Result<&mut Connection> {
        if self.connection.is_none() {
            let mut last = ConnectError::retriable("bootstrap.servers names no broker");
            for address in &self.config.bootstrap {
                match find_coordinator(address, &self.config).await {
                    Ok(c) => {
                        self.connection = Some(c);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            if self.connection.is_none() {
                return Err(last);
            }
        }
        self.connection.as_mut().ok_or_else(|| ConnectError::retriable("no group coordinator"))
    }

    /// Sends a request to the coordinator; a failed call drops the connection,
    /// which may be out of step.
    pub(super) async fn call<R: Request>(&mut self, request: &R, version: i16, within: Duration) -> Result<R::Response> {
        let result = match self.connect().await {
            Ok(c) => c.call(request, version, within).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            self.connection = None;
        }
        result
    }

    /// Forgets the coordinator after an error code that may mean it moved.
    pub(super) fn lost(&mut self, code: i16) {
        if matches!(code, code::NOT_COORDINATOR | code::COORDINATOR_NOT_AVAILABLE | code::COORDINATOR_LOAD_IN_PROGRESS) {
            self.connection = None;
        }
    }

    pub(super) fn config(&self) -> &MembershipConfig {
        &self.config
    }
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

pub(super) fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_owned())
}

pub(super) fn kafka_error(what: &str, code: i16) -> ConnectError {
    ConnectError::retriable(format!("{what} failed with Kafka error code {code}"))
}

impl Membership {
    pub fn new(config: MembershipConfig) -> Self {
        Self { coordinator: Coordinator::new(config.clone()), config, member_id: String::new(), generation: -1, stalled_by: None }
    }

    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    /// Joins (or rejoins) the group with this worker's state, waiting up to
    /// the rebalance timeout, twice, for the other members.
    pub async fn join(&mut self, state: &WorkerState) -> Result<Joined> {
        let deadline = Instant::now() + self.config.rebalance_timeout * 2;
        // The coordinator may hold a JoinGroup for the rebalance timeout.
        let answer_within = self.config.rebalance_timeout + Duration::from_secs(5);
        loop {
            let request = join_request(&self.config, &self.member_id, state);
            tracing::debug!(member = %self.member_id, "JoinGroup sent");
            let r = match self.coordinator.call(&request, JOIN_GROUP_V, answer_within).await {
                Ok(r) => r,
                Err(e) if Instant::now() < deadline => {
                    tracing::debug!("joining group {}: {e}; trying again", self.config.group_id);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                Err(e) => return Err(e),
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
                    self.coordinator.lost(r.error_code);
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
            let joined = Joined { generation: r.generation_id, member_id: self.member_id.clone(), leader_id: r.leader.as_str().to_owned(), protocol: chosen, members };
            // The same leader again, and it is no longer in the group: it left
            // during the rebalance and the coordinator still waits for it.
            if self.stalled_by.take().is_some_and(|l| l == joined.leader_id) && self.has_left(&joined.leader_id).await {
                tracing::warn!(leader = %joined.leader_id, "the group's coordinator names a leader that left the group; joining in its name, so that its session expires");
                if let Err(e) = self.stand_in_for(&joined.leader_id).await {
                    tracing::warn!("cannot join in the departed leader's name: {}", e.trace());
                }
            }
            return Ok(joined);
        }
    }

    /// Joins once in the name of `member_id`, a leader that left during a
    /// rebalance, and never heartbeats for it.
    ///
    /// For coordinators that keep such a leader as the group's leader (tansu
    /// does): no other member can finish the rebalance, and the leader, no
    /// longer a member, has no session that could expire. Joined in its name,
    /// it has one again, which expires after the session timeout; the
    /// coordinator then chooses a new leader. A coordinator that does not
    /// know the id refuses the join, which changes nothing.
    async fn stand_in_for(&self, member_id: &str) -> Result<()> {
        // No work and no URL: a leader that ever saw this member could give it nothing useful.
        let nobody = WorkerState { url: String::new(), config_offset: -1, previous: None };
        let request = join_request(&self.config, member_id, &nobody);
        let mut coordinator = Coordinator::new(self.config.clone());
        let r = coordinator.call(&request, JOIN_GROUP_V, self.config.rebalance_timeout + Duration::from_secs(5)).await?;
        tracing::debug!(code = r.error_code, generation = r.generation_id, leader = r.leader.as_str(), "JoinGroup in a departed leader's name answered");
        Ok(())
    }

    /// Whether the group, as its coordinator describes it now, holds this member but not `other`.
    async fn has_left(&self, other: &str) -> bool {
        match self.watch().members().await {
            Ok(present) => present.contains(&self.member_id) && !present.contains(other),
            Err(e) => {
                tracing::debug!("cannot describe the group: {}", e.trace());
                false
            }
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
        let r = self.coordinator.call(&request, SYNC_GROUP_V, within).await?;
        tracing::debug!(code = r.error_code, generation = joined.generation, "SyncGroup answered");
        match r.error_code {
            code::NONE => Ok(Outcome::Done(protocol::decode_assignment(&r.assignment)?.1)),
            c => {
                if c == code::UNKNOWN_MEMBER_ID {
                    self.member_id.clear();
                }
                if c == code::REBALANCE_IN_PROGRESS && !joined.is_leader() {
                    self.stalled_by = Some(joined.leader_id.clone());
                }
                rejoin_on(&mut self.coordinator, c, "Syncing group")
            }
        }
    }

    /// A watch on this member's place in the group as it is now, on a
    /// connection of its own, so heartbeats never wait for the worker's work.
    pub fn watch(&self) -> super::group_watch::GroupWatch {
        super::group_watch::GroupWatch::new(Coordinator::new(self.config.clone()), self.member_id.clone(), self.generation)
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
        let r = self.coordinator.call(&request, LEAVE_GROUP_V, within).await?;
        self.member_id.clear();
        match r.error_code {
            code::NONE | code::UNKNOWN_MEMBER_ID => Ok(()),
            c => Err(kafka_error(&format!("Leaving group {}", self.config.group_id), c)),
        }
    }
}

/// A JoinGroup for `member_id` (empty for a new member) offering every
/// protocol this worker speaks, each with `state`.
fn join_request(config: &MembershipConfig, member_id: &str, state: &WorkerState) -> JoinGroupRequest {
    let protocols = config
        .protocol
        .offered()
        .into_iter()
        .map(|p| JoinGroupRequestProtocol::default().with_name(str_bytes(p.name())).with_metadata(Bytes::from(protocol::encode_metadata(p, state))))
        .collect();
    JoinGroupRequest::default()
        .with_group_id(GroupId(str_bytes(&config.group_id)))
        .with_session_timeout_ms(millis(config.session_timeout))
        .with_rebalance_timeout_ms(millis(config.rebalance_timeout))
        .with_member_id(str_bytes(member_id))
        .with_protocol_type(str_bytes(CONNECT_PROTOCOL_TYPE))
        .with_protocols(protocols)
}

/// What an error code of a SyncGroup or Heartbeat asks of the member.
pub(super) fn rejoin_on<T>(coordinator: &mut Coordinator, code: i16, what: &str) -> Result<Outcome<T>> {
    match code {
        // A rebalance, a member the coordinator forgot (it joins as a new
        // one), or a stale generation (rejoining with the same id lets the
        // coordinator replace the member instead of waiting out its session).
        code::REBALANCE_IN_PROGRESS | code::UNKNOWN_MEMBER_ID | code::ILLEGAL_GENERATION => Ok(Outcome::Rejoin),
        code::NOT_COORDINATOR | code::COORDINATOR_NOT_AVAILABLE | code::COORDINATOR_LOAD_IN_PROGRESS => {
            coordinator.lost(code);
            Ok(Outcome::Rejoin)
        }
        c => Err(kafka_error(&format!("{what} of group {}", coordinator.config().group_id), c)),
    }
}

fn millis(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}
