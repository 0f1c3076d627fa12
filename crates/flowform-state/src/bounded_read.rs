//! Reading a file that a user named (the state, its journal, the lock record) with a bound.
//!
//! `std::fs::read` reads until the end of the file: with `--state /dev/zero` that end never
//! comes and memory runs out, and opening a named pipe waits for a writer that may never come.
//! So the path is checked to be a regular file before it is opened, opened non-blocking (a pipe
//! swapped in between cannot block the open), checked again through the open handle, and read
//! through `Read::take(limit + 1)`, so a file over the limit is refused, never cut short.
//!
//! The limits are far above anything flowform writes (a state of 10,000 resources is a few
//! MiB) and far below what would hurt the machine.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read as _;
use std::path::Path;

/// The most flowform reads as a state file or a journal: 64 MiB.
pub const STATE_LIMIT: u64 = 64 << 20;

/// The most flowform reads as a lock record (a few hundred bytes of JSON): 1 MiB.
pub const LOCK_INFO_LIMIT: u64 = 1 << 20;

/// Why a file was not read.
#[derive(Debug)]
pub(crate) enum ReadProblem {
    /// It exists but is not a regular file; says what it is ("a named pipe (FIFO)").
    NotAFile(&'static str),
    /// It holds more than the limit.
    TooLarge,
    Io(std::io::Error),
}

/// The bytes of the regular file at `path` (symlinks followed) and its metadata, or `None`
/// when there is no such file.
pub(crate) fn read(path: &Path, limit: u64) -> Result<Option<(Vec<u8>, Metadata)>, ReadProblem> {
    match std::fs::metadata(path) {
        Ok(metadata) => check(&metadata, limit)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(ReadProblem::Io(error)),
    }
    let file = match open_non_blocking(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(ReadProblem::Io(error)),
    };
    let metadata = file.metadata().map_err(ReadProblem::Io)?;
    check(&metadata, limit)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadProblem::TooLarge);
    }
    Ok(Some((bytes, metadata)))
}

fn check(metadata: &Metadata, limit: u64) -> Result<(), ReadProblem> {
    if !metadata.is_file() {
        return Err(ReadProblem::NotAFile(what_it_is(metadata)));
    }
    if metadata.len() > limit {
        return Err(ReadProblem::TooLarge);
    }
    Ok(())
}

/// "a directory", "a named pipe (FIFO)", ...: what a path that is not a regular file is.
pub(crate) fn what_it_is(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

fn open_non_blocking(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}
