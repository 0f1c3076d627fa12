//! Resource blocks: their structure (decoded once, at load) and their values (evaluated and
//! checked at load, and again by the planner and applier once references are known).

use crate::check::{self, Problem};
use crate::eval::{EvalError, Evaluator};
use crate::suggest::did_you_mean;
use flowform_core::catalogue::{self, Field, Kind};
use flowform_core::schema::{self, AttrType};
use flowform_core::{Diagnostic, Diagnostics, Number, ResourceKind, Sources, Value};
use hcl::edit::Span;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Body, Structure};
use std::collections::BTreeMap;
use std::ops::Range;

/// The expressions of a block, kept for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct BlockExprs {
    pub file: String,
    /// The block's header (type and labels), where "missing argument" errors point.
    pub header: Range<usize>,
    /// `connector_profile "salesforce"`, shown in diagnostics.
    pub context: String,
    pub attrs: Vec<AttrExpr>,
    pub blocks: Vec<(String, Range<usize>, BlockExprs)>,
    /// A `dynamic` block's label, the type of block it generates, and where it is written
    /// (see `dynamic.rs`). `None` for every other block.
    pub label: Option<(String, Range<usize>)>,
}

#[derive(Debug, Clone)]
pub(crate) struct AttrExpr {
    pub name: String,
    pub key_span: Range<usize>,
    pub expr: Expression,
}

impl AttrExpr {
    pub fn value_span(&self) -> Range<usize> {
        self.expr.span().unwrap_or(self.key_span.clone())
    }
}

impl BlockExprs {
    /// Splits a body into attributes and nested blocks, reporting duplicate arguments.
    pub fn from_body(
        file: &str,
        header: Range<usize>,
        context: &str,
        body: Body,
        sources: &Sources,
        diags: &mut Diagnostics,
    ) -> Self {
        // Sized once: thousands of blocks hold one or two attributes each, and a vector grown
        // by pushes keeps room for four (an `Expression` is 128 bytes).
        let attributes = body.attributes().count();
        let mut attrs: Vec<AttrExpr> = Vec::with_capacity(attributes);
        let mut blocks = Vec::with_capacity(body.len() - attributes);
        for structure in body {
            match structure {
                Structure::Attribute(a) => {
                    let name = a.key.value().as_str().to_string();
                    let key_span = a.key.span().unwrap_or(0..0);
                    if attrs.iter().any(|x| x.name == name) {
                        diags.push(
                            Diagnostic::error(
                                "Duplicate argument",
                                format!("The argument \"{name}\" was already set; each argument may be set only once."),
                            )
                            .with_range(sources.range(file, key_span.clone()))
                            .with_context(context),
                        );
                        continue;
                    }
                    attrs.push(AttrExpr {
                        name,
                        key_span,
                        expr: a.value,
                    });
                }
                Structure::Block(mut b) => {
                    let body = std::mem::take(&mut b.body);
                    let name = b.ident.value().as_str().to_string();
                    let span = b.ident.span().unwrap_or(0..0);
                    if name == "dynamic" {
                        if let Some(label) =
                            dynamic_label(file, &b, span.clone(), context, sources, diags)
                        {
                            let header = span.start..label.1.end;
                            let mut nested =
                                BlockExprs::from_body(file, header, context, body, sources, diags);
                            nested.label = Some(label);
                            blocks.push((name, span, nested));
                        }
                        continue;
                    }
                    if let Some(label) = b.labels.first() {
                        diags.push(
                            Diagnostic::error(
                                "Unexpected block label",
                                format!(
                                    "A {name} block takes no labels; remove \"{}\".",
                                    label.as_str()
                                ),
                            )
                            .with_range(sources.range(file, label.span().unwrap_or(span.clone())))
                            .with_context(context),
                        );
                    }
                    let nested =
                        BlockExprs::from_body(file, span.clone(), context, body, sources, diags);
                    blocks.push((name, span, nested));
                }
            }
        }
        BlockExprs {
            file: file.to_string(),
            header,
            context: context.to_string(),
            attrs,
            blocks,
            label: None,
        }
    }

