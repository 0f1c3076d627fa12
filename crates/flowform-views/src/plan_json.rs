//! The JSON plan: Terraform's JSON plan shape, so tools written for `terraform show -json`
//! (policy checks, cost estimators, PR bots) read flowform plans unchanged.
//!
//! It follows Terraform's semantics for `after_unknown` and `*_sensitive` (a tree of `true`
//! where a value is unknown or sensitive, known leaves left out of objects, `false` in lists),
//! with one deliberate difference: a sensitive value is never written. Where Terraform would
//! print it, flowform writes `null` and marks the path in `before_sensitive`/`after_sensitive`.
//! Unknown values are left out of `after` (inside a list, where a position cannot be left
//! out, they are `null`).
//!
//! The document has what tools read from `terraform show -json` (OpenTofu's
//! `internal/command/jsonplan`), in Terraform's key order:
//!
//! - `variables`: name → `{"value": ...}`. A variable declared sensitive, or whose value reaches
//!   a sensitive attribute or output, is left out entirely (Terraform would print the latter).
//! - `planned_values`: `outputs` and `root_module.resources[]` (`address`, `mode`, `type`,
//!   `name`, `values`, `sensitive_values`) as they will be after apply; values known only then
//!   are left out, as Terraform leaves them out.
//! - `resource_drift`, `resource_changes`, `output_changes`.
//! - `prior_state`: the (refreshed) state the plan starts from, in Terraform's state shape
//!   (`format_version`, `values.outputs`, `values.root_module.resources[]`). Written even when
//!   the state is empty, so tools find the same keys in every plan.
//! - `configuration.root_module.resources[]`: `address`, `mode`, `type`, `name`, `expressions`
//!   — per attribute `{"references": ["secret.app.arn", "secret.app"]}`, or
//!   `{"constant_value": ...}` when it refers to nothing and is not sensitive, or `{}` — and
//!   `depends_on` when given; a nested block is an object of its attributes' expressions.
//!
//! On top of Terraform's fields, each resource change carries `order` (its index in the order
//! changes run) and `depends_on` (the addresses of the changes it waits for).
//!
//! Keys are written in the order they are inserted here (`serde_json`'s `preserve_order`), so
//! the output is byte-for-byte stable.

use flowform_core::{Address, Value};
use flowform_planner::configuration::{ConfiguredResource, Expression};
use flowform_planner::{Action, Attrs, Drift, OutputChange, Plan, ResourceChange};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// The `format_version` written: the version of Terraform's plan format whose shape is
/// followed.
pub const FORMAT_VERSION: &str = "1.2";

/// What the plan itself does not know and the JSON records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMeta {
    /// The flowform that made the plan (Terraform's `terraform_version`).
    pub flowform_version: String,
    /// When the plan was made (RFC 3339), if the caller wants it recorded. The planner reads no
    /// clock, so it is passed in; `None` leaves the key out.
    pub timestamp: Option<String>,
}

impl JsonMeta {
    pub fn new(flowform_version: impl Into<String>) -> Self {
        JsonMeta {
            flowform_version: flowform_version.into(),
            timestamp: None,
        }
    }
}

/// The whole plan as Terraform-shaped JSON.
pub fn render(plan: &Plan, meta: &JsonMeta) -> Json {
    let mut root = Map::new();
    root.insert("format_version".into(), json!(FORMAT_VERSION));
    root.insert("flowform_version".into(), json!(meta.flowform_version));
    root.insert("variables".into(), variables(plan));
    root.insert("planned_values".into(), planned_values(plan));
    root.insert(
        "resource_drift".into(),
        Json::Array(plan.drift.iter().map(drift).collect()),
    );
    root.insert(
        "resource_changes".into(),
        Json::Array(
            plan.changes
                .iter()
                .enumerate()
                .map(|(order, change)| resource_change(order, change, plan))
                .collect(),
        ),
    );
    root.insert(
        "output_changes".into(),
        Json::Object(
            plan.outputs
                .iter()
                .map(|o| (o.name.clone(), output_change(o)))
                .collect(),
        ),
    );
    root.insert("prior_state".into(), prior_state(plan, meta));
    root.insert("configuration".into(), configuration(plan));
    if let Some(ts) = &meta.timestamp {
        root.insert("timestamp".into(), json!(ts));
    }
    root.insert("errored".into(), json!(false));
    Json::Object(root)
}

/// `variables`: what may be shown of each input variable.
fn variables(plan: &Plan) -> Json {
    Json::Object(
        plan.variables
            .iter()
            .filter_map(|(name, value)| {
                let value = value.as_ref().filter(|v| !v.contains_sensitive())?;
                Some((name.clone(), json!({ "value": value_json(value)? })))
            })
            .collect(),
    )
}

