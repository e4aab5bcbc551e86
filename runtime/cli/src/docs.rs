//! The configuration reference, rendered from the ConfigDefs so the docs
//! never drift from the code. `ferry config-reference` prints it; a test
//! keeps the copy in README.md identical.

use std::fmt::Write;

use ferry_api::config::{ConfigDef, DefaultValue};
use ferry_api::ConnectorKind;
use ferry_runtime::config::{connector, worker};

use crate::registry::registry;

pub fn config_reference() -> String {
    let mut out = String::new();
    section(&mut out, "Worker (`worker.properties`)", &worker::config_def());
    section(&mut out, "Distributed worker (`ferry distributed worker.properties`, in addition)", &worker::distributed_config_def());
    section(&mut out, "Every source connector", &connector::config_def(ConnectorKind::Source));
    section(&mut out, "Every sink connector", &connector::config_def(ConnectorKind::Sink));
    let r = registry();
    for p in r.plugins() {
        let def = r
            .find_connector(&p.class)
            .map(|c| (c.config_def)())
            .or_else(|| r.find_converter(&p.class).map(|c| (c.config_def)()));
        if let Some(def) = def.filter(|d| !d.keys().is_empty()) {
            section(&mut out, &format!("`{}` ({})", p.class, p.kind.name()), &def);
        }
    }
    out
}

fn section(out: &mut String, title: &str, def: &ConfigDef) {
    let _ = writeln!(out, "#### {title}\n\n| key | type | default | description |\n|---|---|---|---|");
    for k in def.keys() {
        let default = match &k.default {
            DefaultValue::Required => "*required*".to_owned(),
            DefaultValue::Null => "null".to_owned(),
            DefaultValue::Value(v) if v.is_empty() => "\"\"".to_owned(),
            DefaultValue::Value(v) => format!("`{v}`"),
        };
        let doc = k.documentation.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|");
        let _ = writeln!(out, "| `{}` | {} | {} | {} |", k.name, k.ty.name().to_lowercase(), default, doc);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "<!-- config-reference:start -->\n";
    const END: &str = "<!-- config-reference:end -->";

    /// README.md holds the rendered reference; `FERRY_BLESS=1` rewrites it.
    #[test]
    fn readme_reference_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md lacks the config-reference markers");
        };
        let current = &readme[a + START.len()..b];
        let fresh = config_reference();
        if current != fresh {
            if std::env::var_os("FERRY_BLESS").is_some() {
                let updated = format!("{}{START}{fresh}{}", &readme[..a], &readme[b..]);
                std::fs::write(path, updated).expect("rewrite README.md");
            } else {
                panic!("README.md's configuration reference is stale: run `FERRY_BLESS=1 cargo test -p ferry docs`");
            }
        }
    }
}