    fn attr(&self, name: &str) -> Option<&AttrExpr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    fn error(
        &self,
        sources: &Sources,
        span: Range<usize>,
        summary: &str,
        detail: String,
    ) -> Diagnostic {
        Diagnostic::error(summary, detail)
            .with_range(sources.range(&self.file, span))
            .with_context(&self.context)
    }
}

/// The label of `dynamic "NAME" { ... }`: the type of nested block it generates. Only a
/// resource has nested blocks to generate; anywhere else a dynamic block is refused here.
fn dynamic_label(
    file: &str,
    block: &hcl::edit::structure::Block,
    span: Range<usize>,
    context: &str,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<(String, Range<usize>)> {
    let error = |range: Range<usize>, summary: &str, detail: String| {
        Diagnostic::error(summary, detail)
            .with_range(sources.range(file, range))
            .with_context(context)
    };
    let header = span.start
        ..block
            .labels
            .first()
            .and_then(|l| l.span())
            .map_or(span.end, |s| s.end);
    let in_resource = context
        .split(' ')
        .next()
        .and_then(ResourceKind::from_keyword)
        .is_some();
    if !in_resource {
        diags.push(error(
            header,
            "Unsupported block type",
            format!("A dynamic block generates nested blocks of a resource; a {context} block has none to generate."),
        ));
        return None;
    }
    match block.labels.as_slice() {
        [label] => Some((label.as_str().to_string(), label.span().unwrap_or(span))),
        [] => {
            diags.push(error(
                span,
                "Missing name for dynamic block",
                "A dynamic block is labelled with the type of block it generates, as in dynamic \"oauth_request\" { for_each = ..., content { ... } }.".into(),
            ));
            None
        }
        [_, extra, ..] => {
            diags.push(error(
                extra.span().unwrap_or(span),
                "Extraneous label for dynamic block",
                "A dynamic block has one label, the type of block it generates.".into(),
            ));
            None
        }
    }
}

pub(crate) const META_ATTRS: &[&str] = &["depends_on", "count", "for_each", "provider"];
pub(crate) const META_BLOCKS: &[&str] = &["lifecycle"];

/// Reports arguments and blocks that a resource kind does not have. Runs once, at load.
pub(crate) fn check_structure(
    kind: ResourceKind,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    let attrs = schema::attributes(kind);
    let is_block = |name: &str| {
        attrs
            .iter()
            .any(|a| a.name == name && matches!(a.ty, AttrType::ConnectorBlock))
    };
    let is_attr = |name: &str| {
        attrs
            .iter()
            .any(|a| a.name == name && !matches!(a.ty, AttrType::ConnectorBlock))
    };
    let all_names = || {
        attrs
            .iter()
            .map(|a| a.name)
            .chain(META_ATTRS.iter().copied())
            .chain(META_BLOCKS.iter().copied())
    };
    for a in &body.attrs {
        if is_attr(&a.name) || META_ATTRS.contains(&a.name.as_str()) {
            continue;
        }
        let detail = if is_block(&a.name) || META_BLOCKS.contains(&a.name.as_str()) {
            format!(
                "\"{0}\" is a block, not an argument: write {0} {{ ... }} without \"=\".",
                a.name
            )
        } else {
            format!(
                "An argument named \"{}\" is not expected in a {kind} block.{}",
                a.name,
                did_you_mean(&a.name, all_names())
            )
        };
        diags.push(body.error(sources, a.key_span.clone(), "Unsupported argument", detail));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, span, nested) in &body.blocks {
        if let Some((generated, label_span)) = &nested.label {
            let problem = if is_block(generated) {
                continue;
            } else if META_BLOCKS.contains(&generated.as_str()) {
                format!(
                    "A {generated} block is a meta-argument: it cannot be generated by a dynamic block; write it out."
                )
            } else if is_attr(generated) || META_ATTRS.contains(&generated.as_str()) {
                format!(
                    "\"{generated}\" is an argument, not a block, so a dynamic block cannot generate it: write {generated} = ... (a for expression makes a list or map)."
                )
            } else {
                format!(
                    "Blocks of type \"{generated}\" are not expected in a {kind} block, so a dynamic block cannot generate them.{}",
                    did_you_mean(generated, all_names())
                )
            };
            diags.push(body.error(
                sources,
                label_span.clone(),
                "Unsupported block type",
                problem,
            ));
            continue;
        }
        if is_block(name) || META_BLOCKS.contains(&name.as_str()) {
            if seen.contains(&name.as_str()) {
                diags.push(body.error(
                    sources,
                    span.clone(),
                    "Duplicate block",
                    format!("Only one {name} block is allowed here."),
                ));
            }
            seen.push(name);
            continue;
        }
        let detail = if is_attr(name) || META_ATTRS.contains(&name.as_str()) {
            format!("\"{name}\" is an argument, not a block: write {name} = ...")
        } else {
            format!(
                "Blocks of type \"{name}\" are not expected in a {kind} block.{}",
                did_you_mean(name, all_names())
            )
        };
        diags.push(body.error(sources, span.clone(), "Unsupported block type", detail));
    }
}

/// Evaluates a resource's attributes and checks each value, filling in defaults. Problems are
/// added to `diags`; the returned map holds what could be evaluated.
pub(crate) fn evaluate(
    ev: &Evaluator<'_>,
    kind: ResourceKind,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for attr in schema::attributes(kind) {
        if matches!(attr.ty, AttrType::ConnectorBlock) {
            continue;
        }
        let Some(expr) = body.attr(attr.name) else {
            if attr.required {
                diags.push(body.error(
                    sources,
                    body.header.clone(),
                    "Missing required argument",
                    format!(
                        "The argument \"{}\" is required, but no definition was found. {}",
                        attr.name, attr.doc
                    ),
                ));
            } else if let Some(d) = attr.default {
                out.insert(
                    attr.name.to_string(),
                    match d {
                        schema::Default::Bool(b) => Value::Bool(b),
                        schema::Default::Int(i) => Value::Number(Number::from(i)),
                    },
                );
            }
            continue;
        };
        let Some(value) = eval_attr(ev, body, expr, sources, diags) else {
            // Present but its expression failed: already reported, so later checks (required
            // fields, the Salesforce rules) must not call it missing too.
            out.insert(attr.name.to_string(), Value::Unknown);
            continue;
        };
        if matches!(value.peel(), Value::Null) {
            if attr.required {
                diags.push(body.error(
                    sources,
                    expr.value_span(),
                    "Missing required argument",
                    format!(
                        "The argument \"{}\" is required and may not be null.",
                        attr.name
                    ),
                ));
            }
            continue;
        }
        let value = if attr.sensitive {
            Value::sensitive(value)
        } else {
            value
        };
        let checked = match &attr.ty {
            AttrType::String(c) => check::string(attr.name, value, c),
            AttrType::PolicyJson { max_len } => check::policy_json(attr.name, value, *max_len),
            AttrType::Bool => check::bool(attr.name, value),
            AttrType::Integer(ranges) => check::integer(attr.name, value, ranges),
            AttrType::StringMap => check::string_map(
                attr.name,
                value,
                &Default::default(),
                &Default::default(),
                Some(50),
            ),
            AttrType::ConnectorBlock => unreachable!("skipped above"),
        };
        match checked {
            Ok(v) => {
                out.insert(attr.name.to_string(), v);
            }
            Err(p) => {
                diags.push(body.error(sources, expr.value_span(), p.summary, p.detail));
                // Present but invalid: already reported, so later checks must not call it missing.
                out.insert(attr.name.to_string(), Value::Unknown);
            }
        }
    }
    if kind == ResourceKind::ConnectorProfile {
        evaluate_connector(ev, body, sources, diags, &mut out);
    }
    out
}

fn eval_attr(
    ev: &Evaluator<'_>,
    body: &BlockExprs,
    attr: &AttrExpr,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<Value> {
    match ev.eval(&attr.expr, &body.file) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(eval_error(e, sources, &body.context));
            None
        }
    }
}

