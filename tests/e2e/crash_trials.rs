//! Crash trials (issue #8, "Proof"): an apply and a destroy of a 60-resource configuration of
//! every kind, SIGKILLed again and again at random moments against a standalone sandbox with
//! latency, each time resumed to the end; after every cycle AWS is listed through the SDK and
//! held against the state: no object twice, none untracked, the state file always readable, no
//! secret value in any file, and a plan that settles to "No changes.".
//!
//! The moments are drawn from a seeded generator; the seed is printed, and
//! `FLOWFORM_CRASH_SEED=N` runs the same draws again (the kills land where the timing puts
//! them, so a rerun is close to, not exactly, the same run).

use crate::harness::{SENTINEL, Sandbox, Test, read_json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The configuration: `KEYS` keys with aliases and key policies, one KMS-encrypted secret and
/// one Salesforce client-credentials profile per `CLIENT_APPS`, `PLAIN` secrets and
/// `SERVICENOW` ServiceNow profiles: 4 + 4 + 2 * 12 + 12 + 16 = 60 resources.
const KEYS: usize = 4;
const CLIENT_APPS: usize = 12;
const PLAIN: usize = 12;
const SERVICENOW: usize = 16;
const RESOURCES: usize = 2 * KEYS + 2 * CLIENT_APPS + PLAIN + SERVICENOW;

/// How many SIGKILLs at least; the trials go on to the end of the round that passes it.
const KILLS: usize = 20;
const PARALLELISM: &str = "8";
const LATENCY_MS: &str = "25";

/// xorshift64*: enough randomness to place kills, and reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn seed() -> u64 {
    match std::env::var("FLOWFORM_CRASH_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("FLOWFORM_CRASH_SEED is not a number: {s:?}")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

/// What the configuration makes, by the names AWS knows it under.
struct Expected {
    /// kms_key address -> alias.
    keys: BTreeMap<String, String>,
    secrets: BTreeSet<String>,
    profiles: BTreeSet<String>,
}

const ACCOUNT: &str = "123456789012";

fn key_policy(i: usize) -> String {
    format!(
        r#"kms_key_policy "k{i}" {{
  key_id = kms_key.k{i}.arn
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = {{ AWS = "arn:aws:iam::{ACCOUNT}:root" }}
        Action    = "kms:*"
        Resource  = "*"
      }},
      {{
        Sid       = "AllowAppFlowToDecrypt"
        Effect    = "Allow"
        Principal = {{ Service = "appflow.amazonaws.com" }}
        Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {{
          StringEquals = {{ "aws:SourceAccount" = "{ACCOUNT}" }}
          ArnLike      = {{ "aws:SourceArn" = "arn:aws:appflow:us-east-1:{ACCOUNT}:*" }}
        }}
      }},
    ]
  }})
}}

"#
    )
}

fn config() -> (String, Expected) {
    let mut text = String::new();
    let mut expected = Expected {
        keys: BTreeMap::new(),
        secrets: BTreeSet::new(),
        profiles: BTreeSet::new(),
    };
    for i in 0..KEYS {
        let alias = format!("alias/crash-k{i}");
        text.push_str(&format!(
            r#"kms_key "k{i}" {{
  description             = "crash trial key {i}"
  alias                   = "{alias}"
  deletion_window_in_days = 7
  tags                    = {{ trial = "crash" }}
}}

"#
        ));
        text.push_str(&key_policy(i));
        expected.keys.insert(format!("kms_key.k{i}"), alias);
    }
    // Salesforce client credentials: a secret encrypted with one of the keys, readable by
    // AppFlow, and the profile that names it (after the key policy that lets AppFlow decrypt).
    for i in 0..CLIENT_APPS {
        let k = i % KEYS;
        let name = format!("crash/client-app-{i:02}");
        let profile = format!("crash-sf-{i:02}");
        text.push_str(&format!(
            r#"secret "app{i:02}" {{
  name        = "{name}"
  description = "client credentials {i}"
  kms_key_id  = kms_key.k{k}.arn
  secret_string = jsonencode({{
    clientId     = "3MVG9-client-{i}"
    clientSecret = "{SENTINEL}-client-secret-{i}"
  }})
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "AllowAppFlowToReadTheConnectedApp"
      Effect    = "Allow"
      Principal = {{ Service = "appflow.amazonaws.com" }}
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
      Condition = {{
        StringEquals = {{ "aws:SourceAccount" = "{ACCOUNT}" }}
        ArnLike      = {{ "aws:SourceArn" = "arn:aws:appflow:us-east-1:{ACCOUNT}:*" }}
      }}
    }}]
  }})
  block_public_policy     = true
  recovery_window_in_days = 7
}}

