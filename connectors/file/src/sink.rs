//! Appends each record's value, as text, as one line of a file (or stdout);
//! the file is flushed when offsets are committed, so a committed offset
//! never runs ahead of the data written.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use ferry_api::config::{ConfigDef, ConfigKey, ConfigType, DefaultValue, Importance, Props};
use ferry_api::connector::Connector;
use ferry_api::{
    ConnectError, ConnectorContext, PartitionOffsets, Result, SinkConnector, SinkRecord, SinkTask, SinkTaskContext,
};

const FILE: &str = "file";

fn config_def() -> ConfigDef {
    ConfigDef::new().define(ConfigKey::new(FILE, ConfigType::String, DefaultValue::Null, Importance::High,
        "Destination filename. If not specified, the standard output will be used"))
}

#[derive(Default)]
pub struct FileStreamSinkConnector {
    props: Props,
}

#[async_trait]
impl Connector for FileStreamSinkConnector {
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
    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Props>> {
        Ok(vec![self.props.clone(); max_tasks.max(1)])
    }
    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for FileStreamSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::<FileStreamSinkTask>::default()
    }
}

#[derive(Default)]
pub struct FileStreamSinkTask {
    out: Option<std::io::BufWriter<Box<dyn Write + Send>>>,
    line: String,
}

impl FileStreamSinkTask {
    fn out(&mut self) -> Result<&mut std::io::BufWriter<Box<dyn Write + Send>>> {
        self.out.as_mut().ok_or_else(|| ConnectError::fatal("FileStreamSinkTask is not started"))
    }
}

/// A crash can leave half a line at the end of the file. Committed offsets
/// only ever cover whole, flushed lines, so that fragment belongs to a
/// record that will be delivered again: cut it, or it would be glued to
/// the next line.
fn drop_partial_last_line(path: &Path) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = match std::fs::OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let mut keep = len;
    let mut chunk = vec![0u8; 64 * 1024];
    while keep > 0 {
        let start = keep.saturating_sub(chunk.len() as u64);
        let n = (keep - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut chunk[..n])?;
        match chunk[..n].iter().rposition(|b| *b == b'\n') {
            Some(i) => {
                keep = start + i as u64 + 1;
                break;
            }
            None => keep = start,
        }
    }
    if keep < len {
        tracing::warn!(file = %path.display(), bytes = len - keep, "removing a partial last line left by a crash");
        f.set_len(keep)?;
    }
    Ok(())
}

fn io_error(what: &str, e: std::io::Error) -> ConnectError {
    ConnectError::retriable(format!("{what}: {e}")).with_source(e)
}

#[async_trait]
impl SinkTask for FileStreamSinkTask {
    async fn start(&mut self, props: Props, _ctx: SinkTaskContext) -> Result<()> {
        let c = config_def().parse(&props)?;
        let writer: Box<dyn Write + Send> = match c.string(FILE).filter(|f| !f.is_empty()) {
            Some(path) => Box::new({
                drop_partial_last_line(Path::new(&path))
                    .map_err(|e| io_error(&format!("Couldn't repair the end of '{path}'"), e))?;

                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|e| ConnectError::config(format!("Couldn't find or create file '{path}' for FileStreamSinkTask")).with_source(e))?
            }),
            None => Box::new(std::io::stdout()),
        };
        self.out = Some(std::io::BufWriter::with_capacity(256 * 1024, writer));
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<()> {
        let mut line = std::mem::take(&mut self.line);
        let out = self.out()?;
        for r in &records {
            line.clear();
            match r.value.value.as_str() {
                Some(s) => line.push_str(s),
                None => line.push_str(&r.value.value.to_java_string()),
            }
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(|e| io_error("Couldn't write to the file", e))?;
        }
        self.line = line;
        // Like Connect's sink, lines reach the file as they are put (one
        // write per batch here, not one per line), so `tail -f` follows.
        self.out()?.flush().map_err(|e| io_error("Couldn't write to the file", e))
    }

    async fn flush(&mut self, _offsets: &PartitionOffsets) -> Result<()> {
        self.out()?.flush().map_err(|e| io_error("Couldn't flush the file", e))
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(mut out) = self.out.take() {
            out.flush().map_err(|e| io_error("Couldn't flush the file", e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_only_a_partial_last_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.txt");
        std::fs::write(&p, "a\nb\npart").expect("write");
        drop_partial_last_line(&p).expect("repair");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "a\nb\n");
        drop_partial_last_line(&p).expect("repair again");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "a\nb\n");
        std::fs::write(&p, "no newline at all").expect("write");
        drop_partial_last_line(&p).expect("repair");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "");
    }
}
