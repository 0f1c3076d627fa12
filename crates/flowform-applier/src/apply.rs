//! Carrying out a plan: walk its graph on tokio, as many changes at once as `--parallelism`
//! and the dependencies allow, and record each finished change in the journal at once.
//!
//! Recording appends one line to the state's journal instead of rewriting the state, so an
//! apply of n resources costs O(n) writes, and a process killed half-way loses nothing it
//! reported done. A task enqueues its line under the journal's mutex and awaits its durability
//! outside it, without blocking a worker thread: the lines of changes that finish together go
//! out in one write (one fsync locally, one segment in S3; see `flowform_state::journal`). An
//! intent (and a key policy's checkpoint) is awaited before the next AWS call with every
//! backend; a finished change before it is reported done locally, and in S3 within a second.
//! A change that fails does not stop the others: what depends on it is skipped, everything else
//! still runs.

use crate::attrs;
use crate::clients::Clients;
use crate::error::{AwsError, ChangeError};
use crate::resources::{self, Op};
use crate::token::token;
use flowform_core::{Address, ResourceKind, Value};
use flowform_parser::Config;
use flowform_parser::eval::Exports;
use flowform_planner::{Action, Attrs, Plan, ResourceChange, Schedule, Step};
use flowform_state::{Change, Digest, Durability, Journal, ResourceState, Ticket};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Reports progress as changes start and finish.
pub trait Progress: Send + Sync {
    fn started(&self, change: &ResourceChange, phase: Phase);
    fn finished(&self, change: &ResourceChange, phase: Phase, elapsed: Duration, id: Option<&str>);
}

/// What a change is doing right now (a replacement destroys, then creates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Creating,
    Modifying,
    Destroying,
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// Digests of the sensitive values a saved plan was made with: apply refuses a change
    /// whose secrets differ from what was reviewed.
    pub expected_digests: Option<BTreeMap<String, BTreeMap<String, Digest>>>,
    /// Records of objects a refresh found gone that nothing in the plan makes again: they are
    /// dropped from the state, as Terraform drops them.
    pub forget: Vec<Address>,
    /// Set (by a signal handler) to stop starting changes: the ones running finish and are
    /// recorded, the rest are reported as not started.
    pub stop: Arc<AtomicBool>,
}

/// How an apply ended.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub errors: Vec<ChangeError>,
    /// Changes not attempted because something they depend on failed.
    pub skipped: Vec<Address>,
    /// Changes not started because the apply was asked to stop.
    pub not_started: Vec<Address>,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    /// Objects adopted by `import` blocks.
    pub imported: usize,
    /// Records renamed by `moved` blocks.
    pub moved: usize,
}

struct Shared {
    journal: Mutex<Journal>,
    /// The state's serial when this apply began: part of every idempotency token, so that a
    /// later apply (after a destroy, say) is a new request to AWS, not a replay of an old one.
    serial: u64,
    config: Arc<Config>,
    clients: Clients,
    lineage: String,
    key: flowform_state::DigestKey,
    expected: Option<BTreeMap<String, BTreeMap<String, Digest>>>,
    progress: Arc<dyn Progress>,
}

/// References answered from the journal's state as it is at this moment.
struct JournalExports<'a>(&'a Mutex<Journal>);

impl Exports for JournalExports<'_> {
    fn export(&self, address: &Address, attribute: &str) -> Value {
        let journal = self.0.lock().unwrap_or_else(|p| p.into_inner());
        journal
            .state()
            .resources
            .get(&address.to_string())
            .and_then(|r| r.attributes.get(attribute))
            .map(|v| Value::from_json(v.clone()))
            .unwrap_or(Value::Unknown)
    }
}

