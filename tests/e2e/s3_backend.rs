//! The s3 backend (issue #11), against moto's S3 and against the sandbox's: two real processes
//! racing for the lock, a writer whose lock was force-unlocked refused with 412, SIGKILLed
//! applies resumed from a second working directory, workspaces, `state push` refusals,
//! migration local → s3 → local, and no secret value in any object the backend wrote.
//!
//! Every run reaches the bucket through `--backend-config` (bucket, endpoint, region), as a CI
//! job serving several accounts would.

use crate::harness::{SENTINEL, Sandbox, Test};
use flowform_test::Moto;
use std::path::Path;
use std::time::{Duration, Instant};

const BUCKET: &str = "flowform-team-state";
const KEY: &str = "appflow/flowform.state.json";
const DIGEST_ALIAS: &str = "alias/flowform-state";

/// Where the state is kept and how the AWS services are reached.
struct Aws {
    endpoint: String,
    /// Where Secrets Manager is, when not at `endpoint` (a sandbox with latency, so that an
    /// apply against moto's S3 runs long enough to be raced).
    secrets_endpoint: Option<String>,
}

impl Aws {
    fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .endpoint_url(&self.endpoint)
                .region(aws_sdk_s3::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .force_path_style(true)
                .request_checksum_calculation(
                    aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
                )
                .build(),
        )
    }

    fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::Config::builder()
                .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
                .endpoint_url(&self.endpoint)
                .region(aws_sdk_kms::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_kms::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .build(),
        )
    }

    /// The bucket (versioned when asked) and the KMS key that wraps the digest key: what a
    /// team sets up once (README, "Working as a team").
    fn setup(&self, versioned: bool) {
        let rt = runtime();
        let s3 = self.s3();
        let kms = self.kms();
        rt.block_on(async {
            s3.create_bucket()
                .bucket(BUCKET)
                .send()
                .await
                .expect("CreateBucket");
            if versioned {
                s3.put_bucket_versioning()
                    .bucket(BUCKET)
                    .versioning_configuration(
                        aws_sdk_s3::types::VersioningConfiguration::builder()
                            .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                            .build(),
                    )
                    .send()
                    .await
                    .expect("PutBucketVersioning");
            }
            let key = kms.create_key().send().await.expect("CreateKey");
            let id = key.key_metadata().expect("metadata").key_id().to_owned();
            kms.create_alias()
                .alias_name(DIGEST_ALIAS)
                .target_key_id(id)
                .send()
                .await
                .expect("CreateAlias");
        });
    }

    /// Every object in the bucket: key → bytes.
    fn objects(&self) -> Vec<(String, Vec<u8>)> {
        let rt = runtime();
        let s3 = self.s3();
        rt.block_on(async {
            let listed = s3
                .list_objects_v2()
                .bucket(BUCKET)
                .send()
                .await
                .expect("ListObjectsV2");
            let mut out = Vec::new();
            for object in listed.contents() {
                let key = object.key().unwrap_or_default().to_owned();
                let body = s3
                    .get_object()
                    .bucket(BUCKET)
                    .key(&key)
                    .send()
                    .await
                    .expect("GetObject")
                    .body
                    .collect()
                    .await
                    .expect("body")
                    .to_vec();
                out.push((key, body));
            }
            out
        })
    }

    /// Every key in the bucket (listed only, no object read).
    fn keys(&self) -> Vec<String> {
        let rt = runtime();
        let s3 = self.s3();
        rt.block_on(async {
            let mut keys = Vec::new();
            let mut token = None;
            loop {
                let page = s3
                    .list_objects_v2()
                    .bucket(BUCKET)
                    .set_continuation_token(token)
                    .send()
                    .await
                    .expect("ListObjectsV2");
                keys.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_owned)),
                );
                match page.next_continuation_token() {
                    Some(next) => token = Some(next.to_owned()),
                    None => break keys,
                }
            }
        })
    }

    /// One object's bytes, if it exists.
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let rt = runtime();
        let s3 = self.s3();
        rt.block_on(async {
            let object = s3.get_object().bucket(BUCKET).key(key).send().await.ok()?;
            Some(object.body.collect().await.expect("body").to_vec())
        })
    }

    /// The environment and flags of every flowform run against this endpoint.
    fn on(&self, test: Test) -> Test {
        self.env_only(test).append_args([
            "--backend-config".to_string(),
            format!("bucket={BUCKET}"),
            "--backend-config".to_string(),
            format!("endpoint_url={}", self.endpoint),
        ])
    }

    /// The environment only: the configuration names its backend itself.
    fn env_only(&self, test: Test) -> Test {
        let test = match &self.secrets_endpoint {
            Some(e) => test.env("AWS_ENDPOINT_URL_SECRETS_MANAGER", e),
            None => test,
        };
        test.bare()
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/aws-credentials",
            )
            .append_args(["-C", "config"])
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The backend block: bucket and endpoint come from `--backend-config`.
const BACKEND: &str = r#"
backend "s3" {
  key               = "appflow/flowform.state.json"
  region            = "us-east-1"
  digest_kms_key_id = "alias/flowform-state"
}
"#;

