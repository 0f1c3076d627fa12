//! `count` and `for_each`: how one resource block becomes several instances.
//!
//! Both are evaluated when the configuration loads, with what is known before apply
//! (variables, locals, and the instance keys of other resources): the instance keys make the
//! addresses (`secret.app[0]`, `connector_profile.sf["prod"]`), and an address must be known to
//! plan. A `for_each` whose *keys* depend on something known only after apply is refused, as
//! Terraform refuses it; its *values* may be unknown (`each.value` is then re-evaluated when
//! the planner or applier knows more).

use crate::eval::{Evaluator, Scope};
use crate::resources::{AttrExpr, BlockExprs, eval_error};
use flowform_core::{Diagnostic, Diagnostics, InstanceKey, Number, Sources, Value};
use hcl::edit::expr::{Expression, TraversalOperator};
use std::collections::{BTreeMap, BTreeSet};

/// How a resource block expands into instances.
#[derive(Debug, Clone, PartialEq)]
pub enum Expansion {
    /// No `count` or `for_each`: one instance, addressed without a key.
    Single,
    /// `count = N`: instances `[0]` to `[N-1]`.
    Count(u64),
    /// `for_each`: one instance per key, with its `each.value`.
    ForEach(BTreeMap<String, Value>),
    /// `count` or `for_each` is invalid (and was reported): no instances, and references to
    /// the resource are unknown rather than errors of their own.
    Invalid,
}

impl Expansion {
    /// The instance keys, in address order (`None` for a single instance).
    pub fn instance_keys(&self) -> Vec<Option<InstanceKey>> {
        match self {
            Expansion::Single => vec![None],
            _ => self.keys().map(Some).collect(),
        }
    }

    /// The keys of a counted or for_each resource (none for a single one).
    pub(crate) fn keys(&self) -> Box<dyn Iterator<Item = InstanceKey> + '_> {
        match self {
            Expansion::Single | Expansion::Invalid => Box::new(std::iter::empty()),
            Expansion::Count(n) => Box::new((0..*n).map(InstanceKey::Int)),
            Expansion::ForEach(map) => Box::new(map.keys().cloned().map(InstanceKey::Str)),
        }
    }

    /// Whether the resource has `count` or `for_each`.
    pub fn is_repeated(&self) -> bool {
        !matches!(self, Expansion::Single)
    }

    /// The key an index value names (`[0]`, `["prod"]`), or why it names none.
    pub(crate) fn key_for(&self, index: &Value) -> Result<InstanceKey, String> {
        match (self, index) {
            (Expansion::Count(0), Value::Number(_)) => {
                Err("it has count = 0, so it has no instances.".into())
            }
            (Expansion::Count(n), Value::Number(i)) => match i.as_u64() {
                Some(i) if i < *n => Ok(InstanceKey::Int(i)),
                _ => Err(format!(
                    "it has count = {n}, so its instances are numbered 0 to {}; there is no instance [{i}].",
                    n.saturating_sub(1)
                )),
            },
            (Expansion::Count(_), other) => Err(format!(
                "it has count set, so an instance is named by a number; this index is a {}.",
                other.type_name()
            )),
            (Expansion::ForEach(map), Value::String(k)) if map.contains_key(k) => {
                Ok(InstanceKey::Str(k.clone()))
            }
            (Expansion::ForEach(_), Value::String(k)) => {
                Err(format!("its for_each has no key \"{k}\"."))
            }
            (Expansion::ForEach(_), other) => Err(format!(
                "it has for_each set, so an instance is named by a string key; this index is a {}.",
                other.type_name()
            )),
            (Expansion::Single | Expansion::Invalid, _) => {
                Err("it has neither count nor for_each.".into())
            }
        }
    }

    /// The `count`/`each` an instance's expressions see.
    pub(crate) fn scope(&self, key: &Option<InstanceKey>) -> Scope {
        match (self, key) {
            (Expansion::Count(_), Some(InstanceKey::Int(i))) => vec![(
                "count".to_string(),
                Value::Object(BTreeMap::from([(
                    "index".to_string(),
                    Value::Number(Number::from(*i)),
                )])),
            )],
            (Expansion::ForEach(map), Some(InstanceKey::Str(k))) => vec![(
                "each".to_string(),
                Value::Object(BTreeMap::from([
                    ("key".to_string(), Value::String(k.clone())),
                    (
                        "value".to_string(),
                        map.get(k).cloned().unwrap_or(Value::Unknown),
                    ),
                ])),
            )],
            _ => Vec::new(),
        }
    }
}

