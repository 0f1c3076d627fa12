//! The configuration as Terraform's JSON plan describes it (`configuration.root_module`): for
//! each attribute of a resource, the references its expression makes, in Terraform's form —
//! `secret.app.arn` and then `secret.app`, `var.region`, `local.tags` — so policy tools can
//! tell what feeds what without parsing HCL. Nested blocks (`properties`, `credentials`) are
//! objects of their attributes' expressions, as Terraform writes a single nested block.
//!
//! It also says which input variables reach a sensitive value (a secret's `secret_string`, a
//! profile's `credentials`, a sensitive output), directly or through locals: the JSON plan
//! leaves those out of `variables`, whether or not they were declared `sensitive`.

use crate::config::Config;
use crate::eval::LocalExpr;
use crate::resources::BlockExprs;
use flowform_core::{Address, ResourceKind, Value};
use hcl::edit::expr::{Expression, Traversal, TraversalOperator};
use hcl::edit::visit::{Visit, visit_traversal};
use std::collections::{BTreeMap, BTreeSet};

/// What a configuration attribute's expression refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigExpression {
    /// An attribute: its references, longest first per traversal (empty: a constant, or an
    /// expression of functions and literals only).
    Attribute { references: Vec<String> },
    /// A nested block: its attributes' expressions.
    Block(BTreeMap<String, ConfigExpression>),
}

/// A `module` block as the JSON plan's `configuration` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigModuleCall {
    /// The call names from the root module down (`["outer", "inner"]`), without instance keys:
    /// the configuration describes calls, not their instances.
    pub path: Vec<String>,
    /// `source` as written.
    pub source: String,
    /// The arguments that are inputs, by name.
    pub expressions: BTreeMap<String, ConfigExpression>,
    /// `count` or `for_each` (by that name), when the call has one.
    pub repetition: Option<(String, ConfigExpression)>,
}

impl Config {
    /// Every module call of the configuration, once each however many instances it has, in
    /// path order.
    pub fn module_calls(&self) -> Vec<ConfigModuleCall> {
        let mut calls: BTreeMap<Vec<String>, ConfigModuleCall> = BTreeMap::new();
        for module in &self.modules {
            let prefix: Vec<String> = module.path.iter().map(|s| s.name.clone()).collect();
            for (name, body) in &module.source.modules {
                let mut path = prefix.clone();
                path.push(name.clone());
                if calls.contains_key(&path) {
                    continue;
                }
                let attribute = |a: &crate::resources::AttrExpr| ConfigExpression::Attribute {
                    references: references(&a.expr),
                };
                let source = body
                    .attrs
                    .iter()
                    .find(|a| a.name == "source")
                    .and_then(|a| a.expr.as_str())
                    .unwrap_or_default()
                    .to_string();
                let expressions = body
                    .attrs
                    .iter()
                    .filter(|a| !crate::modules::CALL_META.contains(&a.name.as_str()))
                    .map(|a| (a.name.clone(), attribute(a)))
                    .collect();
                let repetition = body
                    .attrs
                    .iter()
                    .find(|a| a.name == "count" || a.name == "for_each")
                    .map(|a| (a.name.clone(), attribute(a)));
                calls.insert(
                    path.clone(),
                    ConfigModuleCall {
                        path,
                        source,
                        expressions,
                        repetition,
                    },
                );
            }
        }
        calls.into_values().collect()
    }

    /// The expressions of a resource's attributes and nested blocks, by name (`depends_on`
    /// and `lifecycle` are meta-arguments, not attributes, and are left out).
    pub fn expressions(&self, address: &Address) -> BTreeMap<String, ConfigExpression> {
        self.resources
            .get(address)
            .map(|r| block(&r.body))
            .unwrap_or_default()
    }

