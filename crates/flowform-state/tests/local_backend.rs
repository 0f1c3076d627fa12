//! The local backend as the CLI uses it: files on disk, crashes, foreign files, other processes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flowform_state::{
    DigestKey, Lineage, LocalBackend, OutputState, Refusal, ResourceState, Serial, State,
    StateError, StateWarning,
};
use serde_json::json;

const VERSION: &str = "0.1.0";

fn fixed_state() -> State {
    State::with_identity(
        Lineage::from_uuid(uuid::Uuid::from_u128(
            0x00dd_ba11_0000_4000_8000_0000_0000_cafe,
        )),
        DigestKey::from_bytes([9; 32]),
        VERSION,
    )
}

fn secret(n: usize) -> ResourceState {
    ResourceState::new(
        "secret",
        format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:s{n}"),
    )
    .attribute("name", format!("appflow/s{n}"))
    .attribute("tags", json!({"team": "data"}))
}

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        Dir {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn state_path(&self) -> PathBuf {
        self.dir.path().join("flowform.state.json")
    }

    fn backend(&self) -> LocalBackend {
        LocalBackend::new(self.state_path())
    }

    fn read(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.path().join(name)).ok()
    }

    /// Every file in the directory, for "what is on disk" assertions.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("readable directory")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// The message with the temporary directory replaced, so snapshots are stable.
    fn message(&self, error: &StateError) -> String {
        error
            .to_string()
            .replace(&self.dir.path().display().to_string(), "[TEMP]")
            .replace(
                &format!("this flowform ({})", env!("CARGO_PKG_VERSION")),
                "this flowform ([VERSION])",
            )
    }
}

// --- round trip, serial, backup -------------------------------------------------------------

#[test]
fn round_trip_and_serial_bumps_only_on_change() {
    let dir = Dir::new();
    let mut backend = dir.backend();
    assert_eq!(backend.load().expect("no file is fine"), None);

    let mut state = fixed_state();
    state.resources.insert("secret.s1".into(), secret(1));
    assert_eq!(backend.persist(&state).expect("first write"), Serial(1));

    let mut reader = dir.backend();
    let loaded = reader.load().expect("loads").expect("a state");
    assert_eq!(loaded.serial, Serial(1));
    assert!(loaded.same_content(&state));

    // The same content again, from a fresh backend: no bump, no rewrite.
    let before = dir.read("flowform.state.json");
    assert_eq!(reader.persist(&loaded).expect("no-op"), Serial(1));
    assert_eq!(dir.read("flowform.state.json"), before);
    assert_eq!(dir.read("flowform.state.json.backup"), None);

    // A change bumps the serial and keeps the previous file as the backup.
    let mut changed = loaded.clone();
    changed
        .outputs
        .insert("arn".into(), OutputState::new(json!("arn:x")));
    assert_eq!(reader.persist(&changed).expect("write"), Serial(2));
    assert_eq!(dir.read("flowform.state.json.backup"), before);
    let on_disk = dir.backend().load().expect("loads").expect("a state");
    assert_eq!(on_disk.serial, Serial(2));
    assert!(on_disk.same_content(&changed));

    // Only the writer's version differs: rewritten, but the serial stays.
    let mut newer_writer = changed.clone();
    newer_writer.flowform_version = "0.2.0".into();
    assert_eq!(reader.persist(&newer_writer).expect("write"), Serial(2));

    assert_eq!(
        dir.names(),
        [
            "flowform.state.json",
            "flowform.state.json.backup",
            "flowform.state.json.key"
        ],
        "no temporary file is left behind"
    );
}

#[test]
fn persisted_file_is_stable_pretty_json() {
    let dir = Dir::new();
    let mut state = fixed_state();
    let jwt = state.digest(b"jwt-value");
    state.resources.insert(
        "connector_profile.salesforce_prod".into(),
        ResourceState::new("connector_profile", "salesforce-prod")
            .attribute("connection_mode", "Public")
            .attribute("connector_type", "Salesforce")
            .depends_on("secret.s1")
            .sensitive("credentials.jwt_token", jwt),
    );
    state.resources.insert("secret.s1".into(), secret(1));
    dir.backend().persist(&state).expect("write");
    let text = String::from_utf8(dir.read("flowform.state.json").expect("written")).expect("UTF-8");
    insta::assert_snapshot!(text);
}

