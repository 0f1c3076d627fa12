//! Plan → AWS calls → State: the last step of flowform's data flow, and the only crate that
//! talks to AWS.
//!
//! - [`Clients`] are built from aws-config's normal credential chain and region, the
//!   `provider "aws"` block, `AWS_ENDPOINT_URL*` — or pointed at the sandbox.
//! - [`refresh`] reads what exists (concurrently; profiles in pages of 100) so the planner can
//!   show drift and plan it back.
//! - [`apply`] walks the plan's graph with bounded parallelism, re-evaluating each resource once
//!   what it refers to exists, and appends every finished change to the state's journal. The
//!   plan's moves (`moved` blocks) and imports (`import` blocks) are journaled first, without
//!   an AWS call: a move is a remove and a set, an import the record the plan read.
//! - [`forgotten`] and [`applied_outputs`] decide what an apply does beyond its changes: the
//!   records of objects found gone, and the outputs of the finished state.
//! - [`read_data`] reads what a data source names (never a secret's value).
//! - [`import`] reads an existing AWS object for a configured address (`flowform import`, and
//!   the CLI before planning `import` blocks).
//! - `resources` holds one `Resource` implementation per kind (create, update, delete, read,
//!   import), reached through `resources::of(kind)` from apply, refresh and import alike;
//!   `profile_config` maps connector profiles onto the SDK's typed structures. AWS errors a
//!   resource expects (a delete of what is gone) are matched on the SDK's typed errors.

mod apply;
mod attrs;
mod clients;
mod data;
mod error;
mod import;
mod outcome;
pub mod profile_config;
mod refresh;
mod resources;
mod token;

pub use apply::{ApplyOptions, ApplyReport, Phase, Progress, apply};
pub use clients::{ClientSettings, Clients};
pub use data::read_data;
pub use error::{AwsError, ChangeError};
pub use import::import;
pub use outcome::{applied_outputs, forgotten};
pub use refresh::refresh;