connector_profile "sf{i:02}" {{
  name            = "{profile}"
  connector_type  = "Salesforce"
  connection_mode = "Public"

  properties {{
    instance_url           = "https://crash{i}.my.salesforce.com"
    is_sandbox_environment = false
  }}

  credentials {{
    oauth2_grant_type      = "CLIENT_CREDENTIALS"
    client_credentials_arn = secret.app{i:02}.arn
  }}

  depends_on = [kms_key_policy.k{k}]
}}

"#
        ));
        expected.secrets.insert(name);
        expected.profiles.insert(profile);
    }
    // Plain secrets: half deleted for good on destroy, half kept for their recovery window
    // (and restored by the next apply); some encrypted with a key, some tagged.
    for i in 0..PLAIN {
        let name = format!("crash/plain-{i:02}");
        let window = if i % 2 == 0 { 0 } else { 7 };
        let key = if i % 3 == 0 {
            format!("  kms_key_id              = kms_key.k{}.arn\n", i % KEYS)
        } else {
            String::new()
        };
        let tags = if i % 4 == 1 {
            "  tags                    = { trial = \"crash\" }\n"
        } else {
            ""
        };
        text.push_str(&format!(
            r#"secret "plain{i:02}" {{
  name                    = "{name}"
  secret_string           = "{SENTINEL}-value-{i}"
  recovery_window_in_days = {window}
{key}{tags}}}

"#
        ));
        expected.secrets.insert(name);
    }
    // ServiceNow basic auth; some wait for a plain secret, for a deeper graph.
    for i in 0..SERVICENOW {
        let name = format!("crash-sn-{i:02}");
        let depends = if i % 2 == 0 {
            format!("\n  depends_on = [secret.plain{:02}]\n", i % PLAIN)
        } else {
            String::new()
        };
        text.push_str(&format!(
            r#"connector_profile "sn{i:02}" {{
  name            = "{name}"
  connector_type  = "Servicenow"
  connection_mode = "Public"

  properties {{
    instance_url = "https://crash{i}.service-now.com"
  }}

  credentials {{
    username = "appflow"
    password = "{SENTINEL}-password-{i}"
  }}
{depends}}}

"#
        ));
        expected.profiles.insert(name);
    }
    (text, expected)
}

/// When a trial kills the child.
#[derive(Debug, Clone, Copy)]
enum Moment {
    After(Duration),
    /// After this many progress lines ("...: Creating...", "...: Destruction complete ...").
    Lines(usize),
}

struct Outcome {
    /// Whether the SIGKILL found the process at work (alive, its output still open).
    killed: bool,
    stdout: String,
    stderr: String,
}

fn is_progress(line: &str) -> bool {
    [
        ": Creating...",
        ": Modifying...",
        ": Destroying...",
        " complete after ",
    ]
    .iter()
    .any(|s| line.contains(s))
}

