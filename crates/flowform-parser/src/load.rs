//! Loading a configuration directory: files → declarations → values → checks.

use crate::config::{Backend, Config, Lifecycle, Output, Provider, Resource, VariableInputs};
use crate::data;
use crate::eval::{AllUnknown, Evaluator, FileCache, LocalExpr};
use crate::files;
use crate::instances::{self, Expansion};
use crate::modules::{self, Call, ModuleInstance};
use crate::refactoring;
use crate::resources::{self, BlockExprs, eval_error};
use crate::rules;
use crate::suggest::did_you_mean;
use crate::variables::{self, Declaration};
use flowform_core::{Address, Diagnostic, Diagnostics, ResourceKind, Sources, Value};
use hcl::edit::Span;
use hcl::edit::expr::{Expression, Traversal, TraversalOperator};
use hcl::edit::structure::Structure;
use hcl::edit::visit::{Visit, visit_traversal};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

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
    "module",
];

/// Everything one module directory (or the configuration directory) declares, before
/// evaluation. Resource addresses here are relative to the module.
#[derive(Default, Debug)]
pub(crate) struct Declarations {
    pub(crate) variables: Vec<Declaration>,
    pub(crate) locals: BTreeMap<String, LocalExpr>,
    /// `provider "aws"` blocks: the default one and those with an `alias`.
    providers: Vec<BlockExprs>,
    backend: Option<(String, BlockExprs)>,
    pub(crate) resources: BTreeMap<Address, Arc<BlockExprs>>,
    pub(crate) outputs: Vec<(String, BlockExprs)>,
    moved: Vec<BlockExprs>,
    imports: Vec<BlockExprs>,
    flowform: Vec<BlockExprs>,
    /// `data` blocks: kind, label, body.
    data: Vec<(flowform_core::DataKind, String, BlockExprs)>,
    /// `module` blocks: name, body.
    pub(crate) modules: Vec<(String, BlockExprs)>,
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
            declare(&parsed.name, parsed.body, &sources, &mut decls, &mut diags);
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
    let root_locals = decls.locals.clone();
    let decls = Arc::new(decls);
    let (modules, blocks) = instantiate(
        dir,
        decls.clone(),
        &eval_vars,
        &root_locals,
        &file_cache,
        &mut sources,
        &mut diags,
    );

