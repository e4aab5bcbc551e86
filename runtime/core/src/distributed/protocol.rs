//! Kafka Connect's group protocol: the metadata a worker sends in JoinGroup
//! and the assignment the leader hands out in SyncGroup, byte for byte as
//! Connect 3.9 writes them (`ConnectProtocol`,
//! `IncrementalCooperativeConnectProtocol`), so Ferry and Connect workers
//! understand each other's group state. Kafka's encoding: big-endian
//! integers, strings with an int16 length, arrays with an int32 count.

use bytes::{Buf, BufMut};
use ferry_api::{ConnectError, Result};

/// The sub-protocols a worker offers, most capable first, as Connect's
/// `connect.protocol` selects them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    /// V0: eager rebalancing, every worker stops all its work.
    Default = 0,
    /// V1: incremental cooperative rebalancing (KIP-415).
    Compatible = 1,
    /// V2: V1 plus signed internal requests.
    Sessioned = 2,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Default => "default",
            Protocol::Compatible => "compatible",
            Protocol::Sessioned => "sessioned",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Protocol::Default, Protocol::Compatible, Protocol::Sessioned].into_iter().find(|p| p.name() == name)
    }

    fn from_version(v: i16) -> Result<Self> {
        match v {
            0 => Ok(Protocol::Default),
            1 => Ok(Protocol::Compatible),
            // Later versions keep V2's layout first, as Connect reads them.
            v if v >= 2 => Ok(Protocol::Sessioned),
            v => Err(malformed(format!("unknown Connect protocol version {v}"))),
        }
    }

    /// The protocols a worker configured with `connect.protocol=self` offers in JoinGroup.
    pub fn offered(self) -> Vec<Protocol> {
        [Protocol::Sessioned, Protocol::Compatible, Protocol::Default].into_iter().filter(|p| *p <= self).collect()
    }
}

/// What a worker tells the group when it joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerState {
    /// The worker's advertised REST URL.
    pub url: String,
    /// The offset of the config topic the worker has read up to.
    pub config_offset: i64,
    /// The work it ran before this rebalance (V1 and up).
    pub previous: Option<Assignment>,
}

/// A task, as the protocol names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskRef {
    pub connector: String,
    pub task: i32,
}

/// What the leader assigns one worker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignment {
    pub error: i16,
    /// The leader's member id and REST URL (where config writes are forwarded).
    pub leader: String,
    pub leader_url: String,
    pub config_offset: i64,
    pub connectors: Vec<String>,
    pub tasks: Vec<TaskRef>,
    /// What the worker must stop (V1 and up).
    pub revoked_connectors: Vec<String>,
    pub revoked_tasks: Vec<TaskRef>,
    /// Milliseconds until the leader reassigns a departed worker's work (V1 and up).
    pub delay: i32,
}

impl Assignment {
    pub const NO_ERROR: i16 = 0;
    /// The worker's config is behind the leader's: read the config topic and rejoin.
    pub const CONFIG_MISMATCH: i16 = 1;
}

/// A connector itself, in the protocol's task lists.
const CONNECTOR_TASK: i32 = -1;

pub fn encode_metadata(protocol: Protocol, state: &WorkerState) -> Vec<u8> {
    let mut b = Vec::new();
    b.put_i16(protocol as i16);
    put_str(&mut b, &state.url);
    b.put_i64(state.config_offset);
    if protocol >= Protocol::Compatible {
        match &state.previous {
            None => b.put_i32(-1),
            Some(a) => {
                let allocation = encode_assignment(protocol, a);
                b.put_i32(allocation.len() as i32);
                b.put_slice(&allocation);
            }
        }
    }
    b
}

pub fn decode_metadata(mut b: &[u8]) -> Result<WorkerState> {
    let protocol = Protocol::from_version(get_i16(&mut b)?)?;
    let url = get_str(&mut b)?;
    let config_offset = get_i64(&mut b)?;
    let previous = if protocol >= Protocol::Compatible && b.has_remaining() {
        match get_i32(&mut b)? {
            -1 => None,
            n => {
                let n = usize::try_from(n).map_err(|_| malformed("negative allocation length"))?;
                Some(decode_assignment(take(&mut b, n)?)?.1)
            }
        }
    } else {
        None
    };
    Ok(WorkerState { url, config_offset, previous })
}

