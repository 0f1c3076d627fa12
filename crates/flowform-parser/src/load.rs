//! Loading a configuration directory: files → declarations → values → checks.

use crate::config::{Backend, Config, Lifecycle, Output, Provider, Resource, VariableInputs};
use crate::data;
use crate::eval::{AllUnknown, Evaluator, FileCache, LocalExpr};
use crate::files;
use crate::instances::{self, Expansion};
use crate::refactoring;
use crate::resources::{self, BlockExprs, eval_error};
use crate::rules;
use crate::suggest::did_you_mean;
use crate::variables::{self, Declaration};
use flowform_core::{Address, Diagnostic, Diagnostics, ResourceKind, Sources, Value};
use hcl::edit::Span;
use hcl::edit::expr::{Expression, Traversal, TraversalOperator};
use hcl::edit::structure::{Block, Structure};
use hcl::edit::visit::{Visit, visit_traversal};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Why a configuration could not be loaded: every error found, and the sources to show them.
#[derive(Debug)]
pub struct LoadFailure {
    pub diagnostics: Diagnostics,
    pub sources: Sources,
}

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "variable",
    "locals",
    "provider",
    "backend",
    "output",
    "kms_key",
    "secret",
    "kms_key_policy",
    "connector_profile",
    "moved",
    "import",
    "flowform",
    "data",
];

/// Everything declared, before evaluation.
#[derive(Default)]
struct Declarations {
    variables: Vec<Declaration>,
    locals: BTreeMap<String, LocalExpr>,
    provider: Option<BlockExprs>,
    backend: Option<(String, BlockExprs)>,
    resources: BTreeMap<Address, BlockExprs>,
    outputs: Vec<(String, BlockExprs)>,
    moved: Vec<BlockExprs>,
    imports: Vec<BlockExprs>,
    flowform: Vec<BlockExprs>,
    /// `data` blocks: kind, label, body.
    data: Vec<(flowform_core::DataKind, String, BlockExprs)>,
}

