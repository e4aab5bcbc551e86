//! Consumer groups of the embedded log: committed offsets (one JSON file
//! per group, rewritten atomically) and the members that share a group's
//! partitions (assigned round-robin, reassigned when members or topics change).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ferry_api::TopicPartition;

use crate::log::Assignment;

/// `"topic/partition"` → next offset to read.
pub type Committed = BTreeMap<String, i64>;

pub fn tp_key(tp: &TopicPartition) -> String {
    format!("{}/{}", tp.topic, tp.partition)
}

pub fn parse_tp_key(k: &str) -> Option<TopicPartition> {
    let (t, p) = k.rsplit_once('/')?;
    Some(TopicPartition::new(t, p.parse().ok()?))
}

fn group_file(dir: &Path, group: &str) -> PathBuf {
    // Group names are user text: keep the file name safe and unique.
    let safe: String = group.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    dir.join(format!("{safe}-{:08x}.json", crc32fast::hash(group.as_bytes())))
}

#[derive(Default)]
pub struct Group {
    pub committed: Committed,
    /// Member id → the partitions it owns.
    pub members: BTreeMap<u64, Vec<TopicPartition>>,
    /// Member id → changes not yet seen by that member.
    pub pending: HashMap<u64, Vec<Assignment>>,
}

impl Group {
    /// Deals `partitions` round-robin over the members and queues each
    /// member's revocations and new assignments.
    pub fn rebalance(&mut self, mut partitions: Vec<TopicPartition>) {
        partitions.sort();
        let ids: Vec<u64> = self.members.keys().copied().collect();
        let mut fresh: BTreeMap<u64, Vec<TopicPartition>> = ids.iter().map(|id| (*id, Vec::new())).collect();
        for (i, tp) in partitions.into_iter().enumerate() {
            if let Some(id) = ids.get(i % ids.len().max(1)) {
                fresh.entry(*id).or_default().push(tp);
            }
        }
        for (id, new) in fresh {
            let old = self.members.insert(id, new.clone()).unwrap_or_default();
            let revoked: Vec<_> = old.iter().filter(|tp| !new.contains(tp)).cloned().collect();
            let assigned: Vec<_> = new.iter().filter(|tp| !old.contains(tp)).cloned().collect();
            let queue = self.pending.entry(id).or_default();
            if !revoked.is_empty() {
                queue.push(Assignment::Revoked(revoked));
            }
            if !assigned.is_empty() {
                queue.push(Assignment::Assigned(assigned));
            }
        }
    }
}

pub struct Groups {
    dir: PathBuf,
    pub groups: HashMap<String, Group>,
}

impl Groups {
    pub fn open(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let mut groups = HashMap::new();
        for e in std::fs::read_dir(&dir)?.filter_map(|e| e.ok()) {
            let Ok(text) = std::fs::read_to_string(e.path()) else { continue };
            #[derive(serde::Deserialize)]
            struct File {
                group: String,
                committed: Committed,
            }
            match serde_json::from_str::<File>(&text) {
                Ok(f) => {
                    groups.insert(f.group, Group { committed: f.committed, ..Group::default() });
                }
                Err(e2) => tracing::warn!(file = %e.path().display(), error = %e2, "ignoring an unreadable group file"),
            }
        }
        Ok(Self { dir, groups })
    }

    /// Writes a group's committed offsets durably (temp file, fsync, rename).
    pub fn persist(&self, group: &str) -> std::io::Result<()> {
        let path = group_file(&self.dir, group);
        let committed = self.groups.get(group).map(|g| g.committed.clone()).unwrap_or_default();
        if committed.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let body = serde_json::json!({ "group": group, "committed": committed });
        let tmp = path.with_extension("tmp");
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(body.to_string().as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(&self.dir)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_with_revocations() {
        let mut g = Group::default();
        g.members.insert(1, Vec::new());
        let tps: Vec<_> = (0..4).map(|p| TopicPartition::new("t", p)).collect();
        g.rebalance(tps.clone());
        assert_eq!(g.members[&1].len(), 4);
        g.members.insert(2, Vec::new());
        g.rebalance(tps);
        assert_eq!(g.members[&1], vec![TopicPartition::new("t", 0), TopicPartition::new("t", 2)]);
        assert_eq!(g.members[&2], vec![TopicPartition::new("t", 1), TopicPartition::new("t", 3)]);
        let revoked = &g.pending[&1];
        assert!(matches!(revoked.last(), Some(Assignment::Revoked(r)) if r.len() == 2));
    }
}
