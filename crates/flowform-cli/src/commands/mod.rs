//! One file per command.

pub mod apply;
pub mod aws;
pub mod context;
pub mod fmt;
pub mod force_unlock;
pub mod graph;
pub mod import;
pub mod init;
pub mod output;
pub mod plan;
pub mod sandbox;
pub mod show;
pub mod state;
pub mod validate;
pub mod workspace;

/// Exit status of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    Error,
    /// `--detailed-exitcode`: the plan has changes.
    Changes,
    /// Another documented code (`fmt --check`: 3).
    Code(u8),
}
