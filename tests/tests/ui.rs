//! The web UI in real headless Chromium (tests/ui/ui.test.mjs): a worker on
//! the embedded log with one FileStreamSource from a properties file; the
//! browser creates a FileStreamSink through the form, pauses and resumes it,
//! reads a failed task's trace, filters, stops, resets offsets, edits,
//! deletes, and rides out the worker going away.

use std::path::PathBuf;

use ferry_tests::browser::{run_script, ui_tests_dir};
use ferry_tests::ferry::{write_properties, Ferry};
use ferry_tests::unique;

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

#[test]
fn web_ui_in_headless_chromium() {
    let ui = ui_tests_dir();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("orders.txt");
    let lines: Vec<String> = (1..=25).map(|i| format!("order-{i:03} ✓")).collect();
    std::fs::write(&input, lines.join("\n") + "\n").expect("input file");
    let source = dir.path().join("source.properties");
    write_properties(&source, &[
        ("name", unique("ui-seed-source")),
        ("connector.class", "FileStreamSource".into()),
        ("file", input.display().to_string()),
        ("topic", unique("ui-orders")),
    ]);
    let mut ferry = Ferry::standalone(BIN, dir.path(), "embedded", &[("offset.flush.interval.ms", "500".into())], &[source]);
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    let run = run_script(&ui, "ui.test.mjs", Some(&mut ferry), &[
        ("FERRY_UI_WORK_DIR", dir.path().display().to_string()),
        ("FERRY_UI_SCREENSHOTS", shots.display().to_string()),
    ]);
    let passed = run.count("pass").unwrap_or(0);
    assert!(
        run.status.success() && run.count("fail") == Some(0) && run.count("skipped") == Some(0) && passed >= 13,
        "the browser tests failed ({}; {passed} passed; see the output above; screenshots in {})\nferry log:\n{}",
        run.status,
        shots.display(),
        ferry.logs()
    );
}

/// The UI's pure modules (form generation, validation, masking) under node.
#[test]
fn web_ui_modules_under_node() {
    let ui = ui_tests_dir();
    let run = run_script(&ui, "unit.test.mjs", None, &[]);
    assert!(run.status.success() && run.count("fail") == Some(0) && run.count("pass").unwrap_or(0) >= 6, "the UI's unit tests failed ({})", run.status);
}