/// Loads and validates the configuration in `dir`. Returns the configuration (with any
/// warnings in [`Config::warnings`]) or every error found.
pub fn load(dir: &Path, inputs: &VariableInputs) -> Result<Config, LoadFailure> {
    let mut sources = Sources::default();
    let mut diags = Diagnostics::default();
    let fail = |mut diagnostics: Diagnostics, sources: Sources| {
        diagnostics.sort();
        Err(LoadFailure {
            diagnostics,
            sources,
        })
    };
    let paths = match files::config_files(dir) {
        Ok(p) => p,
        Err(e) => {
            let d = Diagnostic::error(
                "Cannot read the configuration directory",
                format!("Reading \"{}\" failed: {e}.", dir.display()),
            );
            return fail(Diagnostics(vec![d]), sources);
        }
    };
    if paths.is_empty() {
        diags.push(Diagnostic::error(
            "No configuration files",
            format!("There are no *.hcl files in \"{}\". flowform reads every *.hcl file directly in the configuration directory (-C DIR).", dir.display()),
        ));
        return fail(diags, sources);
    }
    let mut decls = Declarations::default();
    for path in &paths {
        if let Some(parsed) = files::parse_file(path, &mut sources, &mut diags) {
            declare(&parsed.name, &parsed.body, &sources, &mut decls, &mut diags);
        }
    }

    // A flowform outside the configuration's range would misread it: say only that.
    let mut version_diags = Diagnostics::default();
    let required_version = refactoring::required_version(
        &decls.flowform,
        env!("CARGO_PKG_VERSION"),
        &sources,
        &mut version_diags,
    );
    if version_diags.has_errors() {
        return fail(version_diags, sources);
    }
    diags.extend(version_diags);

    let variables = variables::resolve(dir, &decls.variables, inputs, &mut sources, &mut diags);
    let var_values: BTreeMap<String, Value> = variables
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    // A variable without a usable value stays unknown so that the rest is still checked.
    let mut eval_vars = var_values.clone();
    for d in &decls.variables {
        eval_vars.entry(d.name.clone()).or_insert(Value::Unknown);
    }
    let workspace = match inputs.workspace.as_str() {
        "" => "default",
        name => name,
    };
    eval_vars.insert(
        crate::eval::WORKSPACE_KEY.to_string(),
        Value::String(workspace.to_string()),
    );

    let file_cache = FileCache::new(dir);
    let local_refs = local_references(&decls.locals);
    let set_variables: BTreeSet<String> = decls
        .variables
        .iter()
        .filter(|d| matches!(d.ty, variables::Type::Set(_)))
        .map(|d| d.name.clone())
        .collect();
    let blocks = expand(
        &decls,
        &eval_vars,
        &file_cache,
        &set_variables,
        &local_refs,
        &sources,
        &mut diags,
    );
    // Data sources are read after loading: until then each is declared, and unknown.
    let declared_data: crate::data::DataValues = decls
        .data
        .iter()
        .map(|(kind, label, _)| (format!("data.{kind}.{label}"), BTreeMap::new()))
        .collect();
    let mut ev = Evaluator::new(&eval_vars, &decls.locals, &blocks, &AllUnknown, &file_cache);
    ev.data = &declared_data;
    ev.unset_variables = inputs.missing_are_unknown;

    for local in decls.locals.values() {
        if let Err(e) = ev.eval(&local.expr, &local.file) {
            diags.push(eval_error(e, &sources, "locals"));
        }
    }

    let mut resources = BTreeMap::new();
    for (block, body) in &decls.resources {
        resources::check_structure(block.kind, body, &sources, &mut diags);
        let (depends_on, lifecycle) = meta(block, body, &blocks, &sources, &mut diags);
        let refs = references(body, &local_refs, &blocks);
        let expansion = &blocks[block];
        for key in expansion.instance_keys() {
            let address = block.instance(key.clone());
            ev.set_instance(expansion.scope(&key));
            let first = diags.0.len();
            let attributes = resources::evaluate(&ev, block.kind, body, &sources, &mut diags);
            if key.is_some() {
                // Name the instance: an error may hold for one key and not another.
                for d in &mut diags.0[first..] {
                    d.context = Some(address.to_string());
                }
            }
            let mut references = BTreeSet::new();
            for (target, index) in &refs {
                let target_expansion = &blocks[target];
                let one = index
                    .as_ref()
                    .and_then(|i| ev.eval(i, &body.file).ok())
                    .and_then(|v| target_expansion.key_for(&v.unmark().0).ok());
                match one {
                    Some(k) => {
                        references.insert(target.instance(Some(k)));
                    }
                    None => references.extend(all_instances(target, target_expansion)),
                }
            }
            let depends_on = depends_on
                .iter()
                .flat_map(|d| all_instances(d, &blocks[d]))
                .collect();
            resources.insert(
                address.clone(),
                Resource {
                    address,
                    range: sources.range(&body.file, body.header.clone()),
                    attributes,
                    depends_on,
                    references,
                    lifecycle: lifecycle.clone(),
                    body: body.clone(),
                },
            );
        }
        ev.set_instance(Vec::new());
    }

    let data_sources = decls
        .data
        .iter()
        .filter_map(|(kind, label, body)| {
            data::evaluate(&ev, *kind, label, body, &sources, &mut diags)
        })
        .collect();
    let instance_addrs: BTreeSet<Address> = resources.keys().cloned().collect();
    let moved = refactoring::moved(&decls.moved, &blocks, &instance_addrs, &sources, &mut diags);
    let imports = refactoring::imports(
        &ev,
        &decls.imports,
        &blocks,
        &instance_addrs,
        &sources,
        &mut diags,
    );

    let provider = decls
        .provider
        .as_ref()
        .map(|p| provider(&ev, p, &sources, &mut diags))
        .unwrap_or_default();
    let backend = decls
        .backend
        .as_ref()
        .and_then(|(kind, b)| backend(&ev, kind, b, &sources, &mut diags));
    let outputs = decls
        .outputs
        .iter()
        .map(|(name, body)| output(&ev, name, body, &sources, &mut diags))
        .collect();

    let mut config = Config {
        dir: dir.to_path_buf(),
        sources,
        variables,
        provider,
        backend,
        resources,
        blocks,
        moved,
        imports,
        required_version,
        data_sources,
        data_values: declared_data.clone(),
        outputs,
        warnings: Diagnostics::default(),
        var_values: eval_vars,
        locals: decls.locals,
        files: file_cache,
    };
    rules::check(&config, &mut diags);
    config.files.freeze();
    diags.sort();
    diags.dedup();
    if diags.has_errors() {
        return fail(diags, config.sources);
    }
    config.warnings = diags;
    Ok(config)
}