    /// The input variables whose values reach a sensitive attribute or a sensitive output,
    /// directly or through locals, module arguments and module outputs.
    pub fn variables_in_sensitive_values(&self) -> BTreeSet<String> {
        // Each expression with the module instance it is written in (0: the root module).
        let mut work: Vec<(usize, &Expression)> = Vec::new();
        for resource in self.resources.values() {
            let mut roots = Vec::new();
            let values = self
                .known_before_apply(&resource.address)
                .unwrap_or_default();
            sensitive_exprs(&resource.body, &values, false, &mut roots);
            work.extend(roots.into_iter().map(|e| (resource.module, e)));
        }
        for output in self.outputs.iter().filter(|o| o.sensitive) {
            if let Some(expr) = &output.expr {
                work.push((0, &expr.expr));
            }
        }
        let mut variables = BTreeSet::new();
        let mut seen: BTreeSet<(usize, *const Expression)> = BTreeSet::new();
        while let Some((module, expr)) = work.pop() {
            if !seen.insert((module, expr as *const Expression)) {
                continue;
            }
            let n = names(expr);
            let instance = self.modules.get(module).filter(|_| module != 0);
            for name in n.variables {
                match instance {
                    None => {
                        variables.insert(name);
                    }
                    Some(m) => {
                        if let Some(input) = m.inputs.get(&name) {
                            work.push((m.parent, &input.expr));
                        }
                    }
                }
            }
            let locals = instance.map_or(&self.locals, |m| &m.source.locals);
            for name in n.locals {
                if let Some(LocalExpr { expr, .. }) = locals.get(&name) {
                    work.push((module, expr));
                }
            }
            let calls = self.modules.get(module).map(|m| &m.calls);
            for (call, output) in module_outputs(expr) {
                let Some(call) = calls.and_then(|c| c.get(&call)) else {
                    continue;
                };
                for child in call.children.values() {
                    let source = &self.modules[*child].source;
                    let outputs: Vec<&str> = match &output {
                        Some(o) => vec![o.as_str()],
                        None => source.output_names().collect(),
                    };
                    for o in outputs {
                        if let Some(value) = source.output(o).and_then(|o| o.value) {
                            work.push((*child, value));
                        }
                    }
                }
            }
        }
        variables
    }
}

/// The module outputs an expression reads: `module.NAME.OUTPUT` (`None`: every output, for
/// `module.NAME` as a whole).
fn module_outputs(expr: &Expression) -> Vec<(String, Option<String>)> {
    #[derive(Default)]
    struct Collector(Vec<(String, Option<String>)>);
    impl Visit for Collector {
        fn visit_traversal(&mut self, t: &Traversal) {
            if let Expression::Variable(root) = &t.expr
                && root.value().as_str() == "module"
            {
                let attr = |i: usize| match t.operators.get(i).map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str().to_string()),
                    _ => None,
                };
                if let Some(name) = attr(0) {
                    self.0.push((name, attr(1).or_else(|| attr(2))));
                }
            }
            visit_traversal(self, t);
        }
    }
    let mut c = Collector::default();
    c.visit_expr(expr);
    c.0
}

fn block(body: &BlockExprs) -> BTreeMap<String, ConfigExpression> {
    let mut out = BTreeMap::new();
    for a in body.attrs.iter().filter(|a| a.name != "depends_on") {
        out.insert(
            a.name.clone(),
            ConfigExpression::Attribute {
                references: references(&a.expr),
            },
        );
    }
    for (name, _, nested) in body.blocks.iter().filter(|(n, _, _)| n != "lifecycle") {
        // A dynamic block stands for the block it generates: its content's expressions.
        let (name, nested) = match (
            &nested.label,
            nested.blocks.iter().find(|b| b.0 == "content"),
        ) {
            (Some((generated, _)), Some((_, _, content))) => (generated, content),
            _ => (name, nested),
        };
        out.insert(name.clone(), ConfigExpression::Block(block(nested)));
    }
    out
}

