//! The JSON plan (being written on another branch; this stub keeps the crate building).
use crate::plan::Plan;

pub struct JsonMeta {
    pub flowform_version: String,
}

pub fn render(_plan: &Plan, _meta: &JsonMeta) -> serde_json::Value {
    serde_json::Value::Null
}