fn declare(
    file: &str,
    body: &hcl::edit::structure::Body,
    sources: &Sources,
    decls: &mut Declarations,
    diags: &mut Diagnostics,
) {
    for structure in body.iter() {
        let block = match structure {
            Structure::Block(b) => b,
            Structure::Attribute(a) => {
                diags.push(Diagnostic::error("Unexpected argument", format!(
                    "An argument named \"{}\" is not expected at the top level. Arguments belong inside a block, such as a locals block.",
                    a.key.value().as_str()
                )).with_range(sources.range(file, a.key.span().unwrap_or(0..0))));
                continue;
            }
        };
        let kind = block.ident.value().as_str();
        let ident_span = block.ident.span().unwrap_or(0..0);
        let header = ident_span.start
            ..block
                .labels
                .last()
                .and_then(|l| l.span())
                .map_or(ident_span.end, |s| s.end);
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        let expected_labels = match kind {
            "locals" | "moved" | "import" | "flowform" => 0,
            "variable" | "provider" | "backend" | "output" => 1,
            k if ResourceKind::from_keyword(k).is_some() => 1,
            "data" => 2,
            _ => {
                diags.push(Diagnostic::error("Unsupported block type", format!(
                    "Blocks of type \"{kind}\" are not expected here.{} flowform knows: {}.",
                    did_you_mean(kind, TOP_LEVEL_BLOCKS.iter().copied()),
                    TOP_LEVEL_BLOCKS.join(", ")
                )).with_range(sources.range(file, ident_span)));
                continue;
            }
        };
        if labels.len() != expected_labels {
            let detail = match (kind, expected_labels) {
                (k @ ("locals" | "moved" | "import" | "flowform"), _) => {
                    format!("A {k} block takes no labels: {k} {{ ... }}.")
                }
                ("data", _) => {
                    "A data block takes two labels, its kind and its name: data \"secret\" \"NAME\" { ... }.".to_string()
                }
                (k, _) if ResourceKind::from_keyword(k).is_some() => {
                    format!("A {k} block takes one label, its name: {k} \"NAME\" {{ ... }}.")
                }
                (k, _) => format!("A {k} block takes one label: {k} \"NAME\" {{ ... }}."),
            };
            diags.push(
                Diagnostic::error(
                    if labels.len() < expected_labels {
                        "Missing name for block"
                    } else {
                        "Extraneous label for block"
                    },
                    detail,
                )
                .with_range(sources.range(file, header)),
            );
            continue;
        }
        let context = match labels.first() {
            Some(l) => format!("{kind} \"{l}\""),
            None => kind.to_string(),
        };
        let label_span = block
            .labels
            .first()
            .and_then(|l| l.span())
            .unwrap_or(header.clone());
        let exprs =
            BlockExprs::from_body(file, header.clone(), &context, &block.body, sources, diags);
        match kind {
            "variable" => {
                let name = labels[0].to_string();
                if decls.variables.iter().any(|d| d.name == name) {
                    diags.push(duplicate(sources, file, label_span, "variable", &name));
                    continue;
                }
                decls
                    .variables
                    .push(variables::declaration(name, exprs, sources, diags));
            }
            "locals" => declare_locals(file, block, sources, decls, diags),
            "moved" => decls.moved.push(exprs),
            "import" => decls.imports.push(exprs),
            "flowform" => decls.flowform.push(exprs),
            "data" => {
                let kind_span = block.labels[0].span().unwrap_or(header.clone());
                let kind = match data::kind(labels[0], file, kind_span, sources) {
                    Ok(k) => k,
                    Err(d) => {
                        diags.push(*d);
                        continue;
                    }
                };
                let label = labels[1];
                let name_span = block.labels[1].span().unwrap_or(header.clone());
                if !valid_label(label) {
                    diags.push(Diagnostic::error("Invalid data source name", format!(
                        "\"{label}\" is not a valid name: a name starts with a letter or underscore and holds only letters, digits, underscores and dashes."
                    )).with_range(sources.range(file, name_span)));
                    continue;
                }
                if decls.data.iter().any(|(k, l, _)| *k == kind && l == label) {
                    diags.push(duplicate(
                        sources,
                        file,
                        name_span,
                        &format!("data \"{kind}\""),
                        label,
                    ));
                    continue;
                }
                let exprs = BlockExprs {
                    context: format!("data \"{kind}\" \"{label}\""),
                    ..exprs
                };
                decls.data.push((kind, label.to_string(), exprs));
            }
            "provider" => {
                if labels[0] != "aws" {
                    diags.push(Diagnostic::error("Unsupported provider", format!("flowform manages AWS resources only: the provider block must be provider \"aws\", not \"{}\".", labels[0])).with_range(sources.range(file, label_span)));
                } else if decls.provider.is_some() {
                    diags.push(duplicate(sources, file, label_span, "provider", "aws"));
                } else {
                    decls.provider = Some(exprs);
                }
            }
            "backend" => {
                if decls.backend.is_some() {
                    diags.push(duplicate(sources, file, label_span, "backend", labels[0]));
                } else {
                    decls.backend = Some((labels[0].to_string(), exprs));
                }
            }
            "output" => {
                if decls.outputs.iter().any(|(n, _)| n == labels[0]) {
                    diags.push(duplicate(sources, file, label_span, "output", labels[0]));
                } else {
                    decls.outputs.push((labels[0].to_string(), exprs));
                }
            }
            resource_kind => {
                let Some(kind) = ResourceKind::from_keyword(resource_kind) else {
                    continue;
                };
                let label = labels[0];
                if !valid_label(label) {
                    diags.push(Diagnostic::error("Invalid resource name", format!(
                        "\"{label}\" is not a valid name: a name starts with a letter or underscore and holds only letters, digits, underscores and dashes."
                    )).with_range(sources.range(file, label_span)));
                    continue;
                }
                let address = Address::new(kind, label);
                if let Some(first) = decls.resources.get(&address) {
                    let first_at = sources
                        .range(&first.file, first.header.clone())
                        .map(|r| format!("{}:{}", r.filename, r.start.line))
                        .unwrap_or_default();
                    diags.push(Diagnostic::error("Duplicate resource", format!(
                        "A {kind} named \"{label}\" was already declared at {first_at}. Each resource needs a unique name within its kind."
                    )).with_range(sources.range(file, label_span)));
                    continue;
                }
                decls.resources.insert(address, exprs);
            }
        }
    }
}

