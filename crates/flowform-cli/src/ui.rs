//! How output looks: colour only on a terminal, never with `--no-color` or `NO_COLOR`.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub color: bool,
}

impl Ui {
    pub fn new(no_color: bool) -> Self {
        let color = !no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stdout().is_terminal();
        Ui { color }
    }
}