/// Runs `test` as a child and SIGKILLs it at `moment` (unless it ended first).
fn kill_at(test: &Test, moment: Moment) -> Outcome {
    let mut child = test.spawn();
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now()
        + match moment {
            Moment::After(d) => d,
            Moment::Lines(_) => Duration::from_secs(60),
        };
    let mut seen = String::new();
    let mut progress = 0;
    let mut ended = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                progress += usize::from(is_progress(&line));
                seen.push_str(&line);
                seen.push('\n');
                if matches!(moment, Moment::Lines(k) if progress >= k) {
                    break;
                }
            }
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => {
                ended = true;
                break;
            }
        }
    }
    // A process that closed its output is exiting: killing it then proves little, and does
    // not count as a trial (it is killed all the same, not to wait for it).
    let alive = child.try_wait().expect("try_wait").is_none();
    if alive {
        child.kill().expect("SIGKILL");
    }
    let killed = alive && !ended;
    child.wait().expect("reaped");
    drop(rx);
    let _ = reader.join();
    Outcome {
        killed,
        stdout: seen,
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// A random kill moment: a delay, or a number of progress lines (of about `changes` to come).
fn draw_moment(rng: &mut Rng, changes: u64) -> Moment {
    if rng.next().is_multiple_of(2) {
        Moment::After(Duration::from_millis(rng.range(50, 1800)))
    } else {
        Moment::Lines(rng.range(1, 2 * changes) as usize)
    }
}

/// No file the run left holds a secret value, except the configuration itself.
fn assert_no_secret_in_files(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if !name.contains(".sandbox.json") && !name.ends_with(".hcl") {
                let text =
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
                assert!(
                    !text.contains(SENTINEL),
                    "{} holds a secret value",
                    p.display()
                );
            }
        }
    }
}

/// What a killed run left is readable: the state file (when there is one yet), and every
/// complete line of the journal.
fn assert_readable(dir: &Path) {
    let state = dir.join("state.json");
    if state.exists() {
        read_json(&state);
    }
    if let Ok(journal) = std::fs::read_to_string(dir.join("state.json.journal")) {
        for line in journal.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("journal line is not JSON ({e}): {line}"));
        }
    }
}

/// One live KMS key of flowform's (tagged with a lineage).
#[derive(Debug)]
struct LiveKey {
    id: String,
    address: String,
    lineage: String,
}

/// What AWS holds, listed through the SDK.
#[derive(Debug)]
struct Listing {
    keys: Vec<LiveKey>,
    /// alias -> target key id.
    aliases: BTreeMap<String, String>,
    /// Secrets not pending deletion, duplicates kept; AppFlow's own apart.
    secrets: Vec<String>,
    appflow_secrets: Vec<String>,
    profiles: Vec<String>,
}

fn list(aws: &Sandbox) -> Listing {
    let kms = aws.kms();
    let (keys, aliases) = aws.block_on(async {
        let mut ids = Vec::new();
        let mut marker = None;
        loop {
            let page = kms
                .list_keys()
                .set_marker(marker)
                .limit(1000)
                .send()
                .await
                .expect("ListKeys");
            ids.extend(
                page.keys()
                    .iter()
                    .filter_map(|k| k.key_id().map(str::to_owned)),
            );
            marker = page.next_marker().map(str::to_owned);
            if !page.truncated() || marker.is_none() {
                break;
            }
        }
        // The latency is per request: ask about every key at once.
        let mut tasks = tokio::task::JoinSet::new();
        for id in ids {
            let kms = kms.clone();
            tasks.spawn(async move {
                let meta = kms
                    .describe_key()
                    .key_id(&id)
                    .send()
                    .await
                    .expect("DescribeKey");
                let state = meta.key_metadata().and_then(|m| m.key_state()).cloned();
                if state == Some(aws_sdk_kms::types::KeyState::PendingDeletion) {
                    return None;
                }
                let tags = kms
                    .list_resource_tags()
                    .key_id(&id)
                    .send()
                    .await
                    .expect("ListResourceTags");
                let tag = |k: &str| {
                    tags.tags()
                        .iter()
                        .find(|t| t.tag_key() == k)
                        .map(|t| t.tag_value().to_owned())
                };
                Some(LiveKey {
                    lineage: tag("flowform:lineage")?,
                    address: tag("flowform:address").unwrap_or_default(),
                    id,
                })
            });
        }
        let mut keys = Vec::new();
        while let Some(k) = tasks.join_next().await {
            keys.extend(k.expect("key task"));
        }
        let mut aliases = BTreeMap::new();
        let mut marker = None;
        loop {
            let page = kms
                .list_aliases()
                .set_marker(marker)
                .limit(100)
                .send()
                .await
                .expect("ListAliases");
            for a in page.aliases() {
                if let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) {
                    aliases.insert(name.to_owned(), target.to_owned());
                }
            }
            marker = page.next_marker().map(str::to_owned);
            if !page.truncated() || marker.is_none() {
                break;
            }
        }
        (keys, aliases)
    });
    let (appflow_secrets, secrets) = aws
        .live_secret_names()
        .into_iter()
        .partition(|n| n.starts_with("appflow!"));
    Listing {
        keys,
        aliases,
        secrets,
        appflow_secrets,
        profiles: aws.profile_names(),
    }
}

