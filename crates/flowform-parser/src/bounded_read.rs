//! Reading a file that a configuration names (its `*.hcl` files, variable files, `file()` and
//! the like) with a bound.
//!
//! `std::fs::read_to_string` reads until the end: `file("/dev/zero")` never gets there and
//! memory runs out, and opening a named pipe waits for a writer that may never come. So the
//! path is checked to be a regular file before it is opened, opened non-blocking (a pipe
//! swapped in between cannot block the open), checked again through the open handle, and read
//! through `Read::take(limit + 1)`, so a file over the limit is refused, never cut short.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read as _;
use std::path::Path;

/// The most flowform reads from one configuration file, variables file or `file()` argument:
/// 16 MiB. Real ones are kilobytes; AWS's own limits (a secret value is at most 64 KiB, a
/// policy 32 KiB) are far below it.
pub const CONFIG_FILE_LIMIT: u64 = 16 << 20;

/// Why a file was not read; shown after "Reading PATH failed: ".
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadProblem {
    #[error("it is {0}, not a regular file")]
    NotAFile(&'static str),
    #[error("it is larger than {} MiB, the most flowform reads from one file", CONFIG_FILE_LIMIT >> 20)]
    TooLarge,
    #[error("it is not UTF-8 text")]
    NotText,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The text of the regular file at `path` (symlinks followed), at most [`CONFIG_FILE_LIMIT`]
/// bytes of it.
pub(crate) fn read_text(path: &Path) -> Result<String, ReadProblem> {
    check(&std::fs::metadata(path)?)?;
    let file = open_non_blocking(path)?;
    check(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(CONFIG_FILE_LIMIT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > CONFIG_FILE_LIMIT {
        return Err(ReadProblem::TooLarge);
    }
    String::from_utf8(bytes).map_err(|_| ReadProblem::NotText)
}

fn check(metadata: &Metadata) -> Result<(), ReadProblem> {
    if !metadata.is_file() {
        return Err(ReadProblem::NotAFile(what_it_is(metadata)));
    }
    if metadata.len() > CONFIG_FILE_LIMIT {
        return Err(ReadProblem::TooLarge);
    }
    Ok(())
}

/// "a directory", "a named pipe (FIFO)", ...: what a path that is not a regular file is.
fn what_it_is(metadata: &Metadata) -> &'static str {
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