pub(crate) fn eval_error(e: EvalError, sources: &Sources, context: &str) -> Diagnostic {
    Diagnostic::error(e.summary, e.detail)
        .with_range(sources.range(&e.file, e.span))
        .with_context(context)
}

/// The `properties` and `credentials` blocks, read against the catalogue entry of the
/// profile's connector type.
fn evaluate_connector(
    ev: &Evaluator<'_>,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
    out: &mut BTreeMap<String, Value>,
) {
    let Some(connector_type) = out
        .get("connector_type")
        .and_then(|v| v.as_str().map(str::to_string))
    else {
        return; // missing, unknown or invalid: already reported
    };
    let type_span = body
        .attr("connector_type")
        .map(AttrExpr::value_span)
        .unwrap_or(body.header.clone());
    if catalogue::TYPES_WITHOUT_PROFILE.contains(&connector_type.as_str()) {
        diags.push(body.error(sources, type_span, "Connector type has no connector profile", format!(
            "AppFlow has no connector profile configuration for {connector_type}: it is used directly as a flow's source or destination, without a profile. Remove this connector_profile, or choose a connector that needs one."
        )));
        return;
    }
    let Some(connector) = catalogue::connector(&connector_type) else {
        return;
    };
    for (section, fields) in [
        ("properties", connector.properties),
        ("credentials", connector.credentials),
    ] {
        let blocks = crate::dynamic::expand(ev, body, Some(section), sources, diags);
        // Two written blocks are reported by check_structure; one generated is one too many.
        if let [first, second, ..] = blocks.as_slice()
            && (first.generated || second.generated)
        {
            diags.push(body.error(
                sources,
                second.span.clone(),
                "Duplicate block",
                format!(
                    "Only one {section} block is allowed, and this configuration makes {}.",
                    blocks.len()
                ),
            ));
        }
        let required_missing = fields.iter().any(|f| f.required);
        let value = match blocks.first() {
            Some(nested) => Some(crate::dynamic::evaluate(ev, nested, || {
                evaluate_fields(
                    ev,
                    &connector_type,
                    section,
                    fields,
                    nested.body,
                    sources,
                    diags,
                )
            })),
            None if required_missing => {
                let names: Vec<&str> = fields
                    .iter()
                    .filter(|f| f.required)
                    .map(|f| f.hcl)
                    .collect();
                diags.push(body.error(
                    sources,
                    body.header.clone(),
                    "Missing required block",
                    format!(
                        "{} {connector_type} connector profile needs a {section} block with {}.",
                        article(&connector_type),
                        quoted_list(&names)
                    ),
                ));
                None
            }
            None => None,
        };
        out.insert(
            section.to_string(),
            value.unwrap_or_else(|| Value::Object(BTreeMap::new())),
        );
    }
}

