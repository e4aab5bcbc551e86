//! The `ferry` binary: parses the command line, wires the plugin registry,
//! the worker, the herder and the REST server together, and runs them.

mod distributed;
mod docs;
mod logging;
mod registry;
mod serve;
mod standalone;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    },
    /// Prints every configuration key of the worker and the built-in plugins (Markdown).
    ConfigReference,
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Mode::ConfigReference = cli.mode {
        print!("{}", docs::config_reference());
        return ExitCode::SUCCESS;
    }
    let loggers = logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ferry: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.mode {
            Mode::Standalone { worker, connectors } => standalone::run(&worker, &connectors, loggers).await,
            Mode::Distributed { worker } => distributed::run(&worker, loggers).await,
            Mode::ConfigReference => Ok(()),
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
