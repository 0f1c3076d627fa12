//! The connector catalogue: every AppFlow connector type and every field of its
//! `ConnectorProfileProperties` and `ConnectorProfileCredentials`, as data.
//!
//! The parser reads it to know which blocks and attributes a `connector_profile` may hold and
//! to validate their values, and to know which fields are sensitive; the applier reads it to turn
//! HCL names back into the API's names. The sandbox deliberately does *not* read it: it reads the
//! same model extract with its own interpreter, so it can catch our mistakes.
//!
//! Source: AWS's AppFlow service model, through its extract `model/appflow-2020-08-23.json`
//! (`scripts/extract-appflow-model`). The data (`generated.rs`) is generated from it by
//! `flowform-codegen` and checked in, so that a model refresh is a reviewable diff; a test in that
//! crate fails when the two drift. Only the types, the sensitivity policy and the pattern
//! translation are written here by hand.

#[rustfmt::skip]
mod generated;
mod pattern;

pub use generated::{CONNECTORS, TYPES_WITHOUT_PROFILE};
pub use pattern::rust_pattern;

/// Members hidden although the model does not mark their shape `sensitive`, by API name,
/// wherever they occur:
///
/// - a refresh token and an OAuth authorization code grant access as a password does (SPEC §2,
///   "Which fields are sensitive");
/// - Dynatrace's `apiToken`, Datadog's `applicationKey` and Infor Nexus's `secretAccessKey` and
///   `datakey` are credentials by name and by use, yet their shapes (`ApiToken`,
///   `ApplicationKey`, `Key`) carry no `sensitive` trait in AWS's model. Shown, they would sit
///   in clear in every plan and in the state; flowform's first promise — no secret in a plan,
///   the state or a log — outranks following the model's traits to the letter here.
pub const ALSO_HIDDEN: &[&str] = &[
    "refreshToken",
    "authCode",
    "apiToken",
    "applicationKey",
    "secretAccessKey",
    "datakey",
];

/// One connector type that can have a connector profile.
#[derive(Debug)]
pub struct Connector {
    /// The value of `connectorType` in the API (`"Googleanalytics"`, `"Servicenow"`, ...).
    pub connector_type: &'static str,
    /// The member name of this connector inside `connectorProfileProperties` and
    /// `connectorProfileCredentials` (`"GoogleAnalytics"`, `"ServiceNow"`, ...).
    pub member: &'static str,
    /// Fields of `connectorProfileProperties.<member>`, in the API's order.
    pub properties: &'static [Field],
    /// Fields of `connectorProfileCredentials.<member>`, in the API's order.
    pub credentials: &'static [Field],
}

/// One field of a connector's properties or credentials.
#[derive(Debug)]
pub struct Field {
    /// The API's name (`"instanceUrl"`).
    pub api: &'static str,
    /// The HCL name (`"instance_url"`): snake_case, with `oAuth` → `oauth`, `SSO` → `sso`,
    /// `PrivateLink` → `private_link`.
    pub hcl: &'static str,
    /// The model's shape of its value (`"InstanceUrl"`).
    pub shape: &'static str,
    pub kind: Kind,
    /// The API requires it (within its parent structure, when that structure is present).
    pub required: bool,
    /// The model marks its shape (or a map's keys or values) `sensitive`. See
    /// [`Field::sensitive`] for what flowform hides.
    pub model_sensitive: bool,
}

/// The type of a field and the constraints on its values.
#[derive(Debug)]
pub enum Kind {
    String(Constraint),
    Bool,
    /// An integer within `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    /// A list of strings (HCL attribute), each matching the constraint.
    StringList {
        item: Constraint,
        max_items: Option<usize>,
    },
    /// A map of strings to strings (HCL attribute).
    StringMap {
        key: Constraint,
        value: Constraint,
        max_entries: Option<usize>,
    },
    /// A nested structure (HCL block).
    Block(&'static [Field]),
}

/// Constraints on a string value, as the API documents them.
#[derive(Debug, Default)]
pub struct Constraint {
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    /// The API's pattern. AWS matches it against the whole value, so callers anchor it.
    pub pattern: Option<&'static str>,
    /// Allowed values (an enum); empty means any.
    pub one_of: &'static [&'static str],
}

/// Looks a connector up by its `connectorType` value (exact, as the API spells it).
pub fn connector(connector_type: &str) -> Option<&'static Connector> {
    CONNECTORS
        .iter()
        .find(|c| c.connector_type == connector_type)
}

impl Field {
    /// Whether flowform hides this field's value (`(sensitive value)` in plans, a digest in
    /// state): exactly when the model marks its shape sensitive, and also for
    /// [`ALSO_HIDDEN`]. Everything else — grant types, usernames, client ids, redirect URIs,
    /// authentication types — is shown, because reviewers must see it.
    pub fn sensitive(&self) -> bool {
        self.model_sensitive || ALSO_HIDDEN.contains(&self.api)
    }

    /// Looks a field up by its HCL name among `fields`.
    pub fn find<'a>(fields: &'a [Field], hcl: &str) -> Option<&'a Field> {
        fields.iter().find(|f| f.hcl == hcl)
    }
}
