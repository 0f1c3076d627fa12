//! The planning algorithm: Config + State (+ a refreshed view) → Plan.
//!
//! Resources are evaluated in dependency order, so that a reference to a resource that is only
//! being created is unknown (`(known after apply)`), while a reference to one that exists reads
//! its value from the state. Each is then compared with the state: by digest for sensitive
//! values, by meaning for policies, by value for the rest.

use crate::graph;
use crate::plan::{Action, Attrs, Drift, Importing, OutputChange, Plan, ResourceChange};
use crate::values::{self, Leaf};
use flowform_core::schema::{self, AttrType};
use flowform_core::{Address, Diagnostic, Diagnostics, ResourceKind, Target, Value, policy};
use flowform_parser::Config;
use flowform_parser::eval::Exports;
use flowform_state::{DigestKey, ResourceState, State};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What a refresh found: per address in the state, the object as it exists now in AWS, or
/// `None` when it was deleted outside flowform.
pub type Refreshed = BTreeMap<String, Option<ResourceState>>;

/// How to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Plan to destroy everything in the state.
    pub destroy: bool,
    /// Plan only these resources and module instances (and what they depend on).
    pub targets: Vec<Target>,
    /// The refreshed view of the resources in the state, when a refresh ran.
    pub refreshed: Option<Refreshed>,
    /// `--replace`: these instances are replaced even if nothing about them changed.
    pub replace: Vec<Address>,
    /// `--refresh-only`: plan no change, only record what the refresh found.
    pub refresh_only: bool,
    /// The objects the configuration's `import` blocks name, as the caller read them (the
    /// planner does no I/O), by the address they are imported to.
    pub imports: BTreeMap<Address, Importing>,
    /// The plan is for tools (the JSON view, a saved plan): describe the configuration
    /// ([`configuration::describe`](crate::configuration::describe)) and keep the values of
    /// unchanged resources, which the JSON view lists. The terminal's view and an apply need
    /// neither, and a no-op plan of thousands of resources is mostly those values.
    pub for_tools: bool,
}

/// What exists, as far as the plan knows, by address: the state's records (or the refreshed
/// or imported ones) borrowed, owned only where a move rewrote a record's dependencies.
type Prior<'a> = BTreeMap<Address, Cow<'a, ResourceState>>;

/// One resource as planned so far.
///
/// The record it was decided against is `prior`'s entry at its address: a plan of thousands of
/// resources keeps one map of records, not a copy per planned resource.
struct Planned {
    action: Action,
    before: Option<Attrs>,
    after: Option<Attrs>,
    replace_paths: Vec<String>,
    changed: Vec<String>,
    replace_requested: bool,
}

