//! Source offsets in the offsets topic, as Kafka Connect keeps them
//! (`KafkaOffsetBackingStore`): key `["<connector>",{partition}]`, value the
//! offset as JSON, a tombstone for a reset partition. Reads first catch up
//! with the topic, so a task that moved to this worker resumes where the
//! worker before it stopped.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{Result, SourceMap};
use serde_json::Value as Json;
use tokio::sync::Mutex as AsyncMutex;

use super::topic_log::{TopicLog, TopicSpec};
use crate::stores::{offset_key, parse_key, OffsetStore};

pub struct KafkaOffsetStore {
    log: AsyncMutex<TopicLog>,
    data: Mutex<BTreeMap<String, SourceMap>>,
}

impl KafkaOffsetStore {
    pub async fn open(client: &Props, spec: &TopicSpec) -> Result<Self> {
        let store = Self { log: AsyncMutex::new(TopicLog::open(client, spec).await?), data: Mutex::new(BTreeMap::new()) };
        store.catch_up().await?;
        Ok(store)
    }

    fn data(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, SourceMap>> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies what other workers wrote since the last read.
    async fn catch_up(&self) -> Result<()> {
        let entries = self.log.lock().await.read_to_end().await?;
        let mut data = self.data();
        for e in entries {
            let Some(key) = e.key.as_deref().and_then(|k| std::str::from_utf8(k).ok()) else { continue };
            if parse_key(key).is_none() {
                tracing::warn!(key, "skipping an offsets record whose key is not [connector, partition]");
                continue;
            }
            match e.value.as_deref().map(serde_json::from_slice::<Json>) {
                None => {
                    data.remove(key);
                }
                Some(Ok(Json::Object(offset))) => {
                    data.insert(key.to_owned(), offset);
                }
                Some(_) => tracing::warn!(key, "skipping an offsets record whose value is not a JSON object"),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl OffsetStore for KafkaOffsetStore {
    async fn get(&self, connector: &str, partition: &SourceMap) -> Result<Option<SourceMap>> {
        self.catch_up().await?;
        Ok(self.data().get(&offset_key(connector, partition)).cloned())
    }

    async fn put(&self, connector: &str, offsets: Vec<(SourceMap, Option<SourceMap>)>) -> Result<()> {
        let log = self.log.lock().await;
        for (partition, offset) in offsets {
            let key = offset_key(connector, &partition);
            let value = offset.as_ref().map(|o| Json::Object(o.clone()).to_string().into_bytes());
            log.send(&key, value.as_deref(), None).await?;
            let mut data = self.data();
            match offset {
                Some(o) => data.insert(key, o),
                None => data.remove(&key),
            };
        }
        Ok(())
    }

    async fn all(&self, connector: &str) -> Result<Vec<(SourceMap, SourceMap)>> {
        self.catch_up().await?;
        Ok(self.data().iter().filter_map(|(k, v)| parse_key(k).filter(|(name, _)| name == connector).map(|(_, p)| (p, v.clone()))).collect())
    }
}
