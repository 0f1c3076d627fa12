//! `jsonencode`, `jsondecode`, `base64encode`, `base64decode`, `sha256`, `uuidv5`.

use super::{Cx, FnError, take, to_json_lossy};
use base64::Engine as _;
use flowform_core::Value;
use sha2::Digest as _;

pub(super) fn call(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [v] = match cx.name() {
        "uuidv5" => return uuidv5(cx, args),
        _ => take::<1>(cx, args)?,
    };
    Ok(match cx.name() {
        "jsonencode" => {
            let json = to_json_lossy(&v);
            Value::String(serde_json::to_string(&json).map_err(|e| cx.fail(e))?)
        }
        "jsondecode" => {
            let s = cx.string(0, &v)?;
            let json: serde_json::Value = serde_json::from_str(&s).map_err(|e| {
                if cx.sensitive(0) {
                    cx.fail("the argument, a sensitive value, is not valid JSON.")
                } else {
                    cx.fail(format!("the argument is not valid JSON: {e}."))
                }
            })?;
            Value::from_json(json)
        }
        "base64encode" => Value::String(
            base64::engine::general_purpose::STANDARD.encode(cx.string(0, &v)?.as_bytes()),
        ),
        "base64decode" => {
            let s = cx.string(0, &v)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|e| {
                    if cx.sensitive(0) {
                        cx.bad(0, "the string, a sensitive value, is not valid base64.")
                    } else {
                        cx.bad(
                            0,
                            format!("failed to decode base64 data {}: {e}.", cx.shown(0, &s)),
                        )
                    }
                })?;
            Value::String(
                String::from_utf8(bytes)
                    .map_err(|_| cx.bad(0, "the decoded bytes are not valid UTF-8 text."))?,
            )
        }
        "sha256" => {
            let digest = sha2::Sha256::digest(cx.string(0, &v)?.as_bytes());
            Value::String(digest.iter().map(|b| format!("{b:02x}")).collect())
        }
        other => return Err(cx.fail(format!("{other} is not an encoding function"))),
    })
}

/// `uuidv5(namespace, name)`: a name-based (SHA-1) UUID. The namespace is `dns`, `url`, `oid`,
/// `x500` or a UUID of one's own, as in Terraform.
fn uuidv5(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [namespace, name] = take::<2>(cx, args)?;
    let namespace_text = cx.string(0, &namespace)?;
    let namespace = match namespace_text.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|e| {
            // The parser's reason quotes a character of the value: only for a public one.
            let reason = if cx.sensitive(0) {
                String::new()
            } else {
                format!(" ({e})")
            };
            cx.bad(
                0,
                format!(
                    "uuidv5() doesn't support namespace {}{reason}; use \"dns\", \"url\", \"oid\", \"x500\" or a UUID.",
                    cx.shown(0, other)
                ),
            )
        })?,
    };
    let name = cx.string(1, &name)?;
    Ok(Value::String(
        uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string(),
    ))
}