fn evaluate_fields(
    ev: &Evaluator<'_>,
    connector_type: &str,
    path: &str,
    fields: &'static [Field],
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Value {
    let mut out = BTreeMap::new();
    let names = || fields.iter().map(|f| f.hcl);
    for a in &body.attrs {
        let Some(field) = Field::find(fields, &a.name) else {
            diags.push(body.error(
                sources,
                a.key_span.clone(),
                "Unsupported argument",
                unknown_field(connector_type, path, &a.name, names()),
            ));
            continue;
        };
        if let Kind::Block(_) = field.kind {
            diags.push(body.error(
                sources,
                a.key_span.clone(),
                "Unsupported argument",
                format!(
                    "\"{0}\" is a block, not an argument: write {0} {{ ... }} without \"=\".",
                    a.name
                ),
            ));
            continue;
        }
        let Some(value) = eval_attr(ev, body, a, sources, diags) else {
            // Present but its expression failed: already reported, not missing.
            out.insert(a.name.clone(), Value::Unknown);
            continue;
        };
        if matches!(value.peel(), Value::Null) {
            continue;
        }
        // Hidden exactly as the catalogue says (the model's `sensitive` trait, SPEC §2); a value
        // that is already marked (from a sensitive variable) stays marked either way.
        let value = if field.sensitive() {
            Value::sensitive(value)
        } else {
            value
        };
        let checked = match &field.kind {
            Kind::String(c) => check::string(&a.name, value, c),
            Kind::Bool => check::bool(&a.name, value),
            Kind::Integer { min, max } => check::integer(&a.name, value, &[(*min, *max)]),
            Kind::StringList { item, max_items } => {
                check::string_list(&a.name, value, item, *max_items)
            }
            Kind::StringMap {
                key,
                value: v,
                max_entries,
            } => check::string_map(&a.name, value, key, v, *max_entries),
            Kind::Block(_) => unreachable!("rejected above"),
        };
        match checked {
            Ok(v) => {
                out.insert(a.name.clone(), v);
            }
            Err(Problem { summary, detail }) => {
                diags.push(body.error(sources, a.value_span(), summary, detail));
                // Present but invalid: already reported, so it must not be called missing too.
                out.insert(a.name.clone(), Value::Unknown);
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for nested in crate::dynamic::expand(ev, body, None, sources, diags) {
        let (name, span) = (&nested.name, &nested.span);
        let nested_fields = match Field::find(fields, name).map(|f| &f.kind) {
            Some(Kind::Block(nested_fields)) => *nested_fields,
            Some(_) => {
                diags.push(body.error(
                    sources,
                    span.clone(),
                    "Unsupported block type",
                    if nested.generated {
                        format!("\"{name}\" is an argument, not a block, so a dynamic block cannot generate it: write {name} = ... (a for expression makes a list or map).")
                    } else {
                        format!("\"{name}\" is an argument, not a block: write {name} = ...")
                    },
                ));
                continue;
            }
            None => {
                diags.push(body.error(
                    sources,
                    span.clone(),
                    "Unsupported block type",
                    unknown_field(connector_type, path, name, names()),
                ));
                continue;
            }
        };
        if seen.contains(name) {
            diags.push(body.error(
                sources,
                span.clone(),
                "Duplicate block",
                if nested.generated {
                    format!("Only one {name} block is allowed in {path}: its dynamic block may generate one at most (for_each with zero or one element).")
                } else {
                    format!("Only one {name} block is allowed in {path}.")
                },
            ));
            continue;
        }
        seen.push(name.clone());
        let value = crate::dynamic::evaluate(ev, &nested, || {
            evaluate_fields(
                ev,
                connector_type,
                &format!("{path}.{name}"),
                nested_fields,
                nested.body,
                sources,
                diags,
            )
        });
        out.insert(name.clone(), value);
    }
    let missing: Vec<&str> = fields
        .iter()
        .filter(|f| f.required && !out.contains_key(f.hcl))
        .map(|f| f.hcl)
        .collect();
    if !missing.is_empty() {
        diags.push(body.error(
            sources,
            body.header.clone(),
            "Missing required argument",
            format!(
                "{} {connector_type} connector profile needs {} in {path}.",
                article(connector_type),
                quoted_list(&missing)
            ),
        ));
    }
    Value::Object(out)
}

/// "An argument named X is not expected in Salesforce properties", naming the connector that
/// does have the field when the user mixed connectors up.
fn unknown_field<'a>(
    connector_type: &str,
    path: &str,
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> String {
    let mut detail = format!("{connector_type} {path} have no field named \"{name}\".");
    let section = path.split('.').next().unwrap_or(path);
    let owners: Vec<&str> = catalogue::CONNECTORS
        .iter()
        .filter(|c| c.connector_type != connector_type)
        .filter(|c| {
            let fields = if section == "properties" {
                c.properties
            } else {
                c.credentials
            };
            has_field(fields, name)
        })
        .map(|c| c.connector_type)
        .collect();
    // A field of another connector is a mix-up, not a typo: say whose field it is.
    if !owners.is_empty() {
        detail.push_str(&format!(
            " That field belongs to {} {section}; check connector_type.",
            owners.join(", ")
        ));
        return detail;
    }
    detail.push_str(&did_you_mean(name, candidates));
    detail
}

fn has_field(fields: &[Field], name: &str) -> bool {
    fields
        .iter()
        .any(|f| f.hcl == name || matches!(f.kind, Kind::Block(nested) if has_field(nested, name)))
}

fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// "A" or "An" before a connector's name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "An"
    } else {
        "A"
    }
}
