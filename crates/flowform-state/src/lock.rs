//! Who may write the state: an OS file lock, plus a JSON record of who holds it.
//!
//! # Why a separate, persistent `PATH.lock`
//!
//! OpenTofu's local backend locks the state file itself. flowform replaces the state file by
//! renaming a new file over it, so a lock on the old file would not cover the new one: a second
//! process opening `PATH` after the rename would lock the new inode while the first still holds
//! the old. The lock therefore lives on `PATH.lock`, a file that is created once and **never
//! deleted or replaced**. Deleting it would bring back the classic race: A holds the lock, B
//! opens the file and blocks, A deletes it and unlocks, B now "holds" a lock on a file nobody
//! can see while C creates a new one and locks that too.
//!
//! The human-readable record (`PATH.lock.info`, OpenTofu's LockInfo shape) is separate and
//! advisory. It is only written by whoever holds the OS lock, so it is current while the lock
//! is held; it is removed *before* the OS lock is released, so a holder never deletes its
//! successor's record. A record found while the OS lock is free was left by a process that died
//! (a local OS lock dies with its process): taking the lock replaces it, and `force_unlock`
//! removes it. A lock still held by a live process cannot be broken from outside, and
//! `force_unlock` says so rather than pretending.

/// The most flowform reads as a lock record (a few hundred bytes of JSON): 1 MiB.
pub const LOCK_INFO_LIMIT: u64 = 1 << 20;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::StateError;

/// Who holds a lock, in OpenTofu's LockInfo shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation")]
    pub operation: String,
    #[serde(rename = "Info", default)]
    pub info: String,
    #[serde(rename = "Who")]
    pub who: String,
    #[serde(rename = "Version")]
    pub version: String,
    /// RFC 3339, UTC.
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Path")]
    pub path: String,
}

impl LockInfo {
    pub(crate) fn new(operation: &str, state_path: &Path) -> Self {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_owned(),
            info: String::new(),
            who: who(),
            // Every crate of the workspace shares flowform's version.
            version: env!("CARGO_PKG_VERSION").to_owned(),
            created: rfc3339_utc(SystemTime::now()),
            path: state_path.display().to_string(),
        }
    }
}

/// The lock on one state. Dropping it releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    held: Held,
    info: LockInfo,
    stale: Option<LockInfo>,
}

/// What a guard holds, per backend.
#[derive(Debug)]
enum Held {
    /// The OS lock on `PATH.lock` (held while the file is open) and the record beside it.
    Local {
        // Held open for the lock's lifetime: closing the file releases the OS lock.
        file: Option<File>,
        lock_path: PathBuf,
        info_path: PathBuf,
    },
    /// An S3 lock object; released by deleting it (if it is still ours).
    Remote(Option<Box<dyn RemoteLock>>),
}

/// A lock kept somewhere else than the local file system (the s3 backend's `KEY.lock`).
pub(crate) trait RemoteLock: std::fmt::Debug + Send {
    /// Removes the lock object if it still holds `id`.
    fn release(&mut self, id: &str) -> Result<(), StateError>;
}

impl LockGuard {
    pub fn id(&self) -> &str {
        &self.info.id
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The record left by an earlier process that died holding this lock, if there was one;
    /// worth telling the user, since that run may have been cut short.
    pub fn stale(&self) -> Option<&LockInfo> {
        self.stale.as_ref()
    }

    /// Releases the lock, reporting a failure to remove the record (dropping ignores it).
    pub fn unlock(mut self) -> Result<(), StateError> {
        self.release()
    }

    pub(crate) fn remote(info: LockInfo, lock: Box<dyn RemoteLock>) -> LockGuard {
        LockGuard {
            held: Held::Remote(Some(lock)),
            info,
            stale: None,
        }
    }

    fn release(&mut self) -> Result<(), StateError> {
        let (file, lock_path, info_path) = match &mut self.held {
            Held::Remote(lock) => {
                return match lock.take() {
                    Some(mut lock) => lock.release(&self.info.id),
                    None => Ok(()),
                };
            }
            Held::Local {
                file,
                lock_path,
                info_path,
            } => (file, lock_path, info_path),
        };
        let Some(file) = file.take() else {
            return Ok(());
        };
        // The record goes first, while we still hold the OS lock: once it is released the
        // next holder may already be writing its own record.
        let removed = match std::fs::remove_file(&*info_path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(StateError::io("remove the lock record", &*info_path, error))
            }
            _ => Ok(()),
        };
        let unlocked = file
            .unlock()
            .map_err(|error| StateError::io("release the lock on", &*lock_path, error));
        drop(file);
        tracing::debug!(lock = %lock_path.display(), id = %self.info.id, "state lock released");
        removed.and(unlocked)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Nothing useful can be done with an error here; `unlock` reports it.
        let _ = self.release();
    }
}

pub(crate) struct LockPaths {
    pub state: PathBuf,
    pub lock: PathBuf,
    pub info: PathBuf,
}

