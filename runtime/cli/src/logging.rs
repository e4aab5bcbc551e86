//! Logging through `tracing`, with levels changeable at run time by
//! `PUT /admin/loggers/{name}`. Logger names are Rust module paths
//! (`ferry_runtime::worker`); `root` is the default level. The initial
//! filter comes from `RUST_LOG` (default `info`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

pub struct LogLevels {
    handle: reload::Handle<EnvFilter, Registry>,
    /// Logger name → (level, last modified in ms since the epoch).
    levels: Mutex<BTreeMap<String, (String, Option<i64>)>>,
}

/// `RUST_LOG` wins over `default` (what the container's log4j variables say).
pub fn init(default: Option<&str>) -> Arc<LogLevels> {
    let base = std::env::var("RUST_LOG").ok().or_else(|| default.map(str::to_owned)).unwrap_or_else(|| "info".to_owned());
    let filter = EnvFilter::try_new(&base).unwrap_or_else(|_| EnvFilter::new("info"));
    let (layer, handle) = reload::Layer::new(filter);
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(true)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(std::io::stderr),
        )
        .try_init();
    let root = base.split(',').find(|d| !d.contains('=')).unwrap_or("info").to_uppercase();
    let levels = BTreeMap::from([("root".to_owned(), (root, None))]);
    Arc::new(LogLevels { handle, levels: Mutex::new(levels) })
}

impl ferry_rest::Loggers for LogLevels {
    fn list(&self) -> Vec<(String, String, Option<i64>)> {
        LogLevels::list(self)
    }
    fn set(&self, name: &str, level: &str) -> Result<Vec<String>, String> {
        LogLevels::set(self, name, level)
    }
}

impl LogLevels {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (String, Option<i64>)>> {
        self.levels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every logger with an explicit level.
    pub fn list(&self) -> Vec<(String, String, Option<i64>)> {
        self.lock().iter().map(|(k, (l, t))| (k.clone(), l.clone(), *t)).collect()
    }

    /// Sets a logger's level (TRACE, DEBUG, INFO, WARN, ERROR, OFF); the
    /// loggers affected, or an error naming the bad level.
    pub fn set(&self, name: &str, level: &str) -> Result<Vec<String>, String> {
        let level = level.to_uppercase();
        let directive_level = match level.as_str() {
            "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "OFF" => level.to_lowercase(),
            "FATAL" => "error".to_owned(),
            _ => return Err(format!("invalid log level '{level}'.")),
        };
        let now = chrono::Utc::now().timestamp_millis();
        let mut levels = self.lock();
        let affected: Vec<String> = if name == "root" {
            levels.keys().cloned().collect()
        } else {
            let prefix = format!("{name}::");
            let mut a: Vec<String> = levels.keys().filter(|k| k.starts_with(&prefix)).cloned().collect();
            a.insert(0, name.to_owned());
            a
        };
        for a in &affected {
            levels.insert(a.clone(), (level.clone(), Some(now)));
        }
        let mut directives = vec![levels.get("root").map(|(l, _)| l.to_lowercase()).unwrap_or(directive_level)];
        directives.extend(
            levels.iter().filter(|(k, _)| k.as_str() != "root").map(|(k, (l, _))| format!("{k}={}", l.to_lowercase())),
        );
        let filter = EnvFilter::try_new(directives.join(",")).map_err(|e| e.to_string())?;
        self.handle.reload(filter).map_err(|e| e.to_string())?;
        Ok(affected)
    }
}