fn valid_label(label: &str) -> bool {
    let mut chars = label.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn duplicate(
    sources: &Sources,
    file: &str,
    span: std::ops::Range<usize>,
    kind: &str,
    name: &str,
) -> Diagnostic {
    Diagnostic::error(
        format!("Duplicate {kind} declaration"),
        format!("A {kind} named \"{name}\" was already declared. Each must have a unique name."),
    )
    .with_range(sources.range(file, span))
}

fn declare_locals(
    file: &str,
    block: &Block,
    sources: &Sources,
    decls: &mut Declarations,
    diags: &mut Diagnostics,
) {
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(a) => {
                let name = a.key.value().as_str().to_string();
                let span = a.key.span().unwrap_or(0..0);
                if decls.locals.contains_key(&name) {
                    diags.push(duplicate(sources, file, span, "local value", &name));
                    continue;
                }
                decls.locals.insert(
                    name,
                    LocalExpr {
                        file: file.to_string(),
                        expr: a.value.clone(),
                        span,
                    },
                );
            }
            Structure::Block(b) => diags.push(
                Diagnostic::error(
                    "Unexpected block in locals",
                    "A locals block holds only assignments, such as name = value.",
                )
                .with_range(sources.range(file, b.ident.span().unwrap_or(0..0))),
            ),
        }
    }
}

/// Collects what expressions refer to: resources (by address without instance key, with the
/// index expression when one follows: `secret.app[each.key]`) and locals (by name).
#[derive(Default)]
struct RefCollector {
    resources: Vec<(Address, Option<Expression>)>,
    locals: BTreeSet<String>,
}