#[test]
fn a_state_of_another_lineage_is_not_written_over() {
    let dir = Dir::new();
    dir.backend().persist(&fixed_state()).expect("write");
    let before = dir.read("flowform.state.json");
    let error = dir
        .backend()
        .persist(&State::new(VERSION))
        .expect_err("refused");
    assert!(
        matches!(error, StateError::LineageMismatch { .. }),
        "{error}"
    );
    assert_eq!(dir.read("flowform.state.json"), before);
}

#[test]
fn a_write_made_without_the_lock_is_not_lost() {
    let dir = Dir::new();
    let mut first = dir.backend();
    first.persist(&fixed_state()).expect("write");

    // Another process writes the file after `first` read it.
    let mut other = dir.backend();
    let mut theirs = other.load().expect("loads").expect("a state");
    theirs.resources.insert("secret.theirs".into(), secret(7));
    other.persist(&theirs).expect("their write");
    let after_theirs = dir.read("flowform.state.json");

    let mut ours = fixed_state();
    ours.resources.insert("secret.ours".into(), secret(8));
    let error = first.persist(&ours).expect_err("refused");
    insta::assert_snapshot!(dir.message(&error));
    assert_eq!(dir.read("flowform.state.json"), after_theirs);

    // Same when the file did not exist yet when we looked.
    let dir = Dir::new();
    let mut first = dir.backend();
    assert_eq!(first.load().expect("loads"), None);
    dir.backend().persist(&fixed_state()).expect("their write");
    let error = first.persist(&fixed_state()).expect_err("refused");
    assert!(matches!(error, StateError::ChangedOnDisk { .. }), "{error}");
}

/// The backend keeps no copy of the file to decide its next write; it reads the file again.
/// A write that would change nothing is skipped only while the file is the one it wrote: one
/// changed since is refused, not taken for what was written.
#[test]
fn an_unneeded_write_over_a_file_changed_since_is_refused() {
    let dir = Dir::new();
    let mut first = dir.backend();
    let mut ours = fixed_state();
    ours.resources.insert("secret.ours".into(), secret(1));
    let serial = first.persist(&ours).expect("write");
    assert_eq!(
        first.persist(&ours).expect("unneeded"),
        serial,
        "nothing to write"
    );

    let mut other = dir.backend();
    let mut theirs = other.load().expect("loads").expect("a state");
    theirs.resources.insert("secret.theirs".into(), secret(2));
    other.persist(&theirs).expect("their write");
    let after_theirs = dir.read("flowform.state.json");

    let error = first.persist(&ours).expect_err("refused");
    assert!(matches!(error, StateError::ChangedOnDisk { .. }), "{error}");
    assert_eq!(dir.read("flowform.state.json"), after_theirs);
}

#[test]
fn persist_creates_the_state_directory() {
    let dir = Dir::new();
    let path = dir
        .dir
        .path()
        .join("state")
        .join("nested")
        .join("flowform.state.json");
    let mut backend = LocalBackend::new(&path);
    backend.persist(&fixed_state()).expect("write");
    assert!(path.is_file());
}

#[cfg(unix)]
#[test]
fn files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let mut backend = dir.backend();
    backend.persist(&fixed_state()).expect("write");
    let _lock = backend.lock("apply", Duration::ZERO).expect("lock");
    let journal = backend.begin_journal(&fixed_state()).expect("journal");
    for name in [
        "flowform.state.json",
        "flowform.state.json.journal",
        "flowform.state.json.lock",
        "flowform.state.json.lock.info",
    ] {
        let mode = std::fs::metadata(dir.dir.path().join(name))
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    drop(journal);
}

// --- refusals -------------------------------------------------------------------------------

/// Loads `bytes`, then tries every kind of write; the file must come out byte-for-byte unchanged.
fn refused(bytes: &[u8]) -> String {
    let dir = Dir::new();
    std::fs::write(dir.state_path(), bytes).expect("write the fixture");
    let mut backend = dir.backend();
    let error = backend.load().expect_err("refused");
    assert!(matches!(error, StateError::Refused(_)), "{error}");
    let message = dir.message(&error);

    let write_error = backend
        .persist(&State::new(VERSION))
        .expect_err("persist refused");
    assert_eq!(
        dir.message(&write_error),
        message,
        "a write repeats the refusal"
    );
    assert!(backend.begin_journal(&State::new(VERSION)).is_err());

    // A backend that never loaded must not write over it either.
    assert!(dir.backend().persist(&State::new(VERSION)).is_err());

    assert_eq!(dir.read("flowform.state.json").as_deref(), Some(bytes));
    assert_eq!(dir.names(), ["flowform.state.json"]);
    message
}

