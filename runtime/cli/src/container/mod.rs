//! `ferry container`: what the Docker image runs. The worker is configured
//! by `CONNECT_*` variables as Confluent's `cp-kafka-connect` is, runs
//! distributed when `CONNECT_GROUP_ID` is set, standalone otherwise (on
//! the embedded log when no bootstrap servers are given), and applies the
//! connector files of a directory at start-up.

pub mod env;

use std::path::{Path, PathBuf};

use ferry_api::config::Props;

/// Where a standalone container keeps offsets and the embedded log, unless configured.
const DATA_DIR: &str = "/var/lib/ferry";

/// The mode the environment asks for, with the worker's properties.
#[derive(Debug, PartialEq)]
pub enum Plan {
    Distributed(Props),
    Standalone(Props),
}

pub fn plan(env: &env::EnvConfig, data_dir: &Path) -> Result<Plan, String> {
    let mut props = env.props.clone();
    if props.contains_key("group.id") {
        if !props.contains_key("bootstrap.servers") {
            return Err("CONNECT_GROUP_ID is set but CONNECT_BOOTSTRAP_SERVERS is not: distributed mode keeps its state in Kafka".into());
        }
        for required in ["config.storage.topic", "offset.storage.topic", "status.storage.topic"] {
            if !props.contains_key(required) {
                let var = format!("CONNECT_{}", required.to_uppercase().replace('.', "_"));
                return Err(format!("distributed mode needs {var} ({required})"));
            }
        }
        return Ok(Plan::Distributed(props));
    }
    props
        .entry("offset.storage.file.filename".to_owned())
        .or_insert_with(|| data_dir.join("connect.offsets").display().to_string());
    Ok(Plan::Standalone(props))
}

/// Reads the environment, says what it ignores, and picks the mode.
pub fn from_process_env() -> Result<(Plan, Option<String>, Vec<(String, &'static str)>), String> {
    let env = env::from_env(std::env::vars());
    let plan = plan(&env, &PathBuf::from(DATA_DIR))?;
    Ok((plan, env.log_filter, env.ignored))
}

/// The URL `ferry health` asks: this container's own REST listener.
pub fn local_url(props: &Props) -> String {
    let listener = props.get("listeners").and_then(|l| l.split(',').next().map(str::trim).map(str::to_owned));
    let listener = listener.unwrap_or_else(|| "http://:8083".to_owned());
    let (scheme, rest) = listener.split_once("://").unwrap_or(("http", &listener));
    let (host, port) = rest.trim_end_matches('/').rsplit_once(':').unwrap_or(("", "8083"));
    let host = if host.is_empty() || host == "0.0.0.0" { "127.0.0.1" } else { host };
    format!("{scheme}://{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(vars: &[(&str, &str)]) -> Result<Plan, String> {
        let env = env::from_env(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        plan(&env, Path::new("/data"))
    }

    #[test]
    fn modes() {
        let Ok(Plan::Standalone(p)) = plan_of(&[]) else { panic!("standalone") };
        assert_eq!(p.get("offset.storage.file.filename").map(String::as_str), Some("/data/connect.offsets"));
        assert!(!p.contains_key("bootstrap.servers"), "the embedded log");
        let Ok(Plan::Standalone(p)) = plan_of(&[("CONNECT_BOOTSTRAP_SERVERS", "k:9092")]) else { panic!("standalone") };
        assert_eq!(p.get("bootstrap.servers").map(String::as_str), Some("k:9092"));
        let group = [
            ("CONNECT_BOOTSTRAP_SERVERS", "k:9092"),
            ("CONNECT_GROUP_ID", "g"),
            ("CONNECT_CONFIG_STORAGE_TOPIC", "c"),
            ("CONNECT_OFFSET_STORAGE_TOPIC", "o"),
            ("CONNECT_STATUS_STORAGE_TOPIC", "s"),
        ];
        assert!(matches!(plan_of(&group), Ok(Plan::Distributed(_))));
        assert!(plan_of(&group[1..]).unwrap_err().contains("CONNECT_BOOTSTRAP_SERVERS"));
        assert!(plan_of(&group[..4]).unwrap_err().contains("CONNECT_STATUS_STORAGE_TOPIC"));
    }

    #[test]
    fn health_url() {
        let mut p = Props::new();
        assert_eq!(local_url(&p), "http://127.0.0.1:8083");
        p.insert("listeners".into(), "http://127.0.1.10:18083".into());
        assert_eq!(local_url(&p), "http://127.0.1.10:18083");
    }
}