    // Data blocks with `count`/`for_each`, expanded before anything refers to them.
    let mut data_blocks: BTreeMap<String, Expansion> = BTreeMap::new();
    {
        for (index, m) in modules.iter().enumerate() {
            let unread = unread_data(m);
            let mut ev =
                Evaluator::new(&eval_vars, &root_locals, &blocks, &AllUnknown, &file_cache);
            ev.modules = &modules;
            ev.unset_variables = inputs.missing_are_unknown;
            ev.data = &unread.0;
            ev.data_blocks = &unread.1;
            ev.set_module(index);
            for (kind, label, body) in &m.source.data {
                if body
                    .attrs
                    .iter()
                    .any(|a| instances::META.contains(&a.name.as_str()))
                {
                    let e = instances::expansion(
                        &ev,
                        body,
                        &set_variables(&m.source),
                        &m.source.locals,
                        &sources,
                        &mut diags,
                    )
                    .unwrap_or(Expansion::Invalid);
                    data_blocks.insert(crate::data::address(&m.path, *kind, label), e);
                }
            }
        }
    }
    // Data sources are read after loading: until then each is declared, and unknown.
    let declared_data: crate::data::DataValues = modules
        .iter()
        .flat_map(|m| {
            m.source.data.iter().flat_map(|(kind, label, _)| {
                let block = crate::data::address(&m.path, *kind, label);
                let keys = data_blocks
                    .get(&block)
                    .map_or(vec![None], Expansion::instance_keys);
                keys.into_iter()
                    .map(|k| match k {
                        Some(k) => (format!("{block}{k}"), BTreeMap::new()),
                        None => (block.clone(), BTreeMap::new()),
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ev = Evaluator::new(&eval_vars, &root_locals, &blocks, &AllUnknown, &file_cache);
    ev.data = &declared_data;
    ev.data_blocks = &data_blocks;
    ev.modules = &modules;
    ev.unset_variables = inputs.missing_are_unknown;

    // Collected, then built into a map at once: a map built from sorted entries has full
    // nodes, where one filled by inserts in order keeps them about half empty.
    let mut resources = Vec::new();
    // What the checks across resources read of each resource's values as known before apply
    // (`rules::kept`), and what the checks of its own values found; dropped when the
    // configuration is returned (see `Config::known_before_apply`).
    let mut values: rules::Values = BTreeMap::new();
    let mut own_rules = rules::OwnRules::new();
    let mut data_sources = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        ev.set_module(index);
        let source = &module.source;
        let first = diags.0.len();
        for local in source.locals.values() {
            if let Err(e) = ev.eval(&local.expr, &local.file) {
                diags.push(eval_error(e, &sources, "locals"));
            }
        }
        let local_refs = local_references(&source.locals);
        for (block, body) in &source.resources {
            let block = block.clone().in_module(&module.path);
            resources::check_structure(block.kind, body, &sources, &mut diags);
            let calls: Vec<&str> = module.calls.keys().map(String::as_str).collect();
            let (mut depends_on, own_calls) = depends_on(
                Some(&block),
                &module.path,
                body,
                &blocks,
                &calls,
                &sources,
                &mut diags,
            );
            let lifecycle = lifecycle(&block, body, &sources, &mut diags);
            depends_on.extend(module.depends_on.iter().cloned());
            let own_calls = own_calls.into_iter().map(|c| (module.path.clone(), c));
            for (path, call) in module.depends_on_calls.iter().cloned().chain(own_calls) {
                depends_on.extend(resources_under(&blocks, &path, &call));
            }
            let provider = match provider_meta(body, index != 0, &sources) {
                Ok(Some(alias)) => Some(alias),
                Ok(None) => module.provider.clone(),
                Err(d) => {
                    diags.push(*d);
                    None
                }
            };
            let named = body_references(body);
            let refs = references(&named, &module.path, &local_refs, &blocks);
            let mut across = Vec::new();
            across_modules(&modules, index, &named, &local_refs, &mut across);
            across.retain(|a| blocks.contains_key(a));
            let expansion = &blocks[&block];
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
                for target in &across {
                    references.extend(all_instances(target, &blocks[target]));
                }
                let depends_on = depends_on
                    .iter()
                    .flat_map(|d| all_instances(d, &blocks[d]))
                    .collect();
                let resource = Resource {
                    address: address.clone(),
                    range: sources.range(&body.file, body.header.clone()),
                    depends_on,
                    references,
                    lifecycle: lifecycle.clone(),
                    provider: provider.clone(),
                    body: body.clone(),
                    module: index,
                };
                rules::check_one(&sources, &attributes, &resource, &mut own_rules);
                values.insert(address.clone(), rules::kept(attributes));
                resources.push((address, resource));
            }
            ev.set_instance(Vec::new());
        }
        for (kind, label, body) in &source.data {
            let provider = match provider_meta(body, index != 0, &sources) {
                Ok(Some(alias)) => Some(alias),
                Ok(None) => module.provider.clone(),
                Err(d) => {
                    diags.push(*d);
                    None
                }
            };
            let block = crate::data::address(&module.path, *kind, label);
            let expansion = data_blocks
                .get(&block)
                .cloned()
                .unwrap_or(Expansion::Single);
            for key in expansion.instance_keys() {
                ev.set_instance(expansion.scope(&key));
                if let Some(mut d) =
                    data::evaluate(&ev, &module.path, *kind, label, body, &sources, &mut diags)
                {
                    d.provider = provider.clone();
                    d.key = key;
                    data_sources.push(d);
                }
            }
            ev.set_instance(Vec::new());
        }
        if index > 0 {
            check_module_instance(&ev, module, &sources, &mut diags);
        }
        if !module.path.is_empty() {
            // Name the module instance: an error may hold for one instance and not another.
            for d in &mut diags.0[first..] {
                if d.context
                    .as_deref()
                    .is_none_or(|c| !c.starts_with("module."))
                {
                    d.context = Some(match &d.context {
                        Some(c) => format!("{}: {c}", module.name()),
                        None => module.name(),
                    });
                }
            }
        }
    }
    ev.set_module(0);
    let resources: BTreeMap<Address, Resource> = resources.into_iter().collect();
    let instance_addrs: BTreeSet<Address> = resources.keys().cloned().collect();
    let module_paths: Vec<&flowform_core::ModulePath> = modules.iter().map(|m| &m.path).collect();
    let moved = refactoring::moved(
        &decls.moved,
        &blocks,
        &instance_addrs,
        &module_paths,
        &sources,
        &mut diags,
    );
    let imports = refactoring::imports(
        &ev,
        &decls.imports,
        &blocks,
        &instance_addrs,
        &sources,
        &mut diags,
    );

    let (provider, aliases) = providers(&ev, &decls.providers, &sources, &mut diags);
    check_provider_references(
        &resources,
        &data_sources,
        &modules,
        &aliases,
        &sources,
        &mut diags,
    );
    let backend = decls
        .backend
        .as_ref()
        .and_then(|(kind, b)| backend(&ev, kind, b, &sources, &mut diags));
    let outputs = decls
        .outputs
        .iter()
        .map(|(name, body)| output(&ev, name, body, PRINTED_AS_SENSITIVE, &sources, &mut diags))
        .collect();
    drop(ev);

    let mut config = Config {
        dir: dir.to_path_buf(),
        sources,
        variables,
        provider,
        aliases,
        backend,
        resources,
        blocks,
        moved,
        imports,
        required_version,
        data_sources,
        data_values: declared_data,
        data_blocks,
        outputs,
        warnings: Diagnostics::default(),
        var_values: eval_vars,
        locals: root_locals,
        files: file_cache,
        modules,
    };
    rules::check(&config, &values, own_rules, &mut diags);
    config.files.freeze();
    diags.sort();
    diags.dedup();
    if diags.has_errors() {
        return fail(diags, config.sources);
    }
    config.warnings = diags;
    Ok(config)
}

///
/// The file's syntax tree is consumed: each block's expressions move into its
/// [`BlockExprs`] rather than being copied out of a tree that is dropped right after.
fn declare(
    file: &str,
    body: hcl::edit::structure::Body,
    sources: &Sources,
    decls: &mut Declarations,
    diags: &mut Diagnostics,
) {
    for structure in body {
        let (block, body) = match structure {
            Structure::Block(mut b) => {
                let body = std::mem::take(&mut b.body);
                (b, body)
            }
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
            "variable" | "provider" | "backend" | "output" | "module" => 1,
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
        let locals = (kind == "locals").then(|| body.clone());
        let exprs = BlockExprs::from_body(file, header.clone(), &context, body, sources, diags);
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
            "locals" => {
                let body = locals.unwrap_or_default();
                declare_locals(file, body, sources, decls, diags);
            }
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
                } else {
                    decls.providers.push(exprs);
                }
            }
            "backend" => {
                if decls.backend.is_some() {
                    diags.push(duplicate(sources, file, label_span, "backend", labels[0]));
                } else {
                    decls.backend = Some((labels[0].to_string(), exprs));
                }
            }
            "module" => {
                let name = labels[0];
                if !valid_label(name) {
                    diags.push(Diagnostic::error("Invalid module name", format!(
                        "\"{name}\" is not a valid name: a name starts with a letter or underscore and holds only letters, digits, underscores and dashes."
                    )).with_range(sources.range(file, label_span)));
                } else if decls.modules.iter().any(|(n, _)| n == name) {
                    diags.push(duplicate(sources, file, label_span, "module", name));
                } else {
                    decls.modules.push((name.to_string(), exprs));
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
                decls.resources.insert(address, Arc::new(exprs));
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
    body: hcl::edit::structure::Body,
    sources: &Sources,
    decls: &mut Declarations,
    diags: &mut Diagnostics,
) {
    for structure in body {
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
                        expr: a.value,
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
    /// `var.NAME`: in a module, what the call passes.
    vars: BTreeSet<String>,
    /// `module.NAME.OUTPUT` (the output, when one is named).
    modules: BTreeSet<(String, Option<String>)>,
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
            } else if root == "var" {
                if let Some(name) = attr(0) {
                    self.vars.insert(name);
                }
            } else if root == "module" {
                if let Some(name) = attr(0) {
                    let output = attr(1).or_else(|| attr(2));
                    self.modules.insert((name, output));
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
/// What the expressions that make a resource's values refer to (not `depends_on`, `count`,
/// `for_each` or `lifecycle`; a dynamic block's labelled `for_each` does feed the blocks it
/// generates), gathered once per block.
fn body_references(body: &BlockExprs) -> RefCollector {
    fn walk(b: &BlockExprs, out: &mut RefCollector) {
        for a in &b.attrs {
            if a.name == "depends_on"
                || (b.label.is_none() && instances::META.contains(&a.name.as_str()))
            {
                continue;
            }
            let c = collect(&a.expr);
            out.resources.extend(c.resources);
            out.locals.extend(c.locals);
            out.vars.extend(c.vars);
            out.modules.extend(c.modules);
        }
        for (name, _, nested) in &b.blocks {
            if name != "lifecycle" {
                walk(nested, out);
            }
        }
    }
    let mut out = RefCollector::default();
    walk(body, &mut out);
    out
}

fn references(
    body: &RefCollector,
    path: &flowform_core::ModulePath,
    local_refs: &BTreeMap<&str, RefCollector>,
    declared: &BTreeMap<Address, Expansion>,
) -> Vec<(Address, Option<Expression>)> {
    let mut out = body.resources.clone();
    let mut stack: Vec<String> = body.locals.iter().cloned().collect();
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if let Some(c) = local_refs.get(name.as_str())
            && seen.insert(name)
        {
            out.extend(c.resources.iter().map(|(a, _)| (a.clone(), None)));
            stack.extend(c.locals.iter().cloned());
        }
    }
    if !path.is_empty() {
        for (a, _) in &mut out {
            a.module = path.clone();
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

/// Evaluates the `count`/`for_each` of every resource block of module instance `index` into
/// `blocks`. One may depend on another resource's instance keys (`for_each = secret.app`), so
/// they are evaluated in the order of those references.
#[allow(clippy::too_many_arguments)]
fn expand(
    modules: &[ModuleInstance],
    index: usize,
    vars: &BTreeMap<String, Value>,
    root_locals: &BTreeMap<String, LocalExpr>,
    files: &FileCache,
    blocks: &mut BTreeMap<Address, Expansion>,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    let module = &modules[index];
    let decls = &*module.source;
    let unread = unread_data(module);
    let local_refs = local_references(&decls.locals);
    let set_variables = set_variables(decls);
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
        out.into_iter().map(|a| a.in_module(&module.path)).collect()
    };
    let mut waiting: Vec<(Address, &BlockExprs, Vec<Address>)> = Vec::new();
    for (address, body) in &decls.resources {
        let address = address.clone().in_module(&module.path);
        if body
            .attrs
            .iter()
            .any(|a| instances::META.contains(&a.name.as_str()))
        {
            let deps = meta_of(body);
            waiting.push((address, body, deps));
        } else {
            blocks.insert(address, Expansion::Single);
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
                blocks.insert(address, Expansion::Invalid);
            }
            break;
        }
        let mut ev = Evaluator::new(vars, root_locals, blocks, &AllUnknown, files);
        ev.modules = modules;
        ev.set_module(index);
        ev.data = &unread.0;
        ev.data_blocks = &unread.1;
        // Only validate leaves a variable's value unknown (one given no value).
        ev.unset_variables = vars.values().any(|v| !v.is_known());
        let done: Vec<(Address, Expansion)> = ready
            .into_iter()
            .map(|(address, body, _)| {
                let e =
                    instances::expansion(&ev, body, &set_variables, &decls.locals, sources, diags);
                (address, e.unwrap_or(Expansion::Invalid))
            })
            .collect();
        drop(ev);
        blocks.extend(done);
        waiting = rest;
    }
}

/// A module instance's data sources before anything is read or expanded: each one declared
/// and unknown (one with `count`/`for_each` has no instances yet), so a `count` or `for_each`
/// that refers to one is refused as not known before apply, with that reason.
fn unread_data(module: &ModuleInstance) -> (crate::data::DataValues, BTreeMap<String, Expansion>) {
    let mut values = BTreeMap::new();
    let mut repeated = BTreeMap::new();
    for (kind, label, body) in &module.source.data {
        let address = crate::data::address(&module.path, *kind, label);
        if body
            .attrs
            .iter()
            .any(|a| instances::META.contains(&a.name.as_str()))
        {
            repeated.insert(address.clone(), Expansion::Invalid);
        }
        values.insert(address, BTreeMap::new());
    }
    (values, repeated)
}

/// The variables a module declares with a `set(...)` type: a `for_each` may take them as they
/// are (a list elsewhere needs `toset`).
fn set_variables(decls: &Declarations) -> BTreeSet<String> {
    decls
        .variables
        .iter()
        .filter(|d| matches!(d.ty, variables::Type::Set(_)))
        .map(|d| d.name.clone())
        .collect()
}

/// Builds the tree of module instances, breadth first from the root module, reading each
/// module directory once, and expands every resource block of every instance into `blocks`.
fn instantiate(
    dir: &Path,
    root: Arc<Declarations>,
    vars: &BTreeMap<String, Value>,
    root_locals: &BTreeMap<String, LocalExpr>,
    files: &FileCache,
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> (Vec<ModuleInstance>, BTreeMap<Address, Expansion>) {
    let mut modules = vec![ModuleInstance::root(root)];
    let mut blocks = BTreeMap::new();
    // Each module directory read, by its path relative to the configuration directory
    // (`None`: it could not be read, which was reported once).
    let mut read: BTreeMap<String, Option<Arc<Declarations>>> = BTreeMap::new();
    // The calls whose arguments were checked, by where they are written.
    let mut checked: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut index = 0;
    while index < modules.len() {
        expand(
            &modules,
            index,
            vars,
            root_locals,
            files,
            &mut blocks,
            sources,
            diags,
        );
        let source = modules[index].source.clone();
        let mut calls = BTreeMap::new();
        let mut children = Vec::new();
        for (name, body) in &source.modules {
            let module = &modules[index];
            if module.path.len() >= modules::MAX_DEPTH {
                diags.push(
                    Diagnostic::error(
                        "Module calls nest too deeply",
                        format!(
                            "{} is already {} module calls deep, the most flowform allows: it cannot call another module.",
                            module.name(),
                            module.path.len(),
                        ),
                    )
                    .with_range(sources.range(&body.file, body.header.clone()))
                    .with_context(&body.context),
                );
                continue;
            }
            let call_dir = match modules::source_dir(&module.dir, body, sources) {
                Ok(d) => d,
                Err(e) => {
                    diags.push(*e);
                    continue;
                }
            };
            // A module that calls itself, directly or through others.
            let mut ancestor = Some(index);
            let mut cycle = false;
            while let Some(i) = ancestor {
                if modules[i].dir == call_dir {
                    cycle = true;
                }
                ancestor = (i != 0).then_some(modules[i].parent);
            }
            if cycle {
                diags.push(
                    Diagnostic::error(
                        "Module cycle",
                        format!(
                            "module \"{name}\" calls \"{call_dir}\", which is {} or one of the modules that call it: the calls would never end.",
                            module.name()
                        ),
                    )
                    .with_range(sources.range(&body.file, body.header.clone()))
                    .with_context(&body.context),
                );
                continue;
            }
            let declarations = match read.get(&call_dir) {
                Some(d) => d.clone(),
                None => {
                    let d = read_module(dir, &call_dir, body, sources, diags).map(Arc::new);
                    read.insert(call_dir.clone(), d.clone());
                    d
                }
            };
            let Some(declarations) = declarations else {
                continue;
            };
            // Once per call as written (the instances of a call share its arguments).
            if checked.insert((body.file.clone(), body.header.start)) {
                modules::check_inputs(body, &call_dir, &declarations, sources, diags);
            }
            let expansion = {
                let unread = unread_data(module);
                let mut ev = Evaluator::new(vars, root_locals, &blocks, &AllUnknown, files);
                ev.modules = &modules;
                ev.set_module(index);
                ev.data = &unread.0;
                ev.data_blocks = &unread.1;
                ev.unset_variables = vars.values().any(|v| !v.is_known());
                instances::expansion(
                    &ev,
                    body,
                    &set_variables(&source),
                    &source.locals,
                    sources,
                    diags,
                )
                .unwrap_or(Expansion::Invalid)
            };
            let calls_names: Vec<&str> = source.modules.iter().map(|(n, _)| n.as_str()).collect();
            let (own_depends_on, own_calls) = depends_on(
                None,
                &module.path,
                body,
                &blocks,
                &calls_names,
                sources,
                diags,
            );
            let mut depends_on = module.depends_on.clone();
            depends_on.extend(own_depends_on);
            // `depends_on = [module.OTHER]`: its resources are expanded after this call's
            // instances are made, so the names are kept and resolved with the resources.
            let mut depends_on_calls = module.depends_on_calls.clone();
            depends_on_calls.extend(own_calls.into_iter().map(|n| (module.path.clone(), n)));
            let inputs = Arc::new(modules::inputs(body));
            let for_each = body.attrs.iter().find(|a| a.name == "for_each").map(|a| {
                Arc::new(LocalExpr {
                    file: body.file.clone(),
                    expr: a.expr.clone(),
                    span: a.value_span(),
                })
            });
            // `providers = { aws = aws }` passes the caller's own configuration, as does no
            // `providers` at all.
            let provider = match call_provider(body, sources, diags) {
                Some(Some(alias)) => Some(alias),
                Some(None) | None => module.provider.clone(),
            };
            let mut call = Call {
                dir: call_dir.clone(),
                expansion: expansion.clone(),
                children: BTreeMap::new(),
            };
            let instances = expansion.instance_keys();
            if modules.len() + children.len() + instances.len() > modules::MAX_INSTANCES {
                diags.push(
                    Diagnostic::error(
                        "Too many module instances",
                        format!(
                            "module \"{name}\" would bring the configuration past {} module instances; every instance is planned and held in memory.",
                            modules::MAX_INSTANCES
                        ),
                    )
                    .with_range(sources.range(&body.file, body.header.clone()))
                    .with_context(&body.context),
                );
                continue;
            }
            for key in instances {
                let path = module.path.child(flowform_core::ModuleStep {
                    name: name.clone(),
                    key: key.clone(),
                });
                call.children
                    .insert(key.clone(), modules.len() + children.len());
                children.push(ModuleInstance {
                    path,
                    dir: call_dir.clone(),
                    parent: index,
                    call_scope: expansion.scope(&key),
                    for_each: for_each.clone(),
                    inputs: inputs.clone(),
                    source: declarations.clone(),
                    calls: BTreeMap::new(),
                    depends_on: depends_on.clone(),
                    depends_on_calls: depends_on_calls.clone(),
                    provider: provider.clone(),
                });
            }
            calls.insert(name.clone(), call);
        }
        modules[index].calls = calls;
        modules.extend(children);
        index += 1;
    }
    (modules, blocks)
}

/// Reads and declares one module directory. Blocks that only the root module may hold are
/// refused there.
fn read_module(
    root: &Path,
    dir: &str,
    call: &BlockExprs,
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Option<Declarations> {
    let path = modules::on_disk(root, dir);
    let unreadable = |detail: String| {
        Diagnostic::error("Unreadable module directory", detail)
            .with_range(sources.range(&call.file, call.header.clone()))
            .with_context(&call.context)
    };
    let paths = match files::config_files(&path) {
        Ok(p) if p.is_empty() => {
            diags.push(unreadable(format!(
                "The module directory \"{}\" holds no *.hcl files.",
                path.display()
            )));
            return None;
        }
        Ok(p) => p,
        Err(e) => {
            diags.push(unreadable(format!(
                "Reading the module directory \"{}\" failed: {e}.",
                path.display()
            )));
            return None;
        }
    };
    let mut decls = Declarations::default();
    for file in &paths {
        if let Some(parsed) = files::parse_file(file, sources, diags) {
            declare(&parsed.name, parsed.body, sources, &mut decls, diags);
        }
    }
    let root_only = |body: &BlockExprs, what: &str| {
        Diagnostic::error(
            "Block not allowed in a module",
            format!("{what} belongs in the root module (the configuration directory), not in the module \"{dir}\": a module takes its settings from the configuration that calls it."),
        )
        .with_range(sources.range(&body.file, body.header.clone()))
    };
    for p in &decls.providers {
        diags.push(root_only(p, "A provider block"));
    }
    if let Some((_, b)) = &decls.backend {
        diags.push(root_only(b, "A backend block"));
    }
    for b in decls.moved.iter().chain(&decls.imports) {
        diags.push(root_only(b, "A moved or import block"));
    }
    for d in &decls.variables {
        if modules::CALL_META.contains(&d.name.as_str())
            || ["version", "lifecycle", "locals"].contains(&d.name.as_str())
        {
            diags.push(
                Diagnostic::error(
                    "Invalid variable name",
                    format!("The variable name \"{}\" is reserved: a module block uses that argument itself, so a call could never set it.", d.name),
                )
                .with_range(sources.range(&d.body.file, d.body.header.clone())),
            );
        }
    }
    Some(decls)
}

/// The resources a block of module instance `index` refers to through module boundaries: the
/// arguments its `var.NAME`s come from (in the calling module, and on up), and the outputs
/// of the modules it reads (`module.NAME.OUTPUT`, and on down). Every instance of each.
fn across_modules(
    modules: &[ModuleInstance],
    index: usize,
    body: &RefCollector,
    local_refs: &BTreeMap<&str, RefCollector>,
    out: &mut Vec<Address>,
) {
    // What the block names, directly or through its module's locals.
    let mut vars = body.vars.clone();
    let mut calls = body.modules.clone();
    let mut walk_locals: Vec<String> = body.locals.iter().cloned().collect();
    let mut seen_locals = BTreeSet::new();
    while let Some(name) = walk_locals.pop() {
        if let Some(c) = local_refs.get(name.as_str())
            && seen_locals.insert(name)
        {
            vars.extend(c.vars.iter().cloned());
            calls.extend(c.modules.iter().cloned());
            walk_locals.extend(c.locals.iter().cloned());
        }
    }
    if vars.is_empty() && calls.is_empty() {
        return;
    }
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone)]
    enum Item {
        Var(usize, String),
        Calls(usize, String, Option<String>),
        Expr(usize, *const Expression),
    }
    let mut work: Vec<Item> = vars
        .into_iter()
        .map(|v| Item::Var(index, v))
        .chain(calls.into_iter().map(|(c, o)| Item::Calls(index, c, o)))
        .collect();
    let mut seen = BTreeSet::new();
    // Expressions found along the way, kept alive by `modules` for the whole walk.
    let mut exprs: Vec<(usize, &Expression)> = Vec::new();
    while let Some(item) = work.pop() {
        if !seen.insert(item.clone()) {
            continue;
        }
        match item {
            Item::Var(m, name) => {
                if m == 0 {
                    continue;
                }
                let module = &modules[m];
                if let Some(input) = module.inputs.get(&name) {
                    exprs.push((module.parent, &input.expr));
                }
            }
            Item::Calls(m, name, output) => {
                let Some(call) = modules[m].calls.get(&name) else {
                    continue;
                };
                for child in call.children.values() {
                    let source = &modules[*child].source;
                    match &output {
                        Some(o) => {
                            if let Some(v) = source.output(o).and_then(|o| o.value) {
                                exprs.push((*child, v));
                            }
                        }
                        None => {
                            for o in source.output_names() {
                                if let Some(v) = source.output(o).and_then(|o| o.value) {
                                    exprs.push((*child, v));
                                }
                            }
                        }
                    }
                }
            }
            Item::Expr(..) => {}
        }
        while let Some((m, expr)) = exprs.pop() {
            if !seen.insert(Item::Expr(m, expr as *const Expression)) {
                continue;
            }
            let module = &modules[m];
            let mut c = collect(expr);
            // Through the locals of the module the expression is in.
            let mut stack: Vec<String> = c.locals.iter().cloned().collect();
            let mut visited = BTreeSet::new();
            while let Some(l) = stack.pop() {
                if visited.insert(l.clone())
                    && let Some(local) = module.source.locals.get(&l)
                {
                    let inner = collect(&local.expr);
                    stack.extend(inner.locals.iter().cloned());
                    c.resources.extend(inner.resources);
                    c.vars.extend(inner.vars);
                    c.modules.extend(inner.modules);
                }
            }
            out.extend(
                c.resources
                    .into_iter()
                    .map(|(a, _)| a.in_module(&module.path)),
            );
            work.extend(c.vars.into_iter().map(|v| Item::Var(m, v)));
            work.extend(c.modules.into_iter().map(|(n, o)| Item::Calls(m, n, o)));
        }
    }
    out.sort();
    out.dedup();
}

/// Evaluates a module instance's inputs and outputs once when the configuration loads, so a
/// wrong argument or output is reported even when nothing reads it.
fn check_module_instance(
    ev: &Evaluator<'_>,
    module: &ModuleInstance,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    for d in &module.source.variables {
        match ev.module_variable(&d.name) {
            Ok(value) if value.is_known() => {
                let first = diags.0.len();
                variables::check_validations(d, &value, sources, diags);
                for diag in &mut diags.0[first..] {
                    diag.context = Some(module.name());
                }
            }
            Ok(_) => {}
            Err(e) => diags.push(eval_error(e, sources, &module.name())),
        }
    }
    for (name, body) in &module.source.outputs {
        output(ev, name, body, CALLER_READS_IT_SENSITIVE, sources, diags);
    }
}

/// `depends_on` of a resource (`owner`) or of a module call (`None`) written in the module
/// instance at `path`: the resources it names, and the module calls (`module.NAME`, whose
/// resources are known only once every instance is expanded: see [`resources_under`]).
fn depends_on(
    owner: Option<&Address>,
    path: &flowform_core::ModulePath,
    body: &BlockExprs,
    declared: &BTreeMap<Address, Expansion>,
    calls: &[&str],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> (Vec<Address>, Vec<String>) {
    let err = |span: std::ops::Range<usize>, summary: &str, detail: String| {
        Diagnostic::error(summary, detail)
            .with_range(sources.range(&body.file, span))
            .with_context(&body.context)
    };
    let mut depends_on = Vec::new();
    let mut modules = Vec::new();
    if let Some(a) = body.attrs.iter().find(|a| a.name == "depends_on") {
        match &a.expr {
            Expression::Array(items) => {
                for item in items.iter() {
                    let span = item.span().unwrap_or(a.value_span());
                    // `depends_on = [module.NAME]`: every resource that call makes.
                    if let Expression::Traversal(t) = item
                        && let (Expression::Variable(root), [op]) =
                            (&t.expr, t.operators.as_slice())
                        && root.value().as_str() == "module"
                        && let TraversalOperator::GetAttr(name) = op.value()
                    {
                        let name = name.value().as_str();
                        if calls.contains(&name) {
                            modules.push(name.to_string());
                        } else {
                            diags.push(err(span, "Reference to undeclared module", format!("depends_on names module.{name}, which is not called in this module.")));
                        }
                        continue;
                    }
                    let target = match item {
                        Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                            (Expression::Variable(root), [op]) => match (
                                ResourceKind::from_keyword(root.value().as_str()),
                                op.value(),
                            ) {
                                (Some(kind), TraversalOperator::GetAttr(label)) => {
                                    Some(Address::new(kind, label.value().as_str()).in_module(path))
                                }
                                _ => None,
                            },
                            _ => None,
                        },
                        _ => None,
                    };
                    match target {
                        Some(t) if !declared.contains_key(&t) => diags.push(err(span, "Reference to undeclared resource", format!("depends_on names {t}, which is not declared in this configuration."))),
                        Some(t) if Some(&t) == owner => diags.push(err(span, "Self-referential depends_on", format!("{t} cannot depend on itself."))),
                        Some(t) => depends_on.push(t),
                        None => diags.push(err(span, "Invalid depends_on reference", "Each element of depends_on must be a resource address such as secret.salesforce_app, or a module call such as module.salesforce.".into())),
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
    (depends_on, modules)
}

/// The resources of every instance of module call `call` made in the module instance at
/// `path` (and of the calls below it).
fn resources_under<'a>(
    declared: &'a BTreeMap<Address, Expansion>,
    path: &'a flowform_core::ModulePath,
    call: &'a str,
) -> impl Iterator<Item = Address> + 'a {
    let depth = path.len();
    declared
        .keys()
        .filter(move |a| {
            a.module.len() > depth && a.module[..depth] == **path && a.module[depth].name == call
        })
        .cloned()
}

/// A resource's `lifecycle` block.
fn lifecycle(
    address: &Address,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Lifecycle {
    let err = |span: std::ops::Range<usize>, summary: &str, detail: String| {
        Diagnostic::error(summary, detail)
            .with_range(sources.range(&body.file, span))
            .with_context(&body.context)
    };
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
    lifecycle
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

/// The default `provider "aws"` block and the aliased ones, each alias once.
fn providers(
    ev: &Evaluator<'_>,
    blocks: &[BlockExprs],
    sources: &Sources,
    diags: &mut Diagnostics,
) -> (Provider, BTreeMap<String, Provider>) {
    let mut default: Option<Provider> = None;
    let mut aliases = BTreeMap::new();
    for body in blocks {
        let alias = body.attrs.iter().find(|a| a.name == "alias");
        let name = match alias {
            None => None,
            Some(a) => match a.expr.as_str() {
                Some(n) if valid_label(n) => Some(n.to_string()),
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "Invalid provider alias",
                            "\"alias\" must be a literal name (letters, digits, underscores and dashes), such as alias = \"eu\".",
                        )
                        .with_range(sources.range(&body.file, a.value_span())),
                    );
                    continue;
                }
            },
        };
        let p = provider(ev, body, sources, diags);
        let taken = match &name {
            None => default.is_some(),
            Some(n) => aliases.contains_key(n),
        };
        if taken {
            let shown = name
                .as_deref()
                .map_or("aws".to_string(), |n| format!("aws.{n}"));
            diags.push(
                Diagnostic::error(
                    "Duplicate provider configuration",
                    format!("The provider configuration {shown} was already declared. A second region or account needs its own alias: provider \"aws\" {{ alias = \"NAME\", ... }}."),
                )
                .with_range(sources.range(&body.file, body.header.clone())),
            );
            continue;
        }
        match name {
            None => default = Some(p),
            Some(n) => {
                aliases.insert(n, p);
            }
        }
    }
    (default.unwrap_or_default(), aliases)
}

/// Every `provider = aws.NAME` of a resource or data source and every `providers` of a module
/// call names a declared alias.
fn check_provider_references(
    resources: &BTreeMap<Address, Resource>,
    data_sources: &[crate::data::DataSource],
    modules: &[ModuleInstance],
    aliases: &BTreeMap<String, Provider>,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    let mut check = |alias: &Option<String>,
                     range: Option<flowform_core::SourceRange>,
                     what: String| {
        if let Some(alias) = alias
            && !aliases.contains_key(alias)
        {
            diags.push(
                Diagnostic::error(
                    "Provider configuration not present",
                    format!(
                        "{what} uses the provider configuration aws.{alias}, which is not declared.{} Declare it with provider \"aws\" {{ alias = \"{alias}\", region = ... }}.",
                        did_you_mean(alias, aliases.keys().map(String::as_str))
                    ),
                )
                .with_range(range),
            );
        }
    };
    for r in resources.values() {
        check(
            &r.provider,
            r.range.clone(),
            r.address.resource().to_string(),
        );
    }
    for d in data_sources {
        check(&d.provider, d.range.clone(), d.address());
    }
    for m in modules.iter().skip(1) {
        if m.parent == 0 || modules[m.parent].provider != m.provider {
            let range = modules[m.parent]
                .source
                .modules
                .iter()
                .find(|(n, _)| m.path.last().is_some_and(|s| s.name == *n))
                .and_then(|(_, b)| sources.range(&b.file, b.header.clone()));
            check(&m.provider, range, m.name());
        }
    }
}

/// `provider = aws.NAME` as written on a resource or data block: the alias, or the
/// diagnostic that says why it names none.
pub(crate) fn provider_meta(
    body: &BlockExprs,
    in_module: bool,
    sources: &Sources,
) -> Result<Option<String>, Box<Diagnostic>> {
    let Some(a) = body.attrs.iter().find(|a| a.name == "provider") else {
        return Ok(None);
    };
    let error = |detail: &str| {
        Box::new(
            Diagnostic::error("Invalid provider reference", detail.to_string())
                .with_range(sources.range(&body.file, a.value_span()))
                .with_context(&body.context),
        )
    };
    if in_module {
        return Err(error(
            "Inside a module, resources use the provider the call passes: set providers = { aws = aws.NAME } on the module block instead.",
        ));
    }
    match &a.expr {
        // `provider = aws`: the default configuration, said explicitly.
        Expression::Variable(v) if v.value().as_str() == "aws" => Ok(None),
        e => provider_alias(e).map(Some).ok_or_else(|| {
            error("provider must name a provider configuration, such as provider = aws.eu (the alias of a provider \"aws\" block).")
        }),
    }
}

/// `aws.NAME` → `NAME`; `aws` → `""` is not an alias and is refused by the caller.
fn provider_alias(expr: &Expression) -> Option<String> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    match (root.value().as_str(), t.operators.as_slice()) {
        ("aws", [op]) => match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.value().as_str().to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// `providers = { aws = aws.NAME }` on a module call: the alias its resources use (`None`:
/// the caller's own).
fn call_provider(
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<Option<String>> {
    let a = body.attrs.iter().find(|a| a.name == "providers")?;
    let fail = |diags: &mut Diagnostics| {
        diags.push(
            Diagnostic::error(
                "Invalid providers argument",
                "providers must be an object that passes the aws provider, such as providers = { aws = aws.eu }.",
            )
            .with_range(sources.range(&body.file, a.value_span()))
            .with_context(&body.context),
        );
        None
    };
    let Expression::Object(object) = &a.expr else {
        return fail(diags);
    };
    let mut out = None;
    for (key, value) in object.iter() {
        let key_ok = match key {
            hcl::edit::expr::ObjectKey::Ident(id) => id.value().as_str() == "aws",
            hcl::edit::expr::ObjectKey::Expression(Expression::Variable(v)) => {
                v.value().as_str() == "aws"
            }
            _ => false,
        };
        if !key_ok {
            return fail(diags);
        }
        match value.expr() {
            Expression::Variable(v) if v.value().as_str() == "aws" => out = Some(None),
            e => match provider_alias(e) {
                Some(alias) => out = Some(Some(alias)),
                None => return fail(diags),
            },
        }
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
            "alias",
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

/// What marking an output sensitive does, for the error that asks for it: in the root module,
/// and in a module.
const PRINTED_AS_SENSITIVE: &str = "it will then print as (sensitive value)";
const CALLER_READS_IT_SENSITIVE: &str = "the module's caller then reads it as sensitive";

/// An `output` block, checked (its value evaluated with what `ev` knows); `marked` says what
/// `sensitive = true` does where the block is.
fn output(
    ev: &Evaluator<'_>,
    name: &str,
    body: &BlockExprs,
    marked: &str,
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
                            "The value of output \"{name}\" is derived from sensitive values. Mark the output sensitive = true to show that this is intended; {marked}."
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
