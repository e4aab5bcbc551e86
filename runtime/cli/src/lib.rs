//! The `ferry` binary: parses the command line, wires the plugin registry,
//! the worker, the herder and the REST server together, and runs them.

mod connector_files;
mod container;
mod distributed;
mod docs;
mod logging;
mod registry;
mod serve;
mod standalone;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ferry_api::config::{read_properties_file, Props};

use crate::connector_files::ConnectorFile;

/// mimalloc: the record path allocates and frees small values at a high
/// rate, which it serves in about half the time of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "ferry", version, about = "A Kafka Connect-compatible worker")]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// One worker; connectors from files or REST; offsets in a file.
    /// Same arguments as connect-standalone.sh.
    Standalone {
        /// The worker's properties file.
        worker: PathBuf,
        /// Connector configurations: .properties files, or JSON as for
        /// `POST /connectors` (`{"name":…,"config":{…}}`) or a flat object.
        connectors: Vec<PathBuf>,
    },
    /// Workers sharing a group.id, state in Kafka topics.
    Distributed {
        /// The worker's properties file.
        worker: PathBuf,
        /// Connector files (as for standalone) or directories of them,
        /// created or updated at start-up when their config differs.
        connectors: Vec<PathBuf>,
    },
    /// What the Docker image runs: the worker configured by CONNECT_*
    /// variables as Confluent's cp-kafka-connect image is; distributed when
    /// CONNECT_GROUP_ID is set, else standalone (embedded log without
    /// CONNECT_BOOTSTRAP_SERVERS).
    Container {
        /// Connector files (.json, .properties) applied at start-up.
        #[arg(long, default_value = "/etc/ferry/connectors")]
        connectors: PathBuf,
    },
    /// Creates or updates connectors from files through a running worker's
    /// REST API (one PUT /connectors/{name}/config each, skipped when
    /// unchanged), after validating every file.
    Apply {
        /// The worker's REST URL.
        #[arg(long, default_value = "http://localhost:8083")]
        url: String,
        /// Connector files (.json, .properties) or directories of them.
        #[arg(required = true)]
        connectors: Vec<PathBuf>,
    },
    /// Exits 0 when the worker's `GET /health` answers 200 (the image's HEALTHCHECK).
    Health {
        /// The worker's URL; default: the listener CONNECT_* variables give.
        #[arg(long)]
        url: Option<String>,
    },
    /// Prints every configuration key of the worker and the built-in plugins (Markdown).
    ConfigReference,
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let (log_filter, job) = match prepare(cli.mode) {
        Ok(Some(prepared)) => prepared,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferry: {e}");
            return ExitCode::FAILURE;
        }
    };
    let loggers = logging::init(log_filter.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ferry: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match job {
            Job::Standalone(props, connectors) => standalone::run(props, connectors, loggers).await,
            Job::Distributed(props, connectors) => distributed::run(props, connectors, loggers).await,
            Job::Health(url) => health(&url).await,
            Job::Apply(url, files) => connector_files::apply(&url, files).await,
        }
    });
    // Abandoned tasks must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("ferry: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What runs once the command line and files are read.
enum Job {
    Standalone(Props, Vec<ConnectorFile>),
    Distributed(Props, Vec<ConnectorFile>),
    Health(String),
    Apply(String, Vec<ConnectorFile>),
}

/// Reads every file the command names before anything starts, so a bad
/// one stops the process with its name and nothing applied. `None`: done.
fn prepare(mode: Mode) -> Result<Option<(Option<String>, Job)>, String> {
    let worker_props = |path: &PathBuf| read_properties_file(path).map_err(|e| e.to_string());
    Ok(Some(match mode {
        Mode::ConfigReference => {
            print!("{}", docs::config_reference());
            return Ok(None);
        }
        Mode::Standalone { worker, connectors } => (None, Job::Standalone(worker_props(&worker)?, connector_files::read_all(&connectors)?)),
        Mode::Distributed { worker, connectors } => {
            (None, Job::Distributed(worker_props(&worker)?, connector_files::read_all(&connectors)?))
        }
        Mode::Container { connectors } => {
            let (plan, log_filter, ignored) = container::from_process_env()?;
            for (var, why) in ignored {
                eprintln!("ferry: {var} is ignored: {why}");
            }
            let connectors = if connectors.is_dir() { connector_files::read_all(&[connectors])? } else { Vec::new() };
            match plan {
                container::Plan::Distributed(props) => (log_filter, Job::Distributed(props, connectors)),
                container::Plan::Standalone(props) => (log_filter, Job::Standalone(props, connectors)),
            }
        }
        Mode::Apply { url, connectors } => (None, Job::Apply(url, connector_files::read_all(&connectors)?)),
        Mode::Health { url } => {
            let url = url.unwrap_or_else(|| container::local_url(&container::env::from_env(std::env::vars()).props));
            (Some("warn".to_owned()), Job::Health(url))
        }
    }))
}

/// `GET {url}/health`, as Kafka Connect 3.9 answers it: 200 once the worker is ready.
async fn health(url: &str) -> Result<(), String> {
    let url = format!("{}/health", url.trim_end_matches('/'));
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().map_err(|e| e.to_string())?;
    let answer = client.get(&url).send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = answer.status();
    let body = answer.text().await.unwrap_or_default();
    if status.is_success() {
        println!("{body}");
        Ok(())
    } else {
        Err(format!("{url} answered {status}: {body}"))
    }
}