#[test]
fn corrupt_json_is_refused() {
    insta::assert_snapshot!(refused(
        b"{\n  \"format_version\": 1,\n  \"lineage\": \n}\n"
    ));
}

#[test]
fn terraform_state_is_refused() {
    let tfstate = br#"{
  "version": 4,
  "terraform_version": "1.9.5",
  "serial": 3,
  "lineage": "3f1c1f2e-5d6a-4b8e-9a0c-6f1d2e3c4b5a",
  "outputs": {},
  "resources": []
}
"#;
    insta::assert_snapshot!(refused(tfstate));
}

#[test]
fn newer_format_version_is_refused() {
    let mut newer = serde_json::to_value(fixed_state()).expect("a value");
    newer["format_version"] = json!(2);
    newer["flowform_version"] = json!("9.9.9");
    let bytes = serde_json::to_vec_pretty(&newer).expect("bytes");
    insta::assert_snapshot!(refused(&bytes));
}

#[test]
fn empty_file_is_refused() {
    insta::assert_snapshot!(refused(b""));
}

#[test]
fn random_bytes_are_refused() {
    insta::assert_snapshot!(refused(&[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00
    ]));
}

#[test]
fn other_json_is_refused() {
    insta::assert_snapshot!(refused(br#"{"name": "package.json, perhaps"}"#));
}

#[test]
fn a_state_with_a_broken_field_is_refused() {
    let mut broken = serde_json::to_value(fixed_state()).expect("a value");
    broken["serial"] = json!("seven");
    let bytes = serde_json::to_vec_pretty(&broken).expect("bytes");
    insta::assert_snapshot!(refused(&bytes));
}

// --- journal --------------------------------------------------------------------------------

#[test]
fn a_normal_apply_folds_its_journal_once() {
    let dir = Dir::new();
    let mut backend = dir.backend();
    let state = backend.load().expect("loads").unwrap_or_else(fixed_state);
    let mut journal = backend.begin_journal(&state).expect("journal");
    for n in 0..20 {
        journal
            .set(&format!("secret.s{n}"), secret(n))
            .expect("append");
    }
    journal.remove("secret.s3").expect("append");
    assert_eq!(journal.len(), 21);
    let folded = backend.fold(journal).expect("fold");
    assert_eq!(folded.resources.len(), 19);
    assert_eq!(folded.serial, Serial(2), "1 for the base, 2 for the fold");
    assert_eq!(
        dir.names(),
        [
            "flowform.state.json",
            "flowform.state.json.backup",
            "flowform.state.json.key"
        ]
    );
    let reloaded = dir.backend().load().expect("loads").expect("a state");
    assert_eq!(reloaded, folded);
}

#[test]
fn a_crashed_apply_is_recovered_by_the_next_load() {
    let dir = Dir::new();
    let mut backend = dir.backend();
    let mut journal = backend.begin_journal(&fixed_state()).expect("journal");
    for n in 0..50 {
        journal
            .set(&format!("secret.s{n}"), secret(n))
            .expect("append");
    }
    journal.remove("secret.s0").expect("append");
    drop(journal); // what kill -9 leaves: no fold

    let mut next = dir.backend();
    let state = next.load().expect("recovers").expect("a state");
    assert_eq!(state.resources.len(), 49);
    assert_eq!(state.serial, Serial(2));
    let warnings = next.take_warnings();
    assert!(
        matches!(
            warnings[..],
            [StateWarning::JournalReplayed { changes: 51, .. }]
        ),
        "{warnings:?}"
    );
    assert_eq!(
        dir.read("flowform.state.json.journal"),
        None,
        "the journal is folded and gone"
    );
    assert_eq!(dir.backend().load().expect("loads"), Some(state));
}

const WRITER_ENV: &str = "FLOWFORM_STATE_TEST_JOURNAL_WRITER";

/// Not a test on its own: re-run by `kill_9_loses_nothing_reported_done` with `WRITER_ENV` set,
/// this journals changes as fast as it can and reports each one on stdout once it is durable.
#[test]
fn journal_writer_helper() {
    use std::io::Write as _;
    let Ok(path) = std::env::var(WRITER_ENV) else {
        return;
    };
    let mut backend = LocalBackend::new(&path);
    let mut journal = backend.begin_journal(&fixed_state()).expect("journal");
    let mut stdout = std::io::stdout();
    // Bounded in count and time, so an orphaned helper still ends by itself.
    let deadline = Instant::now() + Duration::from_secs(60);
    for n in 0..100_000 {
        if Instant::now() > deadline {
            break;
        }
        journal
            .set(&format!("secret.s{n}"), secret(n))
            .expect("append");
        writeln!(stdout, "done secret.s{n}")
            .and_then(|()| stdout.flush())
            .expect("report");
    }
}

#[cfg(unix)]
#[test]
fn kill_9_loses_nothing_reported_done() {
    use std::io::BufRead as _;
    let dir = Dir::new();
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "journal_writer_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WRITER_ENV, dir.state_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the helper");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reported = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(address) = line.strip_prefix("done ") {
            reported.push(address.to_owned());
            if reported.len() == 200 {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL the helper");
    child.wait().expect("reap the helper");
    assert_eq!(reported.len(), 200, "the helper stopped early");

    let mut backend = dir.backend();
    let state = backend.load().expect("recovers").expect("a state");
    for address in &reported {
        assert!(
            state.resources.contains_key(address),
            "{address} was reported done but lost"
        );
    }
    assert_eq!(dir.read("flowform.state.json.journal"), None);
}

#[test]
fn a_journal_folded_but_not_deleted_replays_to_no_change() {
    let dir = Dir::new();
    let mut backend = dir.backend();
    let mut journal = backend.begin_journal(&fixed_state()).expect("journal");
    journal.set("secret.s1", secret(1)).expect("append");
    journal.remove("secret.s1").expect("append");
    journal.set("secret.s2", secret(2)).expect("append");
    let kept = std::fs::read(journal.path()).expect("journal");
    let folded = backend.fold(journal).expect("fold");
    // A crash between writing the folded state and deleting the journal.
    std::fs::write(dir.state_path().with_extension("json.journal"), kept).expect("write");

    let mut next = dir.backend();
    let state = next.load().expect("loads").expect("a state");
    assert_eq!(
        state, folded,
        "entries are absolute, so a second replay changes nothing"
    );
    assert_eq!(dir.read("flowform.state.json.journal"), None);
}

#[test]
fn a_torn_last_line_is_left_out_with_a_warning() {
    let dir = Dir::new();
    let mut backend = dir.backend();
    let mut journal = backend.begin_journal(&fixed_state()).expect("journal");
    journal.set("secret.s1", secret(1)).expect("append");
    journal.set("secret.s2", secret(2)).expect("append");
    let journal_path = journal.path().to_path_buf();
    drop(journal);
    // The crash cut the third append short.
    let mut bytes = std::fs::read(&journal_path).expect("journal");
    bytes.extend_from_slice(br#"{"op":"set","address":"secret.s3","reso"#);
    std::fs::write(&journal_path, bytes).expect("write");

    let mut next = dir.backend();
    let state = next
        .load()
        .expect("a torn line is not an error")
        .expect("a state");
    assert_eq!(
        state.resources.keys().collect::<Vec<_>>(),
        ["secret.s1", "secret.s2"]
    );
    let warnings: Vec<String> = next
        .take_warnings()
        .iter()
        .map(|warning| {
            warning
                .to_string()
                .replace(&dir.dir.path().display().to_string(), "[TEMP]")
        })
        .collect();
    insta::assert_snapshot!(warnings.join("\n"));
}

#[test]
fn a_journal_of_another_state_is_refused() {
    let dir = Dir::new();
    dir.backend().persist(&fixed_state()).expect("write");
    // Left by an interrupted apply of a different state that lived at the same path.
    let foreign = format!(
        "{{\"flowform_journal\":1,\"lineage\":\"{}\",\"base_serial\":4}}\n\
         {{\"op\":\"remove\",\"address\":\"secret.s1\"}}\n",
        Lineage::from_uuid(uuid::Uuid::from_u128(2))
    );
    std::fs::write(dir.state_path().with_extension("json.journal"), &foreign).expect("write");

    let before = dir.read("flowform.state.json");
    let mut backend = dir.backend();
    let error = backend.load().expect_err("refused");
    assert!(
        matches!(error, StateError::Refused(Refusal::JournalLineage { .. })),
        "{error}"
    );
    insta::assert_snapshot!(dir.message(&error));
    assert!(
        backend.persist(&fixed_state()).is_err(),
        "writes are refused too"
    );
    assert_eq!(dir.read("flowform.state.json"), before);
    assert_eq!(
        dir.read("flowform.state.json.journal"),
        Some(foreign.into_bytes())
    );
}

#[test]
fn a_journal_without_its_state_is_refused() {
    let dir = Dir::new();
    let journal = dir
        .backend()
        .begin_journal(&fixed_state())
        .expect("journal");
    drop(journal);
    std::fs::remove_file(dir.state_path()).expect("remove");
    let error = dir.backend().load().expect_err("refused");
    assert!(
        matches!(
            error,
            StateError::Refused(Refusal::JournalWithoutState { .. })
        ),
        "{error}"
    );
    assert!(dir.read("flowform.state.json.journal").is_some());
}

// --- secrets never reach the disk -----------------------------------------------------------

#[test]
fn a_secret_given_to_the_api_never_reaches_a_file() {
    const SENTINEL: &str = "SENTINEL-SECRET";
    let dir = Dir::new();
    let mut backend = dir.backend();
    let mut state = fixed_state();
    let digest = state.digest(SENTINEL.as_bytes());
    state
        .outputs
        .insert("client_secret".into(), OutputState::sensitive());
    let mut journal = backend.begin_journal(&state).expect("journal");
    journal
        .set(
            "connector_profile.p",
            ResourceState::new("connector_profile", "p")
                .sensitive("credentials.client_secret", digest),
        )
        .expect("append");
    let journal_text = std::fs::read_to_string(journal.path()).expect("journal");
    assert!(journal_text.contains(&digest.to_string()));
    assert!(!journal_text.contains(SENTINEL));
    let folded = backend.fold(journal).expect("fold");
    assert!(!format!("{folded:?}").contains(SENTINEL));

    let mut found_digest = false;
    for name in dir.names() {
        let text = String::from_utf8_lossy(&dir.read(&name).unwrap_or_default()).into_owned();
        assert!(!text.contains(SENTINEL), "{name} holds the secret");
        found_digest |= text.contains(&digest.to_string());
    }
    assert!(found_digest, "the digest is what the state keeps");
}

// --- locking --------------------------------------------------------------------------------

const HOLDER_ENV: &str = "FLOWFORM_STATE_TEST_LOCK_HOLDER";

/// Not a test on its own: when the parent test re-runs this binary with `HOLDER_ENV` set, this
/// takes the lock on that state path, says so in `PATH.ready`, and waits to be killed.
#[test]
fn lock_holder_helper() {
    let Ok(path) = std::env::var(HOLDER_ENV) else {
        return;
    };
    let backend = LocalBackend::new(&path);
    let guard = backend
        .lock("apply", Duration::from_secs(10))
        .expect("the helper takes the lock");
    std::fs::write(format!("{path}.ready"), guard.id()).expect("write the ready file");
    // Bounded, so an orphaned helper still ends by itself.
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Holder {
    child: Child,
    id: String,
}

impl Holder {
    fn spawn(state_path: &Path) -> Holder {
        let ready = PathBuf::from(format!("{}.ready", state_path.display()));
        let _ = std::fs::remove_file(&ready);
        let child = Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "--exact",
                "lock_holder_helper",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HOLDER_ENV, state_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the helper");
        let mut holder = Holder {
            child,
            id: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(id) = std::fs::read_to_string(&ready)
                && !id.is_empty()
            {
                holder.id = id;
                return holder;
            }
            assert!(
                Instant::now() < deadline,
                "the helper did not take the lock in 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(mut self) {
        self.child.kill().expect("kill the helper");
        self.child.wait().expect("reap the helper");
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_processes_cannot_hold_the_lock() {
    let dir = Dir::new();
    let backend = dir.backend();
    let holder = Holder::spawn(&dir.state_path());

    let error = backend
        .lock("plan", Duration::from_millis(300))
        .expect_err("held by the helper");
    let StateError::LockTimeout {
        holder: Some(info),
        waited,
        ..
    } = &error
    else {
        panic!("expected a lock timeout naming the holder, got {error}");
    };
    assert_eq!(info.id, holder.id);
    assert_eq!(info.operation, "apply");
    assert!(*waited >= Duration::from_millis(300));
    let message = error.to_string();
    assert!(
        message.contains(&format!("flowform force-unlock {}", holder.id)),
        "{message}"
    );
    assert!(
        message.contains(&info.who) && message.contains(&info.created),
        "{message}"
    );

    // A live holder cannot be unlocked from outside.
    let error = backend.force_unlock(&holder.id).expect_err("refused");
    assert!(
        matches!(error, StateError::LockHeldByLiveProcess { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("released when that process exits"),
        "{error}"
    );

    // Killed, the helper leaves its record behind but the OS lock dies with it.
    let id = holder.id.clone();
    holder.kill();
    assert_eq!(
        backend.lock_info().expect("readable").map(|info| info.id),
        Some(id.clone())
    );
    let guard = backend
        .lock("apply", Duration::from_secs(5))
        .expect("free again");
    assert_eq!(
        guard.stale().map(|info| info.id.as_str()),
        Some(id.as_str())
    );
    assert_eq!(
        backend.lock_info().expect("readable").map(|info| info.id),
        Some(guard.id().to_owned())
    );
    drop(guard);
    assert_eq!(
        backend.lock_info().expect("readable"),
        None,
        "released with its record"
    );
    assert!(
        dir.state_path().with_extension("json.lock").exists(),
        "the lock file itself stays"
    );
}

#[test]
fn force_unlock_clears_only_the_named_stale_lock() {
    let dir = Dir::new();
    let backend = dir.backend();
    let holder = Holder::spawn(&dir.state_path());
    let id = holder.id.clone();
    holder.kill();

    let error = backend.force_unlock("not-the-id").expect_err("wrong ID");
    assert!(
        matches!(&error, StateError::LockIdMismatch { actual, .. } if *actual == id),
        "{error}"
    );
    assert!(error.to_string().contains(&id));

    let removed = backend.force_unlock(&id).expect("stale record removed");
    assert_eq!(removed.id, id);
    assert_eq!(backend.lock_info().expect("readable"), None);
    let error = backend.force_unlock(&id).expect_err("nothing left");
    assert!(matches!(error, StateError::NotLocked { .. }), "{error}");
}

#[test]
fn a_second_lock_in_the_same_process_also_waits() {
    let dir = Dir::new();
    let guard = dir.backend().lock("apply", Duration::ZERO).expect("lock");
    let error = dir
        .backend()
        .lock("apply", Duration::from_millis(50))
        .expect_err("held");
    assert!(
        matches!(&error, StateError::LockTimeout { holder: Some(info), .. } if info.id == guard.id())
    );
    guard.unlock().expect("unlock");
    dir.backend().lock("apply", Duration::ZERO).expect("free");
}

// --- robustness -----------------------------------------------------------------------------

mod arbitrary_bytes {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn load_never_panics_on_a_state_file(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let dir = Dir::new();
            std::fs::write(dir.state_path(), &bytes).expect("write");
            let _ = dir.backend().load();
        }

        #[test]
        fn load_never_panics_on_a_journal(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
            let dir = Dir::new();
            let journal = dir.backend().begin_journal(&fixed_state()).expect("journal");
            let path = journal.path().to_path_buf();
            drop(journal);
            let mut bytes = std::fs::read(&path).expect("journal");
            bytes.extend_from_slice(&tail);
            std::fs::write(&path, bytes).expect("write");
            let _ = dir.backend().load();
        }

        #[test]
        fn parse_never_panics_on_json_shaped_text(text in r#"\{("[a-z_]{1,16}": ?(1|"x"|null|\[\]|\{\}),? ?){0,6}\}"#) {
            let _ = State::from_json(Path::new("s.json"), text.as_bytes());
        }
    }
}

/// A command that only reads sees an interrupted apply's changes, but writes nothing: the
/// journal stays for the next apply, which folds it and knows it is resuming.
#[test]
fn reading_without_folding_leaves_the_journal_and_the_state_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut backend = LocalBackend::new(&path);
    let state = State::new("0.1.0");
    backend.persist(&state).unwrap();
    let mut journal = backend.begin_journal(&state).unwrap();
    journal
        .set("secret.a", ResourceState::new("secret", "arn:a"))
        .unwrap();
    drop(journal); // the apply is killed here
    let before = std::fs::read(&path).unwrap();

    let mut reader = LocalBackend::new(&path);
    let seen = reader.load_without_folding().unwrap().unwrap();
    assert!(seen.resources.contains_key("secret.a"));
    assert!(matches!(
        reader.take_warnings().as_slice(),
        [StateWarning::JournalPending { changes: 1, .. }]
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the state file was written"
    );
    assert!(reader.journal_path().exists(), "the journal was folded");

    let mut writer = LocalBackend::new(&path);
    let folded = writer.load().unwrap().unwrap();
    assert!(folded.resources.contains_key("secret.a"));
    assert!(matches!(
        writer.take_warnings().as_slice(),
        [StateWarning::JournalReplayed { changes: 1, .. }]
    ));
    assert!(!writer.journal_path().exists());
}
