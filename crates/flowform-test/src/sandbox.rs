//! `flowform sandbox serve` as a test's AWS: a child process with its own data, SDK clients
//! for it, and listings of what it holds.

use crate::Clients;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A `flowform sandbox serve` child process on a free loopback port, with its data in its own
/// temporary directory, and SDK clients for it. Killed when dropped.
pub struct Sandbox {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
    rt: tokio::runtime::Runtime,
    _data: tempfile::TempDir,
}

impl Sandbox {
    pub fn start() -> Sandbox {
        Sandbox::with_args(&[])
    }

    /// Starts `flowform sandbox serve --port P --data FILE EXTRA...` and waits until it says it
    /// listens. The port is picked by binding port 0 and letting go of it; should another
    /// process take it in between, the sandbox cannot bind and exits, and another port is tried.
    pub fn with_args(extra: &[&str]) -> Sandbox {
        let data = tempfile::tempdir().expect("temp dir");
        let mut last_err = String::new();
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut child = Command::new(crate::flowform_binary())
                .args(["sandbox", "serve", "--port", &port.to_string(), "--data"])
                .arg(data.path().join("aws.json"))
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("flowform sandbox serve starts");
            let stderr = Arc::new(Mutex::new(String::new()));
            let (ready_tx, ready_rx) = std::sync::mpsc::channel();
            {
                let pipe = child.stderr.take().expect("stderr");
                let stderr = stderr.clone();
                std::thread::spawn(move || {
                    let mut ready = Some(ready_tx);
                    for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                        if line.contains("listening on")
                            && let Some(tx) = ready.take()
                        {
                            let _ = tx.send(());
                        }
                        let mut s = stderr.lock().unwrap();
                        s.push_str(&line);
                        s.push('\n');
                    }
                });
            }
            if ready_rx.recv_timeout(Duration::from_secs(20)).is_ok() {
                // Belt and braces: the port must accept connections now.
                std::net::TcpStream::connect(("127.0.0.1", port))
                    .expect("the sandbox accepts connections");
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("runtime");
                return Sandbox {
                    child,
                    port,
                    stderr,
                    rt,
                    _data: data,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_err = stderr.lock().unwrap().clone();
        }
        panic!("the sandbox did not start:\n{last_err}");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What flowform needs in its environment to use this sandbox as it would use AWS.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_CONFIG_FILE", "/nonexistent/aws-config".into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/aws-credentials".into(),
            ),
        ]
    }

    /// What the sandbox printed so far (for failure messages).
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// SDK clients for this sandbox.
    pub fn clients(&self) -> Clients {
        let _rt = self.rt.enter();
        Clients::new(&self.endpoint())
    }

    pub fn secretsmanager(&self) -> aws_sdk_secretsmanager::Client {
        self.clients().secretsmanager
    }

    pub fn appflow(&self) -> aws_sdk_appflow::Client {
        self.clients().appflow
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        self.clients().kms
    }

    /// The names of all secrets that are not pending deletion (ListSecrets, every page),
    /// in the order listed, duplicates kept.
    pub fn live_secret_names(&self) -> Vec<String> {
        let client = self.secretsmanager();
        self.block_on(async {
            let mut names = Vec::new();
            let mut token = None;
            loop {
                let out = client
                    .list_secrets()
                    .set_next_token(token)
                    .max_results(100)
                    .send()
                    .await
                    .expect("ListSecrets");
                names.extend(
                    out.secret_list()
                        .iter()
                        .map(|s| s.name().unwrap_or_default().to_owned()),
                );
                token = out.next_token().map(str::to_owned);
                if token.is_none() {
                    return names;
                }
            }
        })
    }

    /// The names of all connector profiles (DescribeConnectorProfiles, every page).
    pub fn profile_names(&self) -> Vec<String> {
        let client = self.appflow();
        self.block_on(async {
            let mut names = Vec::new();
            let mut token = None;
            loop {
                let out = client
                    .describe_connector_profiles()
                    .set_next_token(token)
                    .send()
                    .await
                    .expect("DescribeConnectorProfiles");
                names.extend(
                    out.connector_profile_details()
                        .iter()
                        .map(|p| p.connector_profile_name().unwrap_or_default().to_owned()),
                );
                token = out.next_token().map(str::to_owned);
                if token.is_none() {
                    return names;
                }
            }
        })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