/// The profile an AppFlow credentials secret belongs to: `appflow!ACCOUNT-NAME-MILLIS`.
fn credentials_owner(secret: &str) -> String {
    let rest = secret
        .strip_prefix(&format!("appflow!{ACCOUNT}-"))
        .unwrap_or(secret);
    rest.rsplit_once('-')
        .map_or(rest, |(name, _)| name)
        .to_owned()
}

fn duplicates(names: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .iter()
        .filter(|n| !seen.insert(n.as_str()))
        .cloned()
        .collect()
}

/// What should be live after a completed run.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Goal {
    /// Anything, as long as nothing is twice (after a kill: the journal is not folded yet).
    NoDuplicates,
    Applied,
    Destroyed,
}

/// Holds AWS against the state file in `dir`.
fn check_aws(aws: &Sandbox, dir: &Path, expected: &Expected, goal: Goal, context: &str) {
    let live = list(aws);
    let fail = |what: String| -> ! {
        panic!(
            "{what}\n--- trial: {context}\n--- AWS: {live:#?}\n--- sandbox log tail:\n{}",
            {
                let log = aws.log();
                log[log.len().saturating_sub(3000)..].to_owned()
            }
        )
    };
    // No duplicate object.
    let mut per_address: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for k in &live.keys {
        per_address.entry(&k.address).or_default().push(&k.id);
    }
    for (address, ids) in &per_address {
        if ids.len() > 1 {
            fail(format!("{} live keys for {address}: {ids:?}", ids.len()));
        }
    }
    for (what, names) in [("secret", &live.secrets), ("profile", &live.profiles)] {
        let twice = duplicates(names);
        if !twice.is_empty() {
            fail(format!("{what}s listed twice: {twice:?}"));
        }
    }
    let mut credentials: BTreeMap<String, usize> = BTreeMap::new();
    for s in &live.appflow_secrets {
        *credentials.entry(credentials_owner(s)).or_default() += 1;
    }
    for (profile, n) in &credentials {
        if *n > 1 {
            fail(format!("{n} AppFlow credentials secrets for {profile}"));
        }
        if !live.profiles.contains(profile) {
            fail(format!(
                "an AppFlow credentials secret outlived its profile {profile}"
            ));
        }
    }
    for p in &live.profiles {
        if !credentials.contains_key(p) {
            fail(format!("profile {p} has no credentials secret"));
        }
    }
    if goal == Goal::NoDuplicates {
        return;
    }

    // Nothing untracked, nothing left pending.
    let state = read_json(&dir.join("state.json"));
    let lineage = state["lineage"].as_str().unwrap_or_default();
    let resources = state["resources"].as_object().cloned().unwrap_or_default();
    if state
        .get("pending")
        .and_then(|p| p.as_object())
        .is_some_and(|p| !p.is_empty())
    {
        fail(format!(
            "a completed run left creates pending: {}",
            state["pending"]
        ));
    }
    let tracked = |kind: &str, attribute: &str, value: &str| {
        resources.iter().any(|(address, r)| {
            address.starts_with(&format!("{kind}."))
                && r["attributes"][attribute].as_str() == Some(value)
        })
    };
    for k in &live.keys {
        if k.lineage != lineage {
            fail(format!("key {} has another lineage: {k:?}", k.id));
        }
        if resources
            .get(&k.address)
            .and_then(|r| r["attributes"]["key_id"].as_str())
            != Some(k.id.as_str())
        {
            fail(format!(
                "live key {} of {} is not the one the state records",
                k.id, k.address
            ));
        }
    }
    for s in &live.secrets {
        if !tracked("secret", "name", s) {
            fail(format!("secret {s} is live but not in the state"));
        }
    }
    for p in &live.profiles {
        if !tracked("connector_profile", "name", p) {
            fail(format!("profile {p} is live but not in the state"));
        }
    }
    let ours = |alias: &&String| alias.starts_with("alias/crash-");
    match goal {
        Goal::Applied => {
            if resources.len() != RESOURCES {
                fail(format!(
                    "the state records {} resources, not {RESOURCES}",
                    resources.len()
                ));
            }
            let keys: BTreeSet<&str> = live.keys.iter().map(|k| k.address.as_str()).collect();
            if keys != expected.keys.keys().map(String::as_str).collect() {
                fail(format!("live keys for {keys:?}"));
            }
            if live.secrets.iter().cloned().collect::<BTreeSet<_>>() != expected.secrets {
                fail("the live secrets are not the configured ones".into());
            }
            if live.profiles.iter().cloned().collect::<BTreeSet<_>>() != expected.profiles {
                fail("the live profiles are not the configured ones".into());
            }
            for (address, alias) in &expected.keys {
                let recorded = resources[address]["attributes"]["key_id"].as_str();
                if live.aliases.get(alias).map(String::as_str) != recorded {
                    fail(format!(
                        "{alias} does not name {address}'s key {recorded:?}"
                    ));
                }
            }
            if live.aliases.keys().filter(ours).count() != expected.keys.len() {
                fail("aliases of no configured key".into());
            }
        }
        Goal::Destroyed => {
            if !resources.is_empty() {
                fail(format!(
                    "a completed destroy left {:?}",
                    resources.keys().collect::<Vec<_>>()
                ));
            }
            let aliases: Vec<&String> = live.aliases.keys().filter(ours).collect();
            if !aliases.is_empty() {
                fail(format!("aliases outlived the destroy: {aliases:?}"));
            }
        }
        Goal::NoDuplicates => unreachable!(),
    }
}

