//! Apply and refresh benchmarks (issue 5): the release `flowform` binary against a
//! `flowform sandbox serve` process, timed from outside, as a user would see it.
//!
//! ```text
//! export CARGO_TARGET_DIR=...                                 # as usual
//! cargo bench -p flowform-cli --bench apply                  # every scenario (~1 min)
//! cargo bench -p flowform-cli --bench apply -- latency       # 1: 100 secrets + 100 profiles at 50 ms
//! cargo bench -p flowform-cli --bench apply -- scale         # 2: 1,000 / 2,500 / 5,000 resources
//! cargo bench -p flowform-cli --bench apply -- refresh       # 3: plan over 1,000 profiles
//! cargo bench -p flowform-cli --bench apply -- throttle      # 4: 100 resources at 0/20/50 % throttling
//! ```
//!
//! `cargo bench` builds this file and the `flowform` binary with the release profile and runs
//! the binary it built (`$CARGO_TARGET_DIR/release/flowform`). Each scenario starts its own
//! sandbox (`flowform sandbox serve --port 0 ...`) in a temporary directory and kills it at the
//! end. Output is Markdown tables, to paste into notes; each time is the median of 3 runs
//! (scale: the fastest and the median of 5, as fsync times vary from run to run).
//! The first `cargo bench` compiles the release build (8-16 min on 2 cores).
//!
//! 1. `latency`: 100 secrets with a resource policy for AppFlow and 100 Salesforce profiles whose
//!    `client_credentials_arn = secret.sN.arn`, at `--parallelism 10` against a sandbox answering
//!    every call after 50 ms. Compared with the ideal the DAG allows: the kind order runs all
//!    secrets before any profile, each resource's calls are sequential, so with p = 10 the ideal
//!    is `ceil(100/10) × calls per secret × 50 ms + ceil(100/10) × calls per profile × 50 ms`.
//!    The calls per resource come from `crates/flowform-applier/src/resources/*.rs` and are
//!    checked by timing 10 resources at parallelism 1 with and without latency.
//! 2. `scale`: 1,000, 2,500 and 5,000 resources with no latency (per 10: 4 KMS keys, 4 secrets,
//!    1 key policy, 1 ServiceNow profile; the sandbox runs with `--profile-quota 10000`, as an
//!    account whose quota AWS raised), to show that the time per resource stays flat.
//! 3. `refresh`: 1,000 profiles applied (`--profile-quota 1000`), then `plan` (refresh, no
//!    changes expected) against `plan --refresh=false`, with no latency and with 50 ms. Refresh
//!    lists profiles with DescribeConnectorProfiles 100 a page: 10 sequential calls.
//! 4. `throttle`: 100 resources (the `scale` mix) at 20 ms latency, against a sandbox answering
//!    0 %, 20 % and 50 % of requests with ThrottlingException (seeded, so each run meets the same
//!    throttles), to show how close the retries stay to the unthrottled time (issue #12 asks
//!    for at most 3×).
//!
//! This is a `harness = false` binary, not a test: it asserts only that each command succeeded
//! and did what it should, never a time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_test::Sandbox;
use std::fmt::Write as _;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const FLOWFORM: &str = env!("CARGO_BIN_EXE_flowform");
const PARALLELISM: usize = 10;
/// Each timed figure is the median of this many runs (each on a fresh sandbox and state, except
/// the plans of scenario 3, which change nothing).
const REPEAT: usize = 3;
const NO_CHANGES: &str = "No changes. Your infrastructure matches the configuration.";

// AWS calls per resource on create, read from crates/flowform-applier/src/resources/*.rs.
/// secret::create: CreateSecret, then PutResourcePolicy when a policy is configured.
const SECRET_WITH_POLICY_CALLS: u32 = 2;
/// secret::create without a policy: CreateSecret.
const SECRET_CALLS: u32 = 1;
/// connector_profile::create: CreateConnectorProfile, then DescribeConnectorProfiles
/// (for credentials_arn).
const PROFILE_CALLS: u32 = 2;
/// kms_key::create without an alias: CreateKey.
const KEY_CALLS: u32 = 1;
/// key_policy::create: DescribeKey, GetKeyPolicy (to restore on destroy), PutKeyPolicy.
const KEY_POLICY_CALLS: u32 = 3;
/// refresh::refresh: DescribeConnectorProfiles with maxResults 100, one page after another.
const PROFILES_PER_PAGE: usize = 100;

