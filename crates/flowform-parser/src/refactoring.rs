//! `moved`, `import` and `flowform` blocks: what the configuration says about the state and
//! about flowform itself, rather than about a resource.
//!
//! `moved { from = ADDR, to = ADDR }` renames what the state records (a resource's label, an
//! instance's key, a module call or one of its instances, with everything in it) without
//! touching AWS; `import { to = ADDR, id = "..." }` adopts an object
//! made elsewhere; `flowform { required_version = ">= 0.1, < 1.0" }` refuses a flowform outside
//! the range. The addresses are written as references (`secret.app["prod"]`), not strings, as
//! in Terraform.

use crate::eval::Evaluator;
use crate::instances::Expansion;
use crate::resources::{BlockExprs, eval_error};
use flowform_core::{
    Address, Diagnostic, Diagnostics, InstanceKey, ModulePath, ModuleStep, ResourceKind,
    SourceRange, Sources, Value, module_path_string,
};
use hcl::edit::expr::{Expression, TraversalOperator};
use std::collections::{BTreeMap, BTreeSet};

/// `moved { from, to }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Without an instance key on both sides, every instance moves with its key.
    pub from: Endpoint,
    pub to: Endpoint,
    pub range: Option<SourceRange>,
}

/// One side of a move: a resource (or one instance of it), or a module call (or one instance
/// of it) with every resource in it, as Terraform takes `moved { from = module.a, to = module.b }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Resource(Address),
    /// Never the root module's (empty) path.
    Module(ModulePath),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Resource(a) => write!(f, "{a}"),
            Endpoint::Module(path) => f.write_str(&module_path_string(path)),
        }
    }
}

impl Endpoint {
    /// Whether the two name some object in common: the same resource (one without a key names
    /// every instance), or a module path within the other (a step without a key names every
    /// instance of its call), or a resource within a module.
    fn overlaps(&self, other: &Endpoint) -> bool {
        fn within(inner: &[ModuleStep], outer: &[ModuleStep]) -> bool {
            inner.len() >= outer.len()
                && outer.iter().zip(inner).all(|(o, i)| {
                    o.name == i.name && (o.key.is_none() || i.key.is_none() || o.key == i.key)
                })
        }
        match (self, other) {
            (Endpoint::Resource(a), Endpoint::Resource(b)) => {
                a.kind == b.kind
                    && a.label == b.label
                    && a.module.len() == b.module.len()
                    && within(&a.module, &b.module)
                    && (a.key.is_none() || b.key.is_none() || a.key == b.key)
            }
            (Endpoint::Module(p), Endpoint::Module(q)) => within(p, q) || within(q, p),
            (Endpoint::Module(p), Endpoint::Resource(a))
            | (Endpoint::Resource(a), Endpoint::Module(p)) => within(&a.module, p),
        }
    }
}

impl Moved {
    /// Where a state record at `address` goes, if this move takes it.
    pub fn destination(&self, address: &Address) -> Option<Address> {
        match (&self.from, &self.to) {
            (Endpoint::Resource(from), Endpoint::Resource(to)) => {
                if from.key.is_none() && to.key.is_none() {
                    return from
                        .selects(address)
                        .then(|| to.instance(address.key.clone()));
                }
                (address == from).then(|| to.clone())
            }
            (Endpoint::Module(from), Endpoint::Module(to)) => {
                let (from_last, from_parent) = from.split_last()?;
                let (to_last, to_parent) = to.split_last()?;
                let depth = from.len();
                let step = address.module.get(depth - 1)?;
                if address.module.len() < depth
                    || address.module[..depth - 1] != *from_parent
                    || step.name != from_last.name
                {
                    return None;
                }
                // Both without a key: every instance of the call moves with its key.
                let key = if from_last.key.is_none() && to_last.key.is_none() {
                    step.key.clone()
                } else if step.key == from_last.key {
                    to_last.key.clone()
                } else {
                    return None;
                };
                let path: ModulePath = to_parent
                    .iter()
                    .cloned()
                    .chain(std::iter::once(ModuleStep {
                        name: to_last.name.clone(),
                        key,
                    }))
                    .chain(address.module[depth..].iter().cloned())
                    .collect();
                Some(address.clone().in_module(&path))
            }
            _ => None,
        }
    }
}

/// `import { to, id }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub to: Address,
    pub id: String,
    pub range: Option<SourceRange>,
}

/// A resource address written as a reference: `secret.app`, `secret.app[0]`,
/// `connector_profile.sf["prod"]`, `module.conn["prod"].secret.app`.
fn address_of(expr: &Expression) -> Option<Address> {
    match endpoint_of(expr)? {
        Endpoint::Resource(a) => Some(a),
        Endpoint::Module(_) => None,
    }
}

