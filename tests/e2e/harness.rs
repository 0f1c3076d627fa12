//! [`Test`]: run the flowform binary in a scratch directory and check what it printed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
}

impl Test {
    pub fn new() -> Test {
        Test {
            dir: tempfile::tempdir().expect("temp dir"),
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

    pub fn copy_dir(self, from: &Path) -> Test {
        let to = self.dir.path().join("config");
        std::fs::create_dir_all(&to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("source dir") {
            let entry = entry.expect("entry");
            if entry.path().is_file() {
                std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
            }
        }
        self
    }

    /// Writes `config/NAME`.
    pub fn file(self, name: &str, text: &str) -> Test {
        let to = self.dir.path().join("config");
        std::fs::create_dir_all(&to).expect("mkdir");
        std::fs::write(to.join(name), text).expect("write");
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Test {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Test {
        self.env.push((k.into(), v.into()));
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
        cmd.current_dir(self.dir.path())
            .args(["-C", "config", "--state", "state.json"])
            .args(&self.args)
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