fn main() {
    let chosen: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-')) // cargo bench passes --bench
        .collect();
    let all = ["latency", "scale", "refresh", "throttle"];
    for name in &chosen {
        assert!(
            all.contains(&name.as_str()),
            "unknown scenario {name:?}: choose from {all:?}"
        );
    }
    let run = |name: &str| chosen.is_empty() || chosen.iter().any(|c| c == name);
    println!("flowform apply/refresh benchmarks: {FLOWFORM}");
    println!(
        "machine: {} CPUs; every time is the wall clock of the whole flowform process, median of {REPEAT} runs unless said\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if run("latency") {
        latency();
    }
    if run("scale") {
        scale();
    }
    if run("refresh") {
        refresh();
    }
    if run("throttle") {
        throttle();
    }
}

// ---------------------------------------------------------------------------------------------
// Scenario 4

fn throttle() {
    const N: usize = 100;
    println!(
        "## 4. apply {N} resources (the scale mix) at 20 ms latency with throttling, --parallelism {PARALLELISM}\n"
    );
    println!("| throttled | apply, median | vs unthrottled |");
    println!("|---:|---:|---:|");
    let config = mixed_config(N);
    let mut base = None;
    for rate in ["0", "0.2", "0.5"] {
        let took = median_of(REPEAT, || {
            let sandbox = Sandbox::with_args(&["--latency-ms", "20", "--throttle-rate", rate]);
            let work = Workspace::new(&config);
            let (took, out) = work.timed_apply(&sandbox, PARALLELISM);
            expect(&out, &format!("Resources: {N} added"));
            took
        });
        let base = *base.get_or_insert(took);
        println!(
            "| {:.0} % | {} | {:.2}× |",
            rate.parse::<f64>().unwrap_or_default() * 100.0,
            secs(took),
            took.as_secs_f64() / base.as_secs_f64()
        );
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// Scenario 1

fn latency() {
    const N: usize = 100;
    const LATENCY_MS: u64 = 50;
    println!(
        "## 1. apply {N} secrets + {N} Salesforce profiles (client_credentials_arn = secret.sN.arn), --parallelism {PARALLELISM}\n"
    );
    let config = salesforce_config(N);

    // Check the calls per resource: 10 of a kind at parallelism 1, with and without latency.
    let mut check = String::new();
    let _ = writeln!(
        check,
        "| calls per resource | from the code | measured: (t at {LATENCY_MS} ms - t at 0 ms) / (10 × {LATENCY_MS} ms), parallelism 1 |"
    );
    let _ = writeln!(check, "|---|---:|---:|");
    for (what, config, calls) in [
        (
            "secret (with policy)",
            secrets_only_config(10),
            SECRET_WITH_POLICY_CALLS,
        ),
        (
            "connector_profile (Salesforce)",
            salesforce_config(10),
            PROFILE_CALLS,
        ),
    ] {
        let timed = |latency: u64| {
            let sandbox = Sandbox::with_args(&["--latency-ms", &latency.to_string()]);
            let work = Workspace::new(&config);
            if what.starts_with("connector") {
                // The secrets first, so that only the profiles are timed.
                let mut args = vec!["apply".to_string(), "--auto-approve".to_string()];
                for i in 0..10 {
                    args.extend(["--target".to_string(), format!("secret.s{i}")]);
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                work.run(&sandbox, &args);
            }
            // No refresh: with the secrets in the state it would read them back (3 calls each).
            work.timed_apply_with(&sandbox, 1, &["--refresh=false"]).0
        };
        let (slow, fast) = (timed(LATENCY_MS), timed(0));
        let per = (slow.as_secs_f64() - fast.as_secs_f64()) / (10.0 * LATENCY_MS as f64 / 1000.0);
        let _ = writeln!(check, "| {what} | {calls} | {per:.2} |");
    }

    let waves = N.div_ceil(PARALLELISM) as u32;
    let ideal_ms = u64::from(waves * SECRET_WITH_POLICY_CALLS + waves * PROFILE_CALLS) * LATENCY_MS;
    let mut rows = Vec::new();
    for latency in [0, LATENCY_MS] {
        let took = median_of(REPEAT, || {
            let sandbox = Sandbox::with_args(&["--latency-ms", &latency.to_string()]);
            let work = Workspace::new(&config);
            let (took, out) = work.timed_apply(&sandbox, PARALLELISM);
            expect(&out, &format!("Resources: {} added", 2 * N));
            took
        });
        rows.push((latency, took));
    }
    println!("{check}");
    println!(
        "ideal the DAG allows at {LATENCY_MS} ms a call: kind order puts every secret before every profile;\n\
         secrets {waves} waves × {SECRET_WITH_POLICY_CALLS} calls (CreateSecret, PutResourcePolicy) × {LATENCY_MS} ms \
         + profiles {waves} waves × {PROFILE_CALLS} calls (CreateConnectorProfile, DescribeConnectorProfiles) × {LATENCY_MS} ms \
         = {ideal_ms} ms\n"
    );
    println!("| sandbox latency | measured | ideal (AWS calls only) | measured / ideal |");
    println!("|---:|---:|---:|---:|");
    for (latency, took) in rows {
        let ideal = if latency == 0 { 0 } else { ideal_ms };
        let ratio = if ideal == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", took.as_secs_f64() * 1000.0 / ideal as f64)
        };
        println!(
            "| {latency} ms | {} | {} | {ratio} |",
            secs(took),
            if ideal == 0 {
                "- (flowform's own time)".to_string()
            } else {
                secs(Duration::from_millis(ideal))
            },
        );
    }
    println!();
}

/// Policy letting AppFlow read the secret, with the confused-deputy condition.
const APPFLOW_READS: &str = r#"jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowAppFlowToRead"
      Effect    = "Allow"
      Principal = { Service = "appflow.amazonaws.com" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
  })"#;

fn secret_block(i: usize, policy: bool) -> String {
    let policy = if policy {
        format!("  policy = {APPFLOW_READS}\n")
    } else {
        String::new()
    };
    format!(
        "secret \"s{i}\" {{\n  name = \"bench/s{i}\"\n  secret_string = jsonencode({{ clientId = \"id-{i}\", clientSecret = \"value-{i}\" }})\n{policy}  recovery_window_in_days = 0\n}}\n\n"
    )
}

fn secrets_only_config(n: usize) -> String {
    (0..n).map(|i| secret_block(i, true)).collect()
}

fn salesforce_config(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&secret_block(i, true));
        let _ = write!(
            out,
            r#"connector_profile "p{i}" {{
  name            = "bench-salesforce-{i}"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  properties {{
    instance_url           = "https://bench{i}.my.salesforce.com"
    is_sandbox_environment = false
  }}
  credentials {{
    oauth2_grant_type      = "CLIENT_CREDENTIALS"
    client_credentials_arn = secret.s{i}.arn
  }}
}}

