//! The attributes of each resource kind: their types, constraints, defaults, which force a
//! replacement and which are sensitive. The parser validates against these, the planner reads
//! `forces_replacement` and `sensitive`, and the applier maps them onto API calls.
//!
//! A connector profile's `properties` and `credentials` blocks are described by the connector
//! [`catalogue`](crate::catalogue) instead, because their shape depends on `connector_type`.

use crate::ResourceKind;
use crate::catalogue::Constraint;

#[derive(Debug)]
pub struct AttrSchema {
    pub name: &'static str,
    pub ty: AttrType,
    pub required: bool,
    /// Changing it means deleting the resource and creating it again.
    pub forces_replacement: bool,
    pub sensitive: bool,
    /// The value used when the configuration leaves the attribute out.
    pub default: Option<Default>,
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub enum Default {
    Bool(bool),
    Int(i64),
}

#[derive(Debug)]
pub enum AttrType {
    String(Constraint),
    /// A string that holds a JSON policy document (compared by meaning, shown as a line diff).
    PolicyJson {
        max_len: usize,
    },
    Bool,
    /// An integer in one of the ranges.
    Integer(&'static [(i64, i64)]),
    /// A map of strings (tags).
    StringMap,
    /// A nested block whose fields come from the connector catalogue.
    ConnectorBlock,
}

const fn string(min_len: Option<usize>, max_len: usize, pattern: Option<&'static str>) -> AttrType {
    AttrType::String(Constraint {
        min_len,
        max_len: Some(max_len),
        pattern,
        one_of: &[],
    })
}

const fn attr(name: &'static str, ty: AttrType, doc: &'static str) -> AttrSchema {
    AttrSchema {
        name,
        ty,
        required: false,
        forces_replacement: false,
        sensitive: false,
        default: None,
        doc,
    }
}

impl AttrSchema {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn forces_replacement(mut self) -> Self {
        self.forces_replacement = true;
        self
    }
    const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    const fn default(mut self, d: Default) -> Self {
        self.default = Some(d);
        self
    }
}

/// Connector types accepted in `connector_type`: the API's `connectorType` enum.
pub const CONNECTOR_TYPES: &[&str] = &[
    "Salesforce",
    "Singular",
    "Slack",
    "Redshift",
    "S3",
    "Marketo",
    "Googleanalytics",
    "Zendesk",
    "Servicenow",
    "Datadog",
    "Trendmicro",
    "Snowflake",
    "Dynatrace",
    "Infornexus",
    "Amplitude",
    "Veeva",
    "EventBridge",
    "LookoutMetrics",
    "Upsolver",
    "Honeycode",
    "CustomerProfiles",
    "SAPOData",
    "CustomConnector",
    "Pardot",
];

static KMS_KEY: &[AttrSchema] = &[
    attr(
        "description",
        string(None, 8192, None),
        "What the key is for.",
    ),
    attr(
        "alias",
        string(Some(7), 256, Some("alias/[a-zA-Z0-9/_-]+")),
        "An alias (alias/NAME) that points at the key.",
    ),
    attr(
        "deletion_window_in_days",
        AttrType::Integer(&[(7, 30)]),
        "Days between destroy and the key's deletion.",
    )
    .default(Default::Int(30)),
    attr("tags", AttrType::StringMap, "Tags on the key."),
];

static SECRET: &[AttrSchema] = &[
    attr(
        "name",
        string(Some(1), 512, Some("[a-zA-Z0-9/_+=.@-]+")),
        "The secret's name.",
    )
    .required()
    .forces_replacement(),
    attr(
        "description",
        string(None, 2048, None),
        "What the secret is for.",
    ),
    attr(
        "kms_key_id",
        string(Some(1), 2048, None),
        "The KMS key (id, ARN or alias) that encrypts the secret; the AWS managed key when unset.",
    ),
    attr(
        "secret_string",
        string(None, 65536, None),
        "The secret's value. Always sensitive.",
    )
    .sensitive(),
    attr(
        "policy",
        AttrType::PolicyJson { max_len: 20480 },
        "The secret's resource policy (JSON).",
    ),
    attr(
        "block_public_policy",
        AttrType::Bool,
        "Refuse a resource policy that grants public access.",
    )
    .default(Default::Bool(true)),
    attr(
        "recovery_window_in_days",
        AttrType::Integer(&[(0, 0), (7, 30)]),
        "Days a destroyed secret can still be restored; 0 deletes it at once.",
    )
    .default(Default::Int(30)),
    attr("tags", AttrType::StringMap, "Tags on the secret."),
];

static KMS_KEY_POLICY: &[AttrSchema] = &[
    attr(
        "key_id",
        string(Some(1), 2048, None),
        "The KMS key (id or ARN) whose policy this manages.",
    )
    .required()
    .forces_replacement(),
    attr(
        "policy",
        AttrType::PolicyJson { max_len: 32768 },
        "The key policy (JSON).",
    )
    .required(),
    attr(
        "bypass_policy_lockout_safety_check",
        AttrType::Bool,
        "Let KMS accept a policy that locks the caller out of the key.",
    )
    .default(Default::Bool(false)),
];

static CONNECTOR_PROFILE: &[AttrSchema] = &[
    attr(
        "name",
        string(None, 256, Some(r"[\w/!@#+=.-]+")),
        "The connector profile's name.",
    )
    .required()
    .forces_replacement(),
    attr(
        "connector_type",
        AttrType::String(Constraint {
            min_len: None,
            max_len: None,
            pattern: None,
            one_of: CONNECTOR_TYPES,
        }),
        "The connector: Salesforce, Servicenow, CustomConnector, ...",
    )
    .required()
    .forces_replacement(),
    attr(
        "connection_mode",
        AttrType::String(Constraint {
            min_len: None,
            max_len: None,
            pattern: None,
            one_of: &["Public", "Private"],
        }),
        "Public, or Private (over AWS PrivateLink).",
    )
    .required(),
    attr(
        "connector_label",
        string(None, 256, Some(r"[a-zA-Z0-9][\w!@#.-]+")),
        "The registered custom connector's label (CustomConnector only).",
    )
    .forces_replacement(),
    attr(
        "kms_arn",
        string(Some(20), 2048, Some("arn:aws:kms:.*:[0-9]+:.*")),
        "The KMS key AppFlow encrypts the profile's credentials with.",
    )
    .forces_replacement(),
    attr(
        "properties",
        AttrType::ConnectorBlock,
        "The connector's properties.",
    ),
    attr(
        "credentials",
        AttrType::ConnectorBlock,
        "The connector's credentials. Always sensitive, never read back.",
    )
    .sensitive(),
];

/// The attributes a resource kind accepts.
pub fn attributes(kind: ResourceKind) -> &'static [AttrSchema] {
    match kind {
        ResourceKind::KmsKey => KMS_KEY,
        ResourceKind::Secret => SECRET,
        ResourceKind::KmsKeyPolicy => KMS_KEY_POLICY,
        ResourceKind::ConnectorProfile => CONNECTOR_PROFILE,
    }
}

/// One attribute's schema.
pub fn attribute(kind: ResourceKind, name: &str) -> Option<&'static AttrSchema> {
    attributes(kind).iter().find(|a| a.name == name)
}

/// The regions where AppFlow offers private (PrivateLink) Salesforce connections, per the
/// Salesforce connector guide.
pub const SALESFORCE_PRIVATE_REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
];

/// AppFlow's soft quota of connector profiles per account (and region).
pub const PROFILE_QUOTA: usize = 100;
