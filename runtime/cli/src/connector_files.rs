//! Connectors declared in files, applied to a herder at start-up: what
//! people script today as one `PUT /connectors/{name}/config` per file.
//! Every file is read and validated before any is applied, so a bad file
//! stops start-up with nothing half-applied; a file whose connector
//! already has its config changes nothing, so restarts are idempotent.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ferry_api::config::{read_properties_file, Props};

/// A connector's name, its config, and the file it came from.
pub struct ConnectorFile {
    pub path: PathBuf,
    pub name: String,
    pub config: Props,
}

/// Files and directories → connector files; a directory gives its
/// `*.json` and `*.properties` files in name order.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<ConnectorFile>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| format!("Cannot read the directory {}: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json" || x == "properties"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let read = files.iter().map(|f| read(f)).collect::<Result<Vec<_>, _>>()?;
    for (i, a) in read.iter().enumerate() {
        if let Some(b) = read[..i].iter().find(|b| b.name == a.name) {
            return Err(format!("{} and {} both define the connector {}", b.path.display(), a.path.display(), a.name));
        }
    }
    Ok(read)
}

/// A connector file: Java properties, or JSON as for `POST /connectors`
/// (`{"name":…,"config":{…}}`) or a flat object of string values.
pub fn read(path: &Path) -> Result<ConnectorFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("Cannot read {}: {e}", path.display()))?;
    let config = if text.trim_start().starts_with('{') || path.extension().is_some_and(|x| x == "json") {
        from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
    } else {
        read_properties_file(path).map_err(|e| e.to_string())?
    };
    let name = config.get("name").cloned().ok_or_else(|| format!("{}: the connector has no name", path.display()))?;
    Ok(ConnectorFile { path: path.to_owned(), name, config })
}

fn from_json(text: &str) -> Result<Props, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let (name, config) = match (json.get("name"), json.get("config")) {
        (Some(n), Some(c)) => (Some(n.as_str().ok_or("\"name\" must be a string")?.to_owned()), c),
        _ => (None, &json),
    };
    let object = config.as_object().ok_or("the config must be a JSON object")?;
    let mut props = Props::new();
    for (k, v) in object {
        let v = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Object(_) | serde_json::Value::Array(_) => {
                return Err(format!("the value of {k} must be a string, number or boolean"))
            }
            other => other.to_string(),
        };
        props.insert(k.clone(), v);
    }
    if let Some(n) = name {
        if props.get("name").is_some_and(|inner| *inner != n) {
            return Err(format!("the name {n} differs from the config's name {}", props["name"]));
        }
        props.insert("name".into(), n);
    }
    Ok(props)
}

/// How long start-up waits for a connector's database or cluster to
/// answer: in a compose file, Ferry often starts before them.
const REACHABLE_WAIT: Duration = Duration::from_secs(120);