pub fn encode_assignment(protocol: Protocol, a: &Assignment) -> Vec<u8> {
    let mut b = Vec::new();
    b.put_i16(protocol as i16);
    b.put_i16(a.error);
    put_str(&mut b, &a.leader);
    put_str(&mut b, &a.leader_url);
    b.put_i64(a.config_offset);
    put_work(&mut b, &a.connectors, &a.tasks);
    if protocol >= Protocol::Compatible {
        put_work(&mut b, &a.revoked_connectors, &a.revoked_tasks);
        b.put_i32(a.delay);
    }
    b
}

/// The assignment and the protocol version it was written with.
pub fn decode_assignment(mut b: &[u8]) -> Result<(Protocol, Assignment)> {
    let protocol = Protocol::from_version(get_i16(&mut b)?)?;
    let mut a = Assignment { error: get_i16(&mut b)?, leader: get_str(&mut b)?, leader_url: get_str(&mut b)?, config_offset: get_i64(&mut b)?, ..Default::default() };
    (a.connectors, a.tasks) = get_work(&mut b)?;
    if protocol >= Protocol::Compatible && b.has_remaining() {
        (a.revoked_connectors, a.revoked_tasks) = get_work(&mut b)?;
        a.delay = get_i32(&mut b)?;
    }
    Ok((protocol, a))
}

/// Connectors and tasks as one array of `{connector, tasks}` entries in
/// order of first appearance, a connector itself being task -1.
fn put_work(b: &mut Vec<u8>, connectors: &[String], tasks: &[TaskRef]) {
    let mut entries: Vec<(&str, Vec<i32>)> = Vec::new();
    let pairs = connectors.iter().map(|c| (c.as_str(), CONNECTOR_TASK)).chain(tasks.iter().map(|t| (t.connector.as_str(), t.task)));
    for (name, task) in pairs {
        match entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, ids)) => ids.push(task),
            None => entries.push((name, vec![task])),
        }
    }
    b.put_i32(entries.len() as i32);
    for (name, ids) in entries {
        put_str(b, name);
        b.put_i32(ids.len() as i32);
        ids.iter().for_each(|i| b.put_i32(*i));
    }
}

fn get_work(b: &mut &[u8]) -> Result<(Vec<String>, Vec<TaskRef>)> {
    let (mut connectors, mut tasks) = (Vec::new(), Vec::new());
    for _ in 0..get_count(b)? {
        let connector = get_str(b)?;
        for _ in 0..get_count(b)? {
            match get_i32(b)? {
                CONNECTOR_TASK => connectors.push(connector.clone()),
                task => tasks.push(TaskRef { connector: connector.clone(), task }),
            }
        }
    }
    Ok((connectors, tasks))
}

fn malformed(why: impl std::fmt::Display) -> ConnectError {
    ConnectError::fatal(format!("Malformed Connect group protocol data: {why}"))
}

fn need(b: &[u8], n: usize) -> Result<()> {
    if b.remaining() < n {
        return Err(malformed(format!("{n} more bytes expected, {} left", b.remaining())));
    }
    Ok(())
}

fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
    need(b, n)?;
    let (head, rest) = b.split_at(n);
    *b = rest;
    Ok(head)
}

fn get_i16(b: &mut &[u8]) -> Result<i16> {
    need(b, 2)?;
    Ok(b.get_i16())
}

fn get_i32(b: &mut &[u8]) -> Result<i32> {
    need(b, 4)?;
    Ok(b.get_i32())
}

fn get_i64(b: &mut &[u8]) -> Result<i64> {
    need(b, 8)?;
    Ok(b.get_i64())
}

/// An array's element count; -1 (null) reads as empty.
fn get_count(b: &mut &[u8]) -> Result<usize> {
    Ok(usize::try_from(get_i32(b)?).unwrap_or(0))
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    b.put_i16(s.len() as i16);
    b.put_slice(s.as_bytes());
}

fn get_str(b: &mut &[u8]) -> Result<String> {
    let n = get_i16(b)?;
    let n = usize::try_from(n).map_err(|_| malformed("a null string"))?;
    String::from_utf8(take(b, n)?.to_vec()).map_err(|_| malformed("a string that is not UTF-8"))
}
