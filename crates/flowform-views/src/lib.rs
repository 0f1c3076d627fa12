//! How flowform shows things — the one place that decides what output looks like, as
//! OpenTofu keeps `internal/command/views` apart from its engine.
//!
//! The crates of the data flow return data: the parser and the planner return
//! [`Diagnostic`](flowform_core::Diagnostic)s, the planner a [`Plan`](flowform_planner::Plan)
//! whose changes come as diff lines with a mark ([`flowform_planner::diff`]), the applier a
//! report, the state its records. The views turn them into text, one file per view:
//!
//! - [`plan_text`]: the plan in Terraform's text shape (for terminals and CI logs);
//! - [`plan_markdown`]: the plan as pull-request comments, split within GitHub's limit;
//! - [`plan_json`]: the plan in Terraform's JSON plan shape, for tools;
//! - [`diagnostics`]: errors and warnings of every kind, as text or `validate --json`;
//! - [`apply`]: apply's progress lines, its closing line and outputs;
//! - [`state`]: the state's resources for `show` and `state show`.
//!
//! Colour comes from [`style`]: views paint with `anstyle` styles unconditionally, and the
//! binary writes through an `anstream` stream that strips them unless the output is a terminal
//! and colour is allowed (`--no-color`, `NO_COLOR`). Markdown and JSON are never painted.
//! No view ever shows a sensitive value: `(sensitive value)` in text and markdown, `null`
//! marked in `*_sensitive` in JSON.

pub mod apply;
pub mod diagnostics;
pub mod plan_json;
pub mod plan_markdown;
pub mod plan_text;
pub mod state;
pub mod style;
