//! File I/O with the guarantees flowform promises, written once.
//!
//! Two things go wrong with plain `std::fs` calls on files that users name and that flowform
//! writes, and every crate met them separately:
//!
//! - **Reading** a path someone named (`--state /dev/zero`, `file("/dev/zero")`, a FIFO) with
//!   `std::fs::read` reads forever or waits forever. [`read`] and [`read_text`] read only
//!   regular files, never block on opening one, and read at most a stated limit — a file past it
//!   is refused, never cut short.
//! - **Writing** a file in place (`std::fs::write`) leaves a torn file when the process dies
//!   half-way. [`write_durably`] writes a temporary file beside the target, fsyncs it, renames it
//!   over the target and fsyncs the directory: after a crash the file is whole, old or new.
//!
//! The state and its journal, plan files, `fmt`, configuration and variable files, and the
//! sandbox's data file all go through here.

mod read;
mod write;

pub use read::{ReadError, read, read_text, what_it_is};
pub use write::{Access, remove_durably, sync_dir, write_durably};