impl Visit for RefCollector {
    fn visit_traversal(&mut self, t: &Traversal) {
        if let Expression::Variable(root) = &t.expr {
            let attr = |i: usize| match t.operators.get(i).map(|o| o.value()) {
                Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str().to_string()),
                _ => None,
            };
            let root = root.value().as_str();
            if root == "local" {
                if let Some(name) = attr(0) {
                    self.locals.insert(name);
                }
            } else if let (Some(kind), Some(label)) = (ResourceKind::from_keyword(root), attr(0)) {
                let index = match t.operators.get(1).map(|o| o.value()) {
                    Some(TraversalOperator::Index(i)) => Some(i.clone()),
                    _ => None,
                };
                self.resources.push((Address::new(kind, label), index));
            }
        }
        visit_traversal(self, t);
    }
}

fn collect(expr: &Expression) -> RefCollector {
    let mut c = RefCollector::default();
    c.visit_expr(expr);
    c
}

/// What each local refers to directly.
fn local_references(locals: &BTreeMap<String, LocalExpr>) -> BTreeMap<&str, RefCollector> {
    locals
        .iter()
        .map(|(n, l)| (n.as_str(), collect(&l.expr)))
        .collect()
}

/// The resources a block refers to, directly or through locals, each with the index that
/// follows a direct reference (through a local, every instance is referred to). The locals are
/// followed with one walk per block, not a closure per local: with a chain of thousands of
/// locals, that closure was quadratic.
fn references(
    body: &BlockExprs,
    local_refs: &BTreeMap<&str, RefCollector>,
    declared: &BTreeMap<Address, Expansion>,
) -> Vec<(Address, Option<Expression>)> {
    fn walk(
        b: &BlockExprs,
        out: &mut Vec<(Address, Option<Expression>)>,
        locals: &mut Vec<String>,
    ) {
        for a in &b.attrs {
            // A dynamic block's (labelled) for_each feeds the block it generates.
            if a.name == "depends_on"
                || (b.label.is_none() && instances::META.contains(&a.name.as_str()))
            {
                continue;
            }
            let c = collect(&a.expr);
            out.extend(c.resources);
            locals.extend(c.locals);
        }
        for (name, _, nested) in &b.blocks {
            if name != "lifecycle" {
                walk(nested, out, locals);
            }
        }
    }
    let mut out = Vec::new();
    let mut stack = Vec::new();
    walk(body, &mut out, &mut stack);
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if let Some(c) = local_refs.get(name.as_str())
            && seen.insert(name)
        {
            out.extend(c.resources.iter().map(|(a, _)| (a.clone(), None)));
            stack.extend(c.locals.iter().cloned());
        }
    }
    out.retain(|(a, _)| declared.contains_key(a));
    // One entry per target and index: a block that names secret.app.arn ten times needs it once.
    let mut unique: Vec<(Address, Option<Expression>)> = Vec::with_capacity(out.len());
    for (a, i) in out {
        let text = i.as_ref().map(|e| e.to_string());
        if !unique
            .iter()
            .any(|(b, j)| *b == a && j.as_ref().map(|e| e.to_string()) == text)
        {
            unique.push((a, i));
        }
    }
    unique
}

/// Every instance of a resource.
fn all_instances(block: &Address, expansion: &Expansion) -> Vec<Address> {
    expansion
        .instance_keys()
        .into_iter()
        .map(|k| block.instance(k))
        .collect()
}

