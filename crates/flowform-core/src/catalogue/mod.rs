//! The connector catalogue: every AppFlow connector type and every field of its
//! `ConnectorProfileProperties` and `ConnectorProfileCredentials`, written down once, as data.
//!
//! The parser reads it to know which blocks and attributes a `connector_profile` may hold and
//! to validate their values; the planner reads it to know which fields are sensitive; the applier
//! reads it to turn HCL names back into the API's names. The sandbox deliberately does *not* read
//! it: it implements the service's side independently, so it can catch our mistakes.
//!
//! Source: the CreateConnectorProfile API reference and the 2023-09-06 API change
//! (`../shared/reference/`), with the per-field length limits and patterns of AWS's published
//! service model for AppFlow (2020-08-23), which the reference pages summarise.

mod connectors;

pub use connectors::{CONNECTORS, rust_pattern};

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
    /// Fields of `connectorProfileCredentials.<member>`, in the API's order. All sensitive.
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
    pub kind: Kind,
    /// The API requires it (within its parent structure, when that structure is present).
    pub required: bool,
    /// Never shown, stored or logged; compared by digest. Every credential field is sensitive.
    pub sensitive: bool,
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

/// Connector types that exist in the `connectorType` enum but have no member in
/// `ConnectorProfileProperties`/`ConnectorProfileCredentials`: AppFlow reaches them through the
/// flow itself (an S3 bucket, an EventBridge partner bus, ...), so a connector profile for them
/// cannot carry any configuration. flowform rejects them with a diagnostic that says so rather
/// than create an empty profile that AppFlow would not use.
pub const TYPES_WITHOUT_PROFILE: &[&str] = &[
    "S3",
    "EventBridge",
    "LookoutMetrics",
    "Upsolver",
    "CustomerProfiles",
];

/// Looks a connector up by its `connectorType` value (exact, as the API spells it).
pub fn connector(connector_type: &str) -> Option<&'static Connector> {
    CONNECTORS
        .iter()
        .find(|c| c.connector_type == connector_type)
}

impl Field {
    /// Looks a field up by its HCL name among `fields`.
    pub fn find<'a>(fields: &'a [Field], hcl: &str) -> Option<&'a Field> {
        fields.iter().find(|f| f.hcl == hcl)
    }
}