/// Checks what every run prints: no secret, no panic.
fn assert_clean_output(stdout: &str, stderr: &str, context: &str) {
    assert!(
        !stdout.contains(SENTINEL) && !stderr.contains(SENTINEL),
        "a secret was printed ({context})\n{stdout}\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "flowform panicked ({context}):\n{stderr}"
    );
}

#[test]
fn crash_trials_random_sigkills_of_apply_and_destroy_leave_no_duplicate_or_untracked_object() {
    let started = Instant::now();
    let seed = seed();
    eprintln!("crash trials: seed {seed} (FLOWFORM_CRASH_SEED={seed} repeats these draws)");
    let mut rng = Rng::new(seed);
    let aws = Sandbox::with_args(&["--latency-ms", LATENCY_MS]);
    let (text, expected) = config();
    let mut test = Test::new().file("main.hcl", &text).aws(&aws);
    assert_eq!(
        crate::harness::count_resource_blocks(&test.dir.path().join("config")),
        RESOURCES
    );
    let apply = ["apply", "--auto-approve", "--parallelism", PARALLELISM];
    let destroy = ["destroy", "--auto-approve", "--parallelism", PARALLELISM];

    let mut kills = 0;
    let mut mid_change = 0;
    // Creates a kill left pending (sent, answer not recorded), as the next run reported them.
    let mut pending = 0;
    let pending_in = |stderr: &str| stderr.matches("did not live to record the answer").count();
    let mut log = Vec::new();
    let mut round = 0;
    loop {
        let applying = round % 2 == 0;
        let command = if applying { apply } else { destroy };
        let name = if applying { "apply" } else { "destroy" };
        // Up to three kills in a row of the same command, each resuming the one before.
        let tries = rng.range(1, if applying { 3 } else { 2 });
        for t in 0..tries {
            // A resumed run has less left to do than the first.
            let changes = if t == 0 { RESOURCES } else { RESOURCES / 2 };
            let moment = draw_moment(&mut rng, changes as u64);
            let context = format!("seed {seed}, round {round}, {name} #{t} killed at {moment:?}");
            test = test.args(command);
            let out = kill_at(&test, moment);
            assert_clean_output(&out.stdout, &out.stderr, &context);
            pending += pending_in(&out.stderr);
            if out.killed {
                kills += 1;
                if !out.stdout.contains(" complete! Resources") {
                    mid_change += 1;
                }
            }
            let progress = out.stdout.lines().filter(|l| is_progress(l)).count();
            log.push(format!(
                "{context}: {} after {progress} progress lines",
                if out.killed { "killed" } else { "ended first" }
            ));
            assert_readable(test.dir.path());
            assert_no_secret_in_files(test.dir.path());
            check_aws(
                &aws,
                test.dir.path(),
                &expected,
                Goal::NoDuplicates,
                &context,
            );
        }
        // A killed destroy is sometimes finished by an apply first (it makes again what the
        // destroy removed), and then destroyed for good.
        let context = format!("seed {seed}, round {round}, {name} resumed to the end");
        if !applying && rng.next().is_multiple_of(3) {
            let ran = test.args(apply).run();
            assert_clean_output(&ran.stdout(), &ran.stderr(), &context);
            pending += pending_in(&ran.stderr());
            check_aws(&aws, ran.dir.path(), &expected, Goal::Applied, &context);
            test = ran.then().aws(&aws);
            log.push(format!("{context}: applied before destroying"));
        }
        let ran = test.args(command).run();
        assert_clean_output(&ran.stdout(), &ran.stderr(), &context);
        pending += pending_in(&ran.stderr());
        let goal = if applying {
            Goal::Applied
        } else {
            Goal::Destroyed
        };
        check_aws(&aws, ran.dir.path(), &expected, goal, &context);
        assert_no_secret_in_files(ran.dir.path());
        let ran = ran
            .then()
            .aws(&aws)
            .args(["plan", "--detailed-exitcode"])
            .status(if applying { 0 } else { 2 })
            .run();
        if applying {
            assert!(
                ran.stdout()
                    .ends_with("No changes. Your infrastructure matches the configuration.\n"),
                "{context}: the plan after a completed apply does not settle:\n{}",
                ran.stdout()
            );
        }
        test = ran.then().aws(&aws);
        round += 1;
        if kills >= KILLS && applying {
            break;
        }
    }
    eprintln!(
        "crash trials: {kills} SIGKILLs ({mid_change} before the summary line), {pending} pending creates resumed, {round} rounds, {:.1?}, seed {seed}\n{}",
        started.elapsed(),
        log.join("\n")
    );
    assert!(kills >= KILLS);
}