/// Applies the files through a worker's REST API at `url`, as a script of
/// `PUT /connectors/{name}/config` would (a follower forwards writes to its
/// leader): first validates every file, then creates or updates each
/// connector whose config differs from its file's.
pub async fn apply(url: &str, files: Vec<ConnectorFile>) -> Result<(), String> {
    let api = Api { url: url.trim_end_matches('/').to_owned(), client: reqwest::Client::new() };
    for file in &files {
        let deadline = Instant::now() + REACHABLE_WAIT;
        loop {
            let errors = api.validation_errors(file).await.map_err(|e| format!("{}: {e}", file.path.display()))?;
            if errors.is_empty() {
                break;
            }
            let unreachable = errors.iter().all(|(key, _)| key.starts_with("connection."));
            let listed: Vec<String> = errors.iter().map(|(k, e)| format!("{k}: {e}")).collect();
            if !unreachable || Instant::now() >= deadline {
                return Err(format!("{}: the connector {} is invalid: {}", file.path.display(), file.name, listed.join("; ")));
            }
            tracing::warn!(connector = %file.name, "waiting for what the connector connects to: {}", listed.join("; "));
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    for file in files {
        api.put(&file).await.map_err(|e| format!("{}: cannot apply the connector {}: {e}", file.path.display(), file.name))?;
    }
    Ok(())
}

struct Api {
    url: String,
    client: reqwest::Client,
}

impl Api {
    /// `url/seg/seg…`, each segment escaped: connector names may hold any character.
    fn endpoint(&self, segments: &[&str]) -> Result<reqwest::Url, String> {
        let mut url = reqwest::Url::parse(&self.url).map_err(|e| format!("{}: {e}", self.url))?;
        url.path_segments_mut().map_err(|()| format!("{}: not a base URL", self.url))?.pop_if_empty().extend(segments);
        Ok(url)
    }

    /// A request's JSON answer; `Err((status, message))` for an error answer.
    async fn call(&self, request: reqwest::RequestBuilder) -> Result<serde_json::Value, (u16, String)> {
        let answer = request.send().await.map_err(|e| (0, format!("cannot reach the worker at {}: {e}", self.url)))?;
        let status = answer.status();
        let body: serde_json::Value = answer.json().await.unwrap_or_default();
        if status.is_success() {
            Ok(body)
        } else {
            Err((status.as_u16(), body["message"].as_str().map_or_else(|| status.to_string(), str::to_owned)))
        }
    }

    /// `(key, error)` for each error `/config/validate` reports.
    async fn validation_errors(&self, file: &ConnectorFile) -> Result<Vec<(String, String)>, String> {
        let class = file.config.get("connector.class").ok_or("connector.class is missing")?;
        let url = self.endpoint(&["connector-plugins", class, "config", "validate"])?;
        let answer = self.call(self.client.put(url).json(&file.config)).await.map_err(|(_, message)| message)?;
        let configs = answer["configs"].as_array().cloned().unwrap_or_default();
        Ok(configs
            .iter()
            .flat_map(|c| {
                let name = c["value"]["name"].as_str().unwrap_or_default().to_owned();
                let errors = c["value"]["errors"].as_array().cloned().unwrap_or_default();
                errors.into_iter().map(move |e| (name.clone(), e.as_str().unwrap_or_default().to_owned()))
            })
            .collect())
    }

    /// Creates or updates one connector unless it has the file's config.
    /// Every worker of a cluster applies the same files at once: a write
    /// refused for a concurrent one (409) is tried again, after looking again.
    async fn put(&self, file: &ConnectorFile) -> Result<(), String> {
        let deadline = Instant::now() + REACHABLE_WAIT;
        let config_url = self.endpoint(&["connectors", &file.name, "config"])?;
        loop {
            let current = self.call(self.client.get(config_url.clone())).await.ok();
            if current.is_some_and(|c| serde_json::from_value::<Props>(c).is_ok_and(|c| c == file.config)) {
                tracing::info!(connector = %file.name, file = %file.path.display(), "connector config unchanged");
                return Ok(());
            }
            match self.call(self.client.put(config_url.clone()).json(&file.config)).await {
                Ok(_) => {
                    tracing::info!(connector = %file.name, file = %file.path.display(), "connector config applied");
                    return Ok(());
                }
                Err((409, why)) if Instant::now() < deadline => {
                    tracing::info!(connector = %file.name, "applying again after a concurrent change: {why}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err((_, message)) => return Err(message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        let wrapped = from_json(r#"{"name":"a","config":{"connector.class":"FileStreamSink","tasks.max":2}}"#).expect("valid");
        assert_eq!(wrapped.get("name").map(String::as_str), Some("a"));
        assert_eq!(wrapped.get("tasks.max").map(String::as_str), Some("2"));
        let flat = from_json(r#"{"name":"b","connector.class":"FileStreamSink"}"#).expect("valid");
        assert_eq!(flat.get("name").map(String::as_str), Some("b"));
        assert!(from_json(r#"{"name":"a","config":{"x":{"y":1}}}"#).unwrap_err().contains("value of x"));
        assert!(from_json(r#"{"name":"a","config":{"name":"b"}}"#).unwrap_err().contains("differs"));
        assert!(from_json("{\"name\":").unwrap_err().contains("not valid JSON"));
    }
}
