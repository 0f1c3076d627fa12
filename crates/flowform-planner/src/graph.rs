//! The dependency graph: in what order resources are evaluated, and in what order changes run.
//!
//! Edges come from references and `depends_on` (and, for deletes, from the dependencies the
//! state recorded). On top of them runs the kind order — KMS keys, then secrets, then key
//! policies, then connector profiles for creates and updates, the reverse for deletes — which
//! [`Schedule`] expresses with one barrier node per kind, so it costs O(n) edges, not O(n²).

use crate::plan::{Action, Plan};
use flowform_core::{Address, Diagnostic, Diagnostics, ResourceKind};
use flowform_parser::Config;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// What a configured resource depends on: its references and `depends_on`.
fn config_deps(config: &Config, address: &Address) -> BTreeSet<Address> {
    config
        .resources
        .get(address)
        .map(|r| r.references.iter().chain(&r.depends_on).cloned().collect())
        .unwrap_or_default()
}

/// The configured resources, each after everything it refers to (kind order, then address,
/// among the ones that are free to go). Cycles were rejected when the configuration loaded.
pub(crate) fn config_order(config: &Config) -> Vec<Address> {
    let deps: BTreeMap<&Address, BTreeSet<Address>> = config
        .resources
        .keys()
        .map(|a| (a, config_deps(config, a)))
        .collect();
    let mut dependents: BTreeMap<&Address, Vec<&Address>> = BTreeMap::new();
    let mut waiting: BTreeMap<&Address, usize> = BTreeMap::new();
    for (a, ds) in &deps {
        let known: Vec<&Address> = ds
            .iter()
            .filter_map(|d| deps.get_key_value(d).map(|(k, _)| *k))
            .collect();
        waiting.insert(a, known.len());
        for d in known {
            dependents.entry(d).or_default().push(a);
        }
    }
    let mut ready: BinaryHeap<Reverse<&Address>> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(a, _)| Reverse(*a))
        .collect();
    let mut out = Vec::with_capacity(deps.len());
    while let Some(Reverse(a)) = ready.pop() {
        out.push(a.clone());
        for d in dependents.get(a).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(d) {
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse(*d));
                }
            }
        }
    }
    out
}

/// For each planned change, the planned changes it explicitly waits for.
pub(crate) fn explicit_dependencies(
    config: &Config,
    actions: &BTreeMap<Address, Action>,
) -> BTreeMap<Address, Vec<Address>> {
    // Only what actually runs is waited for: a no-op (or a delete) is not a dependency.
    let runs = |a: &Address| {
        matches!(
            actions.get(a),
            Some(Action::Create | Action::Update | Action::Replace)
        )
    };
    actions
        .iter()
        .map(|(a, action)| {
            let deps = match action {
                Action::Create | Action::Update | Action::Replace => {
                    config_deps(config, a).into_iter().filter(runs).collect()
                }
                Action::Delete | Action::NoOp => Vec::new(),
            };
            (a.clone(), deps)
        })
        .collect()
}

/// The resources a `--target` plan keeps: the targets, what they depend on, and (for deletes)
/// what depends on them and is being deleted too.
pub(crate) fn targeted(
    config: &Config,
    prior: &BTreeMap<Address, std::borrow::Cow<'_, flowform_state::ResourceState>>,
    actions: &BTreeMap<Address, Action>,
    targets: &[flowform_core::Target],
    diags: &mut Diagnostics,
) -> BTreeSet<Address> {
    let mut keep = BTreeSet::new();
    let mut stack: Vec<Address> = Vec::new();
    for t in targets {
        // A resource address without a key targets every instance of the resource.
        let before = stack.len();
        stack.extend(
            config
                .resources
                .keys()
                .chain(prior.keys())
                .filter(|a| t.selects(a))
                .cloned(),
        );
        if stack.len() == before {
            diags.push(Diagnostic::error(
                "Invalid target",
                format!("--target {t}: no such resource in the configuration or the state."),
            ));
            if let flowform_core::Target::Resource(a) = t {
                stack.push(a.clone());
            }
        }
    }
    while let Some(a) = stack.pop() {
        if !keep.insert(a.clone()) {
            continue;
        }
        if actions.get(&a) == Some(&Action::Delete) {
            for (other, record) in prior {
                if actions.get(other) == Some(&Action::Delete)
                    && record.dependencies.contains(&a.to_string())
                {
                    stack.push(other.clone());
                }
            }
        } else {
            stack.extend(config_deps(config, &a));
        }
    }
    keep
}

