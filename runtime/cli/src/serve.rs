//! What both modes do around their herder: bind the REST listener, name
//! the worker after it, serve the API, and stop on SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;

use ferry_runtime::config::worker::WorkerConfig;
use ferry_runtime::herder::{Herder, ServerInfo};
use ferry_runtime::log::Log;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::logging::LogLevels;

/// The bound REST listener and the worker id it gives: the advertised
/// `host:port`, as Connect names workers in statuses.
pub struct Listening {
    pub listener: TcpListener,
    pub local: SocketAddr,
    pub worker_id: String,
    /// `rest.advertised.listener`, `http` by default.
    pub scheme: String,
}

pub async fn listen(config: &WorkerConfig) -> Result<Listening, String> {
    let listener_url = config.listeners.first().cloned().unwrap_or_else(|| "http://:8083".to_owned());
    let bind = bind_address(&listener_url)?;
    let listener = TcpListener::bind(&bind).await.map_err(|e| format!("Cannot listen on {bind}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let host = config.advertised_host.clone().unwrap_or_else(|| if local.ip().is_unspecified() { hostname() } else { local.ip().to_string() });
    let worker_id = format!("{host}:{}", config.advertised_port.unwrap_or(local.port()));
    let scheme = config.advertised_listener.clone().unwrap_or_else(|| "http".to_owned());
    Ok(Listening { listener, local, worker_id, scheme })
}

/// The URL this process reaches its own REST API at.
pub fn local_url(local: SocketAddr, scheme: &str) -> String {
    let ip = match local.ip() {
        ip if !ip.is_unspecified() => ip,
        std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
    };
    format!("{scheme}://{}", SocketAddr::new(ip, local.port()))
}

/// `GET /`'s answer before the Kafka cluster id is known.
pub fn server_info(log: &dyn Log) -> ServerInfo {
    ServerInfo { version: ferry_runtime::VERSION.to_owned(), commit: env!("FERRY_COMMIT").to_owned(), kafka_cluster_id: None, log: log.kind().name() }
}

/// The REST API being served.
pub struct Rest {
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
}

impl Rest {
    pub fn serve(listener: TcpListener, herder: Arc<dyn Herder>, loggers: Arc<LogLevels>, config: &WorkerConfig) -> Self {
        let cors = ferry_rest::CorsSettings { allow_origin: config.cors_origin.clone(), allow_methods: config.cors_methods.clone() };
        let router = ferry_rest::router(herder, loggers, cors);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(ferry_rest::serve(listener, router, async {
            let _ = stopped.await;
        }));
        Self { stop, server }
    }

    /// Stops taking requests and waits for those under way.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

/// `http://host:port` → `host:port`, with an empty host meaning every interface.
fn bind_address(url: &str) -> Result<String, String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r).trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| format!("Invalid listener {url}: no port"))?;
    let host = if host.is_empty() { "0.0.0.0" } else { host.trim_start_matches('[').trim_end_matches(']') };
    port.parse::<u16>().map_err(|_| format!("Invalid listener {url}: bad port"))?;
    Ok(format!("{host}:{port}"))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "localhost".to_owned())
}

pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_urls() {
        assert_eq!(bind_address("http://:8083").ok(), Some("0.0.0.0:8083".to_owned()));
        assert_eq!(bind_address("http://127.0.0.1:18083/").ok(), Some("127.0.0.1:18083".to_owned()));
        assert!(bind_address("http://host").is_err());
    }
}
