//! Reading a file that a configuration names (its `*.hcl` files, variable files, `file()` and
//! the like): a regular file, at most [`CONFIG_FILE_LIMIT`] bytes, never a FIFO or a device
//! (see `flowform_fs::read`).

use std::path::Path;

/// The most flowform reads from one configuration file, variables file or `file()` argument:
/// 16 MiB. Real ones are kilobytes; AWS's own limits (a secret value is at most 64 KiB, a
/// policy 32 KiB) are far below it.
pub const CONFIG_FILE_LIMIT: u64 = 16 << 20;

/// The text of the regular file at `path` (symlinks followed).
pub(crate) fn read_text(path: &Path) -> Result<String, flowform_fs::ReadError> {
    flowform_fs::read_text(path, CONFIG_FILE_LIMIT)
}