/// The expressions whose values end up sensitive: an attribute whose evaluated value holds a
/// sensitive mark, or everything inside a block that is sensitive as a whole (`credentials`).
fn sensitive_exprs<'a>(
    body: &'a BlockExprs,
    values: &BTreeMap<String, Value>,
    all: bool,
    out: &mut Vec<&'a Expression>,
) {
    for a in &body.attrs {
        if all || values.get(&a.name).is_some_and(Value::contains_sensitive) {
            out.push(&a.expr);
        }
    }
    for (name, _, nested) in &body.blocks {
        if let Some((generated, _)) = &nested.label {
            // A dynamic block: its for_each and content feed the generated block, whose value
            // is one block or unknown, not a map of names to follow; count all of it as
            // sensitive unless that block is known, and known to hold no sensitive value.
            let whole = all
                || values
                    .get(generated)
                    .is_none_or(|v| v.contains_sensitive() || !v.is_known());
            if whole {
                sensitive_exprs(nested, &BTreeMap::new(), true, out);
            }
            continue;
        }
        let value = values.get(name);
        let inner = match value.map(Value::peel) {
            Some(Value::Object(map)) => map.clone(),
            _ => BTreeMap::new(),
        };
        let whole = all || matches!(value, Some(Value::Sensitive(_)));
        sensitive_exprs(nested, &inner, whole, out);
    }
}

/// Terraform's references of an expression: for each traversal of a variable, a local, a data
/// source or a resource, the traversal and each shorter one down to the object itself
/// (`secret.app.arn`, `secret.app`), without repeats, in the order met.
pub fn references(expr: &Expression) -> Vec<String> {
    #[derive(Default)]
    struct Collector(Vec<String>);
    impl Visit for Collector {
        fn visit_traversal(&mut self, t: &Traversal) {
            if let Expression::Variable(root) = &t.expr {
                let root = root.value().as_str();
                let steps: Vec<&str> = t
                    .operators
                    .iter()
                    .map_while(|o| match o.value() {
                        TraversalOperator::GetAttr(id) => Some(id.value().as_str()),
                        _ => None,
                    })
                    .collect();
                // How many steps name the object itself: `var.x`, `data.kind.label`,
                // `secret.label`.
                let subject = match root {
                    // Terraform also lists `each.key`, `count.index`, `path.module` and a
                    // module's output with its call (`module.conn.arn`, `module.conn`).
                    "var" | "local" | "each" | "count" | "path" | "module" => Some(1),
                    "data" => Some(2),
                    _ if ResourceKind::from_keyword(root).is_some() => Some(1),
                    _ => None,
                };
                if let Some(subject) = subject.filter(|n| steps.len() >= *n) {
                    for len in (subject..=steps.len()).rev() {
                        let reference = std::iter::once(root)
                            .chain(steps[..len].iter().copied())
                            .collect::<Vec<_>>()
                            .join(".");
                        if !self.0.contains(&reference) {
                            self.0.push(reference);
                        }
                    }
                }
            }
            visit_traversal(self, t);
        }
    }
    let mut c = Collector::default();
    c.visit_expr(expr);
    c.0
}

/// The variables and locals an expression names.
#[derive(Default)]
struct Names {
    variables: BTreeSet<String>,
    locals: BTreeSet<String>,
}

fn names(expr: &Expression) -> Names {
    let mut n = Names::default();
    for r in references(expr) {
        let mut parts = r.splitn(3, '.');
        match (parts.next(), parts.next()) {
            (Some("var"), Some(name)) => {
                n.variables.insert(name.to_string());
            }
            (Some("local"), Some(name)) => {
                n.locals.insert(name.to_string());
            }
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> Vec<String> {
        let body = hcl::edit::parser::parse_body(&format!("a = {text}\n")).unwrap();
        let attr = body.into_attributes().next().unwrap();
        references(&attr.value)
    }

    #[test]
    fn references_read_like_terraform() {
        assert_eq!(refs("secret.app.arn"), ["secret.app.arn", "secret.app"]);
        assert_eq!(refs("var.region"), ["var.region"]);
        assert_eq!(
            refs("\"${local.prefix}-${var.name}\""),
            ["local.prefix", "var.name"]
        );
        assert_eq!(
            refs("data.kms_key.main.arn"),
            ["data.kms_key.main.arn", "data.kms_key.main"]
        );
        assert!(refs("jsonencode({ a = 1 })").is_empty());
        assert_eq!(
            refs("[secret.a.arn, secret.a.arn]"),
            ["secret.a.arn", "secret.a"]
        );
    }
}