/// Plans the changes that make the infrastructure match `config`.
pub fn plan(config: &Config, state: &State, options: &PlanOptions) -> Result<Plan, Diagnostics> {
    let mut diags = Diagnostics::default();
    let key = &state.digest_key;

    // What exists, as far as we know. Collected, then built at once: a map built from sorted
    // entries has full nodes, one filled by inserts in another order about half-empty ones.
    let mut records = Vec::with_capacity(state.resources.len());
    let mut drift = Vec::new();
    for (addr_text, record) in &state.resources {
        let Ok(address) = addr_text.parse::<Address>() else {
            diags.push(Diagnostic::error("Unrecognised resource in the state", format!(
                "The state holds \"{addr_text}\", which is not an address this version of flowform understands. Remove it with flowform state rm if it is no longer needed."
            )));
            continue;
        };
        let current = match options.refreshed.as_ref().map(|r| r.get(addr_text)) {
            Some(Some(Some(now))) => {
                let (was, mut is) = (values::flatten_state(record), values::flatten_state(now));
                // A computed attribute the record does not have yet (an apply stopped between
                // making the object and reading what AWS computed for it) is learned, not drift.
                is.retain(|path, _| {
                    was.contains_key(path)
                        || !address.kind.computed_attributes().contains(&path.as_str())
                });
                if was != is {
                    let paths: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
                    drift.push(Drift {
                        address: address.clone(),
                        before: values::from_state(record),
                        after: Some(values::from_state(now)),
                        changed: paths
                            .into_iter()
                            .filter(|p| was.get(*p) != is.get(*p))
                            .cloned()
                            .collect(),
                    });
                }
                Some(Cow::Borrowed(now))
            }
            Some(Some(None)) => {
                drift.push(Drift {
                    address: address.clone(),
                    before: values::from_state(record),
                    after: None,
                    changed: Vec::new(),
                });
                None
            }
            _ => Some(Cow::Borrowed(record)),
        };
        if let Some(current) = current {
            records.push((address, current));
        }
    }
    let mut prior: Prior<'_> = records.into_iter().collect();
    if diags.has_errors() {
        return Err(diags);
    }
    if options.refresh_only {
        diags.extend(config.warnings.clone());
        let mut plan = Plan {
            changes: Vec::new(),
            edges: Vec::new(),
            drift,
            outputs: Vec::new(),
            warnings: diags,
            destroy: false,
            targets: options.targets.clone(),
            // Filled by `configuration::describe`, for the JSON view and saved plans only.
            configuration: Vec::new(),
            module_calls: Vec::new(),
            variables: BTreeMap::new(),
            refresh_only: true,
            described: false,
        };
        if options.for_tools {
            crate::configuration::describe(config, &mut plan);
        }
        return Ok(plan);
    }

    // Renames first (`moved` blocks, and Terraform's implied move when count is added to or
    // removed from a resource), then adoptions: what follows plans against the new addresses.
    let moved_from = if options.destroy {
        BTreeMap::new()
    } else {
        apply_moves(config, &mut prior, &mut diags)
    };
    let mut importing: BTreeMap<Address, Importing> = BTreeMap::new();
    if !options.destroy {
        for (address, import) in &options.imports {
            if !prior.contains_key(address) {
                prior.insert(address.clone(), Cow::Borrowed(&import.record));
                importing.insert(address.clone(), import.clone());
            }
        }
    }
    for r in &options.replace {
        let known = config.resources.contains_key(r) || prior.contains_key(r);
        if !known {
            let detail = match config.blocks.get(r).filter(|e| e.is_repeated()) {
                Some(_) => format!(
                    "--replace {r}: it has count or for_each; name one of its instances, such as {r}[0] or {r}[\"KEY\"]."
                ),
                None => format!(
                    "--replace {r}: no such resource instance in the configuration or the state."
                ),
            };
            diags.push(Diagnostic::error("Invalid replace address", detail));
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let mut planned: BTreeMap<Address, Planned> = BTreeMap::new();
    if !options.destroy {
        for address in graph::config_order(config) {
            let exports = PlannedExports {
                planned: &planned,
                prior: &prior,
            };
            let after = match config.evaluate_resource(&address, &exports) {
                Ok(a) => a,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            let resource = &config.resources[&address];
            let lifecycle = &resource.lifecycle;
            // Another provider configuration is another region or account: the object cannot
            // follow; it is destroyed where it was made and created where it is configured now.
            let recorded = prior.get(&address);
            let moves_provider = recorded.is_some_and(|r| r.provider != resource.provider);
            if let (true, Some(recorded)) = (moves_provider, recorded) {
                let name = |alias: &Option<String>| {
                    alias
                        .as_ref()
                        .map_or("aws".to_string(), |a| format!("aws.{a}"))
                };
                diags.push(Diagnostic::warning(
                    "Provider configuration changed",
                    format!(
                        "{address} was made with the provider configuration {} and is now configured with {}: it will be destroyed where it was made and created again with the new configuration.",
                        name(&recorded.provider),
                        name(&resource.provider)
                    ),
                ));
            }
            let requested = options.replace.contains(&address);
            let mut p = decide(
                &address,
                after,
                recorded,
                key,
                &lifecycle.ignore_changes,
                requested || moves_provider,
            );
            p.replace_requested = requested;
            if p.action == Action::NoOp && !options.for_tools {
                // Compared and done with: nothing shows an unchanged resource's values, and
                // what other resources and outputs read of it is in its record (see
                // `PlannedExports`).
                p.before = None;
                p.after = None;
            }
            planned.insert(address, p);
        }
    }
    for (address, record) in &prior {
        if options.destroy || !config.resources.contains_key(address) {
            planned.insert(
                address.clone(),
                Planned {
                    action: Action::Delete,
                    before: Some(values::from_state(record)),
                    after: None,
                    replace_paths: Vec::new(),
                    changed: Vec::new(),
                    replace_requested: false,
                },
            );
        }
    }

    if !options.targets.is_empty() {
        let keep = graph::targeted(
            config,
            &prior,
            &planned_actions(&planned),
            &options.targets,
            &mut diags,
        );
        planned.retain(|a, _| keep.contains(a));
        diags.push(Diagnostic::warning("Resource targeting is in effect", format!(
            "You are creating a plan with --target ({}), so it may not cover every change the configuration calls for. Use it for exceptional situations, such as recovering from errors, not routinely.",
            options.targets.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
        )));
    }

    for (address, p) in &planned {
        let Some(resource) = config.resources.get(address) else {
            continue;
        };
        if resource.lifecycle.prevent_destroy
            && matches!(p.action, Action::Delete | Action::Replace)
        {
            diags.push(Diagnostic::error("Instance cannot be destroyed", format!(
                "{address} has lifecycle.prevent_destroy set, but the plan calls for it to be destroyed{}. To go on, either remove prevent_destroy, or reduce the scope of the plan with --target.",
                if p.replace_paths.is_empty() { String::new() } else { format!(" (replaced because {} changed)", p.replace_paths.join(", ")) }
            )).with_range(resource.range.clone()).with_context(format!("{} \"{}\"", address.kind, address.label)));
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let values = if options.destroy && options.targets.is_empty() {
        // Everything goes, the outputs with it.
        Vec::new()
    } else {
        let exports = PlannedExports {
            planned: &planned,
            prior: &prior,
        };
        match config.evaluate_outputs(&exports) {
            // A targeted destroy keeps the outputs that do not read what it destroys: those
            // that do are unknown once their resources are gone, and removed (as the apply
            // removes them, evaluating against the state it leaves; Terraform keeps them,
            // stale).
            Ok(values) if options.destroy => {
                values.into_iter().filter(|(_, v)| v.is_known()).collect()
            }
            Ok(values) => values,
            Err(d) => {
                diags.extend(d);
                return Err(diags);
            }
        }
    };
    let outputs = output_changes(config, state, values);

    let actions = planned_actions(&planned);
    let (order, edges) = graph::order(config, &actions, &prior_dependencies(&planned, &prior))
        .map_err(|detail| Diagnostics(vec![Diagnostic::error("Cycle in the plan", detail)]))?;
    let mut changes = Vec::with_capacity(order.len());
    let explicit = graph::explicit_dependencies(config, &actions);
    for address in &order {
        let Some(mut p) = planned.remove(address) else {
            continue;
        };
        if p.action == Action::NoOp && !options.for_tools {
            p.after = None;
        }
        changes.push(ResourceChange {
            depends_on: explicit.get(address).cloned().unwrap_or_default(),
            address: address.clone(),
            action: p.action,
            before: p.before,
            after: p.after,
            replace_paths: p.replace_paths,
            changed: p.changed,
            prior_id: prior.get(address).map(|r| r.id.clone()),
            previous_address: moved_from.get(address).cloned(),
            importing: importing.remove(address).map(Box::new),
            replace_requested: p.replace_requested,
        });
    }
    diags.extend(config.warnings.clone());
    let mut plan = Plan {
        changes,
        edges,
        drift,
        outputs,
        warnings: diags,
        destroy: options.destroy,
        targets: options.targets.clone(),
        // Filled by `configuration::describe`, for the JSON view and saved plans only.
        configuration: Vec::new(),
        module_calls: Vec::new(),
        variables: BTreeMap::new(),
        refresh_only: false,
        described: false,
    };
    if options.for_tools {
        crate::configuration::describe(config, &mut plan);
    }
    Ok(plan)
}

/// Moves the records of `prior` as the configuration's `moved` blocks say, and as Terraform
/// moves them implicitly (`[0]` of a resource that lost its `count` becomes the resource, and
/// the other way round; likewise for module calls and every resource under them). Returns, per new address, the address it had. A move onto an address
/// that already holds an object is not made (with a warning), as in Terraform.
fn apply_moves(
    config: &Config,
    prior: &mut Prior<'_>,
    diags: &mut Diagnostics,
) -> BTreeMap<Address, Address> {
    let mut moves: Vec<(Address, Address)> = Vec::new();
    for m in &config.moved {
        for a in prior.keys() {
            if let Some(to) = m.destination(a) {
                moves.push((a.clone(), to));
            }
        }
    }
    for (block, expansion) in &config.blocks {
        let zero = block.instance(Some(flowform_core::InstanceKey::Int(0)));
        let (from, to) = match expansion {
            flowform_parser::Expansion::Single => (zero, block.clone()),
            flowform_parser::Expansion::Count(_) => (block.clone(), zero),
            _ => continue,
        };
        if prior.contains_key(&from)
            && !prior.contains_key(&to)
            && !moves.iter().any(|(f, _)| *f == from)
        {
            moves.push((from, to));
        }
    }
    // The same for module calls: `count` added to a call moves its resources to `[0]`,
    // removed moves them back.
    for module in config.modules.iter().skip(1) {
        let Some((last, parent)) = module.path.split_last() else {
            continue;
        };
        let repeated = config
            .modules
            .get(module.parent)
            .and_then(|p| p.calls.get(&last.name))
            .map(|c| &c.expansion);
        let other_key = match (repeated, &last.key) {
            (
                Some(flowform_parser::Expansion::Count(_)),
                Some(flowform_core::InstanceKey::Int(0)),
            ) => None,
            (Some(flowform_parser::Expansion::Single), None) => {
                Some(flowform_core::InstanceKey::Int(0))
            }
            _ => continue,
        };
        let mut from_path = parent.to_vec();
        from_path.push(flowform_core::ModuleStep {
            name: last.name.clone(),
            key: other_key,
        });
        for a in prior.keys() {
            if a.module.len() < from_path.len() || a.module[..from_path.len()] != from_path[..] {
                continue;
            }
            let path: flowform_core::ModulePath = module
                .path
                .iter()
                .chain(&a.module[from_path.len()..])
                .cloned()
                .collect();
            let to = a.clone().in_module(&path);
            if !prior.contains_key(&to) && !moves.iter().any(|(f, _)| f == a) {
                moves.push((a.clone(), to));
            }
        }
    }
    let mut moved_from = BTreeMap::new();
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for (from, to) in moves {
        if prior.contains_key(&to) {
            diags.push(Diagnostic::warning("Move not made", format!(
                "{from} cannot move to {to}: the state already has an object there. {from} stays where it is; remove one of them with flowform state rm, or change the moved block."
            )));
            continue;
        }
        let Some(record) = prior.remove(&from) else {
            continue;
        };
        prior.insert(to.clone(), record);
        renamed.insert(from.to_string(), to.to_string());
        moved_from.insert(to, from);
    }
    if !renamed.is_empty() {
        for record in prior.values_mut() {
            if record.dependencies.iter().any(|d| renamed.contains_key(d)) {
                let record = record.to_mut();
                let deps = std::mem::take(&mut record.dependencies);
                record.dependencies = deps
                    .into_iter()
                    .map(|d| renamed.get(&d).cloned().unwrap_or(d))
                    .collect();
            }
        }
    }
    moved_from
}

fn planned_actions(planned: &BTreeMap<Address, Planned>) -> BTreeMap<Address, Action> {
    planned.iter().map(|(a, p)| (a.clone(), p.action)).collect()
}

fn prior_dependencies(
    planned: &BTreeMap<Address, Planned>,
    prior: &Prior<'_>,
) -> BTreeMap<Address, Vec<Address>> {
    planned
        .keys()
        .filter_map(|a| {
            let deps = prior
                .get(a)?
                .dependencies
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect();
            Some((a.clone(), deps))
        })
        .collect()
}

/// Decides one resource's action by comparing its evaluated configuration with what exists.
fn decide<'a>(
    address: &Address,
    mut after: Attrs,
    recorded: Option<&Cow<'a, ResourceState>>,
    key: &DigestKey,
    ignore: &[String],
    replace_requested: bool,
) -> Planned {
    let kind = address.kind;
    let Some(prior) = recorded else {
        for attr in kind.computed_attributes() {
            after.insert(attr.to_string(), computed_on_create(kind, attr, &after));
        }
        return Planned {
            action: Action::Create,
            before: None,
            after: Some(after),
            replace_paths: Vec::new(),
            changed: Vec::new(),
            replace_requested: false,
        };
    };
    let before = values::from_state(prior);
    // ignore_changes: the existing value stands (a secret keeps the configured value, since the
    // state has only its digest and the API needs the value whenever it is resent).
    for name in ignore {
        if let Some(old) = before.get(name)
            && !old.contains_sensitive()
        {
            after.insert(name.clone(), old.clone());
        }
    }
    let new_leaves = values::flatten(&after, key);
    let old_leaves = values::flatten_state(prior);
    let mut changed = Vec::new();
    for attr in schema::attributes(kind) {
        if ignore.iter().any(|i| i == attr.name) {
            continue;
        }
        if matches!(attr.ty, AttrType::PolicyJson { .. }) {
            if !same_policy(new_leaves.get(attr.name), old_leaves.get(attr.name)) {
                changed.push(attr.name.to_string());
            }
            continue;
        }
        // Both maps are sorted by path, so the attribute's leaves are compared in one merge.
        let mut new = under(&new_leaves, attr.name).peekable();
        let mut old = under(&old_leaves, attr.name).peekable();
        loop {
            let (path, n, o) = match (new.peek(), old.peek()) {
                (None, None) => break,
                (Some(&(p, n)), None) => (p, Some(n), None),
                (None, Some(&(p, o))) => (p, None, Some(o)),
                (Some(&(pn, n)), Some(&(po, o))) => match pn.cmp(po) {
                    std::cmp::Ordering::Less => (pn, Some(n), None),
                    std::cmp::Ordering::Greater => (po, None, Some(o)),
                    std::cmp::Ordering::Equal => (pn, Some(n), Some(o)),
                },
            };
            if n.is_some() {
                new.next();
            }
            if o.is_some() {
                old.next();
            }
            if n != o || matches!(n, Some(Leaf::Unknown)) {
                changed.push(path.clone());
            }
        }
    }
    let replace_paths: Vec<String> = schema::attributes(kind)
        .iter()
        .filter(|a| a.forces_replacement && changed.iter().any(|c| values::is_under(c, a.name)))
        .map(|a| a.name.to_string())
        .collect();
    let action = if !replace_paths.is_empty() || replace_requested {
        Action::Replace
    } else if !changed.is_empty() {
        Action::Update
    } else {
        Action::NoOp
    };
    for attr in kind.computed_attributes() {
        let value = match action {
            Action::Replace => computed_on_create(kind, attr, &after),
            _ if kind == ResourceKind::Secret
                && *attr == "version_id"
                && changed.iter().any(|c| c == "secret_string") =>
            {
                Value::Unknown
            }
            _ => before.get(*attr).cloned().unwrap_or(Value::Unknown),
        };
        after.insert(attr.to_string(), value);
    }
    // What the applier records beyond the configuration and the computed attributes (a key
    // policy's previous_policy: the policy it replaced, put back on destroy). An update keeps
    // it as it is; a replacement records it anew. Left out of `after`, it would be planned as
    // removed (`-> null`) although nothing changes it.
    for (name, value) in &before {
        let declared = schema::attributes(kind)
            .iter()
            .any(|a| a.name == name.as_str())
            || kind.computed_attributes().contains(&name.as_str());
        if !declared && !after.contains_key(name) {
            let planned = match action {
                Action::Replace => Value::Unknown,
                _ => value.clone(),
            };
            after.insert(name.clone(), planned);
        }
    }
    Planned {
        action,
        before: Some(before),
        after: Some(after),
        replace_paths,
        changed,
        replace_requested,
    }
}

/// The leaves at `attribute` or under it (`attribute.x`, `attribute.x.0`), in path order.
fn under<'l>(
    leaves: &'l BTreeMap<String, Leaf>,
    attribute: &'l str,
) -> impl Iterator<Item = (&'l String, &'l Leaf)> {
    // Every such path starts with the attribute's name, and those sort together from it on.
    leaves
        .range::<str, _>((
            std::ops::Bound::Included(attribute),
            std::ops::Bound::Unbounded,
        ))
        .take_while(move |(p, _)| p.starts_with(attribute))
        .filter(move |(p, _)| values::is_under(p, attribute))
}

/// A computed attribute of a resource about to be created: unknown, except a key policy's
/// `key_arn` when `key_id` is already an ARN.
fn computed_on_create(kind: ResourceKind, attr: &str, after: &Attrs) -> Value {
    match (kind, attr, after.get("key_id").and_then(Value::as_str)) {
        (ResourceKind::KmsKeyPolicy, "key_arn", Some(id)) if id.starts_with("arn:aws:kms:") => {
            Value::String(id.to_string())
        }
        _ => Value::Unknown,
    }
}

fn same_policy(new: Option<&Leaf>, old: Option<&Leaf>) -> bool {
    match (new, old) {
        (None, None) => true,
        (
            Some(Leaf::Plain(serde_json::Value::String(a))),
            Some(Leaf::Plain(serde_json::Value::String(b))),
        ) => {
            match (
                serde_json::from_str::<serde_json::Value>(a),
                serde_json::from_str::<serde_json::Value>(b),
            ) {
                (Ok(a), Ok(b)) => policy::equivalent(&a, &b),
                _ => a == b,
            }
        }
        (a, b) => a == b && !matches!(a, Some(Leaf::Unknown)),
    }
}

/// Answers references while planning: from the plan where the resource is planned, else from
/// what exists.
struct PlannedExports<'a, 'p> {
    planned: &'a BTreeMap<Address, Planned>,
    prior: &'a Prior<'p>,
}

impl Exports for PlannedExports<'_, '_> {
    fn export(&self, address: &Address, attribute: &str) -> Value {
        if let Some(p) = self.planned.get(address) {
            match &p.after {
                Some(after) => return after.get(attribute).cloned().unwrap_or(Value::Unknown),
                // An unchanged resource keeps no values in a plan for the terminal: what may
                // be read of it (the exported attributes: ids, ARNs, names, never a sensitive
                // value) is what its record holds, as `decide` found.
                None if p.action == Action::NoOp => {}
                None => return Value::Unknown,
            }
        }
        self.prior
            .get(address)
            .and_then(|r| r.attributes.get(attribute))
            .map(|v| Value::from_json(v.clone()))
            .unwrap_or(Value::Unknown)
    }
}

/// Answers references from a state's recorded attributes: what the applier uses once the
/// resources a change depends on exist.
pub struct StateExports<'a>(pub &'a State);

impl Exports for StateExports<'_> {
    fn export(&self, address: &Address, attribute: &str) -> Value {
        self.0
            .resources
            .get(&address.to_string())
            .and_then(|r| r.attributes.get(attribute))
            .map(|v| Value::from_json(v.clone()))
            .unwrap_or(Value::Unknown)
    }
}

/// Outputs compared with what the state recorded: only a sensitive output is never compared
/// by value (its value is not recorded), so it shows as changed when it is new.
fn output_changes(
    config: &Config,
    state: &State,
    values: Vec<(String, Value)>,
) -> Vec<OutputChange> {
    let mut out = Vec::new();
    for (name, value) in values {
        let sensitive = config.outputs.iter().any(|o| o.name == name && o.sensitive);
        let recorded = state.outputs.get(&name);
        let before = recorded
            .and_then(|r| r.value())
            .map(|v| Value::from_json(v.clone()));
        let action = match (recorded, &before) {
            (None, _) => Action::Create,
            // Marked or unmarked since it was recorded: rewritten (a newly sensitive output must
            // not keep its clear value in the state).
            (Some(r), _) if r.is_sensitive() != sensitive => Action::Update,
            (Some(_), _) if sensitive => Action::NoOp,
            (Some(_), Some(b)) if *b == value => Action::NoOp,
            _ => Action::Update,
        };
        out.push(OutputChange {
            name,
            sensitive,
            action,
            before,
            value,
        });
    }
    for (name, recorded) in &state.outputs {
        if !out.iter().any(|o| &o.name == name) {
            let before = recorded.value().map(|v| Value::from_json(v.clone()));
            out.push(OutputChange {
                name: name.clone(),
                sensitive: recorded.is_sensitive(),
                action: Action::Delete,
                before,
                value: Value::Null,
            });
        }
    }
    out
}

/// The outputs as the state records them once everything is applied: sensitive ones without
/// their value.
pub fn applied_outputs(
    config: &Config,
    state: &State,
) -> Result<BTreeMap<String, flowform_state::OutputState>, Diagnostics> {
    let values = config.evaluate_outputs(&StateExports(state))?;
    let mut out = BTreeMap::new();
    for (name, value) in values {
        // An output that refers to something not (or no longer) applied has no value to keep.
        if !value.is_known() {
            continue;
        }
        let sensitive = config.outputs.iter().any(|o| o.name == name && o.sensitive)
            || value.contains_sensitive();
        let record = match value.to_json() {
            Some(json) if !sensitive => flowform_state::OutputState::new(json),
            _ => flowform_state::OutputState::sensitive(),
        };
        out.insert(name, record);
    }
    Ok(out)
}