/// A resource address or a module address (`module.conn`, `module.conn["prod"]`,
/// `module.a.module.b[0]`) written as a reference.
fn endpoint_of(expr: &Expression) -> Option<Endpoint> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    let mut ops = t.operators.iter().map(|o| o.value()).peekable();
    let key_of = |op: &TraversalOperator| -> Option<Option<InstanceKey>> {
        match op {
            TraversalOperator::Index(Expression::Number(n)) => {
                Some(Some(InstanceKey::Int(n.value().as_u64()?)))
            }
            TraversalOperator::LegacyIndex(i) => Some(Some(InstanceKey::Int(*i.value()))),
            TraversalOperator::Index(Expression::String(s)) => {
                Some(Some(InstanceKey::Str(s.value().to_string())))
            }
            _ => None,
        }
    };
    let mut module = Vec::new();
    let mut head = root.value().as_str().to_string();
    while head == "module" {
        let Some(TraversalOperator::GetAttr(name)) = ops.next() else {
            return None;
        };
        let mut key = None;
        if let Some(op) = ops.peek()
            && matches!(
                op,
                TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)
            )
        {
            key = key_of(op)?;
            ops.next();
        }
        module.push(flowform_core::ModuleStep {
            name: name.value().as_str().to_string(),
            key,
        });
        match ops.next() {
            None => return Some(Endpoint::Module(module.into())),
            Some(TraversalOperator::GetAttr(next)) => head = next.value().as_str().to_string(),
            Some(_) => return None,
        }
    }
    let kind = ResourceKind::from_keyword(&head)?;
    let Some(TraversalOperator::GetAttr(label)) = ops.next() else {
        return None;
    };
    let key = match ops.next() {
        None => None,
        Some(op) => key_of(op)?,
    };
    if ops.next().is_some() {
        return None;
    }
    Some(Endpoint::Resource(
        Address::new(kind, label.value().as_str())
            .instance(key)
            .in_module(&module.into()),
    ))
}

fn error(
    body: &BlockExprs,
    sources: &Sources,
    span: std::ops::Range<usize>,
    summary: &str,
    detail: String,
) -> Diagnostic {
    Diagnostic::error(summary, detail)
        .with_range(sources.range(&body.file, span))
        .with_context(&body.context)
}

/// Reads the arguments of a block that takes exactly `names`, each once.
fn arguments<'a>(
    body: &'a BlockExprs,
    names: &[&str],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<BTreeMap<&'a str, &'a crate::resources::AttrExpr>> {
    let mut out = BTreeMap::new();
    for a in &body.attrs {
        if names.contains(&a.name.as_str()) {
            out.insert(a.name.as_str(), a);
        } else {
            diags.push(error(
                body,
                sources,
                a.key_span.clone(),
                "Unsupported argument",
                format!(
                    "An argument named \"{}\" is not expected in a {} block; it takes {}.",
                    a.name,
                    body.context,
                    names.join(" and ")
                ),
            ));
        }
    }
    for (name, span, _) in &body.blocks {
        diags.push(error(
            body,
            sources,
            span.clone(),
            "Unsupported block type",
            format!(
                "Blocks of type \"{name}\" are not expected in a {} block.",
                body.context
            ),
        ));
    }
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !out.contains_key(n))
        .collect();
    if !missing.is_empty() {
        diags.push(error(
            body,
            sources,
            body.header.clone(),
            "Missing required argument",
            format!("A {} block needs {}.", body.context, missing.join(" and ")),
        ));
        return None;
    }
    Some(out)
}

/// An argument that names a resource (or, for `endpoint_of`, also a module) as a reference;
/// `examples` says what such an address looks like when it does not.
fn reference_arg<T>(
    body: &BlockExprs,
    a: &crate::resources::AttrExpr,
    sources: &Sources,
    diags: &mut Diagnostics,
    read: fn(&Expression) -> Option<T>,
    examples: &str,
) -> Option<T> {
    let found = read(&a.expr);
    if found.is_none() {
        diags.push(error(
            body,
            sources,
            a.value_span(),
            "Invalid address",
            format!(
                "\"{}\" must be {examples} (without quotes around it).",
                a.name
            ),
        ));
    }
    found
}

