//! The typed configuration that the planner and applier consume.

use crate::eval::{EvalError, Evaluator, Exports, FileCache, LocalExpr};
use crate::resources::{self, BlockExprs};
use flowform_core::{Address, Diagnostic, Diagnostics, ResourceKind, SourceRange, Sources, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A loaded, validated configuration.
#[derive(Debug)]
pub struct Config {
    /// The configuration directory.
    pub dir: PathBuf,
    /// The text of every file read, for diagnostics.
    pub sources: Sources,
    pub variables: BTreeMap<String, Variable>,
    pub provider: Provider,
    pub backend: Option<Backend>,
    /// Resources by address.
    pub resources: BTreeMap<Address, Resource>,
    pub outputs: Vec<Output>,
    /// Warnings found while loading (errors make [`load`](crate::load) return no config).
    pub warnings: Diagnostics,
    pub(crate) var_values: BTreeMap<String, Value>,
    pub(crate) locals: BTreeMap<String, LocalExpr>,
    pub(crate) files: FileCache,
}

/// An input variable and its resolved value.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub description: Option<String>,
    pub sensitive: bool,
    /// Marked sensitive when the variable is.
    pub value: Value,
    /// Where the value came from.
    pub source: VarSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarSource {
    Default,
    Environment,
    File(String),
    CommandLine,
}

/// Variable values given outside the configuration files, in command-line order.
#[derive(Debug, Clone, Default)]
pub struct VariableInputs {
    /// `-var NAME=VALUE` and `-var-file FILE`, in the order given.
    pub args: Vec<VarArg>,
    /// The environment (`FLOWFORM_VAR_NAME`); tests pass their own.
    pub env: BTreeMap<String, String>,
    /// The selected workspace, `flowform.workspace` in expressions (empty: `default`).
    pub workspace: String,
}

#[derive(Debug, Clone)]
pub enum VarArg {
    Assign { name: String, value: String },
    File(PathBuf),
}

impl VariableInputs {
    /// Reads `FLOWFORM_VAR_*` from the process environment.
    pub fn from_process_env() -> Self {
        VariableInputs {
            args: Vec::new(),
            env: std::env::vars()
                .filter_map(|(k, v)| k.strip_prefix("FLOWFORM_VAR_").map(|n| (n.to_string(), v)))
                .collect(),
            workspace: String::new(),
        }
    }
}

/// `provider "aws" { ... }`. Every field is optional; the AWS SDK's own resolution applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provider {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub account_id: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_retries: Option<u32>,
}

/// `backend "local" { path = ... }` or `backend "s3" { bucket, key, ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Local {
        path: Option<String>,
    },
    /// The settings as written (each may also come from `--backend-config`, so none is
    /// required here): [`S3_BACKEND_SETTINGS`].
    S3 {
        settings: BTreeMap<String, String>,
    },
}

/// What a `backend "s3"` block (and `--backend-config`) may set.
pub const S3_BACKEND_SETTINGS: &[&str] = &[
    "bucket",
    "key",
    "region",
    "kms_key_id",
    "digest_kms_key_id",
    "endpoint_url",
    "profile",
];

/// `lifecycle { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    /// Attribute names whose changes the planner ignores.
    pub ignore_changes: Vec<String>,
}

/// One resource block.
#[derive(Debug, Clone)]
pub struct Resource {
    pub address: Address,
    /// The block's header (`secret "app"`), for diagnostics about the whole resource.
    pub range: Option<SourceRange>,
    /// The attribute values as known before apply: references to other resources' computed
    /// attributes are unknown here. Defaults are filled in. `properties`/`credentials` of a
    /// profile are objects keyed by HCL names; credentials are marked sensitive.
    pub attributes: BTreeMap<String, Value>,
    /// Explicit `depends_on`.
    pub depends_on: Vec<Address>,
    /// Resources this one's expressions refer to (directly or through locals).
    pub references: BTreeSet<Address>,
    pub lifecycle: Lifecycle,
    pub(crate) body: BlockExprs,
}

/// `output "NAME" { value, sensitive }`.
#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub description: Option<String>,
    pub sensitive: bool,
    pub(crate) expr: Option<LocalExpr>,
}

impl Config {
    /// Re-evaluates one resource's attributes with `exports` answering references to other
    /// resources — the planner calls this in dependency order with what it knows from the state,
    /// the applier once the resources it depends on exist.
    pub fn evaluate_resource(
        &self,
        address: &Address,
        exports: &dyn Exports,
    ) -> Result<BTreeMap<String, Value>, Diagnostics> {
        let Some(resource) = self.resources.get(address) else {
            return Err(Diagnostics(vec![Diagnostic::error(
                "Unknown resource",
                format!("{address} is not declared in the configuration."),
            )]));
        };
        let declared = |a: &Address| self.resources.contains_key(a);
        let ev = Evaluator::new(
            &self.var_values,
            &self.locals,
            &declared,
            exports,
            &self.files,
        );
        let mut diags = Diagnostics::default();
        let attrs =
            resources::evaluate(&ev, address.kind, &resource.body, &self.sources, &mut diags);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(attrs)
        }
    }

    /// Evaluates the outputs with `exports`. Sensitive outputs keep their mark.
    pub fn evaluate_outputs(
        &self,
        exports: &dyn Exports,
    ) -> Result<Vec<(String, Value)>, Diagnostics> {
        let declared = |a: &Address| self.resources.contains_key(a);
        let ev = Evaluator::new(
            &self.var_values,
            &self.locals,
            &declared,
            exports,
            &self.files,
        );
        let mut out = Vec::new();
        let mut diags = Diagnostics::default();
        for o in &self.outputs {
            let Some(expr) = &o.expr else { continue };
            match ev.eval(&expr.expr, &expr.file) {
                Ok(v) => out.push((
                    o.name.clone(),
                    if o.sensitive { Value::sensitive(v) } else { v },
                )),
                Err(e) => diags.push(self.diagnostic(e)),
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(out)
        }
    }

    /// Turns an evaluation error into a diagnostic pointing into the sources.
    pub fn diagnostic(&self, e: EvalError) -> Diagnostic {
        eval_diagnostic(&self.sources, e)
    }

    /// Resources of one kind, in address order.
    pub fn resources_of(&self, kind: ResourceKind) -> impl Iterator<Item = &Resource> {
        self.resources
            .values()
            .filter(move |r| r.address.kind == kind)
    }
}

pub(crate) fn eval_diagnostic(sources: &Sources, e: EvalError) -> Diagnostic {
    Diagnostic::error(e.summary, e.detail).with_range(sources.range(&e.file, e.span))
}
