//! [`Test`]: run the flowform binary in a scratch directory and check what it printed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const SENTINEL: &str = "SENTINEL-SECRET";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

pub struct Test {
    pub dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    expect_status: i32,
    stdout: Vec<String>,
    stdout_not: Vec<String>,
    stderr: Vec<String>,
    /// Whether `-C config --state state.json` go in front of the arguments.
    defaults: bool,
}

impl Test {
    pub fn new() -> Test {
        Test {
            dir: tempfile::tempdir().expect("temp dir"),
            defaults: true,
            args: Vec::new(),
            env: Vec::new(),
            expect_status: 0,
            stdout: Vec::new(),
            stdout_not: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// Copies `examples/NAME` into the scratch directory's `config/`.
    pub fn example(self, name: &str) -> Test {
        self.copy_dir(&root().join("examples").join(name))
    }

    /// Copies `from` into `config/`, with its subdirectories (modules).
    pub fn copy_dir(self, from: &Path) -> Test {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).expect("mkdir");
            for entry in std::fs::read_dir(from).expect("source dir") {
                let entry = entry.expect("entry");
                if entry.path().is_file() {
                    std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
                } else if entry.path().is_dir() {
                    copy(&entry.path(), &to.join(entry.file_name()));
                }
            }
        }
        copy(from, &self.dir.path().join("config"));
        self
    }

