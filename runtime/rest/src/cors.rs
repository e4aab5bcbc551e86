//! CORS as Kafka Connect configures Jetty's CrossOriginFilter from
//! `access.control.allow.origin` and `access.control.allow.methods`, so a
//! UI served from elsewhere (kafka-connect-web, kafka-ui) reaches the worker.

use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::CorsSettings;

/// Jetty's defaults, which Connect keeps: methods when none are configured,
/// the request headers a preflight may ask for, and how long it holds.
const DEFAULT_METHODS: &str = "GET,POST,HEAD";
const ALLOWED_HEADERS: [HeaderName; 4] = [HeaderName::from_static("x-requested-with"), header::CONTENT_TYPE, header::ACCEPT, header::ORIGIN];
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(1800);

/// The layer for `settings`, or `None` when no origin is allowed (CORS off).
///
/// As with Connect: the allowed origin is echoed (never `*`) with
/// `Access-Control-Allow-Credentials: true`; `*` inside an origin matches
/// anything (`https://*.example.com`).
pub fn layer(settings: &CorsSettings) -> Option<CorsLayer> {
    let origins: Vec<String> = settings.allow_origin.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::mirror_request()
    } else {
        AllowOrigin::predicate(move |origin: &HeaderValue, _| origin.to_str().is_ok_and(|o| origins.iter().any(|p| origin_matches(p, o))))
    };
    let methods = if settings.allow_methods.trim().is_empty() { DEFAULT_METHODS } else { settings.allow_methods.as_str() };
    let methods: Vec<Method> = methods.split(',').filter_map(|m| m.trim().parse().ok()).collect();
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods(methods)
            .allow_headers(ALLOWED_HEADERS)
            .allow_credentials(true)
            .max_age(PREFLIGHT_MAX_AGE),
    )
}

/// Whether `origin` matches `pattern`, where each `*` stands for any text.
fn origin_matches(pattern: &str, origin: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = origin.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    #[test]
    fn origin_patterns() {
        assert!(origin_matches("http://ui.example.com", "http://ui.example.com"));
        assert!(!origin_matches("http://ui.example.com", "http://ui.example.com.evil.test"));
        assert!(origin_matches("https://*.example.com", "https://ui.example.com"));
        assert!(!origin_matches("https://*.example.com", "https://example.org"));
        assert!(origin_matches("http://localhost:*", "http://localhost:3000"));
        assert!(origin_matches("*://a*b*c", "http://aXbYc"));
        assert!(!origin_matches("http://a*bc", "http://abc-d"));
    }

    #[test]
    fn no_origin_means_no_cors() {
        assert!(layer(&CorsSettings::default()).is_none());
        assert!(layer(&CorsSettings { allow_origin: " ".into(), allow_methods: "GET".into() }).is_none());
    }

    async fn answer(settings: &CorsSettings, req: Request<Body>) -> axum::http::Response<Body> {
        let app = Router::new().route("/connectors", get(|| async { "[]" }).post(|| async { "{}" }));
        let app = app.layer(layer(settings).expect("cors on"));
        app.oneshot(req).await.expect("answer")
    }

    fn header_of(r: &axum::http::Response<Body>, name: &str) -> Option<String> {
        r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    #[tokio::test]
    async fn preflight_and_request_answer_like_connect() {
        let s = CorsSettings { allow_origin: "http://ui.test".into(), allow_methods: "GET,POST,PUT,DELETE".into() };
        let pre = Request::options("/connectors")
            .header("origin", "http://ui.test")
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .expect("request");
        let r = answer(&s, pre).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(header_of(&r, "access-control-allow-origin").as_deref(), Some("http://ui.test"));
        assert_eq!(header_of(&r, "access-control-allow-credentials").as_deref(), Some("true"));
        assert_eq!(header_of(&r, "access-control-allow-methods").as_deref(), Some("GET,POST,PUT,DELETE"));
        assert_eq!(header_of(&r, "access-control-allow-headers").as_deref(), Some("x-requested-with,content-type,accept,origin"));
        assert_eq!(header_of(&r, "access-control-max-age").as_deref(), Some("1800"));

        let get = Request::get("/connectors").header("origin", "http://ui.test").body(Body::empty()).expect("request");
        let r = answer(&s, get).await;
        assert_eq!(header_of(&r, "access-control-allow-origin").as_deref(), Some("http://ui.test"));
        assert_eq!(header_of(&r, "access-control-allow-credentials").as_deref(), Some("true"));
        assert!(header_of(&r, "vary").is_some_and(|v| v.contains("origin")));

        let other = Request::get("/connectors").header("origin", "http://evil.test").body(Body::empty()).expect("request");
        let r = answer(&s, other).await;
        assert_eq!(r.status(), StatusCode::OK, "the request itself is served; the browser keeps the answer from the page");
        assert_eq!(header_of(&r, "access-control-allow-origin"), None);
    }

    #[tokio::test]
    async fn any_origin_is_echoed_and_methods_default_to_jettys() {
        let s = CorsSettings { allow_origin: "*".into(), allow_methods: String::new() };
        let pre = Request::options("/connectors")
            .header("origin", "http://anywhere.test")
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .expect("request");
        let r = answer(&s, pre).await;
        assert_eq!(header_of(&r, "access-control-allow-origin").as_deref(), Some("http://anywhere.test"));
        assert_eq!(header_of(&r, "access-control-allow-methods").as_deref(), Some("GET,POST,HEAD"));
    }
}