/// A `values` document: outputs and the root module's resources, each module instance's
/// resources in its `child_modules` entry (nested as the calls are).
fn state_values(resources: Vec<(&Address, Json)>, outputs: Map<String, Json>) -> Json {
    json!({
        "outputs": outputs,
        "root_module": module_values(&[], resources),
    })
}

/// The resources of the module instance at `path` and of the instances below it.
fn module_values(path: &[flowform_core::ModuleStep], resources: Vec<(&Address, Json)>) -> Json {
    let depth = path.len();
    let mut own = Vec::new();
    let mut children: BTreeMap<flowform_core::ModuleStep, Vec<(&Address, Json)>> = BTreeMap::new();
    for (address, json) in resources {
        match address.module.get(depth) {
            None => own.push(json),
            Some(step) => children
                .entry(step.clone())
                .or_default()
                .push((address, json)),
        }
    }
    let mut module = Map::new();
    if !path.is_empty() {
        module.insert(
            "address".into(),
            json!(flowform_core::module_path_string(path)),
        );
    }
    module.insert("resources".into(), Json::Array(own));
    if !children.is_empty() {
        let nested = children
            .into_iter()
            .map(|(step, resources)| {
                let mut child = path.to_vec();
                child.push(step);
                module_values(&child, resources)
            })
            .collect();
        module.insert("child_modules".into(), Json::Array(nested));
    }
    Json::Object(module)
}

/// One resource in a `values` document.
fn resource_values(address: &Address, attrs: &Attrs) -> Json {
    let mut entry = identity(address);
    entry.insert("values".into(), attrs_json(attrs));
    entry.insert(
        "sensitive_values".into(),
        sensitive_tree(&Value::Object(attrs.clone())),
    );
    Json::Object(entry)
}

/// An output in a `values` document; a sensitive or unknown value is left out.
fn output_value(sensitive: bool, value: Option<&Value>) -> Json {
    let mut entry = Map::new();
    entry.insert("sensitive".into(), json!(sensitive));
    if let Some(v) = value.filter(|_| !sensitive).and_then(value_json) {
        entry.insert("value".into(), v);
    }
    Json::Object(entry)
}

/// Resources by address, as Terraform lists them in `values` documents.
fn by_address<'a>(
    items: impl Iterator<Item = (&'a Address, &'a Attrs)>,
) -> BTreeMap<String, (&'a Address, &'a Attrs)> {
    items
        .map(|(a, attrs)| (a.to_string(), (a, attrs)))
        .collect()
}

/// Each change's resource as `side` has it (before or after), in address order.
fn resources_of<'a>(
    plan: &'a Plan,
    side: impl Fn(&'a ResourceChange) -> Option<&'a Attrs>,
) -> Vec<(&'a Address, Json)> {
    by_address(
        plan.changes
            .iter()
            .filter_map(|c| Some((&c.address, side(c)?))),
    )
    .into_values()
    .map(|(a, attrs)| (a, resource_values(a, attrs)))
    .collect()
}

/// `planned_values`: everything as it will be after apply.
fn planned_values(plan: &Plan) -> Json {
    let resources = resources_of(plan, |c| c.after.as_ref());
    let outputs = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::Delete)
        .map(|o| (o.name.clone(), output_value(o.sensitive, Some(&o.value))))
        .collect();
    state_values(resources, outputs)
}

/// `prior_state`: the state the plan starts from, refreshed when a refresh ran.
fn prior_state(plan: &Plan, meta: &JsonMeta) -> Json {
    let resources = resources_of(plan, |c| c.before.as_ref());
    let outputs = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::Create)
        .map(|o| (o.name.clone(), output_value(o.sensitive, o.before.as_ref())))
        .collect();
    json!({
        "format_version": "1.0",
        "flowform_version": meta.flowform_version,
        "values": state_values(resources, outputs),
    })
}

/// `configuration`: the root module's resources and their expressions, and its module calls
/// (`module_calls.NAME`: `source`, `expressions`, `count_expression`/`for_each_expression`, and
/// the called module's own resources and calls in `module`), as Terraform writes them. A
/// module's resources are listed once per block, with addresses relative to the module.
fn configuration(plan: &Plan) -> Json {
    json!({ "root_module": configured_module(plan, &[]) })
}

