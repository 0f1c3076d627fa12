//! `data "KIND" "LABEL" { ... }` blocks: what the configuration reads without managing it.
//!
//! Their arguments are known before anything is read (variables and locals only), so the CLI
//! can read every data source before planning, through the applier, and hand the values to the
//! configuration ([`Config::set_data`](crate::Config::set_data)); until then (in `validate`)
//! their attributes are unknown.

use crate::eval::Evaluator;
use crate::resources::{BlockExprs, eval_error};
use crate::suggest::did_you_mean;
use flowform_core::{DataKind, Diagnostic, Diagnostics, SourceRange, Sources, Value};
use std::collections::BTreeMap;

/// One data source, with its arguments evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// The module instance the block is in (empty: the root module).
    pub module: flowform_core::ModulePath,
    pub kind: DataKind,
    pub label: String,
    pub args: BTreeMap<String, String>,
    /// The block's header, where "cannot be read" errors point.
    pub range: Option<SourceRange>,
    /// The provider alias it is read with (`provider = aws.eu`); `None`: the default one.
    pub provider: Option<String>,
    /// Its instance key, for a block with `count` or `for_each` (`data.secret.app["prod"]`).
    pub key: Option<flowform_core::InstanceKey>,
}

impl DataSource {
    /// `data.secret.app`, `data.secret.app["prod"]`, `module.conn["prod"].data.secret.app`.
    pub fn address(&self) -> String {
        let block = address(&self.module, self.kind, &self.label);
        match &self.key {
            Some(k) => format!("{block}{k}"),
            None => block,
        }
    }
}

/// The address of a data source in the module instance at `path`.
pub(crate) fn address(path: &[flowform_core::ModuleStep], kind: DataKind, label: &str) -> String {
    if path.is_empty() {
        format!("data.{kind}.{label}")
    } else {
        format!(
            "{}.data.{kind}.{label}",
            flowform_core::module_path_string(path)
        )
    }
}

/// What data sources were read as, by [`DataSource::address`], then attribute.
pub type DataValues = BTreeMap<String, BTreeMap<String, Value>>;

/// The kind a `data` block's first label names, or the error that says it names none.
pub(crate) fn kind(
    keyword: &str,
    file: &str,
    span: std::ops::Range<usize>,
    sources: &Sources,
) -> Result<DataKind, Box<Diagnostic>> {
    DataKind::from_keyword(keyword).ok_or_else(|| {
        let known: Vec<&str> = DataKind::ALL.iter().map(|k| k.keyword()).collect();
        Box::new(
            Diagnostic::error(
                "Unknown data source kind",
                format!(
                    "flowform has no data source \"{keyword}\".{} It reads: {}.",
                    did_you_mean(keyword, known.iter().copied()),
                    known.join(", ")
                ),
            )
            .with_range(sources.range(file, span)),
        )
    })
}

/// Evaluates a data block's arguments: each one the kind takes, known before apply, a string.
pub(crate) fn evaluate(
    ev: &Evaluator<'_>,
    module: &flowform_core::ModulePath,
    kind: DataKind,
    label: &str,
    body: &BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<DataSource> {
    let error = |span: std::ops::Range<usize>, summary: &str, detail: String| {
        Diagnostic::error(summary, detail)
            .with_range(sources.range(&body.file, span))
            .with_context(&body.context)
    };
    let takes = kind.arguments();
    let mut args = BTreeMap::new();
    let mut ok = true;
    for a in body
        .attrs
        .iter()
        .filter(|a| !["provider", "count", "for_each"].contains(&a.name.as_str()))
    {
        if !takes.contains(&a.name.as_str()) {
            let expected = if takes.is_empty() {
                "it takes no arguments".to_string()
            } else {
                format!("it takes {}", takes.join(", "))
            };
            diags.push(error(a.key_span.clone(), "Unsupported argument", format!(
                "An argument named \"{}\" is not expected in a data \"{kind}\" block; {expected}.{}",
                a.name,
                did_you_mean(&a.name, takes.iter().copied())
            )));
            ok = false;
            continue;
        }
        match ev.eval(&a.expr, &body.file).map(Value::unmark) {
            Ok((Value::String(s), false)) => {
                args.insert(a.name.clone(), s);
            }
            // validate, without values for required variables: the data source is not read.
            Ok((Value::Unknown, _)) if ev.unset_variables => ok = false,
            Ok((Value::Unknown, _)) => {
                diags.push(error(a.value_span(), "Value not known before apply", format!(
                    "\"{}\" of data.{kind}.{label} must be known when planning (data sources are read before the plan is made): it may not refer to resources.",
                    a.name
                )));
                ok = false;
            }
            Ok((_, true)) => {
                diags.push(error(a.value_span(), "Sensitive value in a data source", format!(
                    "\"{}\" of data.{kind}.{label} names what is read and is shown in errors: it may not be sensitive.",
                    a.name
                )));
                ok = false;
            }
            Ok((other, _)) => {
                diags.push(error(
                    a.value_span(),
                    "Incorrect attribute value type",
                    format!(
                        "\"{}\" must be a string, but this is a {}.",
                        a.name,
                        other.type_name()
                    ),
                ));
                ok = false;
            }
            Err(e) => {
                diags.push(eval_error(e, sources, &body.context));
                ok = false;
            }
        }
    }
    for (name, span, _) in &body.blocks {
        diags.push(error(
            span.clone(),
            "Unsupported block type",
            format!("Blocks of type \"{name}\" are not expected in a data \"{kind}\" block."),
        ));
        ok = false;
    }
    for name in takes {
        if !body.attrs.iter().any(|a| a.name == *name) {
            diags.push(error(
                body.header.clone(),
                "Missing required argument",
                format!("A data \"{kind}\" block needs \"{name}\": what to read."),
            ));
            ok = false;
        }
    }
    ok.then(|| DataSource {
        module: module.clone(),
        kind,
        label: label.to_string(),
        args,
        range: sources.range(&body.file, body.header.clone()),
        provider: None,
        key: None,
    })
}
