//! Reads a file (or stdin) line by line. Offsets are byte positions, so a
//! restart resumes exactly after the last line stored, whatever the text's
//! encoding. Lines end with `\n`, `\r\n` or `\r`, as in Connect.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ferry_api::config::{ConfigDef, ConfigKey, ConfigType, DefaultValue, Importance, Props, Validator};
use ferry_api::connector::Connector;
use ferry_api::{
    ConnectError, ConnectorContext, OffsetReader, Result, Schema, SchemaAndValue, SourceConnector, SourceMap,
    SourceRecord, SourceTask, Value,
};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};

const FILE: &str = "file";
const TOPIC: &str = "topic";
const BATCH_SIZE: &str = "batch.size";
/// How long to wait before looking again when there is no new data.
const IDLE_WAIT: Duration = Duration::from_secs(1);
const READ_CHUNK: usize = 256 * 1024;

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(FILE, ConfigType::String, DefaultValue::Null, Importance::High,
            "Source filename. If not specified, the standard input will be used"))
        .define(ConfigKey::new(TOPIC, ConfigType::String, DefaultValue::Required, Importance::High,
            "The topic to publish data to").validator(Validator::NonEmptyString))
        .define(ConfigKey::new(BATCH_SIZE, ConfigType::Int, DefaultValue::Value("2000".into()), Importance::Low,
            "The maximum number of records the source task can read from the file each time it is polled")
            .validator(Validator::at_least(1.0)))
}

#[derive(Default)]
pub struct FileStreamSourceConnector {
    props: Props,
}

#[async_trait]
impl Connector for FileStreamSourceConnector {
    fn version(&self) -> String {
        crate::VERSION.to_owned()
    }
    fn config_def(&self) -> ConfigDef {
        config_def()
    }
    async fn start(&mut self, props: Props, _ctx: Arc<dyn ConnectorContext>) -> Result<()> {
        config_def().parse(&props)?;
        self.props = props;
        Ok(())
    }
    /// Always one task: a file has one reader.
    fn task_configs(&self, _max_tasks: usize) -> Result<Vec<Props>> {
        Ok(vec![self.props.clone()])
    }
    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for FileStreamSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::<FileStreamSourceTask>::default()
    }
}

#[derive(Default)]
pub struct FileStreamSourceTask {
    path: Option<String>,
    topic: String,
    batch_size: usize,
    input: Option<Box<dyn AsyncRead + Send + Unpin>>,
    /// Byte position, in the file, of the start of `buf`.
    position: u64,
    buf: Vec<u8>,
    offsets: Option<Arc<dyn OffsetReader>>,
    partition: SourceMap,
    schema: Option<ferry_api::SchemaRef>,
}

impl FileStreamSourceTask {
    /// Opens the file and seeks to the stored position; `None` while the
    /// file does not exist yet.
    async fn open(&mut self) -> Result<bool> {
        let Some(path) = &self.path else {
            self.input = Some(Box::new(tokio::io::stdin()));
            return Ok(true);
        };
        let mut file = match tokio::fs::File::open(path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(file = %path, "couldn't find file for FileStreamSourceTask, sleeping to wait for it to be created");
                return Ok(false);
            }
            Err(e) => return Err(ConnectError::retriable(format!("Cannot open {path}")).with_source(e)),
        };
        let stored = match &self.offsets {
            Some(r) => r.offset(&self.partition).await?,
            None => None,
        };
        if let Some(pos) = stored.as_ref().and_then(|o| o.get("position")).and_then(|p| p.as_u64()) {
            tracing::info!(file = %path, position = pos, "resuming from stored offset");
            file.seek(std::io::SeekFrom::Start(pos))
                .await
                .map_err(|e| ConnectError::retriable(format!("Cannot seek in {path}")).with_source(e))?;
            self.position = pos;
        }
        self.input = Some(Box::new(file));
        Ok(true)
    }

    /// Splits complete lines off the front of the buffer.
    fn take_lines(&mut self, at_eof: bool) -> Vec<SourceRecord> {
        let mut records = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < self.buf.len() && records.len() < self.batch_size {
            let b = self.buf[i];
            if b == b'\n' || b == b'\r' {
                let end = i;
                if b == b'\r' {
                    match self.buf.get(i + 1) {
                        Some(b'\n') => i += 1,
                        None if !at_eof => break, // a "\r\n" may be split across reads
                        _ => {}
                    }
                }
                i += 1;
                let line = String::from_utf8_lossy(&self.buf[start..end]).into_owned();
                records.push(self.record(line, self.position + i as u64));
                start = i;
            } else {
                i += 1;
            }
        }
        self.buf.drain(..start);
        self.position += start as u64;
        records
    }

    fn record(&self, line: String, next_position: u64) -> SourceRecord {
        let schema = self.schema.clone().unwrap_or_else(Schema::string);
        let offset = if self.path.is_some() {
            match json!({ "position": next_position }) {
                serde_json::Value::Object(m) => m,
                _ => SourceMap::new(),
            }
        } else {
            SourceMap::new()
        };
        SourceRecord::new(self.partition.clone(), offset, self.topic.clone(), SchemaAndValue::new(schema, Value::String(line)))
    }
}

