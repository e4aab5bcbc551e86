//! The `_bulk` API: one operation's NDJSON lines, and what the answer says
//! about each operation.

use serde::Deserialize;
use serde_json::Value as Json;

/// Item error types that blame the document itself (as Confluent's
/// connector lists them): `behavior.on.malformed.documents` decides.
const MALFORMED: [&str; 5] = [
    "strict_dynamic_mapping_exception",
    "mapper_parsing_exception",
    "illegal_argument_exception",
    "action_request_validation_exception",
    "document_parsing_exception",
];

/// What one operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Index the whole document.
    Index,
    /// Update the fields present, creating the document if missing.
    Upsert,
    Delete,
}

/// One bulk operation, addressed to a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    pub index: &'a str,
    pub id: &'a str,
    /// External version (the record's offset): the cluster keeps the highest.
    pub version: Option<i64>,
}

/// Appends the action line of an operation (and, for index and upsert,
/// the start of its source line) to `out`; the caller appends the source
/// and then calls [`end_source`].
pub fn write_action(out: &mut Vec<u8>, action: Action, target: &Target<'_>) {
    let name = match action {
        Action::Index => "index",
        Action::Upsert => "update",
        Action::Delete => "delete",
    };
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":{\"_index\":");
    push_json_string(out, target.index);
    out.extend_from_slice(b",\"_id\":");
    push_json_string(out, target.id);
    if let Some(v) = target.version {
        out.extend_from_slice(format!(",\"version\":{v},\"version_type\":\"external\"").as_bytes());
    }
    out.extend_from_slice(b"}}\n");
    if action == Action::Upsert {
        out.extend_from_slice(b"{\"doc_as_upsert\":true,\"doc\":");
    }
}

/// Ends the source line started by [`write_action`].
pub fn end_source(out: &mut Vec<u8>, action: Action) {
    if action == Action::Upsert {
        out.push(b'}');
    }
    out.push(b'\n');
}

fn push_json_string(out: &mut Vec<u8>, s: &str) {
    // Writing a &str as JSON cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// What the cluster did with one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    /// Written (or, for a delete, already absent; or a newer version is there).
    Done,
    /// The cluster is busy or failing (429, 5xx): send it again.
    Retry(String),
    /// The document itself was refused.
    Malformed(String),
    /// Refused for another reason, which stops the task.
    Failed(String),
}

#[derive(Deserialize)]
struct BulkResponse {
    #[serde(default)]
    errors: bool,
    items: Vec<std::collections::HashMap<String, Item>>,
}

#[derive(Deserialize)]
struct Item {
    status: u16,
    #[serde(default)]
    error: Option<Json>,
}

/// The outcome of each operation, in request order, from a 200 answer.
/// `versioned[i]` says whether operation i carried an external version.
pub fn parse_response(body: &[u8], actions: &[(Action, bool)]) -> Result<Vec<ItemOutcome>, String> {
    let response: BulkResponse = serde_json::from_slice(body).map_err(|e| format!("unreadable bulk response: {e}"))?;
    if response.items.len() != actions.len() {
        return Err(format!("the bulk response has {} items for {} operations", response.items.len(), actions.len()));
    }
    if !response.errors {
        // Fast path; a 404 delete is still a success.
        return Ok(vec![ItemOutcome::Done; actions.len()]);
    }
    Ok(response
        .items
        .into_iter()
        .zip(actions)
        .map(|(item, &(action, versioned))| match item.into_values().next() {
            Some(item) => classify(&item, action, versioned),
            None => ItemOutcome::Failed("an empty bulk response item".into()),
        })
        .collect())
}

fn classify(item: &Item, action: Action, versioned: bool) -> ItemOutcome {
    let status = item.status;
    if (200..300).contains(&status) || (status == 404 && action == Action::Delete && item.error.is_none()) {
        return ItemOutcome::Done;
    }
    let kind = item.error.as_ref().and_then(|e| e.get("type")).and_then(Json::as_str).unwrap_or_default();
    let reason = describe_error(item.error.as_ref(), status);
    if status == 409 && kind == "version_conflict_engine_exception" && versioned {
        // A record at a higher offset was already written: keep it.
        return ItemOutcome::Done;
    }
    if status == 429 || status >= 500 {
        return ItemOutcome::Retry(reason);
    }
    if MALFORMED.contains(&kind) {
        return ItemOutcome::Malformed(reason);
    }
    ItemOutcome::Failed(reason)
}