"#
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Scenario 2

fn scale() {
    // Each change fsyncs the journal, and this machine's fsync time varies run to run: the
    // fastest of several runs is the steadiest estimate of what flowform itself costs.
    const RUNS: usize = 5;
    println!(
        "## 2. apply N resources, no latency, --parallelism {PARALLELISM} (per 10: 4 kms_key, 4 secret, 1 kms_key_policy, 1 connector_profile); {RUNS} runs each\n"
    );
    let calls_per_10 = 4 * KEY_CALLS + 4 * SECRET_CALLS + KEY_POLICY_CALLS + PROFILE_CALLS;
    println!(
        "| resources | AWS calls | apply, fastest | apply, median | per resource (fastest) | AWS calls/s (fastest) | per resource vs 1,000 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut base = None;
    for n in [1000, 2500, 5000] {
        let config = mixed_config(n);
        let times = timings(RUNS, || {
            let sandbox = Sandbox::with_args(&["--profile-quota", "10000"]);
            let work = Workspace::new(&config);
            let (took, out) = work.timed_apply(&sandbox, PARALLELISM);
            expect(&out, &format!("Resources: {n} added"));
            took
        });
        let (fastest, median) = (times[0], times[RUNS / 2]);
        let per = fastest.as_secs_f64() / n as f64;
        let calls = calls_per_10 as usize * n / 10;
        let base = *base.get_or_insert(per);
        println!(
            "| {n} | {calls} | {} | {} | {:.2} ms | {:.0} | {:.2} |",
            secs(fastest),
            secs(median),
            per * 1000.0,
            calls as f64 / fastest.as_secs_f64(),
            per / base
        );
    }
    println!();
}

fn mixed_config(n: usize) -> String {
    assert!(n.is_multiple_of(10));
    let mut out = String::new();
    for g in 0..n / 10 {
        for k in 0..4 {
            let _ = write!(
                out,
                "kms_key \"k{g}_{k}\" {{\n  description = \"bench key {g}.{k}\"\n  deletion_window_in_days = 7\n}}\n\n"
            );
            out.push_str(&secret_block(g * 4 + k, false));
        }
        let _ = write!(
            out,
            r#"kms_key_policy "kp{g}" {{
  key_id = kms_key.k{g}_0.arn
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "EnableIAMUserPermissions"
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}
      Action    = "kms:*"
      Resource  = "*"
    }}]
  }})
}}

"#
        );
        out.push_str(&servicenow_block(g));
    }
    out
}

fn servicenow_block(i: usize) -> String {
    format!(
        r#"connector_profile "sn{i}" {{
  name            = "bench-servicenow-{i}"
  connector_type  = "Servicenow"
  connection_mode = "Public"
  properties {{
    instance_url = "https://bench{i}.service-now.com"
  }}
  credentials {{
    username = "integration-{i}"
    password = "password-{i}"
  }}
}}

