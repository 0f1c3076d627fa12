//! The typed configuration that the planner and applier consume.

pub use crate::data::{DataSource, DataValues};
use crate::eval::{EvalError, Evaluator, Exports, FileCache, LocalExpr};
use crate::instances::Expansion;
pub use crate::refactoring::{Endpoint, Import, Moved};
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
    /// The default `provider "aws"` block.
    pub provider: Provider,
    /// The `provider "aws"` blocks with an `alias`, by alias.
    pub aliases: BTreeMap<String, Provider>,
    pub backend: Option<Backend>,
    /// Resource instances by address (`secret.app`, `secret.app[0]`,
    /// `connector_profile.sf["prod"]`).
    pub resources: BTreeMap<Address, Resource>,
    /// Every resource block, by address without instance key, and how its `count` or
    /// `for_each` expanded it.
    pub blocks: BTreeMap<Address, Expansion>,
    /// `moved` blocks, checked: no chains, no conflicts.
    pub moved: Vec<Moved>,
    /// `import` blocks, each into a configured instance.
    pub imports: Vec<Import>,
    /// `flowform { required_version }`, which this flowform satisfies.
    pub required_version: Option<String>,
    /// `data` blocks, with their arguments evaluated.
    pub data_sources: Vec<DataSource>,
    /// What the data sources were read as ([`Config::set_data`]); unknown until then.
    pub(crate) data_values: DataValues,
    /// How each data block with `count` or `for_each` expanded, by its address.
    pub(crate) data_blocks: BTreeMap<String, Expansion>,
    pub outputs: Vec<Output>,
    /// Warnings found while loading (errors make [`load`](crate::load) return no config).
    pub warnings: Diagnostics,
    pub(crate) var_values: BTreeMap<String, Value>,
    pub(crate) locals: BTreeMap<String, LocalExpr>,
    pub(crate) files: FileCache,
    /// Every module instance; index 0 is the root module ([`Resource::module`]).
    pub modules: Vec<crate::modules::ModuleInstance>,
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
    /// No value was given: only `validate` allows that (the value is unknown).
    Unset,
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
    /// A required variable without a value is unknown instead of an error: `validate` only,
    /// so CI can validate a configuration without its secrets (as `terraform validate`).
    pub missing_are_unknown: bool,
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
            missing_are_unknown: false,
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

/// One resource instance: a block without `count`/`for_each`, or one of its instances.
#[derive(Debug, Clone)]
pub struct Resource {
    /// With its instance key when the block has `count` or `for_each`.
    pub address: Address,
    /// The block's header (`secret "app"`), for diagnostics about the whole resource.
    pub range: Option<SourceRange>,
    /// Explicit `depends_on` (every instance of each resource named).
    pub depends_on: Vec<Address>,
    /// Resource instances this one's expressions refer to (directly or through locals): the
    /// one named when the index is known before apply (`secret.app[each.key]`), else all.
    pub references: BTreeSet<Address>,
    pub lifecycle: Lifecycle,
    /// The provider alias it is managed with (`provider = aws.eu`, or its module's
    /// `providers = { aws = aws.eu }`); `None`: the default provider.
    pub provider: Option<String>,
    /// The block, shared by every instance of it.
    pub(crate) body: std::sync::Arc<BlockExprs>,
    /// The module instance it is in ([`Config::modules`]; 0: the root module).
    pub module: usize,
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
        let ev = self.evaluator(exports);
        ev.set_module(resource.module);
        let mut diags = Diagnostics::default();
        ev.set_instance(self.instance_scope(&ev, address, &resource.body, &mut diags));
        let attrs =
            resources::evaluate(&ev, address.kind, &resource.body, &self.sources, &mut diags);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(attrs)
        }
    }

    /// One resource's attribute values as known before apply: references to other resources'
    /// computed attributes are unknown. Defaults are filled in; `properties`/`credentials` of
    /// a profile are objects keyed by HCL names; credentials are marked sensitive. These are
    /// the values `load` checked. They are evaluated on each call, not kept: the planner and
    /// the applier evaluate every resource again with what they know, so a copy per resource
    /// held from loading to exit was a quarter of a plan's memory.
    pub fn known_before_apply(
        &self,
        address: &Address,
    ) -> Result<BTreeMap<String, Value>, Diagnostics> {
        self.evaluate_resource(address, &crate::eval::AllUnknown)
    }

    /// Evaluates the outputs with `exports`. Sensitive outputs keep their mark.
    pub fn evaluate_outputs(
        &self,
        exports: &dyn Exports,
    ) -> Result<Vec<(String, Value)>, Diagnostics> {
        let ev = self.evaluator(exports);
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

    pub(crate) fn evaluator<'a>(&'a self, exports: &'a dyn Exports) -> Evaluator<'a> {
        let mut ev = Evaluator::new(
            &self.var_values,
            &self.locals,
            &self.blocks,
            exports,
            &self.files,
        );
        ev.data = &self.data_values;
        ev.data_blocks = &self.data_blocks;
        ev.modules = &self.modules;
        ev
    }

    /// Records what the data sources were read as (by [`DataSource::address`]): from here on
    /// their attributes are known. The CLI reads them before planning, as a refresh.
    pub fn set_data(&mut self, values: DataValues) {
        for (address, attributes) in values {
            if let Some(slot) = self.data_values.get_mut(&address) {
                *slot = attributes;
            }
        }
    }

    /// The `count`/`each` of an instance. A `for_each` map's values may have been unknown
    /// when the configuration loaded (`each.value` refers to a resource); they are evaluated
    /// again with what `ev` knows now. The keys were known then, and stay as they were.
    pub(crate) fn instance_scope(
        &self,
        ev: &Evaluator<'_>,
        address: &Address,
        body: &BlockExprs,
        diags: &mut Diagnostics,
    ) -> crate::eval::Scope {
        let Some(expansion) = self.blocks.get(&address.resource()) else {
            return Vec::new();
        };
        if let (Expansion::ForEach(map), Some(flowform_core::InstanceKey::Str(key))) =
            (expansion, &address.key)
            && map.get(key).is_some_and(|v| !v.is_known())
            && let Some(expr) = body.attrs.iter().find(|a| a.name == "for_each")
        {
            match ev.eval(&expr.expr, &body.file) {
                Ok(Value::Object(now)) => {
                    let now = Expansion::ForEach(
                        map.keys()
                            .map(|k| (k.clone(), now.get(k).cloned().unwrap_or(Value::Unknown)))
                            .collect(),
                    );
                    return now.scope(&address.key);
                }
                Ok(_) => {}
                Err(e) => diags.push(self.diagnostic(e)),
            }
        }
        expansion.scope(&address.key)
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