/// `type: reason (caused by type: reason)`, from an Elasticsearch error object.
pub fn describe_error(error: Option<&Json>, status: u16) -> String {
    let Some(e) = error else { return format!("status {status}") };
    if let Some(s) = e.as_str() {
        return format!("{s} (status {status})");
    }
    let part = |e: &Json| {
        let kind = e.get("type").and_then(Json::as_str).unwrap_or("error");
        let reason = e.get("reason").and_then(Json::as_str).unwrap_or("");
        format!("{kind}: {reason}")
    };
    let mut out = part(e);
    let mut cause = e.get("caused_by");
    while let Some(c) = cause {
        out.push_str(&format!(" (caused by {})", part(c)));
        cause = c.get("caused_by");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(action: Action, target: &Target<'_>, source: &str) -> String {
        let mut out = Vec::new();
        write_action(&mut out, action, target);
        if action != Action::Delete {
            out.extend_from_slice(source.as_bytes());
            end_source(&mut out, action);
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn ndjson_lines() {
        let versioned = Target { index: "users", id: "7", version: Some(41) };
        assert_eq!(
            op(Action::Index, &versioned, r#"{"a":1}"#),
            "{\"index\":{\"_index\":\"users\",\"_id\":\"7\",\"version\":41,\"version_type\":\"external\"}}\n{\"a\":1}\n"
        );
        let plain = Target { index: "users", id: "say \"hi\"", version: None };
        assert_eq!(
            op(Action::Upsert, &plain, r#"{"a":1}"#),
            "{\"update\":{\"_index\":\"users\",\"_id\":\"say \\\"hi\\\"\"}}\n{\"doc_as_upsert\":true,\"doc\":{\"a\":1}}\n"
        );
        assert_eq!(op(Action::Delete, &versioned, ""), "{\"delete\":{\"_index\":\"users\",\"_id\":\"7\",\"version\":41,\"version_type\":\"external\"}}\n");
    }

    #[test]
    fn item_outcomes() {
        let body = br#"{"took":3,"errors":true,"items":[
            {"index":{"_index":"u","_id":"1","status":201,"result":"created"}},
            {"index":{"_index":"u","_id":"2","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[2]: version conflict"}}},
            {"index":{"_index":"u","_id":"3","status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [n]","caused_by":{"type":"illegal_argument_exception","reason":"For input string"}}}},
            {"index":{"_index":"u","_id":"4","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}},
            {"delete":{"_index":"u","_id":"5","status":404,"result":"not_found"}},
            {"index":{"_index":"u","_id":"6","status":403,"error":{"type":"cluster_block_exception","reason":"index read-only"}}},
            {"update":{"_index":"u","_id":"7","status":409,"error":{"type":"version_conflict_engine_exception","reason":"conflict"}}}]}"#;
        let actions = [(Action::Index, true), (Action::Index, true), (Action::Index, true), (Action::Index, true), (Action::Delete, true), (Action::Index, false), (Action::Upsert, false)];
        let got = parse_response(body, &actions).expect("parses");
        assert_eq!(got[0], ItemOutcome::Done);
        assert_eq!(got[1], ItemOutcome::Done, "a newer version is there");
        assert_eq!(got[2], ItemOutcome::Malformed("document_parsing_exception: failed to parse field [n] (caused by illegal_argument_exception: For input string)".into()));
        assert!(matches!(got[3], ItemOutcome::Retry(_)));
        assert_eq!(got[4], ItemOutcome::Done, "deleting what is not there");
        assert_eq!(got[5], ItemOutcome::Failed("cluster_block_exception: index read-only".into()));
        assert!(matches!(got[6], ItemOutcome::Failed(_)), "a conflict without external versioning is not ignored");
        assert!(parse_response(br#"{"errors":false,"items":[]}"#, &actions).is_err(), "item count checked");
    }
}