/// The run order of all planned resources and the explicit edges between changes (indices into
/// that order). Ready changes are taken deletes first (profiles before keys), then creates and
/// updates in kind order, then no-ops, each group by address.
#[allow(clippy::type_complexity)]
pub(crate) fn order(
    config: &Config,
    actions: &BTreeMap<Address, Action>,
    prior_deps: &BTreeMap<Address, Vec<Address>>,
) -> Result<(Vec<Address>, Vec<(usize, usize)>), String> {
    let mut edges: BTreeSet<(&Address, &Address)> = BTreeSet::new();
    // Who depended on whom when last applied, indexed once (a destroy of n resources would
    // otherwise scan all n records for each of them).
    let mut dependents: BTreeMap<&Address, Vec<&Address>> = BTreeMap::new();
    for (other, deps) in prior_deps {
        for d in deps {
            dependents.entry(d).or_default().push(other);
        }
    }
    for (a, action) in actions {
        match action {
            Action::NoOp => {}
            Action::Create | Action::Update | Action::Replace => {
                for d in config_deps(config, a) {
                    if let Some((dep, dep_action)) = actions.get_key_value(&d)
                        && matches!(
                            dep_action,
                            Action::Create | Action::Update | Action::Replace
                        )
                    {
                        edges.insert((dep, a));
                    }
                }
            }
            Action::Delete => {
                // Whatever used this resource lets go of it first: dependents are deleted, or
                // updated/replaced to stop referring to it.
                for other in dependents.get(a).into_iter().flatten() {
                    if *other != a
                        && let Some((o, o_action)) = actions.get_key_value(*other)
                        && o_action.is_change()
                    {
                        edges.insert((o, a));
                    }
                }
            }
        }
    }
    let priority = |a: &Address| -> (u8, u8, Address) {
        let kind = a.kind as u8;
        match actions[a] {
            Action::Delete => (0, 3 - kind, a.clone()),
            Action::NoOp => (2, kind, a.clone()),
            _ => (1, kind, a.clone()),
        }
    };
    // Kahn's algorithm over the explicit edges plus the kind order (a change waits for every
    // change of an earlier phase), with the priority above among the ready ones.
    let addrs: Vec<&Address> = actions.keys().collect();
    let mut waiting: BTreeMap<&Address, usize> = addrs.iter().map(|a| (*a, 0)).collect();
    let mut out_edges: BTreeMap<&Address, Vec<&Address>> = BTreeMap::new();
    for (from, to) in &edges {
        // Every edge joins two planned changes; one that does not is ignored, not a panic.
        if let Some(n) = waiting.get_mut(to) {
            *n += 1;
            out_edges.entry(from).or_default().push(to);
        }
    }
    let mut ready: BinaryHeap<Reverse<(u8, u8, Address)>> = BinaryHeap::new();
    for (a, n) in &waiting {
        if *n == 0 {
            ready.push(Reverse(priority(a)));
        }
    }
    let mut order = Vec::with_capacity(addrs.len());
    while let Some(Reverse((_, _, a))) = ready.pop() {
        for to in out_edges.get(&a).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(*to) {
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse(priority(to)));
                }
            }
        }
        order.push(a);
    }
    if order.len() != addrs.len() {
        let stuck: Vec<String> = waiting
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(a, _)| a.to_string())
            .collect();
        return Err(format!(
            "These changes wait for each other, so none can run first: {}. Apply the change in two steps (for example with --target).",
            stuck.join(", ")
        ));
    }
    let index: BTreeMap<&Address, usize> = order.iter().enumerate().map(|(i, a)| (a, i)).collect();
    let edges = edges
        .into_iter()
        .map(|(f, t)| (index[f], index[t]))
        .collect();
    Ok((order, edges))
}

