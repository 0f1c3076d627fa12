//! Standard output that a closed pipe ends quietly.
//!
//! `flowform show | head` closes the pipe after ten lines. `println!` panics when its write
//! fails (EPIPE), and an apply's progress lines, printed from the tasks that make the changes,
//! would take those tasks down mid-change. Every command therefore prints through [`out!`] and
//! [`outln!`]: once standard output is gone they stop printing for the rest of the process,
//! silently — ripgrep treats a broken pipe as a normal end, and so do we — while the work goes
//! on (an apply still finishes, records every change and exits as it would have).
//!
//! Any other write error (a full disk behind `> plan.txt`) is said once on standard error, and
//! printing stops as well: the command's own outcome still decides the exit code.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output can no longer be written.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes to standard output unless it has been closed; never panics.
pub fn write(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        if !CLOSED.swap(true, Ordering::Relaxed) && e.kind() != ErrorKind::BrokenPipe {
            eprintln!("Warning: cannot write to standard output any more: {e}");
        }
        tracing::debug!(error = %e, "standard output closed; printing stops");
    }
}

/// `print!` that a closed standard output cannot turn into a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}

/// `println!` that a closed standard output cannot turn into a panic.
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
