//! The web UI's browser tests: headless Chromium driven by playwright-core
//! scripts under `tests/ui/`, installed on first use by `tests/ui/install.sh`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use crate::ferry::Ferry;

/// `tests/ui/`, with Chromium and playwright-core installed (once, under a
/// file lock: test binaries run in parallel).
pub fn ui_tests_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let lock_path = std::env::temp_dir().join("ferry-ui-install.lock");
    let lock = std::fs::File::create(&lock_path).expect("install lock file");
    lock.lock().expect("install lock");
    let status = Command::new("bash").arg(dir.join("install.sh")).status().expect("run tests/ui/install.sh");
    assert!(status.success(), "installing Chromium and playwright-core failed ({status}): see tests/ui/install.sh");
    dir
}

/// What a browser test run printed, and how it ended.
pub struct Run {
    pub status: ExitStatus,
    pub output: String,
}

impl Run {
    /// The count on the node test runner's closing line `ℹ <what> N`.
    pub fn count(&self, what: &str) -> Option<u32> {
        let prefix = format!("ℹ {what} ");
        self.output.lines().rev().find_map(|l| l.trim().strip_prefix(&prefix).and_then(|n| n.trim().parse().ok()))
    }
}

/// Runs the node test file `script` (against `ferry`, when given), with
/// `env`. The script may ask the harness to stop or start the worker by
/// writing `ferry-ui-control: stop` (or `start`) on its stderr; the answer
/// `ok` comes on its stdin.
pub fn run_script(dir: &Path, script: &str, mut ferry: Option<&mut Ferry>, env: &[(&str, String)]) -> Run {
    let mut cmd = Command::new("node");
    cmd.arg("--test-reporter=spec").arg(script).current_dir(dir).envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    if let Some(f) = ferry.as_deref() {
        cmd.env("FERRY_URL", &f.url).env("FERRY_UI_CONTROL", "stdio");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node (tests/ui/install.sh installs it)");
    let stdout = child.stdout.take().expect("node stdout");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let mut stdin = child.stdin.take().expect("node stdin");
    let stderr = child.stderr.take().expect("node stderr");
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        let answer = match (line.strip_prefix("ferry-ui-control: "), ferry.as_deref_mut()) {
            (Some("stop"), Some(f)) => {
                f.kill9();
                "ok"
            }
            (Some("start"), Some(f)) => {
                f.spawn();
                "ok"
            }
            (Some(other), _) => {
                eprintln!("control request {other:?} refused");
                "refused"
            }
            (None, _) => {
                eprintln!("{line}");
                continue;
            }
        };
        // The script may have gone meanwhile; its exit status tells.
        let _ = writeln!(stdin, "{answer}");
    }
    drop(stdin);
    let status = child.wait().expect("wait for node");
    Run { status, output: out.join().unwrap_or_default() }
}
