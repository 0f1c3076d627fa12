//! Where views' text goes: standard output and standard error, in colour or not, and quietly
//! ended by a closed pipe.
//!
//! The views paint unconditionally (`flowform-views`' `style`); every write here keeps the
//! colour only when [`init`] allowed it for that stream (a terminal, no `--no-color`, no
//! `NO_COLOR`) and strips it otherwise (with `anstream`'s stripper), then writes the text at
//! once.
//!
//! `flowform show | head` closes the pipe after ten lines. `println!` panics when its write
//! fails (EPIPE), and an apply's progress lines, printed from the tasks that make the changes,
//! would take those tasks down mid-change. Every command therefore prints through [`out!`] and
//! [`outln!`] (standard output) and [`err!`] (standard error): once standard output is gone
//! they stop printing to it for the rest of the process, silently — ripgrep treats a broken
//! pipe as a normal end, and so do we — while the work goes on (an apply still finishes,
//! records every change and exits as it would have).
//!
//! Any other write error (a full disk behind `> plan.txt`) is said once on standard error, and
//! printing stops as well: the command's own outcome still decides the exit code.

use std::borrow::Cow;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output can no longer be written.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// Colour on standard output / standard error.
static COLOR_OUT: AtomicBool = AtomicBool::new(false);
static COLOR_ERR: AtomicBool = AtomicBool::new(false);

/// Decides, once, where colour is kept.
pub fn init(ui: crate::ui::Ui) {
    COLOR_OUT.store(ui.color, Ordering::Relaxed);
    COLOR_ERR.store(ui.color_stderr, Ordering::Relaxed);
}

/// Writes to standard output unless it has been closed; never panics.
pub fn write(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    write_text(painted(args, &COLOR_OUT));
}

/// [`write`] of a text already made (a whole plan), which is not copied to be written.
pub fn write_str(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    write_text(kept_or_stripped(Cow::Borrowed(text), &COLOR_OUT));
}

fn write_text(text: Cow<'_, str>) {
    if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
        if !CLOSED.swap(true, Ordering::Relaxed) && e.kind() != ErrorKind::BrokenPipe {
            write_err(format_args!(
                "Warning: cannot write to standard output any more: {e}\n"
            ));
        }
        tracing::debug!(error = %e, "standard output closed; printing stops");
    }
}

/// Writes to standard error; a failure there has nowhere to be told, and is ignored.
pub fn write_err(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr()
        .lock()
        .write_all(painted(args, &COLOR_ERR).as_bytes());
}

/// The text to write, its colour kept or stripped as [`init`] decided for the stream. It is
/// then written at once: a stripping stream (`anstream`'s) writes each piece between colour
/// codes separately, and standard output is line-buffered, so a plan of thousands of resources
/// made a system call per piece — a fifth of a plan's time.
fn painted<'a>(args: std::fmt::Arguments<'a>, color: &AtomicBool) -> Cow<'a, str> {
    let text = match args.as_str() {
        Some(text) => Cow::Borrowed(text),
        None => Cow::Owned(args.to_string()),
    };
    kept_or_stripped(text, color)
}

fn kept_or_stripped<'a>(text: Cow<'a, str>, color: &AtomicBool) -> Cow<'a, str> {
    // Without colour the stripper also drops control characters other than whitespace (a
    // DEL or NUL in an output's value or a key), so it runs whenever one is there.
    let needs_stripping = |b: u8| b == 0x1b || b == 0x7f || (b < 0x20 && !b.is_ascii_whitespace());
    if !color.load(Ordering::Relaxed) && text.bytes().any(needs_stripping) {
        Cow::Owned(anstream::adapter::strip_str(&text).to_string())
    } else {
        text
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

/// `eprint!` through the colour decision of standard error.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::output::write_err(format_args!($($arg)*))
    };
}