pub(crate) const META: [&str; 2] = ["count", "for_each"];

/// The most instances one `count` makes: more is a mistake (or an attempt to exhaust memory),
/// not a configuration — AppFlow allows 1,000 connector profiles per account and region.
pub(crate) const MAX_COUNT: u64 = 100_000;

/// Evaluates a block's `count` or `for_each`, reporting what is wrong with it at the
/// expression. `None` when it is invalid (the block then has no instances to check).
pub(crate) fn expansion(
    ev: &Evaluator<'_>,
    body: &BlockExprs,
    set_variables: &BTreeSet<String>,
    locals: &BTreeMap<String, crate::eval::LocalExpr>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<Expansion> {
    let find = |name: &str| body.attrs.iter().find(|a| a.name == name);
    let error = |a: &AttrExpr, summary: &str, detail: String| {
        Diagnostic::error(summary, detail)
            .with_range(sources.range(&body.file, a.value_span()))
            .with_context(&body.context)
    };
    match (find("count"), find("for_each")) {
        (None, None) => Some(Expansion::Single),
        (Some(_), Some(for_each)) => {
            diags.push(
                Diagnostic::error(
                    "Invalid combination of \"count\" and \"for_each\"",
                    "The \"count\" and \"for_each\" meta-arguments are mutually exclusive: only one may be used to say how many instances to make.",
                )
                .with_range(sources.range(&body.file, for_each.key_span.clone()))
                .with_context(&body.context),
            );
            None
        }
        (Some(count), None) => {
            let value = match ev.eval(&count.expr, &body.file) {
                Ok(v) => v.unmark().0,
                Err(e) => {
                    diags.push(eval_error(e, sources, &body.context));
                    return None;
                }
            };
            let problem = match &value {
                // validate without values for required variables: how many is not known, so
                // the block's instances are not checked (plan checks them).
                Value::Unknown if ev.unset_variables => return None,
                Value::Unknown => "The \"count\" value depends on resource attributes that cannot be determined until apply, so flowform cannot predict how many instances will be created. Make count depend only on variables and locals, or apply the resources it depends on first with --target.".to_string(),
                Value::Number(n) => match n.as_f64() {
                    Some(f) if f < 0.0 => format!("The given \"count\" value is unsuitable: it must be zero or more, and it is {n}."),
                    Some(f) if f.fract() != 0.0 => format!("The given \"count\" value is unsuitable: it must be a whole number, and it is {n}."),
                    _ => match n.as_u64() {
                        Some(c) if c > MAX_COUNT => format!("The given \"count\" value {c} is more than flowform makes of one block ({MAX_COUNT}); every instance is planned and held in memory."),
                        Some(c) => return Some(Expansion::Count(c)),
                        None => format!("The given \"count\" value {n} is too large."),
                    },
                },
                Value::Null => "The given \"count\" value is null: count must be a whole number of zero or more.".to_string(),
                other => format!("The given \"count\" value is unsuitable: it must be a whole number, and this is a {}.", other.type_name()),
            };
            diags.push(error(count, "Invalid count argument", problem));
            None
        }
        (None, Some(for_each)) => {
            let value = match ev.eval(&for_each.expr, &body.file) {
                Ok(v) => v,
                Err(e) => {
                    diags.push(eval_error(e, sources, &body.context));
                    return None;
                }
            };
            let sensitive_keys = match &value {
                Value::Sensitive(_) => true,
                Value::List(items) => items.iter().any(Value::contains_sensitive),
                _ => false,
            };
            if sensitive_keys {
                diags.push(error(for_each, "Invalid for_each argument", "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments: the keys become part of each instance's address, which is shown everywhere. Use a value that is not sensitive for the keys (the values of a map may be sensitive).".into()));
                return None;
            }
            let unknown_keys = "The \"for_each\" value includes keys derived from resource attributes that cannot be determined until apply, so flowform cannot determine the full set of keys that will identify the instances of this resource. Define the keys statically in the configuration (from variables and locals) and put values known only after apply in the map's values, or apply the resources for_each depends on first with --target.";
            match value {
                Value::Unknown if ev.unset_variables => None,
                Value::Unknown => {
                    diags.push(error(
                        for_each,
                        "Invalid for_each argument",
                        unknown_keys.into(),
                    ));
                    None
                }
                Value::Object(map) => {
                    // Values may be sensitive: they stay marked in each.value.
                    Some(Expansion::ForEach(map))
                }
                Value::List(items) if is_set(&for_each.expr, set_variables, locals) => {
                    let mut keys = BTreeMap::new();
                    for item in items {
                        match item {
                            Value::String(s) => {
                                keys.insert(s.clone(), Value::String(s));
                            }
                            Value::Unknown => {
                                diags.push(error(
                                    for_each,
                                    "Invalid for_each argument",
                                    unknown_keys.into(),
                                ));
                                return None;
                            }
                            other => {
                                diags.push(error(for_each, "Invalid for_each argument", format!(
                                    "The given \"for_each\" value is unsuitable: a set used as for_each must hold strings, and this one holds a {}. Convert the elements with tostring(), or use a map.",
                                    other.type_name()
                                )));
                                return None;
                            }
                        }
                    }
                    Some(Expansion::ForEach(keys))
                }
                Value::List(_) => {
                    diags.push(error(for_each, "Invalid for_each argument", "The given \"for_each\" value is unsuitable: for_each takes a map, or a set of strings, and this is a list. Convert it with toset(...) to make one instance per distinct element: for_each = toset(...).".into()));
                    None
                }
                Value::Null => {
                    diags.push(error(for_each, "Invalid for_each argument", "The given \"for_each\" value is null: for_each takes a map, or a set of strings.".into()));
                    None
                }
                other => {
                    diags.push(error(for_each, "Invalid for_each argument", format!(
                        "The given \"for_each\" value is unsuitable: for_each takes a map, or a set of strings, and this is a {}.",
                        other.type_name()
                    )));
                    None
                }
            }
        }
    }
}

/// Whether an expression makes a set (flowform's values have no set type: a set is the list
/// `toset()` returns, or a variable declared `set(...)`), following locals.
fn is_set(
    expr: &Expression,
    set_variables: &BTreeSet<String>,
    locals: &BTreeMap<String, crate::eval::LocalExpr>,
) -> bool {
    let mut expr = expr;
    for _ in 0..=locals.len() {
        match expr {
            Expression::FuncCall(call) => {
                return matches!(call.name.name.value().as_str(), "toset" | "setunion");
            }
            Expression::Parenthesis(p) => expr = p.inner(),
            Expression::Conditional(c) => {
                return is_set(&c.true_expr, set_variables, locals)
                    && is_set(&c.false_expr, set_variables, locals);
            }
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    return false;
                };
                let [op] = t.operators.as_slice() else {
                    return false;
                };
                let TraversalOperator::GetAttr(name) = op.value() else {
                    return false;
                };
                match root.value().as_str() {
                    "var" => return set_variables.contains(name.value().as_str()),
                    "local" => match locals.get(name.value().as_str()) {
                        Some(l) => expr = &l.expr,
                        None => return false,
                    },
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_for_indexes() {
        let count = Expansion::Count(2);
        assert_eq!(
            count.key_for(&Value::Number(Number::from(1u64))),
            Ok(InstanceKey::Int(1))
        );
        assert!(count.key_for(&Value::Number(Number::from(2u64))).is_err());
        let each = Expansion::ForEach(BTreeMap::from([("a".into(), Value::Null)]));
        assert_eq!(
            each.key_for(&Value::String("a".into())),
            Ok(InstanceKey::Str("a".into()))
        );
        assert!(each.key_for(&Value::String("b".into())).is_err());
    }
}
