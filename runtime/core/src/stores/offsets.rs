//! Source offsets, keyed as Kafka Connect keys them: the JSON text
//! `["<connector>",{partition}]`, so tools that read Connect's offsets
//! read Ferry's.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ferry_api::{ConnectError, OffsetReader, Result, SourceMap};
use serde_json::Value as Json;

/// Durable source offsets.
#[async_trait]
pub trait OffsetStore: Send + Sync {
    async fn get(&self, connector: &str, partition: &SourceMap) -> Result<Option<SourceMap>>;
    /// Stores the offsets (a `None` removes the partition). Durable when it returns.
    async fn put(&self, connector: &str, offsets: Vec<(SourceMap, Option<SourceMap>)>) -> Result<()>;
    /// Every partition and offset of one connector.
    async fn all(&self, connector: &str) -> Result<Vec<(SourceMap, SourceMap)>>;
}

/// Connect's offset key: `["<connector>",{partition}]`.
pub fn offset_key(connector: &str, partition: &SourceMap) -> String {
    Json::Array(vec![Json::String(connector.to_owned()), Json::Object(partition.clone())]).to_string()
}

pub(crate) fn parse_key(key: &str) -> Option<(String, SourceMap)> {
    match serde_json::from_str::<Json>(key).ok()? {
        Json::Array(mut parts) if parts.len() == 2 => match (parts.pop(), parts.pop()) {
            (Some(Json::Object(partition)), Some(Json::String(name))) => Some((name, partition)),
            _ => None,
        },
        _ => None,
    }
}

/// Standalone mode's offsets: one JSON file, rewritten whole on each flush
/// (write a temp file, fsync, rename, fsync the directory), so a crash
/// leaves either the old or the new file, never a torn one. Without a file
/// name, offsets live in memory only.
pub struct FileOffsetStore {
    path: Option<PathBuf>,
    data: Mutex<BTreeMap<String, SourceMap>>,
    /// Serialises writers so files are renamed in order.
    write_lock: tokio::sync::Mutex<()>,
}

impl FileOffsetStore {
    pub fn open(path: Option<PathBuf>) -> Result<Self> {
        let data = match &path {
            Some(p) if p.exists() => load(p)?,
            _ => BTreeMap::new(),
        };
        Ok(Self { path, data: Mutex::new(data), write_lock: tokio::sync::Mutex::new(()) })
    }

    fn snapshot(&self) -> BTreeMap<String, SourceMap> {
        self.data.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn load(path: &Path) -> Result<BTreeMap<String, SourceMap>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConnectError::fatal(format!("Cannot read offsets file {}", path.display())).with_source(e)
    })?;
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    serde_json::from_str(&text).map_err(|e| {
        ConnectError::fatal(format!("Offsets file {} is not valid JSON", path.display())).with_source(e)
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

#[async_trait]
impl OffsetStore for FileOffsetStore {
    async fn get(&self, connector: &str, partition: &SourceMap) -> Result<Option<SourceMap>> {
        let key = offset_key(connector, partition);
        Ok(self.data.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned())
    }

    async fn put(&self, connector: &str, offsets: Vec<(SourceMap, Option<SourceMap>)>) -> Result<()> {
        let _writer = self.write_lock.lock().await;
        {
            let mut data = self.data.lock().unwrap_or_else(|p| p.into_inner());
            for (partition, offset) in offsets {
                let key = offset_key(connector, &partition);
                match offset {
                    Some(o) => data.insert(key, o),
                    None => data.remove(&key),
                };
            }
        }
        let Some(path) = self.path.clone() else { return Ok(()) };
        let bytes = serde_json::to_vec_pretty(&self.snapshot())
            .map_err(|e| ConnectError::fatal("Cannot serialise offsets").with_source(e))?;
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| ConnectError::fatal("Offset writer stopped").with_source(e))?
            .map_err(|e| ConnectError::retriable("Cannot write the offsets file").with_source(e))
    }

    async fn all(&self, connector: &str) -> Result<Vec<(SourceMap, SourceMap)>> {
        Ok(self
            .snapshot()
            .into_iter()
            .filter_map(|(k, v)| parse_key(&k).filter(|(name, _)| name == connector).map(|(_, p)| (p, v)))
            .collect())
    }
}

/// The offset reader a source task gets: its connector's offsets.
pub struct TaskOffsetReader {
    pub connector: String,
    pub store: Arc<dyn OffsetStore>,
}

#[async_trait]
impl OffsetReader for TaskOffsetReader {
    async fn offset(&self, partition: &SourceMap) -> Result<Option<SourceMap>> {
        self.store.get(&self.connector, partition).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Json) -> SourceMap {
        match v {
            Json::Object(m) => m,
            _ => SourceMap::new(),
        }
    }

    #[tokio::test]
    async fn survives_reopen_and_uses_connect_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("offsets");
        let store = FileOffsetStore::open(Some(path.clone())).expect("open");
        let part = map(json!({"filename": "/tmp/in.txt"}));
        store.put("src", vec![(part.clone(), Some(map(json!({"position": 42}))))]).await.expect("put");
        store.put("other", vec![(part.clone(), Some(map(json!({"position": 1}))))]).await.expect("put");

        let text = std::fs::read_to_string(&path).expect("file written");
        let on_disk: BTreeMap<String, SourceMap> = serde_json::from_str(&text).expect("JSON offsets file");
        assert!(on_disk.contains_key(r#"["src",{"filename":"/tmp/in.txt"}]"#), "{text}");

        let reopened = FileOffsetStore::open(Some(path)).expect("reopen");
        assert_eq!(reopened.get("src", &part).await.expect("get"), Some(map(json!({"position": 42}))));
        assert_eq!(reopened.all("src").await.expect("all").len(), 1);
        reopened.put("src", vec![(part.clone(), None)]).await.expect("reset");
        assert_eq!(reopened.get("src", &part).await.expect("get"), None);
    }
}