/// Applies `plan`. Returns the journal (to be folded into the state) and what happened.
pub async fn apply(
    plan: Arc<Plan>,
    config: Arc<Config>,
    journal: Journal,
    clients: Clients,
    options: ApplyOptions,
    progress: Arc<dyn Progress>,
) -> (Journal, ApplyReport) {
    let state = journal.state();
    let shared = Arc::new(Shared {
        serial: state.serial.0,
        lineage: state.lineage.as_uuid().to_string(),
        key: state.digest_key.clone(),
        journal: Mutex::new(journal),
        config,
        clients,
        expected: options.expected_digests,
        progress,
    });
    let mut report = ApplyReport::default();
    for address in &options.forget {
        if let Err(e) = record(&shared, &address.to_string(), None, Durability::Finished).await {
            report.errors.push(ChangeError {
                address: address.clone(),
                doing: "forget",
                error: e,
            });
        }
    }
    // Renames and adoptions are recorded before any change runs: they touch only the state,
    // and the changes that follow find the objects under their new addresses.
    for change in &plan.changes {
        let outcome = if let Some(from) = &change.previous_address {
            record_move(&shared, from, &change.address)
                .await
                .map(|()| report.moved += 1)
        } else {
            Ok(())
        };
        let outcome = match (outcome, &change.importing) {
            (Ok(()), Some(import)) => {
                let mut rec = import.record.clone();
                if let Some(r) = shared.config.resources.get(&change.address) {
                    rec.dependencies = r
                        .references
                        .iter()
                        .chain(&r.depends_on)
                        .map(|a| a.to_string())
                        .collect();
                }
                record(
                    &shared,
                    &change.address.to_string(),
                    Some(rec),
                    Durability::Finished,
                )
                .await
                .map(|()| report.imported += 1)
            }
            (outcome, _) => outcome,
        };
        if let Err(e) = outcome {
            report.errors.push(ChangeError {
                address: change.address.clone(),
                doing: "record",
                error: e,
            });
        }
    }
    let schedule = Schedule::new(&plan);
    let graph = &schedule.graph;
    let mut waiting: BTreeMap<NodeIndex, usize> = graph
        .node_indices()
        .map(|n| (n, graph.neighbors_directed(n, Direction::Incoming).count()))
        .collect();
    let mut blocked: BTreeMap<NodeIndex, bool> = BTreeMap::new();
    let mut ready: VecDeque<NodeIndex> = waiting
        .iter()
        .filter(|(_, w)| **w == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut running: JoinSet<(NodeIndex, Result<(), ChangeError>)> = JoinSet::new();
    let mut tasks: std::collections::HashMap<tokio::task::Id, NodeIndex> =
        std::collections::HashMap::new();
    let parallelism = options.parallelism.max(1);
    // Changes that ran (or were skipped): what an interrupted apply did not start is the rest.
    let mut ended: std::collections::HashSet<usize> = std::collections::HashSet::new();

    loop {
        while running.len() < parallelism && !options.stop.load(Ordering::SeqCst) {
            let Some(n) = ready.pop_front() else { break };
            match graph[n] {
                Step::Change(i) if blocked.get(&n).copied().unwrap_or(false) => {
                    ended.insert(i);
                    report.skipped.push(plan.changes[i].address.clone());
                    finish(graph, n, false, &mut waiting, &mut blocked, &mut ready);
                }
                Step::Change(i) => {
                    let (shared, plan) = (shared.clone(), plan.clone());
                    let handle =
                        running.spawn(async move { (n, run(&shared, &plan.changes[i]).await) });
                    tasks.insert(handle.id(), n);
                }
                _ => finish(graph, n, true, &mut waiting, &mut blocked, &mut ready),
            }
        }
        let Some(done) = running.join_next().await else {
            if ready.is_empty() || options.stop.load(Ordering::SeqCst) {
                break;
            }
            continue;
        };
        let (n, outcome) = match done {
            Ok(pair) => pair,
            // A panicking change is a bug, but it must not take the others down with it: it
            // fails like any change, under its own address, and what depends on it is skipped.
            Err(panic) => match tasks.get(&panic.id()) {
                Some(&n) => {
                    let Step::Change(i) = graph[n] else { continue };
                    let address = plan.changes[i].address.clone();
                    (
                        n,
                        Err(ChangeError {
                            address,
                            doing: "apply",
                            error: AwsError::other(format!("internal error: {panic}")),
                        }),
                    )
                }
                None => continue,
            },
        };
        let Step::Change(i) = graph[n] else { continue };
        ended.insert(i);
        let ok = outcome.is_ok();
        match outcome {
            Ok(()) => match plan.changes[i].action {
                Action::Create => report.added += 1,
                Action::Update => report.changed += 1,
                Action::Replace => {
                    report.added += 1;
                    report.destroyed += 1;
                }
                Action::Delete => report.destroyed += 1,
                Action::NoOp => {}
            },
            Err(e) => report.errors.push(e),
        }
        finish(graph, n, ok, &mut waiting, &mut blocked, &mut ready);
    }
    if options.stop.load(Ordering::SeqCst) {
        report.not_started = plan
            .changes
            .iter()
            .enumerate()
            .filter(|(i, c)| c.action != Action::NoOp && !ended.contains(i))
            .map(|(_, c)| c.address.clone())
            .collect();
    }
    let shared =
        Arc::try_unwrap(shared).unwrap_or_else(|_| unreachable!("every task has finished"));
    let journal = shared
        .journal
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    (journal, report)
}

/// Marks `n` done and releases what waited for it. A failed (or skipped) change blocks the
/// changes that depend on it directly; the kind-order barriers only order, they never block.
fn finish(
    graph: &petgraph::graph::DiGraph<Step, ()>,
    n: NodeIndex,
    ok: bool,
    waiting: &mut BTreeMap<NodeIndex, usize>,
    blocked: &mut BTreeMap<NodeIndex, bool>,
    ready: &mut VecDeque<NodeIndex>,
) {
    for s in graph.neighbors_directed(n, Direction::Outgoing) {
        if !ok && matches!(graph[n], Step::Change(_)) {
            blocked.insert(s, true);
        }
        if let Some(w) = waiting.get_mut(&s) {
            *w -= 1;
            if *w == 0 {
                ready.push_back(s);
            }
        }
    }
}

async fn run(shared: &Shared, change: &ResourceChange) -> Result<(), ChangeError> {
    let address = &change.address;
    let fail = |doing: &'static str| {
        move |error: AwsError| ChangeError {
            address: address.clone(),
            doing,
            error,
        }
    };
    let key = &address.to_string();
    let prior = shared
        .journal
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .state()
        .resources
        .get(key)
        .cloned();
    // Destroys the recorded object and records that it is gone — in that order, and before
    // saying so: a change reported complete is always in the journal.
    let destroy = |prior: ResourceState, doing: &'static str| async move {
        let started = begin(shared, change, Phase::Destroying);
        let clients = shared
            .clients
            .for_alias(prior.provider.as_deref())
            .map_err(fail(doing))?;
        delete(clients, address.kind, &prior)
            .await
            .map_err(fail(doing))?;
        record(shared, key, None, Durability::Finished)
            .await
            .map_err(fail(doing))?;
        shared
            .progress
            .finished(change, Phase::Destroying, started.elapsed(), None);
        Ok::<(), ChangeError>(())
    };
    match change.action {
        Action::NoOp => Ok(()),
        Action::Delete => {
            let prior = prior.ok_or_else(|| {
                fail("destroy")(AwsError::other("the state no longer records it"))
            })?;
            destroy(prior, "destroy").await
        }
        Action::Create | Action::Update | Action::Replace => {
            let doing = match change.action {
                Action::Create => "create",
                Action::Update => "update",
                _ => "replace",
            };
            let mut attrs = evaluate(shared, change).map_err(fail(doing))?;
            // A replacement destroys the old object first: the two may not coexist (a profile's
            // name, a secret's name pending deletion), and the old one must never be left
            // behind unrecorded.
            if let Some(p) = prior.clone().filter(|_| change.action == Action::Replace) {
                destroy(p, doing).await?;
            }
            let creating = change.action != Action::Update;
            // A create an earlier apply sent but never recorded is repeated with the token it
            // carried: only the same request under the same token proves that what AWS has
            // under this name is what that apply made.
            let pending = creating.then(|| pending_create(shared, key)).flatten();
            let token = match &pending {
                Some(p) => p.token.clone(),
                None => {
                    let request = format!("{}:{}", shared.serial, request_digest(shared, &attrs));
                    token(&shared.lineage, key, doing, &request)
                }
            };
            if creating && pending.is_none() {
                intend(shared, key, &token).await.map_err(fail(doing))?;
            }
            let provider = shared
                .config
                .resources
                .get(address)
                .and_then(|r| r.provider.as_deref());
            let op = Op {
                clients: shared.clients.for_alias(provider).map_err(fail(doing))?,
                address,
                lineage: shared.lineage.clone(),
                token,
                prior: prior.as_ref().filter(|_| change.action == Action::Update),
                resumed: pending,
                change,
                checkpoint: &|partial: ResourceState, durability| {
                    Box::pin(record(shared, key, Some(partial), durability))
                },
                // The whole object, sent in one create: what follows only reads, and the
                // create's durable intent already covers recovery.
                checkpoint_all: &|sent: &Attrs, id: &str| {
                    let rec = to_record(shared, address, sent, id);
                    Box::pin(
                        async move { record(shared, key, Some(rec?), Durability::Finished).await },
                    )
                },
            };
            let phase = if change.action == Action::Update {
                Phase::Modifying
            } else {
                Phase::Creating
            };
            let started = begin(shared, change, phase);
            let resource = resources::of(address.kind);
            let id = if change.action == Action::Update {
                resource.update(&op, &mut attrs).await
            } else {
                let created = resource.create(&op, &mut attrs).await;
                if let Err(e) = &created {
                    // A create whose name another object holds made nothing: its intent would
                    // otherwise stay pending for good, blocking every destroy. Only a fresh
                    // create is settled so: a repeated one (resumed) may face the object the
                    // first request made (tags removed since, a token AppFlow no longer
                    // honours), and stays pending until an apply proves it or `state rm`
                    // forgets it.
                    if e.name_taken && op.resumed.is_none() {
                        settle(shared, key);
                    }
                }
                created
            }
            .map_err(fail(doing))?;
            let rec = to_record(shared, address, &attrs, &id).map_err(fail(doing))?;
            record(shared, key, Some(rec), Durability::Finished)
                .await
                .map_err(fail(doing))?;
            shared
                .progress
                .finished(change, phase, started.elapsed(), Some(&id));
            Ok(())
        }
    }
}

