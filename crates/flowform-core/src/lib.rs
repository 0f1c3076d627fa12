//! flowform's shared vocabulary.
//!
//! Every other crate speaks in these types, so they live apart from any one stage of the data
//! flow (HCL text → `Config` → `Plan` → apply → `State`):
//!
//! - [`Address`] and [`ResourceKind`]: which resource a thing is about (`secret.salesforce_app`,
//!   with an [`InstanceKey`] for `count`/`for_each`: `secret.app[0]`), and the order kinds are
//!   applied in (KMS keys → secrets → key policies → profiles).
//! - [`DataKind`]: the data sources a configuration reads (`data.kms_key.x.arn`).
//! - [`Value`]: a configuration value, which may be *unknown* until apply and may be *sensitive*.
//! - [`Sensitive`]: a wrapper that cannot be printed or serialized, so leaking a secret is a
//!   compile error or a refused write, not a review comment.
//! - [`Diagnostic`]: every error and warning (configuration, state, AWS) as data: summary,
//!   detail, the source range or resource address it is about, AWS's error code.
//! - [`schema`]: each resource kind's attributes — types, defaults, which force replacement.
//! - [`catalogue`]: every AppFlow connector's fields, as data.
//! - [`policy`]: IAM policy documents: parsing, equivalence, and the grants flowform checks.

mod address;
pub mod catalogue;
mod data;
mod diagnostic;
pub mod policy;
pub mod schema;
mod sensitive;
mod value;

pub use address::{
    Address, AddressError, InstanceKey, ModulePath, ModuleStep, ResourceKind, Target,
    module_path_string,
};
pub use data::DataKind;
pub use diagnostic::{Diagnostic, Diagnostics, Pos, Severity, Snippet, SourceRange, Sources};
pub use sensitive::Sensitive;
pub use value::{Number, Value};