/// Evaluates every block's `count`/`for_each`. One may depend on another resource's instance
/// keys (`for_each = secret.app`), so they are evaluated in the order of those references.
fn expand(
    decls: &Declarations,
    vars: &BTreeMap<String, Value>,
    files: &FileCache,
    set_variables: &BTreeSet<String>,
    local_refs: &BTreeMap<&str, RefCollector>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> BTreeMap<Address, Expansion> {
    let meta_of = |body: &BlockExprs| -> Vec<Address> {
        let mut out = Vec::new();
        let mut stack = Vec::new();
        for a in body
            .attrs
            .iter()
            .filter(|a| instances::META.contains(&a.name.as_str()))
        {
            let c = collect(&a.expr);
            out.extend(c.resources.into_iter().map(|(a, _)| a));
            stack.extend(c.locals);
        }
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if let Some(c) = local_refs.get(name.as_str())
                && seen.insert(name)
            {
                out.extend(c.resources.iter().map(|(a, _)| a.clone()));
                stack.extend(c.locals.iter().cloned());
            }
        }
        out.retain(|a| decls.resources.contains_key(a));
        out
    };
    let mut blocks: BTreeMap<Address, Expansion> = BTreeMap::new();
    let mut waiting: Vec<(&Address, &BlockExprs, Vec<Address>)> = Vec::new();
    for (address, body) in &decls.resources {
        if body
            .attrs
            .iter()
            .any(|a| instances::META.contains(&a.name.as_str()))
        {
            waiting.push((address, body, meta_of(body)));
        } else {
            blocks.insert(address.clone(), Expansion::Single);
        }
    }
    while !waiting.is_empty() {
        let (ready, rest): (Vec<_>, Vec<_>) = waiting
            .into_iter()
            .partition(|(_, _, deps)| deps.iter().all(|d| blocks.contains_key(d)));
        if ready.is_empty() {
            for (address, body, _) in rest {
                diags.push(
                    Diagnostic::error(
                        "Cycle in count and for_each",
                        format!("The count or for_each of {address} depends, through other resources' count or for_each, on its own instances."),
                    )
                    .with_range(sources.range(&body.file, body.header.clone()))
                    .with_context(&body.context),
                );
                blocks.insert(address.clone(), Expansion::Invalid);
            }
            break;
        }
        let mut ev = Evaluator::new(vars, &decls.locals, &blocks, &AllUnknown, files);
        // Only validate leaves a variable's value unknown (one given no value).
        ev.unset_variables = vars.values().any(|v| !v.is_known());
        let done: Vec<(Address, Expansion)> = ready
            .into_iter()
            .map(|(address, body, _)| {
                let e =
                    instances::expansion(&ev, body, set_variables, &decls.locals, sources, diags);
                (address.clone(), e.unwrap_or(Expansion::Invalid))
            })
            .collect();
        drop(ev);
        blocks.extend(done);
        waiting = rest;
    }
    blocks
}