impl LockPaths {
    fn open_lock_file(&self) -> Result<File, StateError> {
        if let Some(dir) = self.lock.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|error| StateError::io("create the directory", dir, error))?;
        }
        let mut options = OpenOptions::new();
        // Never truncate: the file is empty and only its identity matters.
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&self.lock)
            .map_err(|error| StateError::io("open the lock file", &self.lock, error))
    }

    /// The current record, if any. A record that does not parse is an error only for
    /// `force_unlock`; elsewhere it is just "no readable record".
    pub fn read_info(&self) -> Result<Option<LockInfo>, StateError> {
        let Some((bytes, _)) =
            crate::local::read_bounded(&self.info, "read the lock record", LOCK_INFO_LIMIT)?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|error| StateError::LockInfoCorrupt {
                path: self.info.clone(),
                detail: error.to_string(),
            })
    }

    fn write_info(&self, info: &LockInfo) -> Result<(), StateError> {
        let mut bytes = match serde_json::to_vec_pretty(info) {
            Ok(bytes) => bytes,
            Err(error) => unreachable!("LockInfo always serializes: {error}"),
        };
        bytes.push(b'\n');
        // Written in place (not via rename) because only the lock holder writes it, and a
        // reader that sees a half-written record just reports "no readable record".
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&self.info)
            .map_err(|error| StateError::io("write the lock record", &self.info, error))?;
        file.write_all(&bytes)
            .map_err(|error| StateError::io("write the lock record", &self.info, error))
    }

    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError> {
        let file = self.open_lock_file()?;
        let started = Instant::now();
        let deadline = started + timeout;
        let mut pause = Duration::from_millis(10);
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(error)) => {
                    return Err(StateError::io("lock", &self.lock, error));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StateError::LockTimeout {
                    path: self.state.clone(),
                    waited: now - started,
                    holder: self.read_info().ok().flatten().map(Box::new),
                });
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_secs(1));
        }
        // We hold the OS lock, so any record still there belongs to a process that died.
        let stale = self.read_info().ok().flatten();
        let info = LockInfo::new(operation, &self.state);
        self.write_info(&info)?;
        tracing::debug!(
            lock = %self.lock.display(),
            id = %info.id,
            operation,
            waited_ms = started.elapsed().as_millis() as u64,
            "state lock acquired"
        );
        Ok(LockGuard {
            held: Held::Local {
                file: Some(file),
                lock_path: self.lock.clone(),
                info_path: self.info.clone(),
            },
            info,
            stale,
        })
    }

    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let file = self.open_lock_file()?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StateError::LockHeldByLiveProcess {
                    path: self.state.clone(),
                    holder: self.read_info().ok().flatten().map(Box::new),
                });
            }
            Err(TryLockError::Error(error)) => {
                return Err(StateError::io("lock", &self.lock, error));
            }
        }
        let result = match self.read_info()? {
            None => Err(StateError::NotLocked {
                path: self.state.clone(),
                info_path: self.info.clone(),
            }),
            Some(info) if info.id != id => Err(StateError::LockIdMismatch {
                path: self.state.clone(),
                given: id.to_owned(),
                actual: info.id,
            }),
            Some(info) => std::fs::remove_file(&self.info)
                .map(|()| info)
                .map_err(|error| StateError::io("remove the lock record", &self.info, error)),
        };
        // Dropping the file releases our momentary OS lock.
        drop(file);
        result
    }
}

fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|host| !host.is_empty())
        .or_else(|| {
            ["/proc/sys/kernel/hostname", "/etc/hostname"]
                .iter()
                .find_map(|path| std::fs::read_to_string(path).ok())
                .map(|host| host.trim().to_owned())
                .filter(|host| !host.is_empty())
        })
        .unwrap_or_else(|| "unknown-host".to_owned());
    format!("{user}@{host}")
}

/// `2026-11-23T15:04:05Z`; written by hand to keep a date crate out of the build.
pub(crate) fn rfc3339_utc(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map(|duration| duration.as_secs())
        .unwrap_or(0);
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_info_has_opentofu_shape() {
        let info = LockInfo {
            id: "2b6a6738-5dd5-4d8d-9cf1-4d2ec1e8d0a1".into(),
            operation: "apply".into(),
            info: String::new(),
            who: "alice@build-1".into(),
            version: "0.1.0".into(),
            created: "2026-11-23T15:04:05Z".into(),
            path: "state/flowform.state.json".into(),
        };
        let text = serde_json::to_string(&info).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"ID":"2b6a6738-5dd5-4d8d-9cf1-4d2ec1e8d0a1","Operation":"apply","Info":"","Who":"alice@build-1","Version":"0.1.0","Created":"2026-11-23T15:04:05Z","Path":"state/flowform.state.json"}"#
        );
        let made = LockInfo::new("plan", Path::new("s.json"));
        assert!(made.who.contains('@') && made.created.ends_with('Z'));
        assert_eq!(made.path, "s.json");
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_723); // 2000-02-29
        assert_eq!(rfc3339_utc(leap), "2000-02-29T01:02:03Z");
        let later = UNIX_EPOCH + Duration::from_secs(1_795_446_245);
        assert_eq!(rfc3339_utc(later), "2026-11-23T15:04:05Z");
    }
}
