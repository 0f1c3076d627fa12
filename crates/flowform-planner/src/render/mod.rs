//! Views of a plan, kept apart from the planner: the text people read in a terminal or a CI
//! log, the markdown posted on a pull request, and Terraform-shaped JSON for tools. None of
//! them can show a sensitive value: they print `(sensitive value)` (text, markdown) or `null`
//! marked in `*_sensitive` (JSON).

mod diff;
pub mod json;
pub mod markdown;
pub mod text;

pub use diff::{Paint, display, pretty_policy, render_resource};
