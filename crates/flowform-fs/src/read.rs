//! Bounded reads of files a user named.
//!
//! The path is checked to be a regular file before it is opened, opened non-blocking (so a pipe
//! swapped in between cannot block the open), checked again through the open handle, and read
//! through `Read::take(limit + 1)`, so a file over the limit is refused rather than truncated.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read as _;
use std::path::Path;

/// Why a file was not read. The messages complete "cannot read PATH: ...".
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// It exists but is not a regular file; says what it is ("a named pipe (FIFO)").
    #[error("it is {0}, not a regular file")]
    NotAFile(&'static str),
    /// It holds more than the limit.
    #[error("it is larger than {} MiB, the most flowform reads from one file", .limit >> 20)]
    TooLarge { limit: u64 },
    #[error("it is not UTF-8 text")]
    NotText,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The bytes of the regular file at `path` (symlinks followed) and its metadata, or `None` when
/// there is no such file. At most `limit` bytes: a longer file is [`ReadError::TooLarge`].
pub fn read(path: &Path, limit: u64) -> Result<Option<(Vec<u8>, Metadata)>, ReadError> {
    match std::fs::metadata(path) {
        Ok(metadata) => check(&metadata, limit)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(ReadError::Io(error)),
    }
    let file = match open_non_blocking(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(ReadError::Io(error)),
    };
    let metadata = file.metadata()?;
    check(&metadata, limit)?;
    // Sized from the metadata (already checked against `limit`), so a large state is read
    // into one allocation instead of a doubling series of copies; a file that grows meanwhile
    // still stops at `limit + 1` bytes.
    let expected = usize::try_from(metadata.len().saturating_add(1)).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(expected);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(Some((bytes, metadata)))
}

/// The UTF-8 text of the regular file at `path`, at most `limit` bytes; a missing file is an
/// error (`NotFound`).
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let (bytes, _) = read(path, limit)?.ok_or_else(|| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "No such file or directory",
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| ReadError::NotText)
}

fn check(metadata: &Metadata, limit: u64) -> Result<(), ReadError> {
    if !metadata.is_file() {
        return Err(ReadError::NotAFile(what_it_is(metadata)));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(())
}

/// "a directory", "a named pipe (FIFO)", ...: what a path that is not a regular file is.
pub fn what_it_is(metadata: &Metadata) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_not_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert!(matches!(
            read(&path, 4),
            Err(ReadError::TooLarge { limit: 4 })
        ));
        assert_eq!(read(&path, 5).unwrap().unwrap().0, b"12345");
        assert!(read(&dir.path().join("missing"), 5).unwrap().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn devices_directories_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read(Path::new("/dev/zero"), 1 << 20),
            Err(ReadError::NotAFile("a character device"))
        ));
        assert!(matches!(
            read(dir.path(), 1 << 20),
            Err(ReadError::NotAFile("a directory"))
        ));
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            read(&fifo, 1 << 20),
            Err(ReadError::NotAFile("a named pipe (FIFO)"))
        ));
    }
}
