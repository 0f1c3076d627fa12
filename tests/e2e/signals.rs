//! Signals during apply (SPEC §5): the first SIGINT or SIGTERM starts no new change, lets the
//! running ones finish and be recorded, releases the lock and exits 130 with a summary; a
//! second one stops at once, and the journal still holds everything finished.

use crate::harness::{Sandbox, Test};
use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

fn secrets(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "secret \"s{i}\" {{\n  name = \"signalled/{i}\"\n  secret_string = \"v\"\n  recovery_window_in_days = 7\n}}\n"
            )
        })
        .collect()
}

fn signal(pid: u32, name: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{name} {pid}");
}

/// Starts the apply and waits until `n` changes are reported complete.
fn started_apply(test: &Test, n: usize) -> (std::process::Child, Vec<String>) {
    started_apply_until(test, |complete, _| complete >= n)
}

/// As [`started_apply`], until `ready(completed, started)` holds for the counts of
/// "Creation complete" and "Creating..." lines seen so far.
fn started_apply_until(
    test: &Test,
    ready: impl Fn(usize, usize) -> bool,
) -> (std::process::Child, Vec<String>) {
    let mut child = test.spawn();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let count = |seen: &[String], what: &str| seen.iter().filter(|l| l.contains(what)).count();
    while !ready(
        count(&seen, "Creation complete"),
        count(&seen, "Creating..."),
    ) {
        assert!(Instant::now() < deadline, "too slow: {seen:?}");
        match lines.next() {
            Some(Ok(l)) => seen.push(l),
            _ => panic!("apply ended early: {seen:?}"),
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, seen)
}

#[test]
fn the_first_interrupt_finishes_what_runs_and_records_it() {
    let aws = Sandbox::with_args(&["--latency-ms", "300"]);
    // An output of the finished configuration: an interrupted apply must not record it.
    let config = format!(
        "{}\noutput \"last\" {{\n  value = \"finished\"\n}}\n",
        secrets(8)
    );
    let test = Test::new().file("main.hcl", &config).aws(&aws).args([
        "apply",
        "--auto-approve",
        "--parallelism",
        "2",
    ]);
    let (mut child, _) = started_apply(&test, 1);
    signal(child.id(), "INT");
    let started = Instant::now();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20), "{stderr}");
    assert!(stderr.contains("Interrupt received"), "{stderr}");
    assert!(stderr.contains("Apply interrupted."), "{stderr}");
    assert!(stderr.contains("Not started:"), "{stderr}");
    let dir = test.dir.path();
    assert!(!dir.join("state.json.journal").exists(), "folded at once");
    assert!(!dir.join("state.json.lock.info").exists(), "lock released");
    let state = crate::harness::read_json(&dir.join("state.json"));
    let recorded = state["resources"].as_object().unwrap().len();
    assert_eq!(
        recorded,
        aws.live_secret_names().len(),
        "everything made is recorded, nothing more"
    );
    assert!(recorded < 8, "it stopped early: {recorded} of 8");
    assert_eq!(
        state["outputs"],
        serde_json::json!({}),
        "an interrupted apply records no outputs"
    );
    let rest = 8 - recorded;
    let ran = test
        .args(["apply", "--auto-approve"])
        .stdout_contains(&format!("Apply complete! Resources: {rest} added"))
        .run();
    assert_eq!(ran.state_addresses().len(), 8);
    assert_eq!(ran.state()["outputs"]["last"]["value"], "finished");
    assert_eq!(aws.live_secret_names().len(), 8, "nothing made twice");
}

#[test]
fn a_second_interrupt_stops_at_once_and_loses_nothing() {
    let aws = Sandbox::with_args(&["--latency-ms", "1500"]);
    let test = Test::new().file("main.hcl", &secrets(6)).aws(&aws).args([
        "apply",
        "--auto-approve",
        "--parallelism",
        "2",
    ]);
    // A third create started (so one finished, and that one's calls take 1.5 s): the two first
    // creates finish together, so waiting for one completion alone could signal when none
    // runs any more, and the apply would end gracefully before the second signal.
    let (mut child, _) = started_apply_until(&test, |_, started| started >= 3);
    signal(child.id(), "TERM");
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    signal(child.id(), "TERM");
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "a second signal does not wait for the running calls: {:?}\n{stderr}",
        started.elapsed()
    );
    assert!(stderr.contains("Stopped at once"), "{stderr}");
    // The next command folds the journal; a create that was cut off is pending, and the
    // apply after it makes everything exactly once.
    let ran = test
        .args(["apply", "--auto-approve"])
        .stdout_contains("Apply complete!")
        .run();
    assert_eq!(ran.state_addresses().len(), 6);
    assert_eq!(aws.live_secret_names().len(), 6, "nothing made twice");
    ran.then()
        .aws(&aws)
        .args(["plan"])
        .stdout_contains("No changes.")
        .run();
}