/// A node of the execution graph: a change, or the barrier that closes a phase of the kind
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Change(usize),
    /// Every create/update/replace of this kind is done.
    CreatedAll(ResourceKind),
    /// Every delete of this kind is done.
    DeletedAll(ResourceKind),
}

/// The graph the applier walks: one node per change that does something, one barrier per kind
/// and direction, edges from references, `depends_on`, state dependencies and the kind order.
pub struct Schedule {
    pub graph: DiGraph<Step, ()>,
}

impl Schedule {
    pub fn new(plan: &Plan) -> Schedule {
        let mut graph = DiGraph::new();
        let mut nodes: BTreeMap<usize, NodeIndex> = BTreeMap::new();
        for (i, c) in plan.changes.iter().enumerate() {
            if c.action.is_change() {
                nodes.insert(i, graph.add_node(Step::Change(i)));
            }
        }
        for (from, to) in &plan.edges {
            if let (Some(f), Some(t)) = (nodes.get(from), nodes.get(to)) {
                graph.add_edge(*f, *t, ());
            }
        }
        let created: BTreeMap<ResourceKind, NodeIndex> = ResourceKind::ALL
            .iter()
            .map(|k| (*k, graph.add_node(Step::CreatedAll(*k))))
            .collect();
        let deleted: BTreeMap<ResourceKind, NodeIndex> = ResourceKind::ALL
            .iter()
            .map(|k| (*k, graph.add_node(Step::DeletedAll(*k))))
            .collect();
        for pair in ResourceKind::ALL.windows(2) {
            graph.add_edge(created[&pair[0]], created[&pair[1]], ());
            graph.add_edge(deleted[&pair[1]], deleted[&pair[0]], ());
        }
        for (i, c) in plan.changes.iter().enumerate() {
            let Some(&n) = nodes.get(&i) else { continue };
            let kind = c.address.kind;
            let earlier = ResourceKind::ALL.iter().rev().find(|k| **k < kind);
            let later = ResourceKind::ALL.iter().find(|k| **k > kind);
            match c.action {
                Action::Delete => {
                    graph.add_edge(n, deleted[&kind], ());
                    if let Some(l) = later {
                        graph.add_edge(deleted[l], n, ());
                    }
                }
                _ => {
                    graph.add_edge(n, created[&kind], ());
                    if let Some(e) = earlier {
                        graph.add_edge(created[e], n, ());
                    }
                }
            }
        }
        Schedule { graph }
    }

    /// The graph as DOT, for `flowform graph`: changes as nodes labelled with their action,
    /// barriers as small points.
    pub fn to_dot(&self, plan: &Plan) -> String {
        let mut out =
            String::from("digraph flowform {\n  rankdir = \"LR\";\n  node [shape = box];\n");
        for n in self.graph.node_indices() {
            let label = match self.graph[n] {
                Step::Change(i) => {
                    let c = &plan.changes[i];
                    // An instance key is quoted (`sf["prod"]`): escaped inside the DOT string.
                    let address = c.address.to_string().replace('"', "\\\"");
                    format!("\"{address}\\n{}\"", c.action.json_actions().join("/"))
                }
                Step::CreatedAll(k) => format!("\"{} created\", shape = point", k.plural()),
                Step::DeletedAll(k) => format!("\"{} deleted\", shape = point", k.plural()),
            };
            out.push_str(&format!("  n{} [label = {label}];\n", n.index()));
        }
        for e in self.graph.edge_indices() {
            if let Some((a, b)) = self.graph.edge_endpoints(e) {
                out.push_str(&format!("  n{} -> n{};\n", a.index(), b.index()));
            }
        }
        out.push_str("}\n");
        out
    }
}