/// Found by the crash trials: `destroy` planned from the state's resources only and ignored its
/// `pending` creates. An object an interrupted apply made but did not live to record (a secret
/// or KMS key with this state's tags, or a profile AppFlow would confirm under the pending
/// token) survived a `destroy` that reported "Destroy complete!", untracked. A destroy now
/// refuses while a create's outcome is unknown and names the `apply -target` that settles it.
/// This is what such a kill leaves, made by hand: CreateSecret answered, the process dead
/// before the answer was journaled.
#[test]
fn crash_a_destroy_after_a_killed_apply_deletes_what_its_pending_create_made() {
    let aws = Sandbox::start();
    let ran = Test::new()
        .file(
            "main.hcl",
            r#"
secret "a" {
  name                    = "pending/a"
  secret_string           = "value-a"
  recovery_window_in_days = 7
}

secret "b" {
  name                    = "pending/b"
  secret_string           = "value-b"
  recovery_window_in_days = 7
}
"#,
        )
        .aws(&aws)
        .args(["apply", "--auto-approve", "--target", "secret.b"])
        .run();
    let mut state = ran.state();
    let lineage = state["lineage"].as_str().unwrap().to_owned();
    state["pending"] = serde_json::json!({
        "secret.a": { "token": "0123456789abcdef0123456789abcdef", "started": "2026-11-30T00:00:00Z" }
    });
    std::fs::write(
        ran.path("state.json"),
        serde_json::to_vec_pretty(&state).unwrap(),
    )
    .unwrap();
    let sm = aws.secretsmanager();
    aws.block_on(async {
        use aws_sdk_secretsmanager::types::Tag;
        sm.create_secret()
            .name("pending/a")
            .client_request_token("0123456789abcdef0123456789abcdef")
            .secret_string("value-a")
            .tags(
                Tag::builder()
                    .key("flowform:address")
                    .value("secret.a")
                    .build(),
            )
            .tags(
                Tag::builder()
                    .key("flowform:lineage")
                    .value(&lineage)
                    .build(),
            )
            .send()
            .await
            .expect("CreateSecret");
    });
    // A destroy refuses while a create's outcome is unknown, and says how to settle it.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .status(1)
        .stderr_contains("flowform apply -target=secret.a")
        .run();
    let mut live = aws.live_secret_names();
    live.sort();
    assert_eq!(live, ["pending/a", "pending/b"]);
    // The apply that settles it takes the secret back (its tags prove it is this state's)...
    let ran = ran
        .then()
        .aws(&aws)
        .args(["apply", "--auto-approve", "-target=secret.a"])
        .stdout_contains("Apply complete! Resources: 1 added")
        .run();
    // ... and the destroy then leaves nothing behind.
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .stdout_contains("Destroy complete!")
        .run();
    assert_eq!(
        aws.live_secret_names(),
        Vec::<String>::new(),
        "the secret of the interrupted create outlived the destroy:\n{}\n{}",
        ran.stdout(),
        ran.state()
    );
}
/// Found by the crash trials: an apply killed while it took back a secret of its own that was
/// waiting out its recovery window (RestoreSecret, then UpdateSecret and PutSecretValue to make
/// it what the configuration says) had not recorded it yet: the secret was live again, and
/// untracked, so a `destroy` then said "No changes." and left it. It is recorded the moment it
/// is restored now, and the destroy deletes it.
#[test]
fn crash_a_secret_restored_by_a_killed_apply_is_recorded_and_destroyed() {
    const NAME: &str = "crash-restore/s";
    let aws = Sandbox::with_args(&["--latency-ms", "400"]);
    let ran = Test::new()
        .file(
            "main.hcl",
            &format!(
                r#"secret "s" {{
  name                    = "{NAME}"
  description             = "taken back after a destroy"
  secret_string           = "{SENTINEL}-restored"
  recovery_window_in_days = 7
}}
"#
            ),
        )
        .aws(&aws)
        .args(["apply", "--auto-approve"])
        .run();
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .stdout_contains("Destroy complete! Resources: 1 destroyed.")
        .run();
    assert!(aws.live_secret_names().is_empty());

    // The next apply restores it (CreateSecret is refused: the name is pending deletion); it
    // is killed soon after the restore, well before the calls that finish the secret would
    // have ended (three more, 1.2 s at this latency).
    let test = ran.then().aws(&aws).args(["apply", "--auto-approve"]);
    let mut child = test.spawn();
    let sm = aws.secretsmanager();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "the secret was never restored");
        assert!(child.try_wait().unwrap().is_none(), "the apply ended first");
        let restored = aws.block_on(async {
            sm.describe_secret()
                .secret_id(NAME)
                .send()
                .await
                .expect("DescribeSecret")
                .deleted_date()
                .is_none()
        });
        if restored {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    assert_eq!(aws.live_secret_names(), [NAME]);

    let ran = test.args(["state", "list"]).run();
    assert_eq!(
        ran.stdout(),
        "secret.s\n",
        "the restored secret is recorded"
    );
    let ran = ran
        .then()
        .aws(&aws)
        .args(["destroy", "--auto-approve"])
        .stdout_contains("Destroy complete! Resources: 1 destroyed.")
        .run();
    assert!(
        aws.live_secret_names().is_empty(),
        "the destroy left the restored secret live:\n{}",
        ran.stdout()
    );
    assert_no_secret_in_files(ran.dir.path());
}