fn endpoint_arg(
    body: &BlockExprs,
    a: &crate::resources::AttrExpr,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<Endpoint> {
    reference_arg(
        body,
        a,
        sources,
        diags,
        endpoint_of,
        "a resource or module address written as a reference, such as secret.app, secret.app[0], connector_profile.sf[\"prod\"] or module.conn",
    )
}

fn address_arg(
    body: &BlockExprs,
    a: &crate::resources::AttrExpr,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<Address> {
    reference_arg(
        body,
        a,
        sources,
        diags,
        address_of,
        "a resource address written as a reference, such as secret.app, secret.app[0] or connector_profile.sf[\"prod\"]",
    )
}

/// Reads every `moved` block and checks them together: chains and conflicting moves are
/// errors, and so is a move from something the configuration still declares. `modules` is
/// every module instance's path, for moves of module calls.
pub(crate) fn moved(
    bodies: &[BlockExprs],
    blocks: &BTreeMap<Address, Expansion>,
    instances: &BTreeSet<Address>,
    modules: &[&ModulePath],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Vec<Moved> {
    let mut out: Vec<Moved> = Vec::new();
    for body in bodies {
        let Some(args) = arguments(body, &["from", "to"], sources, diags) else {
            continue;
        };
        let (Some(from), Some(to)) = (
            endpoint_arg(body, args["from"], sources, diags),
            endpoint_arg(body, args["to"], sources, diags),
        ) else {
            continue;
        };
        let at = args["to"].value_span();
        let fail =
            |summary: &str, detail: String| error(body, sources, at.clone(), summary, detail);
        let still_declared = match (&from, &to) {
            (Endpoint::Resource(f), Endpoint::Resource(t)) => {
                if f.kind != t.kind {
                    diags.push(fail("Invalid move", format!(
                        "A move cannot change what kind of resource something is: {f} is a {}, {t} a {}.",
                        f.kind, t.kind
                    )));
                    continue;
                }
                match &f.key {
                    None => blocks.contains_key(f) && (t.key.is_none() || !blocks[f].is_repeated()),
                    Some(_) => instances.contains(f),
                }
            }
            (Endpoint::Module(f), Endpoint::Module(t)) => {
                // endpoint_of never makes an empty module path.
                let (Some((last, parent)), Some((to_last, _))) = (f.split_last(), t.split_last())
                else {
                    continue;
                };
                // Without a key, `from` is every instance of the call — unless `to` has one:
                // then it is the instance without a key (adding for_each to a call, as for a
                // resource), gone once the call is repeated.
                let one_unkeyed = last.key.is_none() && to_last.key.is_some();
                modules.iter().any(|p| match p.split_last() {
                    Some((l, pp)) => {
                        pp == parent
                            && l.name == last.name
                            && (if one_unkeyed {
                                l.key.is_none()
                            } else {
                                last.key.is_none() || l.key == last.key
                            })
                    }
                    None => false,
                })
            }
            _ => {
                diags.push(fail("Invalid move", format!(
                    "{from} and {to} are not the same kind of thing: a resource moves to a resource address, a module call (or one of its instances) to a module address."
                )));
                continue;
            }
        };
        if from == to {
            diags.push(fail(
                "Redundant move",
                format!("This moves {from} to itself."),
            ));
            continue;
        }
        if still_declared {
            diags.push(error(body, sources, args["from"].value_span(), "Moved object still exists", format!(
                "This moves {from} to {to}, but the configuration still declares {from}. Remove or rename its block (or its key) for the move to take place."
            )));
            continue;
        }
        if let Some(other) = out
            .iter()
            .find(|m| m.from != from && m.from.overlaps(&from))
        {
            diags.push(fail("Ambiguous move statements", format!(
                "{from} and {} (moved to {}) name some of the same objects: each can move to one place only. Move the instances one by one, or the whole.",
                other.from, other.to
            )));
            continue;
        }
        if let Some(other) = out.iter().find(|m| m.from == from) {
            diags.push(fail(
                "Ambiguous move statements",
                format!(
                    "{from} is moved twice: to {} and to {to}. It can move to one place only.",
                    other.to
                ),
            ));
            continue;
        }
        // Two destinations collide when both are resources or both modules that overlap; a
        // resource moved into a module another statement also moves to is not a collision
        // unless both bring an object to one address, which the plan finds (and refuses).
        let same_kind = |a: &Endpoint, b: &Endpoint| {
            matches!(
                (a, b),
                (Endpoint::Resource(_), Endpoint::Resource(_))
                    | (Endpoint::Module(_), Endpoint::Module(_))
            )
        };
        if let Some(other) = out
            .iter()
            .find(|m| same_kind(&m.to, &to) && m.to.overlaps(&to))
        {
            diags.push(fail(
                "Ambiguous move statements",
                format!(
                    "Both {} and {from} are moved to {to}: only one object can be there.",
                    other.from
                ),
            ));
            continue;
        }
        if let Some(other) = out
            .iter()
            .find(|m| m.from.overlaps(&to) || m.to.overlaps(&from))
        {
            diags.push(fail("Chained move statements", format!(
                "This move and the one from {} to {} form a chain: flowform does not follow chains. Move straight from the first address to the last.",
                other.from, other.to
            )));
            continue;
        }
        out.push(Moved {
            from,
            to,
            range: sources.range(&body.file, body.header.clone()),
        });
    }
    out
}

/// Reads every `import` block: the address must be a resource instance of the
/// configuration, the id known before apply, and each address imported once.
pub(crate) fn imports(
    ev: &Evaluator<'_>,
    bodies: &[BlockExprs],
    blocks: &BTreeMap<Address, Expansion>,
    instances: &BTreeSet<Address>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Vec<Import> {
    let mut out: Vec<Import> = Vec::new();
    for body in bodies {
        let Some(args) = arguments(body, &["to", "id"], sources, diags) else {
            continue;
        };
        let Some(to) = address_arg(body, args["to"], sources, diags) else {
            continue;
        };
        let at = args["to"].value_span();
        if !instances.contains(&to) {
            let detail = match blocks.get(&to.resource()) {
                Some(e) if e.is_repeated() && to.key.is_none() => format!(
                    "{to} has count or for_each: import into one of its instances, such as {}.",
                    e.instance_keys()
                        .into_iter()
                        .flatten()
                        .next()
                        .map(|k| to.instance(Some(k)).to_string())
                        .unwrap_or_else(|| format!("{to}[0]"))
                ),
                Some(_) => format!("{to} is not one of the instances the configuration declares."),
                None => format!(
                    "There is no {} block named \"{}\" to import into: add its configuration first.",
                    to.kind, to.label
                ),
            };
            diags.push(error(
                body,
                sources,
                at,
                "Configuration for import target does not exist",
                detail,
            ));
            continue;
        }
        if out.iter().any(|i| i.to == to) {
            diags.push(error(
                body,
                sources,
                at,
                "Duplicate import configuration",
                format!("{to} is imported by two import blocks; one object can be imported there."),
            ));
            continue;
        }
        let id = match ev.eval(&args["id"].expr, &body.file) {
            Ok(v) => {
                match v.unmark() {
                    (Value::String(s), false) if !s.is_empty() => s,
                    (Value::Unknown, _) => {
                        diags.push(error(body, sources, args["id"].value_span(), "Invalid import id", "The import id must be known before apply: it may not refer to resources.".into()));
                        continue;
                    }
                    (_, true) => {
                        diags.push(error(
                            body,
                            sources,
                            args["id"].value_span(),
                            "Invalid import id",
                            "The import id may not be sensitive: it is shown in the plan.".into(),
                        ));
                        continue;
                    }
                    (other, _) => {
                        diags.push(error(
                            body,
                            sources,
                            args["id"].value_span(),
                            "Invalid import id",
                            format!(
                                "The import id must be a non-empty string; this is {}.",
                                match other {
                                    Value::String(_) => "an empty string",
                                    o => o.type_name(),
                                }
                            ),
                        ));
                        continue;
                    }
                }
            }
            Err(e) => {
                diags.push(eval_error(e, sources, &body.context));
                continue;
            }
        };
        out.push(Import {
            to,
            id,
            range: sources.range(&body.file, body.header.clone()),
        });
    }
    out
}

/// `flowform { required_version = "..." }`: refuses to load with a flowform outside the range.
pub(crate) fn required_version(
    bodies: &[BlockExprs],
    version: &str,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<String> {
    let mut found = None;
    for body in bodies {
        let Some(args) = arguments(body, &["required_version"], sources, diags) else {
            continue;
        };
        let a = args["required_version"];
        let Some(text) = a.expr.as_str() else {
            diags.push(error(body, sources, a.value_span(), "Invalid required_version", "required_version must be a literal string of version constraints, such as \">= 0.1, < 1.0\".".into()));
            continue;
        };
        match crate::version::satisfies(version, text) {
            Ok(true) => {}
            Ok(false) => diags.push(error(body, sources, a.value_span(), "Unsupported flowform version", format!(
                "This configuration requires flowform {text}, but this is flowform {version}. Use a flowform whose version is in that range, or change required_version."
            ))),
            Err(e) => diags.push(error(body, sources, a.value_span(), "Invalid required_version", e)),
        }
        found = Some(text.to_string());
    }
    found
}