/// `depends_on` and `lifecycle`.
fn meta(
    address: &Address,
    body: &BlockExprs,
    declared: &BTreeMap<Address, Expansion>,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> (Vec<Address>, Lifecycle) {
    let err = |span: std::ops::Range<usize>, summary: &str, detail: String| {
        Diagnostic::error(summary, detail)
            .with_range(sources.range(&body.file, span))
            .with_context(&body.context)
    };
    let mut depends_on = Vec::new();
    if let Some(a) = body.attrs.iter().find(|a| a.name == "depends_on") {
        match &a.expr {
            Expression::Array(items) => {
                for item in items.iter() {
                    let span = item.span().unwrap_or(a.value_span());
                    let target = match item {
                        Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                            (Expression::Variable(root), [op]) => match (
                                ResourceKind::from_keyword(root.value().as_str()),
                                op.value(),
                            ) {
                                (Some(kind), TraversalOperator::GetAttr(label)) => {
                                    Some(Address::new(kind, label.value().as_str()))
                                }
                                _ => None,
                            },
                            _ => None,
                        },
                        _ => None,
                    };
                    match target {
                        Some(t) if !declared.contains_key(&t) => diags.push(err(span, "Reference to undeclared resource", format!("depends_on names {t}, which is not declared in this configuration."))),
                        Some(t) if &t == address => diags.push(err(span, "Self-referential depends_on", format!("{address} cannot depend on itself."))),
                        Some(t) => depends_on.push(t),
                        None => diags.push(err(span, "Invalid depends_on reference", "Each element of depends_on must be a resource address such as secret.salesforce_app.".into())),
                    }
                }
            }
            _ => diags.push(err(
                a.value_span(),
                "Invalid depends_on",
                "depends_on must be a list of resource addresses, such as [secret.salesforce_app]."
                    .into(),
            )),
        }
    }
    let mut lifecycle = Lifecycle::default();
    if let Some((_, _, block)) = body.blocks.iter().find(|(n, _, _)| n == "lifecycle") {
        for a in &block.attrs {
            match a.name.as_str() {
                "prevent_destroy" => match a.expr.as_bool() {
                    Some(b) => lifecycle.prevent_destroy = b,
                    None => diags.push(err(a.value_span(), "Invalid prevent_destroy", "prevent_destroy must be the literal true or false.".into())),
                },
                "ignore_changes" => match &a.expr {
                    Expression::Array(items) => {
                        let names: Vec<&str> = flowform_core::schema::attributes(address.kind).iter().map(|s| s.name).collect();
                        for item in items.iter() {
                            let name = match item {
                                Expression::Variable(v) => Some(v.value().as_str().to_string()),
                                Expression::String(s) => Some(s.value().clone()),
                                _ => None,
                            };
                            match name {
                                Some(n) if names.contains(&n.as_str()) => lifecycle.ignore_changes.push(n),
                                Some(n) => diags.push(err(item.span().unwrap_or(a.value_span()), "Unsupported attribute", format!("ignore_changes names \"{n}\", which a {} does not have.{}", address.kind, did_you_mean(&n, names.iter().copied())))),
                                None => diags.push(err(item.span().unwrap_or(a.value_span()), "Invalid ignore_changes", "Each element of ignore_changes must be an attribute name.".into())),
                            }
                        }
                    }
                    Expression::Variable(v) if v.value().as_str() == "all" => {
                        lifecycle.ignore_changes = flowform_core::schema::attributes(address.kind).iter().map(|s| s.name.to_string()).collect();
                    }
                    _ => diags.push(err(a.value_span(), "Invalid ignore_changes", "ignore_changes must be a list of attribute names, or all.".into())),
                },
                other => diags.push(err(a.key_span.clone(), "Unsupported argument", format!("An argument named \"{other}\" is not expected in a lifecycle block; it takes prevent_destroy and ignore_changes."))),
            }
        }
    }
    (depends_on, lifecycle)
}

fn string_attrs(
    ev: &Evaluator<'_>,
    body: &BlockExprs,
    allowed: &[&str],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for a in &body.attrs {
        if !allowed.contains(&a.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{}\" is not expected in a {} block; it takes {}.{}",
                        a.name,
                        body.context,
                        allowed.join(", "),
                        did_you_mean(&a.name, allowed.iter().copied())
                    ),
                )
                .with_range(sources.range(&body.file, a.key_span.clone())),
            );
            continue;
        }
        match ev.eval(&a.expr, &body.file) {
            Ok(Value::Unknown) if ev.unset_variables => {}
            Ok(Value::Unknown) => diags.push(
                Diagnostic::error(
                    "Value not known before apply",
                    format!(
                        "\"{}\" must be known before apply: it may not refer to resources.",
                        a.name
                    ),
                )
                .with_range(sources.range(&body.file, a.value_span())),
            ),
            Ok(v) => {
                out.insert(a.name.clone(), v);
            }
            Err(e) => diags.push(eval_error(e, sources, &body.context)),
        }
    }
    for (name, span, _) in &body.blocks {
        diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!(
                    "Blocks of type \"{name}\" are not expected in a {} block.",
                    body.context
                ),
            )
            .with_range(sources.range(&body.file, span.clone())),
        );
    }
    out
}

