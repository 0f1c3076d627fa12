//! The order in which local values are evaluated.
//!
//! A local refers to others (`l1 = local.l0 + 1`). Evaluating one by evaluating its references
//! as they come recurses once per link, so a long chain of locals (a generated configuration
//! easily has thousands) overflowed the stack and aborted the process. Instead, before a local
//! is evaluated, everything it depends on is put in order here with an explicit stack, and
//! evaluated deepest first: each local then finds its references already evaluated, and the
//! depth of the recursion is that of one expression, which the HCL parser bounds (64 nested
//! levels, 128 chained operators).

use super::LocalExpr;
use hcl::edit::expr::{Expression, Traversal, TraversalOperator};
use hcl::edit::visit::{Visit, visit_traversal};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// `root` and the locals it depends on, directly or not, each after all of its own
/// dependencies (a post-order of the reference graph), skipping those `done` says are
/// evaluated already. A cycle does not loop here: each local is visited once, and the
/// evaluator reports the cycle when it meets it.
pub(super) fn dependencies_first<'a>(
    locals: &'a BTreeMap<String, LocalExpr>,
    root: &str,
    done: impl Fn(&str) -> bool,
) -> Vec<&'a str> {
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    let Some((root, _)) = locals.get_key_value(root) else {
        return order;
    };
    let mut stack = vec![(root.as_str(), false)];
    while let Some((name, dependencies_pushed)) = stack.pop() {
        if dependencies_pushed {
            order.push(name);
            continue;
        }
        if done(name) || !seen.insert(name) {
            continue;
        }
        stack.push((name, true));
        if let Some(local) = locals.get(name) {
            for dependency in referenced_locals(&local.expr) {
                if let Some((key, _)) = locals.get_key_value(&dependency)
                    && !seen.contains(key.as_str())
                {
                    stack.push((key.as_str(), false));
                }
            }
        }
    }
    order
}

/// The names of the locals an expression refers to (`local.NAME`).
fn referenced_locals(expr: &Expression) -> BTreeSet<String> {
    #[derive(Default)]
    struct Collector(BTreeSet<String>);
    impl Visit for Collector {
        fn visit_traversal(&mut self, t: &Traversal) {
            if let Expression::Variable(root) = &t.expr
                && root.value().as_str() == "local"
                && let Some(TraversalOperator::GetAttr(name)) =
                    t.operators.first().map(|o| o.value())
            {
                self.0.insert(name.value().as_str().to_string());
            }
            visit_traversal(self, t);
        }
    }
    let mut c = Collector::default();
    c.visit_expr(expr);
    c.0
}
