//! Whether colour is kept: only on a terminal, never with `--no-color` or `NO_COLOR` (set and
//! not empty). The views always paint; [`output`](crate::output) strips the colour from a
//! stream this decision keeps it off.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Colour on standard output (the plan).
    pub color: bool,
    /// Colour on standard error (diagnostics).
    pub color_stderr: bool,
}

impl Ui {
    pub fn new(no_color: bool) -> Self {
        let allowed = !no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ui {
            color: allowed && std::io::stdout().is_terminal(),
            color_stderr: allowed && std::io::stderr().is_terminal(),
        }
    }
}
