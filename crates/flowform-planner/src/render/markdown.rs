//! The markdown plan (being written on another branch; this stub keeps the crate building).
use crate::plan::Plan;

pub fn render(_plan: &Plan) -> Vec<String> {
    Vec::new()
}