#[async_trait]
impl SourceTask for FileStreamSourceTask {
    async fn start(&mut self, props: Props, offsets: Arc<dyn OffsetReader>) -> Result<()> {
        let c = config_def().parse(&props)?;
        self.path = c.string(FILE).filter(|f| !f.is_empty());
        self.topic = c.string(TOPIC).unwrap_or_default();
        self.batch_size = usize::try_from(c.int(BATCH_SIZE)).unwrap_or(2000).max(1);
        self.partition = match &self.path {
            Some(f) => match json!({ "filename": f }) {
                serde_json::Value::Object(m) => m,
                _ => SourceMap::new(),
            },
            None => SourceMap::new(),
        };
        self.offsets = Some(offsets);
        self.schema = Some(Schema::string());
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        if self.input.is_none() && !self.open().await? {
            tokio::time::sleep(IDLE_WAIT).await;
            return Ok(Vec::new());
        }
        let lines = self.take_lines(false);
        if !lines.is_empty() {
            return Ok(lines);
        }
        let Some(input) = self.input.as_mut() else { return Ok(Vec::new()) };
        let len = self.buf.len();
        self.buf.resize(len + READ_CHUNK, 0);
        let n = match input.read(&mut self.buf[len..]).await {
            Ok(n) => n,
            Err(e) => {
                self.buf.truncate(len);
                self.input = None;
                return Err(ConnectError::retriable("Error while reading from the file").with_source(e));
            }
        };
        self.buf.truncate(len + n);
        if n == 0 {
            // End of the data for now: a lone trailing "\r" is a line end.
            let lines = self.take_lines(true);
            if lines.is_empty() {
                tokio::time::sleep(IDLE_WAIT).await;
            }
            return Ok(lines);
        }
        Ok(self.take_lines(false))
    }

    async fn stop(&mut self) -> Result<()> {
        self.input = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoOffsets;
    #[async_trait]
    impl OffsetReader for NoOffsets {
        async fn offset(&self, _p: &SourceMap) -> Result<Option<SourceMap>> {
            Ok(None)
        }
    }

    #[tokio::test]
    async fn splits_lines_and_counts_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("in.txt");
        std::fs::write(&path, "héllo\r\nb\rc\nlast-without-newline").expect("write");
        let mut task = FileStreamSourceTask::default();
        let mut props = Props::new();
        props.insert(FILE.into(), path.display().to_string());
        props.insert(TOPIC.into(), "t".into());
        task.start(props, Arc::new(NoOffsets)).await.expect("start");
        let mut lines = Vec::new();
        while lines.len() < 3 {
            lines.extend(task.poll().await.expect("poll"));
        }
        let text: Vec<_> = lines.iter().map(|r| r.value.value.as_str().unwrap_or("").to_owned()).collect();
        assert_eq!(text, vec!["héllo", "b", "c"]);
        let positions: Vec<_> = lines.iter().map(|r| r.source_offset["position"].as_u64()).collect();
        assert_eq!(positions, vec![Some(8), Some(10), Some(12)]);
    }
}
