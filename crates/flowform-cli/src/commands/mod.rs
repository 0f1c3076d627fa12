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

/// Lets the process end without freeing `value`. A configuration or plan of thousands of
/// resources is hundreds of thousands of small allocations, and freeing them one by one just
/// before the process exits took a tenth of a plan's time. Only for values that hold no
/// operating-system resource: locks, files and connections have their own guards, which are
/// dropped as usual.
pub fn leak_at_exit<T>(value: T) {
    std::mem::forget(value);
}

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
