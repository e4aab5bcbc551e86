//! Which offsets may be committed: a partition's consumer offset moves only
//! past records the cluster acknowledged (or that needed no write).

use std::collections::{BTreeSet, HashMap};

use ferry_api::{PartitionOffsets, TopicPartition};

/// The records of each partition sent and not yet acknowledged.
#[derive(Debug, Default)]
pub struct Offsets {
    pending: HashMap<TopicPartition, BTreeSet<i64>>,
}

impl Offsets {
    pub fn sent(&mut self, tp: &TopicPartition, offset: i64) {
        match self.pending.get_mut(tp) {
            Some(set) => {
                set.insert(offset);
            }
            None => {
                self.pending.insert(tp.clone(), BTreeSet::from([offset]));
            }
        }
    }

    pub fn acknowledged(&mut self, tp: &TopicPartition, offset: i64) {
        if let Some(set) = self.pending.get_mut(tp) {
            set.remove(&offset);
        }
    }

    /// Forgets partitions this task no longer owns.
    pub fn close(&mut self, partitions: &[TopicPartition]) {
        for tp in partitions {
            self.pending.remove(tp);
        }
    }

    /// Of the offsets the worker would commit (each partition's next offset
    /// to read), those that are safe: never past a record still pending.
    pub fn committable(&self, consumed: &PartitionOffsets) -> PartitionOffsets {
        consumed
            .iter()
            .map(|(tp, &next)| {
                let first_pending = self.pending.get(tp).and_then(|s| s.first().copied());
                (tp.clone(), first_pending.map_or(next, |p| p.min(next)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_stop_at_the_first_unacknowledged_record() {
        let (a, b) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
        let mut o = Offsets::default();
        for off in 10..20 {
            o.sent(&a, off);
        }
        o.sent(&b, 5);
        let consumed: PartitionOffsets = [(a.clone(), 25), (b.clone(), 6)].into_iter().collect();
        assert_eq!(o.committable(&consumed)[&a], 10);
        // Acknowledgements arrive out of order.
        for off in [12, 10, 11, 15] {
            o.acknowledged(&a, off);
        }
        assert_eq!(o.committable(&consumed)[&a], 13);
        for off in [13, 14, 16, 17, 18, 19] {
            o.acknowledged(&a, off);
        }
        // All acknowledged: records filtered out after them count too.
        assert_eq!(o.committable(&consumed)[&a], 25);
        assert_eq!(o.committable(&consumed)[&b], 5);
        o.close(std::slice::from_ref(&b));
        assert_eq!(o.committable(&consumed)[&b], 6);
    }
}
