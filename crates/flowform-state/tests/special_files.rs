//! State paths that are not plain files: devices, pipes, directories, huge files, symlinks.
//! Each is refused with a message that names the path and what it is, promptly (never a hang
//! or a read until memory runs out), and is never written over; a symlink is followed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use flowform_state::{
    DigestKey, Lineage, LocalBackend, Refusal, ResourceState, STATE_LIMIT, State, StateError,
};

fn state() -> State {
    let mut state = State::with_identity(
        Lineage::from_uuid(uuid::Uuid::from_u128(
            0x5ca1_ab1e_0000_4000_8000_0000_0000_0001,
        )),
        DigestKey::from_bytes([7; 32]),
        "0.1.0",
    );
    state.resources.insert(
        "secret.app".into(),
        ResourceState::new("secret", "arn:aws:secretsmanager:us-east-1:1:secret:app"),
    );
    state
}

/// Runs `f` on another thread and fails the test if it does not finish in 10 s: a blocking
/// open of a FIFO would otherwise hang the test run instead of failing it.
fn promptly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("finished within 10 s instead of blocking")
}

fn refusal(result: Result<impl std::fmt::Debug, StateError>) -> Refusal {
    match result {
        Err(StateError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn dev_zero_as_the_state_is_refused_not_read_forever() {
    let (load, persist) = promptly(|| {
        let mut backend = LocalBackend::new("/dev/zero");
        (refusal(backend.load()), refusal(backend.persist(&state())))
    });
    let expected = Refusal::NotAFile {
        path: "/dev/zero".into(),
        what: "a character device",
    };
    assert_eq!(load, expected);
    assert_eq!(persist, expected);
    assert!(
        load.to_string()
            .starts_with("/dev/zero is a character device, not a regular file.")
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL");
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[cfg(unix)]
#[test]
fn a_fifo_as_the_state_or_journal_is_refused_without_blocking() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    mkfifo(&path);
    let p = path.clone();
    let (load, persist) = promptly(move || {
        let mut backend = LocalBackend::new(p);
        (refusal(backend.load()), refusal(backend.persist(&state())))
    });
    assert!(
        matches!(
            load,
            Refusal::NotAFile {
                what: "a named pipe (FIFO)",
                ..
            }
        ),
        "{load:?}"
    );
    assert_eq!(load, persist);
    let kind = std::fs::symlink_metadata(&path)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");

    let other = tempfile::tempdir().expect("tempdir");
    let path = other.path().join("state.json");
    LocalBackend::new(&path)
        .persist(&state())
        .expect("first write");
    mkfifo(&other.path().join("state.json.journal"));
    let journal = promptly(move || refusal(LocalBackend::new(path).load()));
    assert!(matches!(
        journal,
        Refusal::NotAFile {
            what: "a named pipe (FIFO)",
            ..
        }
    ));
}

#[test]
fn a_directory_as_the_state_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let found = refusal(LocalBackend::new(dir.path()).load());
    assert!(
        matches!(
            found,
            Refusal::NotAFile {
                what: "a directory",
                ..
            }
        ),
        "{found:?}"
    );
}

/// The length is checked before reading, and the read is bounded in case the file grows.
#[test]
fn a_state_or_journal_over_the_limit_is_refused_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let huge = std::fs::File::create(&path).expect("create");
    huge.set_len(STATE_LIMIT + 1).expect("a sparse file");
    let found = refusal(LocalBackend::new(&path).load());
    assert_eq!(
        found,
        Refusal::TooLarge {
            path: path.clone(),
            limit_mib: 64
        }
    );
    assert_eq!(
        std::fs::metadata(&path).expect("kept").len(),
        STATE_LIMIT + 1
    );

    std::fs::remove_file(&path).expect("remove");
    LocalBackend::new(&path)
        .persist(&state())
        .expect("first write");
    let journal = std::fs::File::create(dir.path().join("state.json.journal")).expect("create");
    journal.set_len(STATE_LIMIT + 1).expect("a sparse file");
    assert!(matches!(
        refusal(LocalBackend::new(&path).load()),
        Refusal::TooLarge { limit_mib: 64, .. }
    ));
}

/// A state file that is a symlink used to be replaced by a regular file on the first write,
/// leaving the real state behind, stale.
#[cfg(unix)]
#[test]
fn a_symlinked_state_is_written_through_the_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("real")).expect("mkdir");
    let link = dir.path().join("state.json");
    std::os::unix::fs::symlink("real/state.json", &link).expect("symlink");

    let first = LocalBackend::new(&link)
        .persist(&state())
        .expect("first write");
    let mut next = state();
    next.resources.insert(
        "secret.other".into(),
        ResourceState::new("secret", "arn:aws:secretsmanager:us-east-1:1:secret:other"),
    );
    let mut backend = LocalBackend::new(&link);
    assert_eq!(backend.path(), link);
    backend.load().expect("loads through the link");
    let second = backend.persist(&next).expect("second write");
    assert_eq!(second, first.next());

    let kind = std::fs::symlink_metadata(&link).expect("link").file_type();
    assert!(kind.is_symlink(), "the symlink was replaced by a file");
    let target = dir.path().join("real/state.json");
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&target).expect("target")).expect("json");
    assert_eq!(on_disk["serial"], serde_json::json!(second.0));
    assert!(
        dir.path().join("real/state.json.backup").is_file(),
        "the backup is kept next to the target"
    );
    assert!(!dir.path().join("state.json.backup").exists());
}
