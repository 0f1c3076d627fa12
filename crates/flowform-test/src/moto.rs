//! moto's server: Secrets Manager, KMS and S3 as AWS's own Python SDK's authors emulate them.

use crate::server::{Server, answers_200, free_port};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to answer after it was started (about 1.5 s usually).
const READY_WITHIN: Duration = Duration::from_secs(30);

/// Starts moto; see [`Moto::start`].
pub struct Moto;

impl Moto {
    /// `moto_server -H 127.0.0.1 -p PORT` on a free port, once `GET /moto-api/` answers.
    /// Without moto the test fails and says to run `scripts/install-test-deps` (a skipped test
    /// would hide a regression).
    pub fn start() -> Server {
        let binary = binary();
        assert!(
            binary.exists(),
            "moto_server was not found at {} (FLOWFORM_MOTO_SERVER, else <workspace>/.venv/bin/moto_server): run scripts/install-test-deps at the workspace root",
            binary.display()
        );
        let port = free_port();
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start {}: {e}; run scripts/install-test-deps",
                    binary.display()
                )
            });
        let mut server = Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + READY_WITHIN;
        while !answers_200(port, "/moto-api/") {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("moto_server exited with {status} before answering on port {port}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port} within {READY_WITHIN:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

fn binary() -> PathBuf {
    std::env::var_os("FLOWFORM_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join(".venv/bin/moto_server"))
}
