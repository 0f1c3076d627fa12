//! Files a configuration names are read with a bound: a device, a pipe or a directory is
//! refused with a diagnostic naming the path and what it is, promptly (a read of `/dev/zero`
//! used to run until memory ran out, an open of a FIFO to block forever), and a file over
//! [`CONFIG_FILE_LIMIT`] is refused whole.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_parser::{CONFIG_FILE_LIMIT, VarArg, VariableInputs, load};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Loads `dir` on another thread; fails if that takes more than 10 s (a blocked open).
fn load_promptly(dir: PathBuf, inputs: VariableInputs) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rendered = match load(&dir, &inputs) {
            Ok(_) => "loaded".to_string(),
            Err(f) => flowform_views::style::plain(&flowform_views::diagnostics::text(
                &f.sources,
                &f.diagnostics,
            )),
        };
        let _ = tx.send(rendered);
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("load finished within 10 s instead of blocking")
}

fn config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.hcl"), text).expect("write");
    dir
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
fn file_of_dev_zero_is_refused() {
    let dir = config("locals {\n  x = file(\"/dev/zero\")\n}\n");
    let text = load_promptly(dir.path().into(), VariableInputs::default());
    assert!(
        text.contains(
            "Reading \"/dev/zero\" failed: it is a character device, not a regular file."
        ),
        "{text}"
    );
    assert!(text.contains("line 2"), "located: {text}");
}

#[cfg(unix)]
#[test]
fn file_of_a_fifo_is_refused_without_blocking() {
    let dir = config("locals {\n  x = file(\"pipe\")\n}\n");
    mkfifo(&dir.path().join("pipe"));
    let text = load_promptly(dir.path().into(), VariableInputs::default());
    assert!(
        text.contains("it is a named pipe (FIFO), not a regular file"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn a_var_file_that_is_a_fifo_is_refused_without_blocking() {
    let dir = config("variable \"v\" {\n  default = 1\n}\n");
    let pipe = dir.path().join("in.vars.hcl");
    mkfifo(&pipe);
    let inputs = VariableInputs {
        args: vec![VarArg::File(pipe)],
        ..VariableInputs::default()
    };
    let text = load_promptly(dir.path().into(), inputs);
    assert!(
        text.contains("it is a named pipe (FIFO), not a regular file"),
        "{text}"
    );
}

#[test]
fn file_of_a_directory_is_refused() {
    let dir = config("locals {\n  x = file(\"sub\")\n}\n");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let text = load_promptly(dir.path().into(), VariableInputs::default());
    assert!(
        text.contains("it is a directory, not a regular file"),
        "{text}"
    );
}

#[test]
fn files_over_the_limit_are_refused() {
    let dir = config("locals {\n  x = file(\"big.txt\")\n}\n");
    let big = std::fs::File::create(dir.path().join("big.txt")).expect("create");
    big.set_len(CONFIG_FILE_LIMIT + 1).expect("a sparse file");
    let text = load_promptly(dir.path().into(), VariableInputs::default());
    assert!(
        text.contains("it is larger than 16 MiB, the most flowform reads from one file"),
        "{text}"
    );

    let huge_config = tempfile::tempdir().expect("tempdir");
    let main = std::fs::File::create(huge_config.path().join("main.hcl")).expect("create");
    main.set_len(CONFIG_FILE_LIMIT + 1).expect("a sparse file");
    let text = load_promptly(huge_config.path().into(), VariableInputs::default());
    assert!(text.contains("larger than 16 MiB"), "{text}");
}