fn configured_module(plan: &Plan, path: &[String]) -> Json {
    let depth = path.len();
    let in_module = |a: &Address| {
        a.module.len() == depth && a.module.iter().zip(path).all(|(s, n)| s.name == *n)
    };
    let resources: Vec<Json> = if depth == 0 {
        plan.configuration
            .iter()
            .filter(|r| r.address.module.is_empty())
            .map(configured)
            .collect()
    } else {
        let mut seen = std::collections::BTreeSet::new();
        plan.configuration
            .iter()
            .filter(|r| in_module(&r.address))
            .filter(|r| seen.insert((r.address.kind, r.address.label.clone())))
            .map(|r| {
                let block = Address::new(r.address.kind, r.address.label.clone());
                let mut entry = identity(&block);
                entry.insert("provider_config_key".into(), provider_config_key(r));
                entry.insert("expressions".into(), expressions(&r.expressions));
                Json::Object(entry)
            })
            .collect()
    };
    let mut module = Map::new();
    module.insert("resources".into(), Json::Array(resources));
    let calls: Map<String, Json> = plan
        .module_calls
        .iter()
        .filter(|c| c.path.len() == depth + 1 && c.path[..depth] == *path)
        .map(|c| {
            let mut call = Map::new();
            call.insert("source".into(), json!(c.source));
            call.insert("expressions".into(), expressions(&c.expressions));
            if let Some((name, e)) = &c.repetition {
                let one = BTreeMap::from([(name.clone(), e.clone())]);
                if let Json::Object(mut m) = expressions(&one)
                    && let Some(e) = m.remove(name)
                {
                    call.insert(format!("{name}_expression"), e);
                }
            }
            call.insert("module".into(), configured_module(plan, &c.path));
            (c.path[depth].clone(), Json::Object(call))
        })
        .collect();
    if !calls.is_empty() {
        module.insert("module_calls".into(), Json::Object(calls));
    }
    Json::Object(module)
}

/// `aws`, or `aws.ALIAS` for a resource managed with an aliased provider configuration.
fn provider_config_key(r: &ConfiguredResource) -> Json {
    json!(
        r.provider
            .as_ref()
            .map_or("aws".to_string(), |a| format!("aws.{a}"))
    )
}

fn configured(r: &ConfiguredResource) -> Json {
    let mut entry = identity(&r.address);
    entry.insert("provider_config_key".into(), provider_config_key(r));
    entry.insert("expressions".into(), expressions(&r.expressions));
    if !r.depends_on.is_empty() {
        entry.insert(
            "depends_on".into(),
            Json::Array(r.depends_on.iter().map(|a| json!(a.to_string())).collect()),
        );
    }
    Json::Object(entry)
}

/// Terraform's expression objects: `references`, else a `constant_value` that is known and not
/// sensitive, else nothing.
fn expressions(exprs: &BTreeMap<String, Expression>) -> Json {
    Json::Object(
        exprs
            .iter()
            .map(|(name, e)| {
                let json = match e {
                    Expression::Block(nested) => expressions(nested),
                    Expression::Attribute { references, .. } if !references.is_empty() => {
                        json!({ "references": references })
                    }
                    Expression::Attribute {
                        constant: Some(c), ..
                    } if !c.contains_sensitive() => match value_json(c) {
                        Some(v) => json!({ "constant_value": v }),
                        None => json!({}),
                    },
                    Expression::Attribute { .. } => json!({}),
                };
                (name.clone(), json)
            })
            .collect(),
    )
}

/// `depends_on` lists the changes this one waits for; a no-op is not waited for (the planner
/// lists no-ops after the changes that run, so keeping them would break "every dependency has
/// a smaller `order`").
fn resource_change(order: usize, c: &ResourceChange, plan: &Plan) -> Json {
    let mut entry = identity(&c.address);
    if let Some(from) = &c.previous_address {
        entry.insert("previous_address".into(), json!(from.to_string()));
    }
    let mut change = change_body(c.action.json_actions(), c.before.as_ref(), c.after.as_ref());
    if let Some(import) = &c.importing {
        change.insert("importing".into(), json!({ "id": import.id }));
    }
    change.insert(
        "replace_paths".into(),
        Json::Array(
            c.replace_paths
                .iter()
                .map(|p| Json::Array(p.split('.').map(|s| json!(s)).collect()))
                .collect(),
        ),
    );
    entry.insert("change".into(), Json::Object(change));
    if c.action == Action::Replace {
        entry.insert(
            "action_reason".into(),
            json!(if c.replace_requested {
                "replace_by_request"
            } else {
                "replace_because_cannot_update"
            }),
        );
    }
    entry.insert("order".into(), json!(order));
    entry.insert(
        "depends_on".into(),
        Json::Array(
            c.depends_on
                .iter()
                .filter(|a| plan.change(a).is_none_or(|d| d.action.is_change()))
                .map(|a| json!(a.to_string()))
                .collect(),
        ),
    );
    Json::Object(entry)
}

