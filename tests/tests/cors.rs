//! CORS for UIs served from elsewhere, from the worker keys
//! `access.control.allow.origin` / `access.control.allow.methods`, answered
//! as the reference Kafka Connect 3.9 (Jetty's CrossOriginFilter) answers.

use ferry_tests::ferry::Ferry;
use reqwest::blocking::{Client, Response};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn preflight(f: &Ferry, origin: &str, method: &str) -> Response {
    Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/connectors", f.url))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .expect("preflight")
}

fn get(f: &Ferry, origin: &str) -> Response {
    Client::new().get(format!("{}/connectors", f.url)).header("Origin", origin).send().expect("GET")
}

#[test]
fn allowed_origin_and_methods_as_connect_answers_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = Ferry::standalone(BIN, dir.path(), "embedded", &[
        ("access.control.allow.origin", "http://ui.example.test,http://*.dev.test".into()),
        ("access.control.allow.methods", "GET,POST,PUT,DELETE".into()),
    ], &[]);

    let r = preflight(&f, "http://ui.example.test", "PUT");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("http://ui.example.test"));
    assert_eq!(header(&r, "access-control-allow-credentials").as_deref(), Some("true"));
    assert_eq!(header(&r, "access-control-allow-methods").as_deref(), Some("GET,POST,PUT,DELETE"));
    assert_eq!(header(&r, "access-control-max-age").as_deref(), Some("1800"));
    let headers = header(&r, "access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(headers.contains("content-type"), "{headers}");

    // PATCH is not allowed: a browser refuses to send it.
    let r = preflight(&f, "http://ui.example.test", "PATCH");
    assert!(!header(&r, "access-control-allow-methods").unwrap_or_default().contains("PATCH"));

    let r = get(&f, "http://ui.example.test");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("http://ui.example.test"));
    assert_eq!(header(&r, "access-control-allow-credentials").as_deref(), Some("true"));
    assert!(header(&r, "vary").unwrap_or_default().to_ascii_lowercase().contains("origin"));

    let r = get(&f, "http://app.dev.test");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("http://app.dev.test"), "* in an origin matches");

    for other in ["http://evil.test", "http://ui.example.test.evil.test"] {
        let r = get(&f, other);
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "access-control-allow-origin"), None, "{other} is not allowed");
        let r = preflight(&f, other, "PUT");
        assert_eq!(header(&r, "access-control-allow-origin"), None, "{other} gets no preflight grant");
    }
}

#[test]
fn any_origin_with_jettys_default_methods() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = Ferry::standalone(BIN, dir.path(), "embedded", &[("access.control.allow.origin", "*".into())], &[]);
    let r = preflight(&f, "http://anywhere.test", "POST");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("http://anywhere.test"), "echoed, as credentials are allowed");
    assert_eq!(header(&r, "access-control-allow-methods").as_deref(), Some("GET,POST,HEAD"));
    let r = get(&f, "http://anywhere.test");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("http://anywhere.test"));
}

#[test]
fn no_cors_headers_unless_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = Ferry::standalone(BIN, dir.path(), "embedded", &[], &[]);
    let r = get(&f, "http://ui.example.test");
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}