    /// Writes `config/NAME` (`NAME` may be in a subdirectory: `modules/x/main.hcl`).
    pub fn file(self, name: &str, text: &str) -> Test {
        let to = self.dir.path().join("config").join(name);
        std::fs::create_dir_all(to.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(to, text).expect("write");
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Test {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Adds arguments after those given before (`args` replaces them).
    pub fn append_args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Test {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Test {
        self.env.push((k.into(), v.into()));
        self
    }

    /// Leaves out the `-C config --state state.json` that every other run starts with, for
    /// tests of those flags themselves.
    pub fn bare(mut self) -> Test {
        self.defaults = false;
        self
    }

    pub fn status(mut self, code: i32) -> Test {
        self.expect_status = code;
        self
    }

    pub fn stdout_contains(mut self, s: &str) -> Test {
        self.stdout.push(s.into());
        self
    }

    pub fn stdout_lacks(mut self, s: &str) -> Test {
        self.stdout_not.push(s.into());
        self
    }

    pub fn stderr_contains(mut self, s: &str) -> Test {
        self.stderr.push(s.into());
        self
    }

    /// Runs `flowform -C config --state state.json ARGS` in the scratch directory; checks the
    /// status and the expected text; returns the output and the directory for more checks.
    pub fn run(self) -> Ran {
        let output = self.command().output().expect("flowform runs");
        let ran = Ran {
            dir: self.dir,
            output,
        };
        let (out, err) = (ran.stdout(), ran.stderr());
        let context = format!(
            "flowform {:?}\n--- stdout\n{out}\n--- stderr\n{err}",
            self.args
        );
        assert_eq!(
            ran.output.status.code(),
            Some(self.expect_status),
            "unexpected exit status\n{context}"
        );
        for s in &self.stdout {
            assert!(out.contains(s.as_str()), "stdout lacks {s:?}\n{context}");
        }
        for s in &self.stdout_not {
            assert!(!out.contains(s.as_str()), "stdout has {s:?}\n{context}");
        }
        for s in &self.stderr {
            assert!(err.contains(s.as_str()), "stderr lacks {s:?}\n{context}");
        }
        assert!(
            !out.contains(SENTINEL) && !err.contains(SENTINEL),
            "a secret was printed\n{context}"
        );
        ran
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowform"));
        cmd.current_dir(self.dir.path());
        if self.defaults {
            cmd.args(["-C", "config", "--state", "state.json"]);
        }
        cmd.args(&self.args)
            .env("NO_COLOR", "1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// A finished run, keeping its directory for the next command.
pub struct Ran {
    pub dir: tempfile::TempDir,
    pub output: Output,
}

impl Ran {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Another command in the same directory (same configuration and state).
    pub fn then(self) -> Test {
        Test {
            dir: self.dir,
            defaults: true,
            args: Vec::new(),
            env: Vec::new(),
            expect_status: 0,
            stdout: Vec::new(),
            stdout_not: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// Every file the run left in its directory, for secret scans.
    pub fn all_files_text(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_none_or(|x| x != "hcl") {
                    out.push_str(&String::from_utf8_lossy(
                        &std::fs::read(&p).unwrap_or_default(),
                    ));
                }
            }
        }
        out
    }
}

impl Test {
    /// Points flowform at a standalone sandbox the way real AWS is reached: endpoint, static
    /// credentials and region from the environment, no `--sandbox`.
    pub fn aws(mut self, sandbox: &Sandbox) -> Test {
        for (k, v) in sandbox.env() {
            self.env.push((k.into(), v));
        }
        self
    }

    /// Runs the command with its standard output closed before it writes anything (the reading
    /// end is dropped at once), as `flowform show | head` leaves it. Checks the exit status, and
    /// that it neither panicked nor complained: a closed pipe is a normal end. The returned
    /// run's stdout is empty.
    pub fn run_with_stdout_closed(self) -> Ran {
        use std::io::Read;
        let mut child = self.spawn();
        drop(child.stdout.take());
        let mut stderr = Vec::new();
        if let Some(mut pipe) = child.stderr.take() {
            pipe.read_to_end(&mut stderr).expect("stderr");
        }
        let status = child.wait().expect("flowform ends");
        let text = String::from_utf8_lossy(&stderr).into_owned();
        let context = format!(
            "flowform {:?} with stdout closed
--- stderr
{text}",
            self.args
        );
        assert!(!text.contains("panicked"), "a panic\n{context}");
        assert!(
            !text.contains("Broken pipe") && !text.contains("cannot write"),
            "a closed pipe is no error\n{context}"
        );
        assert_eq!(
            status.code(),
            Some(self.expect_status),
            "unexpected exit status\n{context}"
        );
        Ran {
            dir: self.dir,
            output: Output {
                status,
                stdout: Vec::new(),
                stderr,
            },
        }
    }

    /// Starts the command without waiting, stdout and stderr piped, for tests that watch it run
    /// (and kill it). The same checks as [`Test::run`] are up to the caller.
    pub fn spawn(&self) -> std::process::Child {
        self.command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("flowform starts")
    }
}

impl Ran {
    /// The state file as JSON (panics with the text when it is not JSON).
    pub fn state(&self) -> serde_json::Value {
        read_json(&self.path("state.json"))
    }

    /// The addresses the state file records.
    pub fn state_addresses(&self) -> Vec<String> {
        let state = self.state();
        state["resources"]
            .as_object()
            .unwrap_or_else(|| panic!("state without resources: {state}"))
            .keys()
            .cloned()
            .collect()
    }

    /// Replaces `from` with `to` in `config/FILE`; `from` must occur (else the test is stale).
    pub fn edit_config(&self, file: &str, from: &str, to: &str) {
        let path = self.path("config").join(file);
        let text = std::fs::read_to_string(&path).expect("config file");
        assert!(text.contains(from), "{file} has no {from:?}:\n{text}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write config");
    }

    /// Every file the run left, for secret scans, except `--sandbox`'s data files
    /// (`*.sandbox.json`): those are an emulated AWS store, and like AWS they hold the secret
    /// values flowform sent — that is where secrets are supposed to end up.
    pub fn files_text_except_sandbox_data(&self) -> String {
        let mut out = String::new();
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                if p.is_dir() {
                    stack.push(p);
                } else if !name.contains(".sandbox.json") && !name.ends_with(".hcl") {
                    out.push_str(&format!("\n=== {name}\n"));
                    out.push_str(&String::from_utf8_lossy(
                        &std::fs::read(&p).unwrap_or_default(),
                    ));
                }
            }
        }
        out
    }
}

/// What a sandbox data file (`*.sandbox.json`, a log of changes) holds, as one document:
/// `regions.REGION.{appflow.profiles, secretsmanager.secrets, kms.keys}` and `s3.BUCKET`.
pub fn read_sandbox(path: &Path) -> serde_json::Value {
    flowform_sandbox::read_data_file(path)
        .unwrap_or_else(|e| panic!("cannot read the sandbox data {}: {e}", path.display()))
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON ({e}):\n{text}", path.display()))
}

/// The resource blocks (`kms_key "x" {`, `secret "x" {`, ...) of the configuration in `dir`,
/// counted from the source text rather than from what flowform says about it.
pub fn count_resource_blocks(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("config dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".hcl") || name.ends_with(".vars.hcl") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("config file");
        n += text
            .lines()
            .filter(|l| {
                [
                    "kms_key \"",
                    "secret \"",
                    "kms_key_policy \"",
                    "connector_profile \"",
                ]
                .iter()
                .any(|kind| l.starts_with(kind))
            })
            .count();
    }
    n
}

pub use flowform_test::Sandbox;
