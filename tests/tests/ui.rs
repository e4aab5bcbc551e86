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

/// `/ui` is served by the worker itself, from files inside the binary; the
/// Connect endpoints around it are unchanged.
#[test]
fn web_ui_is_served_by_the_worker() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ferry = Ferry::standalone(BIN, dir.path(), "embedded", &[], &[]);
    let client = reqwest::blocking::Client::new();
    for path in ["/ui", "/ui/"] {
        let r = client.get(format!("{}{path}", ferry.url)).send().expect("GET /ui");
        assert_eq!(r.status(), 200, "{path}");
        let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(header("content-type"), "text/html; charset=utf-8");
        assert!(header("content-security-policy").contains("default-src 'none'"), "only the UI's own files may load");
        assert!(r.text().unwrap_or_default().contains("<script type=\"module\" src=\"/ui/js/app.js\">"));
    }
    let r = client.get(format!("{}/ui/js/app.js", ferry.url)).send().expect("GET app.js");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/javascript; charset=utf-8"));
    let r = client.head(format!("{}/ui/style.css", ferry.url)).send().expect("HEAD style.css");
    assert_eq!(r.status(), 200);
    let (code, body) = ferry.get("/ui/nope.js");
    assert_eq!((code, body["error_code"].as_u64()), (404, Some(404)), "{body}");
    assert_eq!(ferry.get("/connectors").0, 200);
    assert_eq!(ferry.get("/ui-nope").0, 404);
}