fn begin(shared: &Shared, change: &ResourceChange, phase: Phase) -> Instant {
    shared.progress.started(change, phase);
    Instant::now()
}

/// The resource's attributes with everything it refers to now known, checked against what the
/// plan showed.
fn evaluate(shared: &Shared, change: &ResourceChange) -> Result<Attrs, AwsError> {
    let mut attrs = shared
        .config
        .evaluate_resource(&change.address, &JournalExports(&shared.journal))
        .map_err(|d| {
            let reasons: Vec<String> = d
                .iter()
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect();
            AwsError::other(format!(
                "the configuration cannot be evaluated: {}",
                reasons.join("; ")
            ))
        })?;
    // `ignore_changes`: what exists stands, as the plan decided (a secret keeps its configured
    // value: the state has only its digest, and the API needs the value when it is resent).
    let ignored = shared
        .config
        .resources
        .get(&change.address)
        .map(|r| r.lifecycle.ignore_changes.clone())
        .unwrap_or_default();
    if let Some(planned) = &change.after {
        for name in &ignored {
            if let Some(kept) = planned.get(name).filter(|v| !v.contains_sensitive()) {
                attrs.insert(name.clone(), kept.clone());
            }
        }
    }
    attrs::ensure_known(&attrs)?;
    if let Some(planned) = &change.after {
        for (name, value) in &attrs {
            match planned.get(name) {
                Some(p) if p.is_known() && !p.contains_sensitive() && p != value => {
                    return Err(AwsError::other(format!(
                        "\"{name}\" has a different value now than in the plan: the configuration or what it refers to changed since the plan was made. Make a new plan."
                    )));
                }
                _ => {}
            }
        }
    }
    if let Some(expected) = shared
        .expected
        .as_ref()
        .and_then(|e| e.get(&change.address.to_string()))
    {
        let now = flowform_state::values::flatten(&attrs, &shared.key);
        for (path, digest) in expected {
            if !matches!(now.get(path), Some(flowform_state::values::Leaf::Digest(d)) if d == digest)
            {
                return Err(AwsError::other(format!(
                    "the sensitive value at \"{path}\" differs from the one the plan was made with. Make a new plan."
                )));
            }
        }
    }
    Ok(attrs)
}

