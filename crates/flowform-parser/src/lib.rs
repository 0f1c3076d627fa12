//! HCL configuration files → a typed, validated [`Config`], with diagnostics.
//!
//! This is the first arrow of flowform's data flow (HCL text → `Config` → `Plan` → apply →
//! `State`). [`load`] reads every `*.hcl` file of a directory, resolves input variables from all
//! their sources, evaluates expressions, and checks everything SPEC §3 asks for before any AWS
//! call: unknown blocks and fields, types, the API's enums/patterns/lengths (from the connector
//! catalogue), the Salesforce rules, duplicate names, undeclared references and reference cycles.
//! It reports every problem it finds in one run, each pointing at the source text.
//!
//! References between resources (`secret.app.arn`) are collected from the syntax tree before
//! anything is evaluated; they become the edges of the planner's dependency graph. Values that
//! are known only after apply stay [`Value::Unknown`](flowform_core::Value::Unknown); the planner
//! and applier re-evaluate a resource with [`Config::evaluate_resource`] once they know more.
//!
//! A block with `count` or `for_each` becomes one [`Resource`] per instance (`secret.app[0]`,
//! `connector_profile.sf["prod"]`); [`Config::blocks`] says how each block expanded. A `module`
//! call becomes one [`ModuleInstance`] per instance ([`Config::modules`], the root module first),
//! and its resources' addresses start with the call's path
//! (`module.conn["prod"].secret.app`); [`Resource::module`] says which instance a resource is
//! evaluated in. `provider "aws"` blocks with an `alias` are [`Config::aliases`]; each resource
//! and data source names the alias it uses, if any.
//!
//! Layout: `files` finds and parses the files; `variables` resolves inputs; `instances`
//! evaluates `count` and `for_each`; `modules` holds module instances and reads calls; `refactoring` reads `moved`, `import` and `flowform`
//! blocks; `data` reads `data` blocks' arguments (the CLI reads the data sources themselves and
//! hands them over with [`Config::set_data`]); `resources` decodes resource blocks against the
//! schema and catalogue, and `dynamic` expands their `dynamic` blocks; `check` holds the value
//! checks; `rules` the cross-resource rules and warnings; `eval` the expression evaluator and
//! its functions; `bounded_read` reads every file a configuration names, refusing what is not a
//! regular file or is too large; `expressions` describes each attribute's references for the
//! JSON plan's `configuration`.

mod bounded_read;
mod check;
mod config;
mod data;
mod dynamic;
pub mod eval;
mod expressions;
mod files;
pub mod format;
mod instances;
mod load;
mod modules;
mod refactoring;
mod resources;
mod rules;
mod suggest;
mod unterminated_string;
mod variables;
mod version;

pub use bounded_read::CONFIG_FILE_LIMIT;
pub use config::{
    Backend, Config, DataSource, DataValues, Endpoint, Import, Lifecycle, Moved, Output, Provider,
    Resource, S3_BACKEND_SETTINGS, VarArg, VarSource, Variable, VariableInputs,
};
pub use expressions::{ConfigExpression, ConfigModuleCall, references};
pub use files::{BackendBlock, backend_block, backend_path, provider_region};
pub use instances::Expansion;
pub use load::{LoadFailure, load};
pub use modules::{Call, ModuleInstance};