"#
    )
}

// ---------------------------------------------------------------------------------------------
// Scenario 3

fn refresh() {
    const N: usize = 1000;
    println!(
        "## 3. plan over {N} connector profiles (state up to date), --parallelism {PARALLELISM}\n"
    );
    let config: String = (0..N).map(servicenow_block).collect();
    let work = Workspace::new(&config);
    let data = work.dir.path().join("sandbox-data.json");
    let data = data.to_str().expect("utf-8 path");
    let quota = N.to_string();
    let applied = {
        let sandbox = Sandbox::with_args(&["--profile-quota", &quota, "--data", data]);
        let (took, out) = work.timed_apply(&sandbox, PARALLELISM);
        expect(&out, &format!("Resources: {N} added"));
        took
    };
    let pages = N.div_ceil(PROFILES_PER_PAGE);
    println!(
        "(setup: apply of {N} profiles took {}; refresh reads them with {pages} sequential DescribeConnectorProfiles pages of {PROFILES_PER_PAGE})\n",
        secs(applied)
    );
    println!(
        "| sandbox latency | plan --refresh=false | plan (refresh) | refresh cost | ideal refresh cost ({pages} calls) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for latency in [0u64, 50] {
        let sandbox = Sandbox::with_args(&[
            "--profile-quota",
            &quota,
            "--data",
            data,
            "--latency-ms",
            &latency.to_string(),
        ]);
        let median = |args: &[&str]| {
            median_of(REPEAT, || {
                let (took, out) = work.timed(&sandbox, args);
                expect(&out, NO_CHANGES);
                took
            })
        };
        let parallelism = PARALLELISM.to_string();
        let without = median(&["plan", "--refresh=false", "--parallelism", &parallelism]);
        let with = median(&["plan", "--parallelism", &parallelism]);
        println!(
            "| {latency} ms | {} | {} | {} | {} |",
            secs(without),
            secs(with),
            secs(with.saturating_sub(without)),
            secs(Duration::from_millis(pages as u64 * latency)),
        );
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// Processes

/// A configuration in `config/main.hcl` and a state file, in a temporary directory.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(config: &str) -> Workspace {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
        std::fs::write(dir.path().join("config/main.hcl"), config).expect("write config");
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn timed_apply(&self, sandbox: &Sandbox, parallelism: usize) -> (Duration, Output) {
        self.timed_apply_with(sandbox, parallelism, &[])
    }

    fn timed_apply_with(
        &self,
        sandbox: &Sandbox,
        parallelism: usize,
        extra: &[&str],
    ) -> (Duration, Output) {
        let p = parallelism.to_string();
        let mut args = vec!["apply", "--auto-approve", "--parallelism", &p];
        args.extend_from_slice(extra);
        let (took, out) = self.timed(sandbox, &args);
        expect(&out, "Apply complete!");
        (took, out)
    }

    fn run(&self, sandbox: &Sandbox, args: &[&str]) -> Output {
        self.timed(sandbox, args).1
    }

    /// Runs `flowform -C config --state state.json ARGS` with every service at the sandbox;
    /// fails unless it exits 0.
    fn timed(&self, sandbox: &Sandbox, args: &[&str]) -> (Duration, Output) {
        let nowhere = self.path("no-such-aws-file");
        let started = Instant::now();
        let out = Command::new(FLOWFORM)
            .current_dir(self.dir.path())
            .args(["-C", "config", "--state", "state.json"])
            .args(args)
            .env("NO_COLOR", "1")
            .env("AWS_ENDPOINT_URL", sandbox.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", &nowhere)
            .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL_APPFLOW")
            .env_remove("AWS_ENDPOINT_URL_SECRETS_MANAGER")
            .env_remove("AWS_ENDPOINT_URL_KMS")
            .output()
            .expect("flowform runs");
        let took = started.elapsed();
        assert!(
            out.status.success(),
            "flowform {args:?} failed ({}):\n--- stdout (tail)\n{}\n--- stderr (tail)\n{}",
            out.status,
            tail(&out.stdout),
            tail(&out.stderr)
        );
        (took, out)
    }
}

fn expect(out: &Output, text: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(text),
        "expected {text:?} in the output:\n{}",
        tail(&out.stdout)
    );
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// `runs` timings, fastest first.
fn timings(runs: usize, mut run: impl FnMut() -> Duration) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs).map(|_| run()).collect();
    times.sort();
    times
}

fn median_of(runs: usize, run: impl FnMut() -> Duration) -> Duration {
    timings(runs, run)[runs / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
