//! The built-in web UI: static files compiled into the binary and served
//! under `/ui`. The UI talks only to the public REST API, so it needs no
//! endpoint Connect lacks and works against any worker.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// One file of the UI, as served.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:expr) => {
        Asset { path: $path, content_type: $type, body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/", $path)) }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file under `runtime/rest/ui/` (a unit test keeps the list complete).
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("js/app.js", JS),
    asset!("js/api.js", JS),
    asset!("js/dom.js", JS),
    asset!("js/refresh.js", JS),
    asset!("js/secrets.js", JS),
    asset!("js/states.js", JS),
    asset!("js/form/model.js", JS),
    asset!("js/form/fields.js", JS),
    asset!("js/form/form.js", JS),
    asset!("js/views/overview.js", JS),
    asset!("js/views/connectors.js", JS),
    asset!("js/views/detail.js", JS),
    asset!("js/views/offsets.js", JS),
    asset!("js/views/editor.js", JS),
];

/// Only what the UI itself ships: no script, style, font or connection
/// from anywhere else.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/ui", get(index))
        .route("/ui/", get(index))
        .route("/ui/{*path}", get(file))
}

async fn index() -> Response {
    serve("index.html")
}

async fn file(Path(path): Path<String>) -> Response {
    serve(&path)
}

fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

fn serve(path: &str) -> Response {
    let Some(asset) = find(path) else {
        return crate::error::status_error(StatusCode::NOT_FOUND).into_response();
    };
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    // Small files, and a new binary may bring new ones: always revalidate.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("ui dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                files_under(&p, root, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_ui_file_is_served() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        let mut files = Vec::new();
        files_under(&root, &root, &mut files);
        files.sort();
        let mut listed: Vec<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
        listed.sort();
        assert_eq!(files, listed, "ASSETS lists exactly the files under runtime/rest/ui/");
    }

    #[test]
    fn every_module_import_resolves_to_a_served_file() {
        let mut seen = 0;
        for a in ASSETS.iter().filter(|a| a.content_type == JS) {
            let text = std::str::from_utf8(a.body).expect("utf-8 script");
            for target in relative_imports(text) {
                seen += 1;
                let base = a.path.rsplit_once('/').map_or("", |(d, _)| d);
                let resolved = resolve(base, &target);
                assert!(find(&resolved).is_some(), "{} imports {target} ({resolved}), which is not served", a.path);
            }
        }
        assert!(seen >= ASSETS.len(), "the imports were read ({seen})");
    }

    /// The relative specifiers of `import … from './x.js'` lines.
    fn relative_imports(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with("import ") || l.starts_with("} from "))
            .filter_map(|l| {
                let quote = if l.contains('\'') { '\'' } else { '"' };
                let start = l.find(quote)? + 1;
                let end = start + l[start..].find(quote)?;
                Some(l[start..end].to_owned())
            })
            .filter(|s| s.starts_with('.'))
            .collect()
    }

    fn resolve(base: &str, target: &str) -> String {
        let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
        for seg in target.split('/') {
            match seg {
                "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    }

    #[test]
    fn index_references_served_files_only() {
        let index = std::str::from_utf8(find("index.html").expect("index").body).expect("utf-8");
        for attr in ["href=\"/ui/", "src=\"/ui/"] {
            for (i, _) in index.match_indices(attr) {
                let rest = &index[i + attr.len()..];
                let path = &rest[..rest.find('"').unwrap_or(0)];
                assert!(find(path).is_some(), "index.html references /ui/{path}, which is not served");
            }
        }
        assert!(!index.contains("http://") && !index.contains("https://"), "no external resources");
    }
}