fn provider(
    ev: &Evaluator<'_>,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Provider {
    let attrs = string_attrs(
        ev,
        body,
        &[
            "region",
            "profile",
            "account_id",
            "endpoint_url",
            "max_retries",
        ],
        sources,
        diags,
    );
    let mut text = |name: &str| -> Option<String> {
        let v = attrs.get(name)?;
        match v.peel() {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => {
                let span = body
                    .attrs
                    .iter()
                    .find(|a| a.name == name)
                    .map(|a| a.value_span())
                    .unwrap_or(0..0);
                diags.push(
                    Diagnostic::error(
                        "Incorrect attribute value type",
                        format!(
                            "\"{name}\" must be a string, but this is a {}.",
                            other.type_name()
                        ),
                    )
                    .with_range(sources.range(&body.file, span)),
                );
                None
            }
        }
    };
    let region = text("region");
    let profile = text("profile");
    let account_id = text("account_id");
    let endpoint_url = text("endpoint_url");
    let max_retries = attrs.get("max_retries").and_then(|v| match v.peel() {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    });
    if attrs.contains_key("max_retries") && max_retries.is_none() {
        let span = body
            .attrs
            .iter()
            .find(|a| a.name == "max_retries")
            .map(|a| a.value_span())
            .unwrap_or(0..0);
        diags.push(
            Diagnostic::error(
                "Invalid value",
                "\"max_retries\" must be a whole number of zero or more.",
            )
            .with_range(sources.range(&body.file, span)),
        );
    }
    let account_id_sensitive = attrs
        .get("account_id")
        .is_some_and(Value::contains_sensitive);
    if let Some(id) = &account_id
        && (id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()))
    {
        let shown = if account_id_sensitive {
            "The (sensitive) value".to_string()
        } else {
            format!("\"{id}\"")
        };
        let span = body
            .attrs
            .iter()
            .find(|a| a.name == "account_id")
            .map(|a| a.value_span())
            .unwrap_or(0..0);
        diags.push(
            Diagnostic::error(
                "Invalid value",
                format!("{shown} is not an AWS account id: expected 12 digits."),
            )
            .with_range(sources.range(&body.file, span)),
        );
    }
    Provider {
        region,
        profile,
        account_id,
        endpoint_url,
        max_retries,
    }
}

fn backend(
    ev: &Evaluator<'_>,
    kind: &str,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<Backend> {
    if kind == "s3" {
        let attrs = string_attrs(ev, body, crate::config::S3_BACKEND_SETTINGS, sources, diags);
        let settings = attrs
            .into_iter()
            .filter_map(|(name, value)| value.as_str().map(|v| (name, v.to_string())))
            .collect();
        return Some(Backend::S3 { settings });
    }
    if kind != "local" {
        diags.push(
            Diagnostic::error(
                "Unsupported backend",
                format!(
                    "The backend \"{kind}\" is not supported; use backend \"local\" or backend \"s3\"."
                ),
            )
            .with_range(sources.range(&body.file, body.header.clone())),
        );
        return None;
    }
    let attrs = string_attrs(ev, body, &["path"], sources, diags);
    let path = attrs
        .get("path")
        .and_then(|v| v.as_str().map(str::to_string));
    Some(Backend::Local { path })
}

fn output(
    ev: &Evaluator<'_>,
    name: &str,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Output {
    let mut out = Output {
        name: name.to_string(),
        description: None,
        sensitive: false,
        expr: None,
    };
    for a in &body.attrs {
        match a.name.as_str() {
            "value" => {
                match ev.eval(&a.expr, &body.file) {
                    Ok(v) if v.contains_sensitive() && !body.attrs.iter().any(|s| s.name == "sensitive" && s.expr.as_bool() == Some(true)) => {
                        diags.push(Diagnostic::error("Output refers to sensitive values", format!(
                            "The value of output \"{name}\" is derived from sensitive values. Mark the output sensitive = true to show that this is intended; it will then print as (sensitive value)."
                        )).with_range(sources.range(&body.file, a.value_span())));
                    }
                    Ok(_) => {}
                    Err(e) => diags.push(eval_error(e, sources, &body.context)),
                }
                out.expr = Some(LocalExpr { file: body.file.clone(), expr: a.expr.clone(), span: a.value_span() });
            }
            "description" => out.description = a.expr.as_str().map(str::to_string),
            "sensitive" => match a.expr.as_bool() {
                Some(b) => out.sensitive = b,
                None => diags.push(Diagnostic::error("Invalid sensitive value", "\"sensitive\" must be the literal true or false.").with_range(sources.range(&body.file, a.value_span()))),
            },
            other => diags.push(Diagnostic::error("Unsupported argument", format!(
                "An argument named \"{other}\" is not expected in an output block; it takes value, description and sensitive."
            )).with_range(sources.range(&body.file, a.key_span.clone()))),
        }
    }
    if out.expr.is_none() {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                format!("Output \"{name}\" needs a value."),
            )
            .with_range(sources.range(&body.file, body.header.clone())),
        );
    }
    out
}