/// What a create asks for, as canonical JSON (sorted paths; secrets by digest): the part of its
/// idempotency token that changes when the request does.
fn request_digest(shared: &Shared, attrs: &Attrs) -> String {
    use flowform_state::values::Leaf;
    let leaves: BTreeMap<String, serde_json::Value> =
        flowform_state::values::flatten(attrs, &shared.key)
            .into_iter()
            .map(|(path, leaf)| {
                let json = match leaf {
                    Leaf::Plain(v) => serde_json::json!({ "plain": v }),
                    Leaf::Digest(d) => serde_json::json!({ "digest": d.to_string() }),
                    Leaf::Unknown => serde_json::json!({ "unknown": true }),
                };
                (path, json)
            })
            .collect();
    serde_json::Value::from(serde_json::Map::from_iter(leaves)).to_string()
}

/// The create of `key` that an earlier apply sent and never recorded, if any.
fn pending_create(shared: &Shared, key: &str) -> Option<flowform_state::PendingCreate> {
    shared
        .journal
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .state()
        .pending
        .get(key)
        .cloned()
}

/// Forgets the intent to create `key` (a create whose name was taken). Not journaled: should the
/// process die before the state is written, the intent is still there and the next apply
/// repeats the create under its token, which is the safe side.
fn settle(shared: &Shared, key: &str) {
    shared
        .journal
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .forget_intent(key);
}

