//! The schedule: changes run after what they depend on, kinds in their order, and the graph
//! `flowform graph` draws.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

mod common;

use common::*;
use flowform_core::ResourceKind;
use flowform_planner::Schedule;

const BASE: &str = "tests/fixtures/plans/base";

#[test]
fn every_change_runs_after_what_it_depends_on_and_kinds_run_in_order() {
    let config = load(BASE);
    let plan = plan(&config, &empty_state());
    for (before, after) in &plan.edges {
        assert!(before < after, "edge {before} -> {after} goes backwards");
    }
    let index = |a: &str| {
        plan.changes
            .iter()
            .position(|c| c.address.to_string() == a)
            .unwrap()
    };
    for c in &plan.changes {
        for d in &c.depends_on {
            assert!(
                index(&d.to_string()) < index(&c.address.to_string()),
                "{} before {d}",
                c.address
            );
        }
    }
    let kinds: Vec<ResourceKind> = plan.changes.iter().map(|c| c.address.kind).collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(
        kinds, sorted,
        "creates run KMS keys, secrets, key policies, profiles"
    );
    // The schedule the applier walks is acyclic and holds every change.
    let schedule = Schedule::new(&plan);
    assert!(!petgraph::algo::is_cyclic_directed(&schedule.graph));
}

/// `flowform graph`'s barrier nodes name each kind in the plural (`kms_key_policies`).
#[test]
fn the_graph_labels_kinds_in_the_plural() {
    let config = load(BASE);
    let plan = plan(&config, &empty_state());
    let dot = Schedule::new(&plan).to_dot(&plan);
    assert!(!dot.contains("policys"), "{dot}");
    insta::assert_snapshot!(dot);
}