fn drift(d: &Drift) -> Json {
    let mut entry = identity(&d.address);
    let actions: &[&str] = if d.after.is_some() {
        &["update"]
    } else {
        &["delete"]
    };
    let mut change = change_body(actions, Some(&d.before), d.after.as_ref());
    change.insert("replace_paths".into(), json!([]));
    entry.insert("change".into(), Json::Object(change));
    Json::Object(entry)
}

/// An output's change: its action, and what the state recorded before (never a sensitive
/// value: those are `null`, marked in `*_sensitive`).
fn output_change(o: &OutputChange) -> Json {
    let hidden = |v: &Value| {
        if o.sensitive {
            Json::Null
        } else {
            value_json(v).unwrap_or(Json::Null)
        }
    };
    let after_sensitive = if o.sensitive {
        json!(true)
    } else {
        sensitive_tree(&o.value)
    };
    let (before, after) = match o.action {
        Action::Create => (Json::Null, hidden(&o.value)),
        Action::Delete => (o.before.as_ref().map_or(Json::Null, hidden), Json::Null),
        _ => (
            o.before.as_ref().map_or(Json::Null, hidden),
            hidden(&o.value),
        ),
    };
    json!({
        "actions": o.action.json_actions(),
        "before": before,
        "after": after,
        "after_unknown": unknown_tree(&o.value),
        "before_sensitive": o.sensitive && o.before.is_some(),
        "after_sensitive": after_sensitive,
    })
}

fn identity(address: &Address) -> Map<String, Json> {
    let mut entry = Map::new();
    entry.insert("address".into(), json!(address.to_string()));
    if !address.module.is_empty() {
        entry.insert(
            "module_address".into(),
            json!(flowform_core::module_path_string(&address.module)),
        );
    }
    entry.insert("mode".into(), json!("managed"));
    entry.insert("type".into(), json!(address.kind.keyword()));
    entry.insert("name".into(), json!(address.label));
    match &address.key {
        Some(flowform_core::InstanceKey::Int(i)) => {
            entry.insert("index".into(), json!(i));
        }
        Some(flowform_core::InstanceKey::Str(k)) => {
            entry.insert("index".into(), json!(k));
        }
        None => {}
    }
    entry
}

fn change_body(
    actions: &[&str],
    before: Option<&Attrs>,
    after: Option<&Attrs>,
) -> Map<String, Json> {
    let mut change = Map::new();
    change.insert("actions".into(), json!(actions));
    change.insert("before".into(), before.map_or(Json::Null, attrs_json));
    change.insert("after".into(), after.map_or(Json::Null, attrs_json));
    change.insert(
        "after_unknown".into(),
        after.map_or(json!(false), |a| unknown_tree(&Value::Object(a.clone()))),
    );
    change.insert(
        "before_sensitive".into(),
        before.map_or(json!(false), |b| sensitive_tree(&Value::Object(b.clone()))),
    );
    change.insert(
        "after_sensitive".into(),
        after.map_or(json!(false), |a| sensitive_tree(&Value::Object(a.clone()))),
    );
    change
}

fn attrs_json(attrs: &Attrs) -> Json {
    Json::Object(
        attrs
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), value_json(v)?)))
            .collect(),
    )
}

/// A value as JSON: sensitive → `null`; unknown → `None` (left out of an object; `null` in a
/// list).
fn value_json(v: &Value) -> Option<Json> {
    Some(match v {
        Value::Unknown => return None,
        Value::Sensitive(_) => Json::Null,
        Value::List(items) => Json::Array(
            items
                .iter()
                .map(|i| value_json(i).unwrap_or(Json::Null))
                .collect(),
        ),
        Value::Object(map) => Json::Object(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), value_json(v)?)))
                .collect(),
        ),
        // Scalars and null: known and not sensitive, so `to_json` always answers.
        other => other.to_json().unwrap_or(Json::Null),
    })
}

/// Terraform's `unknownAsBool`: `true` where unknown; objects keep only the keys that are not
/// `false`; lists keep every position.
fn unknown_tree(v: &Value) -> Json {
    match v {
        Value::Unknown => json!(true),
        Value::Sensitive(_) => unknown_tree(v.peel()),
        Value::List(items) => Json::Array(items.iter().map(unknown_tree).collect()),
        Value::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), unknown_tree(v)))
                .filter(|(_, t)| *t != json!(false))
                .collect(),
        ),
        _ => json!(false),
    }
}

/// Terraform's `SensitiveAsBool`: `true` where sensitive, in the same tree shape.
fn sensitive_tree(v: &Value) -> Json {
    match v {
        Value::Sensitive(_) => json!(true),
        Value::List(items) => Json::Array(items.iter().map(sensitive_tree).collect()),
        Value::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), sensitive_tree(v)))
                .filter(|(_, t)| *t != json!(false))
                .collect(),
        ),
        _ => json!(false),
    }
}
