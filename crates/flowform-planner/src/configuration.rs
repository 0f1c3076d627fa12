//! What a plan records of its configuration for tools: each resource's expressions (the
//! references they make, or their constant value) and the input variables' values — the JSON
//! plan's `configuration` and `variables`, kept with the plan so a saved plan shows them too.
//!
//! [`describe`] puts them in a plan; the planner does not, since only tools read them.
//!
//! Neither ever holds a secret: a constant is kept only when its value is known and not
//! sensitive, and a variable's value only when it is not declared sensitive and reaches no
//! sensitive attribute or output (directly or through locals) — stricter than Terraform, which
//! prints an undeclared secret variable's value.

use flowform_core::{Address, Value};
use flowform_parser::{Config, ConfigExpression};
use std::collections::BTreeMap;

/// One configured resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfiguredResource {
    pub address: Address,
    /// Attributes and nested blocks by name.
    pub expressions: BTreeMap<String, Expression>,
    /// Explicit `depends_on`.
    pub depends_on: Vec<Address>,
    /// The provider alias it is managed with (`None`: the default configuration).
    pub provider: Option<String>,
}

/// An attribute's expression, or a nested block's.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    Attribute {
        /// Terraform-style references: `secret.app.arn`, `secret.app`, `var.region`.
        references: Vec<String>,
        /// The value, when the expression refers to nothing and its value is neither unknown
        /// nor sensitive.
        constant: Option<Value>,
    },
    Block(BTreeMap<String, Expression>),
}

/// A module call, once however many instances it has.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfiguredCall {
    /// Call names from the root module down, without instance keys.
    pub path: Vec<String>,
    pub source: String,
    /// The arguments that are inputs.
    pub expressions: BTreeMap<String, Expression>,
    /// `count` or `for_each`, by that name.
    pub repetition: Option<(String, Expression)>,
}

/// Records in `plan` what tools see of its configuration: the resources' expressions, the
/// module calls, the variables' values. The planner leaves these out — building them costs a
/// tenth of a plan, and only the JSON view and a saved plan show them — so call this before
/// either ([`SavedPlan::new`](crate::planfile::SavedPlan::new) does, unless the planner already
/// did for a plan made for tools: describing evaluates every resource again).
pub fn describe(config: &Config, plan: &mut crate::Plan) {
    plan.configuration = resources(config);
    plan.module_calls = module_calls(config);
    plan.variables = variables(config);
    plan.described = true;
}

/// Every module call, in path order.
pub fn module_calls(config: &Config) -> Vec<ConfiguredCall> {
    let no_values = BTreeMap::new();
    config
        .module_calls()
        .into_iter()
        .map(|c| ConfiguredCall {
            path: c.path,
            source: c.source,
            // Arguments keep only their references, never a constant: a literal given to a
            // module may reach a sensitive attribute inside it (a secret's secret_string)
            // through variables that are not declared sensitive, which this view cannot trace.
            expressions: expressions(&c.expressions, &no_values),
            repetition: c.repetition.map(|(name, e)| {
                let mut one = BTreeMap::from([(name.clone(), e)]);
                let e = expressions(&std::mem::take(&mut one), &no_values)
                    .remove(&name)
                    .unwrap_or(Expression::Attribute {
                        references: Vec::new(),
                        constant: None,
                    });
                (name, e)
            }),
        })
        .collect()
}

/// Every configured resource, in address order.
pub fn resources(config: &Config) -> Vec<ConfiguredResource> {
    config
        .resources
        .values()
        .map(|r| ConfiguredResource {
            address: r.address.clone(),
            expressions: expressions(
                &config.expressions(&r.address),
                &config.known_before_apply(&r.address).unwrap_or_default(),
            ),
            depends_on: r.depends_on.clone(),
            provider: r.provider.clone(),
        })
        .collect()
}

fn expressions(
    exprs: &BTreeMap<String, ConfigExpression>,
    values: &BTreeMap<String, Value>,
) -> BTreeMap<String, Expression> {
    exprs
        .iter()
        .map(|(name, e)| {
            let value = values.get(name);
            let e = match e {
                ConfigExpression::Attribute { references } => Expression::Attribute {
                    references: references.clone(),
                    constant: value
                        .filter(|v| references.is_empty() && !v.contains_sensitive())
                        .filter(|v| v.is_known())
                        .cloned(),
                },
                ConfigExpression::Block(nested) => {
                    let inner = match value.map(Value::peel) {
                        Some(Value::Object(map)) if !matches!(value, Some(Value::Sensitive(_))) => {
                            map.clone()
                        }
                        _ => BTreeMap::new(),
                    };
                    Expression::Block(expressions(nested, &inner))
                }
            };
            (name.clone(), e)
        })
        .collect()
}

/// Every input variable's value; `None` for one that is sensitive or feeds a sensitive value.
pub fn variables(config: &Config) -> BTreeMap<String, Option<Value>> {
    let hidden = config.variables_in_sensitive_values();
    config
        .variables
        .iter()
        .map(|(name, v)| {
            let shown = (!v.sensitive && !hidden.contains(name) && !v.value.contains_sensitive())
                .then(|| v.value.clone());
            (name.clone(), shown)
        })
        .collect()
}
