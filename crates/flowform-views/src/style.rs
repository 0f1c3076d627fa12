//! Colour, decided once: every view paints with these styles, and the binary's output stream
//! (`anstream`) keeps or strips the escape codes — kept only on a terminal, never with
//! `--no-color` or `NO_COLOR`. A view never asks whether colour is on; the same text serves a
//! terminal, a pipe and a snapshot (through [`plain`]).

use anstyle::{AnsiColor, Style};

/// `+`: something is made.
pub const ADD: Style = AnsiColor::Green.on_default();
/// `-`: something is destroyed.
pub const REMOVE: Style = AnsiColor::Red.on_default();
/// `~` and `-/+`: something changes.
pub const CHANGE: Style = AnsiColor::Yellow.on_default();
/// Headers and summaries.
pub const BOLD: Style = Style::new().bold();
/// `Error:`.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// `Warning:`.
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();

/// `text` in `style`.
pub fn paint(style: Style, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("{style}{text}{style:#}")
}

/// `text` without its escape codes: what a pipe, a file or a test sees.
pub fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}