/// Records, durably and before AWS is asked, that `key` is being created with `token`.
async fn intend(shared: &Shared, key: &str, token: &str) -> Result<(), AwsError> {
    let pending = flowform_state::PendingCreate::now(token);
    let ticket = shared
        .journal
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .enqueue(key, Change::Intent(&pending), Durability::Now);
    wait(ticket).await.map_err(|e| {
        AwsError::other(format!(
            "nothing was sent: the create could not be recorded as started: {e}"
        ))
    })
}

fn to_record(
    shared: &Shared,
    address: &Address,
    attrs: &Attrs,
    id: &str,
) -> Result<ResourceState, AwsError> {
    let (json, digests) = flowform_state::values::to_state(attrs, &shared.key)
        .ok_or_else(|| AwsError::other("a value is still unknown after apply"))?;
    let mut record = ResourceState::new(address.kind.keyword(), id);
    record.attributes = json;
    record.sensitive = digests;
    if let Some(r) = shared.config.resources.get(address) {
        record.dependencies = r
            .references
            .iter()
            .chain(&r.depends_on)
            .map(|a| a.to_string())
            .collect();
    }
    Ok(record)
}

/// Moves the record at `from` to `to` (a remove and a set in the journal), and renames `from`
/// in the dependencies other records keep. No AWS call: the object stays as it is.
async fn record_move(shared: &Shared, from: &Address, to: &Address) -> Result<(), AwsError> {
    let (from, to) = (from.to_string(), to.to_string());
    let (moved, dependents) = {
        let journal = shared.journal.lock().unwrap_or_else(|p| p.into_inner());
        let resources = &journal.state().resources;
        let dependents: Vec<(String, ResourceState)> = resources
            .iter()
            .filter(|(a, r)| **a != from && r.dependencies.contains(&from))
            .map(|(a, r)| (a.clone(), r.clone()))
            .collect();
        (resources.get(&from).cloned(), dependents)
    };
    let Some(moved) = moved else {
        return Err(AwsError::other(format!(
            "the state no longer records {from}, so it cannot be moved to {to}"
        )));
    };
    record(shared, &from, None, Durability::Finished).await?;
    record(shared, &to, Some(moved), Durability::Finished).await?;
    for (address, mut r) in dependents {
        r.dependencies.remove(&from);
        r.dependencies.insert(to.clone());
        record(shared, &address, Some(r), Durability::Finished).await?;
    }
    Ok(())
}

/// Appends the change to the journal and waits until it is as durable as `durability` asks,
/// without holding the journal's mutex or a worker thread meanwhile.
async fn record(
    shared: &Shared,
    key: &str,
    resource: Option<ResourceState>,
    durability: Durability,
) -> Result<(), AwsError> {
    // Every record names the provider configuration its object lives under, so it can be
    // destroyed there once it has left the configuration.
    let resource = resource.map(|mut r| {
        if let Some(configured) = key
            .parse::<Address>()
            .ok()
            .and_then(|a| shared.config.resources.get(&a))
        {
            r.provider = configured.provider.clone();
        }
        r
    });
    let ticket = {
        let mut journal = shared.journal.lock().unwrap_or_else(|p| p.into_inner());
        match &resource {
            Some(r) => journal.enqueue(key, Change::Set(r), durability),
            None => journal.enqueue(key, Change::Remove, durability),
        }
    };
    wait(ticket).await.map_err(|e| {
        AwsError::other(format!(
            "the change was made, but recording it in the state failed: {e}"
        ))
    })
}

async fn wait(
    ticket: Result<Ticket, flowform_state::StateError>,
) -> Result<(), flowform_state::StateError> {
    ticket?.durable().await
}

pub(crate) async fn delete(
    clients: &Clients,
    kind: ResourceKind,
    prior: &ResourceState,
) -> Result<(), AwsError> {
    resources::of(kind).delete(clients, prior).await
}