/// `n` secrets whose values are the sentinel, named after the workspace.
fn secrets(n: usize) -> String {
    let mut text = String::from(BACKEND);
    for i in 0..n {
        text.push_str(&format!(
            r#"
secret "s{i}" {{
  name                    = "team/${{flowform.workspace}}/s{i}"
  secret_string           = jsonencode({{ password = "{SENTINEL}-{i}" }})
  recovery_window_in_days = 0
}}
"#
        ));
    }
    text
}

fn in_config(test: Test, text: &str) -> Test {
    test.file("main.hcl", text)
}

/// No object the backend wrote holds a secret value, and the state holds no digest key.
fn assert_no_secret_in_bucket(aws: &Aws) {
    for (key, bytes) in aws.objects() {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SENTINEL), "{key} holds a secret value");
        if key.ends_with(".json") {
            assert!(!text.contains("digest_key"), "{key} holds the digest key");
        }
    }
}

/// The lock race, the 412 and the sentinel scan on one endpoint.
fn lock_race_and_lost_lock(aws: &Aws) {
    aws.setup(true);
    let n = 8;
    let config = secrets(n);
    let a = aws.on(in_config(Test::new(), &config));
    let b = aws.on(in_config(Test::new(), &config));

    // Two real processes start together; with --lock-timeout 0 the loser fails clearly.
    let mut first = a
        .append_args(["apply", "--auto-approve", "--parallelism", "1"])
        .spawn_collect();
    wait_for(aws, "appflow/flowform.state.json.lock");
    let loser = b
        .append_args(["plan", "--lock-timeout", "0s"])
        .status(1)
        .stderr_contains("is locked by")
        .stderr_contains("for `apply` since")
        .run();
    let winner = first.finish();
    assert!(
        winner.contains(&format!("Apply complete! Resources: {n} added")),
        "{winner}"
    );
    // A waiting process gets the lock once it is free.
    let ran = aws
        .on(loser.then())
        .append_args(["plan", "--lock-timeout", "30s", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    assert!(
        !aws.keys().iter().any(|k| k.ends_with(".lock")),
        "the lock is released"
    );

    // A writer whose lock was force-unlocked cannot overwrite the newer state: 412.
    let renamed = secrets(n).replace("/s", "/renamed-s");
    let ran = ran.then().file("main.hcl", &renamed);
    let mut doomed = aws
        .on(ran)
        .append_args(["apply", "--auto-approve", "--parallelism", "1"])
        .spawn_collect();
    let lock = wait_for(aws, "appflow/flowform.state.json.lock");
    let id = serde_json::from_slice::<serde_json::Value>(&lock).expect("lock info")["ID"]
        .as_str()
        .expect("an ID")
        .to_owned();
    let other = aws
        .on(in_config(Test::new(), &config))
        .append_args(["force-unlock", &id])
        .stdout_contains("has been released")
        .run();
    // Someone else takes the lock and writes the state (one record fewer, pushed by force).
    let pulled = aws.on(other.then()).append_args(["state", "pull"]).run();
    let file = pulled.path("pulled.json");
    let mut edited: serde_json::Value = serde_json::from_str(&pulled.stdout()).expect("state");
    edited["resources"]
        .as_object_mut()
        .expect("resources")
        .remove("secret.s7");
    std::fs::write(&file, edited.to_string()).expect("write");
    aws.on(pulled.then())
        .append_args(["state", "push", "--force"])
        .arg_path(&file)
        .stdout_contains("Pushed")
        .run();
    let lost = doomed.finish_failing();
    assert!(
        lost.contains("the state changed since it was read: someone else applied"),
        "{lost}"
    );
    assert_no_secret_in_bucket(aws);
}

#[test]
pub fn s3_on_moto_lock_race_lost_lock_and_no_secret_in_any_object() {
    let moto = Moto::start();
    let slow = Sandbox::with_args(&["--latency-ms", "150"]);
    let aws = Aws {
        endpoint: moto.endpoint.clone(),
        secrets_endpoint: Some(slow.endpoint()),
    };
    lock_race_and_lost_lock(&aws);
    drop(moto);
}

#[test]
pub fn s3_on_the_sandbox_lock_race_lost_lock_and_no_secret_in_any_object() {
    let sandbox = Sandbox::with_args(&["--latency-ms", "150"]);
    let aws = Aws {
        endpoint: sandbox.endpoint(),
        secrets_endpoint: None,
    };
    lock_race_and_lost_lock(&aws);
}

/// A writer whose lock was force-unlocked and taken by someone else ends without removing the
/// new holder's lock: its release is a DeleteObject with `If-Match` of its own lock's ETag,
/// which S3 (and moto, and the sandbox) refuse with 412 once the object is another's.
fn force_unlocked_release_keeps_the_new_holders_lock(aws: &Aws) {
    aws.setup(false);
    let config = secrets(12);
    let mut first = aws
        .on(in_config(Test::new(), &config))
        .append_args(["apply", "--auto-approve", "--parallelism", "1"])
        .spawn_collect();
    let lock_key = format!("{KEY}.lock");
    let lock = wait_for(aws, &lock_key);
    let id = serde_json::from_slice::<serde_json::Value>(&lock).expect("lock info")["ID"]
        .as_str()
        .expect("an ID")
        .to_owned();
    aws.on(in_config(Test::new(), &config))
        .append_args(["force-unlock", &id])
        .stdout_contains("has been released")
        .run();
    // The new holder: a lock record of another run, taken as flowform takes it.
    let theirs = serde_json::json!({
        "ID": "11111111-2222-3333-4444-555555555555",
        "Operation": "apply",
        "Who": "someone-else@elsewhere",
        "Version": "0.1.0",
        "Created": "2026-11-30T00:00:00Z",
        "Path": format!("s3://{BUCKET}/{KEY}")
    })
    .to_string();
    runtime().block_on(async {
        aws.s3()
            .put_object()
            .bucket(BUCKET)
            .key(&lock_key)
            .if_none_match("*")
            .body(theirs.clone().into_bytes().into())
            .send()
            .await
            .expect("the new holder takes the free lock");
    });
    first.finish();
    let left = aws.get(&lock_key);
    assert_eq!(
        left.as_deref(),
        Some(theirs.as_bytes()),
        "the force-unlocked writer removed its successor's lock"
    );
    // A force-unlock naming the old ID does not remove the new holder's lock either.
    aws.on(in_config(Test::new(), &config))
        .append_args(["force-unlock", &id])
        .status(1)
        .run();
    assert!(aws.keys().contains(&lock_key));
}

#[test]
pub fn s3_on_moto_a_force_unlocked_writer_keeps_its_successors_lock() {
    let moto = Moto::start();
    let slow = Sandbox::with_args(&["--latency-ms", "150"]);
    let aws = Aws {
        endpoint: moto.endpoint.clone(),
        secrets_endpoint: Some(slow.endpoint()),
    };
    force_unlocked_release_keeps_the_new_holders_lock(&aws);
    drop(moto);
}

#[test]
pub fn s3_on_the_sandbox_a_force_unlocked_writer_keeps_its_successors_lock() {
    let sandbox = Sandbox::with_args(&["--latency-ms", "150"]);
    let aws = Aws {
        endpoint: sandbox.endpoint(),
        secrets_endpoint: None,
    };
    force_unlocked_release_keeps_the_new_holders_lock(&aws);
}

/// In a versioned bucket every replaced state stays recoverable, with no `KEY.backup`
/// (README, "The bucket"): the older version reads back as the earlier state. The same on moto
/// and on the sandbox, whose S3 keeps versions when versioning is enabled.
///
/// `no_backup`: whether flowform can tell that the bucket keeps versions. moto 5.2.5 answers
/// GetBucketVersioning with a `<GetBucketVersioningResponse>` root where S3 sends
/// `<VersioningConfiguration>`, which the Rust SDK reads as "not enabled", so against moto
/// flowform keeps `KEY.backup` as well (the safe side).
fn replaced_states_stay_recoverable_by_version(aws: &Aws, no_backup: bool) {
    aws.setup(true);
    let ran = aws
        .on(in_config(Test::new(), &secrets(2)))
        .append_args(["apply", "--auto-approve"])
        .stdout_contains("Resources: 2 added")
        .run();
    aws.on(ran.then().file("main.hcl", &secrets(3)))
        .append_args(["apply", "--auto-approve"])
        .stdout_contains("Resources: 1 added")
        .run();
    let keys = aws.keys();
    assert_eq!(
        !keys.iter().any(|k| k.ends_with(".backup")),
        no_backup,
        "a versioned bucket needs no backup object: {keys:?}"
    );
    let (versions, markers) = runtime().block_on(async {
        let listed = aws
            .s3()
            .list_object_versions()
            .bucket(BUCKET)
            .prefix(KEY)
            .send()
            .await
            .expect("ListObjectVersions");
        let versions: Vec<(String, String, bool)> = listed
            .versions()
            .iter()
            .map(|v| {
                (
                    v.key().unwrap_or_default().to_owned(),
                    v.version_id().unwrap_or_default().to_owned(),
                    v.is_latest().unwrap_or(false),
                )
            })
            .collect();
        let markers: Vec<String> = listed
            .delete_markers()
            .iter()
            .filter_map(|m| m.key().map(str::to_owned))
            .collect();
        (versions, markers)
    });
    let of_state: Vec<&(String, String, bool)> =
        versions.iter().filter(|(k, _, _)| k == KEY).collect();
    assert!(of_state.len() >= 2, "{versions:?}");
    assert_eq!(
        of_state.iter().filter(|(_, _, latest)| *latest).count(),
        1,
        "{versions:?}"
    );
    // The lock was taken and released by every command: its deletions left markers.
    assert!(
        markers.iter().any(|k| *k == format!("{KEY}.lock")),
        "{markers:?}"
    );
    let serials: Vec<(u64, usize)> = runtime().block_on(async {
        let mut out = Vec::new();
        for (_, id, _) in &of_state {
            let body = aws
                .s3()
                .get_object()
                .bucket(BUCKET)
                .key(KEY)
                .version_id(id)
                .send()
                .await
                .expect("GetObject of a version")
                .body
                .collect()
                .await
                .expect("body")
                .to_vec();
            let state: serde_json::Value = serde_json::from_slice(&body).expect("a state");
            out.push((
                state["serial"].as_u64().expect("serial"),
                state["resources"].as_object().map_or(0, |r| r.len()),
            ));
        }
        out
    });
    let newest = serials.iter().max().copied().expect("versions");
    assert_eq!(newest.1, 3, "{serials:?}");
    assert!(
        serials
            .iter()
            .any(|(serial, n)| *serial < newest.0 && *n == 2),
        "the state before the second apply is kept: {serials:?}"
    );
}

#[test]
pub fn s3_on_moto_replaced_states_stay_recoverable_by_version() {
    let moto = Moto::start();
    let aws = Aws {
        endpoint: moto.endpoint.clone(),
        secrets_endpoint: None,
    };
    replaced_states_stay_recoverable_by_version(&aws, false);
    drop(moto);
}

#[test]
pub fn s3_on_the_sandbox_replaced_states_stay_recoverable_by_version() {
    let sandbox = Sandbox::start();
    let aws = Aws {
        endpoint: sandbox.endpoint(),
        secrets_endpoint: None,
    };
    replaced_states_stay_recoverable_by_version(&aws, true);
}

/// Polls until `key` exists; returns its bytes.
fn wait_for(aws: &Aws, key: &str) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(bytes) = aws.get(key) {
            return bytes;
        }
        assert!(Instant::now() < deadline, "{key} never appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running flowform whose output is collected when it ends.
struct Running {
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Running {
    fn output(&mut self) -> (Option<i32>, String) {
        use std::io::Read;
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = o.read_to_string(&mut out);
        }
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let status = self.child.wait().expect("ends").code();
        (status, format!("{out}\n--- stderr\n{err}"))
    }

    fn finish(&mut self) -> String {
        let (status, text) = self.output();
        assert_eq!(status, Some(0), "{text}");
        assert!(!text.contains(SENTINEL), "a secret was printed: {text}");
        text
    }

    fn finish_failing(&mut self) -> String {
        let (status, text) = self.output();
        assert_eq!(status, Some(1), "{text}");
        text
    }
}

trait SpawnCollect {
    fn spawn_collect(self) -> Running;
    fn arg_path(self, path: &Path) -> Test;
}

impl SpawnCollect for Test {
    fn spawn_collect(self) -> Running {
        let child = self.spawn();
        Running {
            child,
            _dir: self.dir,
        }
    }

    fn arg_path(self, path: &Path) -> Test {
        self.append_args([path.display().to_string()])
    }
}

#[test]
pub fn s3_workspaces_keep_their_states_apart_and_push_checks_lineage_and_serial() {
    let sandbox = Sandbox::start();
    let aws = Aws {
        endpoint: sandbox.endpoint(),
        secrets_endpoint: None,
    };
    aws.setup(false);
    let ran = aws
        .on(in_config(Test::new(), &secrets(2)))
        .append_args(["apply", "--auto-approve"])
        .stdout_contains("Resources: 2 added")
        .run();
    let ran = aws
        .on(ran.then())
        .append_args(["workspace", "new", "staging", "--lock-timeout", "5s"])
        .stdout_contains("Created and switched to workspace \"staging\"")
        .run();
    let ran = aws
        .on(ran.then())
        .append_args(["apply", "--auto-approve"])
        .stdout_contains("Resources: 2 added")
        .run();
    let ran = aws
        .on(ran.then())
        .append_args(["workspace", "list"])
        .stdout_contains("  default\n* staging")
        .run();
    let keys = aws.keys();
    for key in [KEY, &format!("env/staging/{KEY}")] {
        assert!(keys.iter().any(|k| k == key), "{key} missing in {keys:?}");
    }
    let names = sandbox.live_secret_names();
    for name in ["team/default/s0", "team/staging/s0"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let ran = aws
        .on(ran.then())
        .env("FLOWFORM_WORKSPACE", "default")
        .append_args(["plan", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    // Without a backup of its own the bucket keeps KEY.backup (no versioning here).
    assert!(aws.keys().iter().any(|k| k == &format!("{KEY}.backup")));

    // state push: another lineage, or an older serial, is refused without --force.
    let staging = aws.on(ran.then()).append_args(["state", "pull"]).run();
    let staging_file = staging.path("staging.json");
    std::fs::write(&staging_file, staging.stdout()).expect("write");
    let ran = aws
        .on(staging.then())
        .env("FLOWFORM_WORKSPACE", "default")
        .append_args(["state", "push"])
        .arg_path(&staging_file)
        .status(1)
        .stderr_contains("they are different states. Nothing was pushed")
        .run();
    let old = aws
        .on(ran.then())
        .env("FLOWFORM_WORKSPACE", "default")
        .append_args(["state", "pull"])
        .run();
    let old_file = old.path("old.json");
    std::fs::write(&old_file, old.stdout()).expect("write");
    let ran = aws
        .on(old.then())
        .env("FLOWFORM_WORKSPACE", "default")
        .append_args(["state", "rm", "secret.s1"])
        .run();
    let ran = aws
        .on(ran.then())
        .env("FLOWFORM_WORKSPACE", "default")
        .append_args(["state", "push"])
        .arg_path(&old_file)
        .status(1)
        .stderr_contains("older than the serial")
        .run();
    let ran = aws
        .on(ran.then())
        .env("FLOWFORM_WORKSPACE", "default")
        .append_args(["state", "push", "--force", "--lock-timeout", "5s"])
        .arg_path(&old_file)
        .stdout_contains("Pushed")
        .run();
    let ran = aws
        .on(ran.then())
        .env("FLOWFORM_WORKSPACE", "default")
        .append_args(["plan", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    // Selecting and deleting: a workspace that still manages resources needs --force.
    let ran = aws
        .on(ran.then())
        .append_args(["workspace", "select", "default"])
        .stdout_contains("Switched to workspace \"default\"")
        .run();
    let ran = aws
        .on(ran.then())
        .append_args(["workspace", "delete", "staging"])
        .status(1)
        .stderr_contains("still manages 2 resource(s)")
        .run();
    let ran = aws
        .on(ran.then())
        .append_args([
            "workspace",
            "delete",
            "staging",
            "--force",
            "--lock-timeout",
            "5s",
        ])
        .stdout_contains("Deleted workspace \"staging\"")
        .run();
    aws.on(ran.then())
        .append_args(["workspace", "list"])
        .stdout_lacks("staging")
        .run();
    assert_no_secret_in_bucket(&aws);
}

#[test]
pub fn s3_migration_from_local_to_s3_and_back_keeps_the_lineage() {
    let sandbox = Sandbox::start();
    let aws = Aws {
        endpoint: sandbox.endpoint(),
        secrets_endpoint: None,
    };
    aws.setup(false);
    let local_config = secrets(2).replace(BACKEND, "");
    let s3_config = secrets(2).replace(
        "  region",
        &format!(
            "  bucket = \"{BUCKET}\"\n  endpoint_url = \"{}\"\n  region",
            aws.endpoint
        ),
    );
    // A local state first.
    let ran = aws
        .env_only(in_config(Test::new(), &local_config))
        .append_args(["apply", "--auto-approve"])
        .run();
    let local = crate::harness::read_json(&ran.path("config/flowform.state.json"));
    let lineage = local["lineage"].as_str().expect("lineage").to_owned();
    assert!(ran.path("config/flowform.state.json.key").is_file());
    let ran = aws.env_only(ran.then()).append_args(["init"]).run();

    // The s3 block arrives: init refuses to move without -migrate-state, then moves.
    let ran = ran.then().file("main.hcl", &s3_config);
    let ran = aws
        .env_only(ran)
        .append_args(["init"])
        .status(1)
        .stderr_contains("init -migrate-state")
        .run();
    // Without a terminal to ask on, -migrate-state alone refuses: -force-copy copies.
    let ran = aws
        .env_only(ran.then())
        .append_args(["init", "-migrate-state", "--lock-timeout", "5s"])
        .status(1)
        .stderr_contains("no terminal to confirm the state copy on")
        .stderr_contains("-force-copy")
        .run();
    assert!(
        !aws.keys().iter().any(|k| k == KEY),
        "nothing was copied unasked"
    );
    let ran = aws
        .env_only(ran.then())
        .append_args([
            "init",
            "-migrate-state",
            "-force-copy",
            "--lock-timeout",
            "5s",
        ])
        .stdout_contains("Copied the state")
        .run();
    let ran = aws
        .env_only(ran.then())
        .append_args(["plan", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    let pulled = aws
        .env_only(ran.then())
        .append_args(["state", "pull"])
        .run();
    assert!(pulled.stdout().contains(&lineage), "{}", pulled.stdout());
    assert!(!pulled.stdout().contains("digest_key"));

    // And back: the local file is replaced with the S3 state (same lineage).
    let ran = pulled.then().file("main.hcl", &local_config);
    let ran = aws
        .env_only(ran)
        .append_args(["init", "-force-copy"])
        .stdout_contains("Copied the state")
        .run();
    aws.env_only(ran.then())
        .append_args(["plan", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
}

#[test]
pub fn s3_sandbox_flag_keeps_the_state_in_the_in_process_sandbox() {
    let config = format!(
        "{BACKEND}\nsecret \"a\" {{\n  name = \"team/a\"\n  secret_string = \"{SENTINEL}\"\n  recovery_window_in_days = 0\n}}\n"
    )
    .replace(
        "region",
        &format!("bucket            = \"{BUCKET}\"\n  region"),
    );
    let ran = Test::new()
        .bare()
        .file("main.hcl", &config)
        .append_args(["-C", "config", "init", "--sandbox"])
        .stdout_contains("s3://flowform-team-state/")
        .run();
    let ran = ran
        .then()
        .bare()
        .append_args(["-C", "config", "apply", "--auto-approve", "--sandbox"])
        .stdout_contains("Resources: 1 added")
        .run();
    let ran = ran
        .then()
        .bare()
        .append_args(["-C", "config", "state", "list", "--sandbox"])
        .stdout_contains("secret.a")
        .run();
    let ran = ran
        .then()
        .bare()
        .append_args(["-C", "config", "plan", "--sandbox", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    ran.then()
        .bare()
        .append_args(["-C", "config", "force-unlock", "--sandbox", "no-such-lock"])
        .status(1)
        .stderr_contains("is not locked")
        .run();
}

/// 20 SIGKILLed applies of 60 resources, each killed at another moment (spread from the first
/// creates to the fold) and resumed from a second working directory sharing the state: nothing
/// twice in AWS, nothing untracked, and the next plan empty. Each trial is a workspace of its
/// own, made with `workspace new` as a team would.
#[test]
pub fn s3_crash_trials_killed_applies_resume_from_another_working_directory() {
    const TRIALS: usize = 20;
    let started = Instant::now();
    let sandbox = Sandbox::with_args(&["--latency-ms", "20", "--profile-quota", "10000"]);
    let aws = Aws {
        endpoint: sandbox.endpoint(),
        secrets_endpoint: None,
    };
    aws.setup(true);
    let config = crash_config();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;
    eprintln!("s3 crash trials seed {seed}");
    // How long a whole apply takes here, so that the kills can sweep it.
    let made = aws
        .on(Test::new().file("main.hcl", &config))
        .append_args(["workspace", "new", "calibrate"])
        .run();
    let timed = Instant::now();
    aws.on(made.then().env("FLOWFORM_WORKSPACE", "calibrate"))
        .append_args(["apply", "--auto-approve", "--parallelism", "8"])
        .stdout_contains("Resources: 60 added")
        .run();
    let whole = timed.elapsed();
    eprintln!("s3 crash trials: an uninterrupted apply takes {whole:.1?}");
    let mut kills = 0;
    for trial in 0..TRIALS {
        let workspace = format!("trial{trial}");
        let made = aws
            .on(Test::new().file("main.hcl", &config))
            .append_args(["workspace", "new", &workspace])
            .stdout_contains("Created and switched")
            .run();
        let here = made.then().env("FLOWFORM_WORKSPACE", &workspace);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Trial t is killed in the t-th twentieth of an apply's time (at random within it):
        // the moments sweep the whole apply, from its start (lock, state, first intents) to
        // its end (the last segments, the fold).
        let slice = whole.as_millis() as u64 / TRIALS as u64;
        let delay = Duration::from_millis(trial as u64 * slice + seed % slice.max(1));
        let mut child = aws
            .on(here)
            .append_args(["apply", "--auto-approve", "--parallelism", "8"])
            .spawn_collect();
        std::thread::sleep(delay);
        if child.child.try_wait().ok().flatten().is_none() {
            kills += 1;
        }
        let _ = child.child.kill();
        let _ = child.child.wait();

        // The other machine: the lock object is left (its holder died), so it is forced.
        let in_ws = |t: Test| aws.on(t).env("FLOWFORM_WORKSPACE", &workspace);
        let there = Test::new().file("main.hcl", &config);
        let lock_key = format!("env/{workspace}/{KEY}.lock");
        let there = match aws.get(&lock_key) {
            Some(bytes) => {
                let id = serde_json::from_slice::<serde_json::Value>(&bytes).expect("lock")["ID"]
                    .as_str()
                    .expect("ID")
                    .to_owned();
                in_ws(there).append_args(["force-unlock", &id]).run().then()
            }
            None => there,
        };
        let ran = in_ws(there)
            .append_args(["apply", "--auto-approve", "--parallelism", "8"])
            .run();
        // A kill that lands after the last change finished (while the state is being saved)
        // leaves nothing to do: the journal it left is recovered and the apply says so.
        let out = ran.stdout();
        assert!(
            out.contains("Apply complete!")
                || (out.contains("No changes.") && ran.stderr().contains("recovered")),
            "trial {trial}: {out}\n{}",
            ran.stderr()
        );
        let ran = in_ws(ran.then())
            .append_args(["plan", "--detailed-exitcode"])
            .stdout_contains("No changes.")
            .run();
        let pulled = in_ws(ran.then()).append_args(["state", "pull"]).run();
        let state: serde_json::Value = serde_json::from_str(&pulled.stdout()).expect("state");
        let resources = state["resources"].as_object().expect("resources");
        assert_eq!(resources.len(), 60, "trial {trial}");
        assert!(state.get("pending").is_none(), "trial {trial}: {state}");
        let prefix = format!("team/{workspace}/");
        let secrets: Vec<String> = sandbox
            .live_secret_names()
            .into_iter()
            .filter(|n| n.starts_with(&prefix))
            .collect();
        let profiles: Vec<String> = sandbox
            .profile_names()
            .into_iter()
            .filter(|n| n.starts_with(&format!("team-{workspace}-")))
            .collect();
        for (what, names, count) in [("secrets", &secrets, 30), ("profiles", &profiles, 30)] {
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "trial {trial}: {what} twice");
            assert_eq!(
                names.len(),
                count,
                "trial {trial}: {what} untracked or missing: {names:?}"
            );
        }
        let recorded: Vec<&str> = resources
            .values()
            .filter_map(|r| r["attributes"]["name"].as_str())
            .collect();
        for name in secrets.iter().chain(&profiles) {
            assert!(
                recorded.contains(&name.as_str()),
                "trial {trial}: {name} untracked"
            );
        }
        assert!(
            !aws.keys()
                .iter()
                .any(|k| k.starts_with(&format!("env/{workspace}/{KEY}.journal/"))),
            "trial {trial}: the journal is folded"
        );
    }
    eprintln!(
        "s3 crash trials: {kills} of {TRIALS} applies killed while running, in {:.0?}",
        started.elapsed()
    );
    assert!(kills >= TRIALS / 2, "too few kills landed: {kills}");
    assert_no_secret_in_bucket(&aws);
}

/// 30 secrets and 30 ServiceNow profiles, named after the workspace.
fn crash_config() -> String {
    let mut text = String::from(BACKEND);
    for i in 0..30 {
        text.push_str(&format!(
            r#"
secret "s{i}" {{
  name                    = "team/${{flowform.workspace}}/s{i}"
  secret_string           = jsonencode({{ password = "{SENTINEL}-{i}" }})
  recovery_window_in_days = 0
}}

connector_profile "p{i}" {{
  name            = "team-${{flowform.workspace}}-p{i}"
  connector_type  = "Servicenow"
  connection_mode = "Public"
  properties {{
    instance_url = "https://example.service-now.com"
  }}
  credentials {{
    username = "integration"
    password = "{SENTINEL}-p{i}"
  }}
}}
"#
        ));
    }
    text
}

/// examples/team-s3 as its README walks through it: two working copies share one state.
#[test]
pub fn s3_example_team_s3_two_working_copies_share_one_state() {
    let sandbox = Sandbox::start();
    let aws = Aws {
        endpoint: sandbox.endpoint(),
        secrets_endpoint: None,
    };
    aws.setup(true);
    let copy = || {
        let test = Test::new().example("team-s3");
        let path = test.dir.path().join("config/backend.hcl");
        let text = std::fs::read_to_string(&path).expect("backend.hcl");
        std::fs::write(path, text.replace("http://127.0.0.1:4566", &aws.endpoint)).expect("write");
        test
    };
    let alice = aws
        .on(copy())
        .append_args(["init"])
        .stdout_contains("s3://")
        .run();
    let alice = aws
        .on(alice.then())
        .append_args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete! Resources: 2 added")
        .run();
    let bob = aws
        .on(copy())
        .append_args(["plan", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    let bob = aws
        .on(bob.then())
        .append_args(["workspace", "new", "staging"])
        .run();
    aws.on(bob.then())
        .append_args(["apply", "--auto-approve"])
        .stdout_contains("servicenow-staging")
        .run();
    aws.on(alice.then())
        .append_args(["plan", "--detailed-exitcode"])
        .stdout_contains("No changes.")
        .run();
    let names = sandbox.profile_names();
    for name in ["servicenow-default", "servicenow-staging"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    assert_no_secret_in_bucket(&aws);
}
