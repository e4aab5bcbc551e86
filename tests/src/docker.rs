//! Docker for the container tests: the engine and the stand-in images
//! (`tests/docker/install.sh`), the Ferry image packaged from the binary
//! under test (`docker/Dockerfile --target prebuilt`), and the compose demos
//! of `docker/`, each run with its test override from `tests/docker/`
//! (stand-in images, host networking on loopback addresses).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::wait::wait_until;

/// The tag the demos' compose files name.
pub const IMAGE: &str = "ferry:latest";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the repository").to_owned()
}

/// Runs a command; its output, whatever its exit status.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs a command and panics with its output unless it succeeds.
pub fn check(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One demo at a time: they share the two cores and the Ferry image.
/// Every container test holds this for its whole run.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Installs what is missing, then builds the Ferry image from `binary`
/// (the binary under test) as CI and releases do: a context holding only
/// the Dockerfile and `target/release/ferry`. Once per test process.
pub fn ensure_image(binary: &str) {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        check(Command::new("bash").arg(repo_root().join("tests/docker/install.sh")));
        let context = tempfile::tempdir().expect("build context");
        std::fs::create_dir_all(context.path().join("target/release")).expect("context dirs");
        std::fs::copy(repo_root().join("docker/Dockerfile"), context.path().join("Dockerfile")).expect("copy the Dockerfile");
        std::fs::copy(binary, context.path().join("target/release/ferry")).expect("copy the binary");
        check(Command::new("docker").args(["build", "-q", "--target", "prebuilt", "-t", IMAGE]).arg(context.path()));
    });
}

/// A demo's compose project, taken down (volumes included) when dropped.
pub struct Compose {
    project: String,
    /// The demo's file merged with its override (`docker-compose config`),
    /// less the published ports, which host networking refuses.
    merged: tempfile::NamedTempFile,
}

impl Compose {
    /// `docker-compose up -d` of `docker/<demo>` with `tests/docker/<demo>.yml`.
    pub fn up(demo: &str) -> Compose {
        let root = repo_root();
        let demo_file = root.join("docker").join(demo).join("docker-compose.yml");
        let override_file = root.join("tests/docker").join(format!("{demo}.yml"));
        let config = check(Command::new("docker-compose").arg("-f").arg(&demo_file).arg("-f").arg(&override_file).arg("config"));
        let merged = tempfile::Builder::new().suffix(".yml").tempfile().expect("merged compose file");
        std::fs::write(merged.path(), without_ports(&config)).expect("write the merged compose file");
        let compose = Compose { project: format!("ferry-test-{demo}"), merged };
        // What an interrupted earlier run may have left.
        run(&mut compose.command(&["down", "-v", "--remove-orphans", "--timeout", "1"]));
        check(&mut compose.command(&["up", "-d", "--no-build"]));
        compose
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("docker-compose");
        cmd.arg("-p").arg(&self.project).arg("-f").arg(self.merged.path()).args(args);
        cmd
    }

    /// The id of a service's container.
    pub fn container(&self, service: &str) -> String {
        check(&mut self.command(&["ps", "-q", service])).trim().to_owned()
    }

    /// A service's output so far (stdout and stderr).
    pub fn logs(&self, service: &str) -> String {
        let out = run(Command::new("docker").args(["logs", &self.container(service)]));
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    }

    /// `docker inspect -f <format>` of a service's container.
    pub fn inspect(&self, service: &str, format: &str) -> String {
        check(Command::new("docker").args(["inspect", "-f", format, &self.container(service)])).trim().to_owned()
    }

    /// Waits until the image's HEALTHCHECK reports the service healthy.
    pub fn wait_healthy(&self, service: &str, deadline: Duration) {
        wait_until(deadline, &format!("{service} to be healthy"), || {
            (self.inspect(service, "{{.State.Health.Status}}") == "healthy").then_some(())
        });
    }
}

impl Drop for Compose {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let out = run(&mut self.command(&["logs", "--no-color", "--tail", "80"]));
            eprintln!("--- {} logs ---\n{}{}", self.project, String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        }
        run(&mut self.command(&["down", "-v", "--remove-orphans", "--timeout", "5"]));
    }
}

/// `docker-compose config` output less each service's `ports:` list.
fn without_ports(config: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in config.lines() {
        if line == "    ports:" {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with("    - ") || line.starts_with("      ")) {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// SQL through a MariaDB stand-in, as root with the demo's password;
/// `None` while the server does not answer or the statement fails.
pub fn mariadb(host: &str, password: &str, database: &str, sql: &str) -> Option<String> {
    let out = run(Command::new("mariadb").args(["-h", host, "-P", "3306", "-u", "root", &format!("-p{password}"), "-N", "-B", database, "-e", sql]));
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// SQL through a PostgreSQL stand-in; `None` as for [`mariadb`].
pub fn psql(host: &str, user: &str, password: &str, database: &str, sql: &str) -> Option<String> {
    let out = run(Command::new("psql")
        .env("PGPASSWORD", password)
        .args(["-h", host, "-U", user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]));
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
