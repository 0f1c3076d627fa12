//! Saved plans (`plan -out FILE`): the plan, without any secret, and what it was made from.
//!
//! A plan file records the state's lineage and serial, a digest of the configuration and the
//! variable values, the flowform version, and its [`PlanTarget`]: where the configuration and
//! the state are, and which AWS (or sandbox) endpoint, account and region it was planned
//! against. `apply FILE` reaches exactly that target and refuses the file when any of those no
//! longer match (see [`SavedPlan::check`]): applying a plan made against another state, another
//! configuration or another account would do something nobody reviewed.
//!
//! The plan's warnings are saved with it: a pull request's comment made from the file must
//! carry them as the one made by `plan` does.
//!
//! Sensitive values are written as their HMAC digests (`{"$sensitive": "hmac-sha256:..."}`),
//! unknown values as `{"$unknown": true}`, and a sensitive value unknown until apply as both
//! (`{"$sensitive": null, "$unknown": true}`). Apply re-reads secrets from the configuration and
//! checks them against these digests.

use crate::configuration::{ConfiguredCall, ConfiguredResource, Expression};
use crate::plan::{Action, Attrs, Drift, OutputChange, Plan, ResourceChange};
use crate::values;
use flowform_core::{Address, Diagnostic, Diagnostics, Pos, Severity, SourceRange, Value};
use flowform_parser::Config;
use flowform_state::{Digest, DigestKey, Lineage, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 2: the plan's warnings are saved (`show FILE --format markdown` gives the same comment as
/// `plan --format markdown`), and its [`PlanTarget`]. Files of format 1 have no target and are
/// refused: nothing says where they would apply.
/// 3: the configuration's expressions and the variables that may be shown are saved, so
/// `show FILE --format json` gives `plan --format json`'s document. Files of format 2 are read
/// with neither.
pub const PLAN_FORMAT_VERSION: u32 = 3;

/// Digests of a plan's sensitive values, by address and path.
pub type SavedPlanDigests = BTreeMap<String, BTreeMap<String, Digest>>;

/// A plan as saved: the plan and the identity of everything it was made from.
#[derive(Debug, Clone)]
pub struct SavedPlan {
    pub plan: Plan,
    pub flowform_version: String,
    pub lineage: Lineage,
    pub serial: u64,
    pub config_digest: Digest,
    /// Digests of the sensitive values the plan was made with, by address and path.
    pub sensitive: SavedPlanDigests,
    /// Where the plan applies.
    pub target: PlanTarget,
}

/// Everything that says *where* a saved plan applies, so that `apply FILE` needs no flag to
/// reach it and can refuse to reach anything else: a plan made with `--sandbox` is never
/// applied to AWS, and one made for account A never to account B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanTarget {
    /// The configuration directory, absolute.
    pub config_dir: String,
    /// The state's location: an absolute path for the local backend.
    pub state: String,
    /// The workspace.
    pub workspace: String,
    /// Planned against the built-in sandbox (`--sandbox`), not AWS.
    pub sandbox: bool,
    /// The endpoint override in force (`provider "aws" { endpoint_url }` or
    /// `AWS_ENDPOINT_URL`); `None` for AWS's own endpoints or the sandbox.
    pub endpoint: Option<String>,
    /// The AWS account the plan was made against (STS GetCallerIdentity).
    pub account: String,
    /// The region the plan was made against.
    pub region: String,
}

impl std::fmt::Display for PlanTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let aws = if self.sandbox {
            "the sandbox".to_string()
        } else {
            match &self.endpoint {
                Some(e) => format!("the endpoint {e}"),
                None => "AWS".to_string(),
            }
        };
        write!(
            f,
            "{aws}, account {} in {}, with the state {} (workspace \"{}\") and the configuration in {}",
            self.account, self.region, self.state, self.workspace, self.config_dir
        )
    }
}

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StalePlan {
    #[error(
        "the plan was made by flowform {plan}, but this is flowform {current}: make a new plan with this version"
    )]
    Version { plan: String, current: String },
    #[error(
        "the plan was made for another state (lineage {plan}, but the state's is {state}): make a new plan against this state"
    )]
    Lineage { plan: String, state: String },
    #[error(
        "the state has changed since the plan was made (serial {plan} then, {state} now): make a new plan"
    )]
    Serial { plan: u64, state: u64 },
    #[error(
        "the configuration or the variable values have changed since the plan was made: make a new plan"
    )]
    Config,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{path} is not a flowform plan file: {detail}")]
    Invalid { path: String, detail: String },
    #[error(
        "{path} was written by a newer flowform (plan format {found}; this version reads {PLAN_FORMAT_VERSION}): upgrade flowform"
    )]
    TooNew { path: String, found: u32 },
    #[error("a value of the plan is sensitive and cannot be saved in clear")]
    Sensitive,
}

/// A digest of everything the plan was made from: every file's name and text, and every
/// variable's value (under the state's key, so a secret variable cannot be guessed from it).
pub fn config_digest(config: &Config, key: &DigestKey) -> Digest {
    let mut bytes = Vec::new();
    for (name, text) in config.sources.iter() {
        // The file's own name, not the path it was reached by: `apply FILE` reads the
        // configuration from the plan's (absolute) directory, wherever it is run from.
        let name = std::path::Path::new(name)
            .file_name()
            .map_or(name.into(), |n| n.to_string_lossy());
        push_field(&mut bytes, name.as_bytes());
        push_field(&mut bytes, text.as_bytes());
    }
    for (name, variable) in &config.variables {
        let (bare, _) = variable.value.clone().unmark();
        let json = bare.to_json().map(|j| j.to_string()).unwrap_or_default();
        push_field(&mut bytes, name.as_bytes());
        push_field(&mut bytes, json.as_bytes());
    }
    key.digest(&bytes)
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(&(field.len() as u64).to_le_bytes());
    out.extend_from_slice(field);
}

impl SavedPlan {
    /// Saves `plan`, made from `config` against `state`. The state must exist on disk: a plan
    /// file never carries the state's digest key (with it, a secret's digest could be attacked
    /// offline), so a plan against no state would have nothing to check against.
    pub fn new(
        mut plan: Plan,
        config: &Config,
        state: &State,
        flowform_version: &str,
        target: PlanTarget,
    ) -> SavedPlan {
        if !plan.described {
            crate::configuration::describe(config, &mut plan);
        }
        let mut sensitive = BTreeMap::new();
        for c in &plan.changes {
            if let Some(after) = &c.after {
                let digests: BTreeMap<String, Digest> = values::flatten(after, &state.digest_key)
                    .into_iter()
                    .filter_map(|(path, leaf)| match leaf {
                        values::Leaf::Digest(d) => Some((path, d)),
                        _ => None,
                    })
                    .collect();
                if !digests.is_empty() {
                    sensitive.insert(c.address.to_string(), digests);
                }
            }
        }
        SavedPlan {
            config_digest: config_digest(config, &state.digest_key),
            plan,
            flowform_version: flowform_version.to_string(),
            lineage: state.lineage,
            serial: state.serial.0,
            sensitive,
            target,
        }
    }

    /// Whether this plan may be applied to `state` (None: no state file) with `config`.
    pub fn check(
        &self,
        config: &Config,
        state: Option<&State>,
        flowform_version: &str,
    ) -> Result<(), StalePlan> {
        if self.flowform_version != flowform_version {
            return Err(StalePlan::Version {
                plan: self.flowform_version.clone(),
                current: flowform_version.to_string(),
            });
        }
        let Some(s) = state else {
            return Err(StalePlan::Lineage {
                plan: self.lineage.as_uuid().to_string(),
                state: "(no state)".into(),
            });
        };
        if s.lineage != self.lineage {
            return Err(StalePlan::Lineage {
                plan: self.lineage.as_uuid().to_string(),
                state: s.lineage.as_uuid().to_string(),
            });
        }
        if s.serial.0 != self.serial {
            return Err(StalePlan::Serial {
                plan: self.serial,
                state: s.serial.0,
            });
        }
        let key = &s.digest_key;
        if config_digest(config, key) != self.config_digest {
            return Err(StalePlan::Config);
        }
        Ok(())
    }

    pub fn to_json(&self) -> Result<Vec<u8>, PlanFileError> {
        let file = File {
            format_version: PLAN_FORMAT_VERSION,
            flowform_version: self.flowform_version.clone(),
            state: StateRef {
                lineage: self.lineage.as_uuid().to_string(),
                serial: self.serial,
            },
            config_digest: self.config_digest,
            target: Some(self.target.clone()),
            destroy: self.plan.destroy,
            refresh_only: self.plan.refresh_only,
            targets: self.plan.targets.iter().map(|t| t.to_string()).collect(),
            changes: self
                .plan
                .changes
                .iter()
                .map(|c| ChangeJson::from_change(c, &self.sensitive))
                .collect(),
            edges: self.plan.edges.clone(),
            drift: self
                .plan
                .drift
                .iter()
                .map(|d| DriftJson {
                    address: d.address.to_string(),
                    before: encode_attrs(&d.before),
                    after: d.after.as_ref().map(encode_attrs),
                    changed: d.changed.clone(),
                })
                .collect(),
            outputs: self
                .plan
                .outputs
                .iter()
                .map(|o| OutputJson {
                    name: o.name.clone(),
                    sensitive: o.sensitive,
                    action: action_name(o.action).to_string(),
                    before: if o.sensitive {
                        None
                    } else {
                        o.before.as_ref().map(|b| encode(b, None))
                    },
                    value: if o.sensitive {
                        serde_json::Value::Null
                    } else {
                        encode(&o.value, None)
                    },
                })
                .collect(),
            warnings: self
                .plan
                .warnings
                .iter()
                .map(WarningJson::from_diagnostic)
                .collect(),
            configuration: self
                .plan
                .configuration
                .iter()
                .map(|r| ConfiguredJson {
                    provider: r.provider.clone(),
                    address: r.address.to_string(),
                    depends_on: r.depends_on.iter().map(|a| a.to_string()).collect(),
                    expressions: encode_expressions(&r.expressions),
                })
                .collect(),
            module_calls: self
                .plan
                .module_calls
                .iter()
                .map(|c| CallJson {
                    path: c.path.clone(),
                    source: c.source.clone(),
                    expressions: encode_expressions(&c.expressions),
                    repetition: c.repetition.as_ref().map(|(name, e)| {
                        (
                            name.clone(),
                            encode_expressions(&BTreeMap::from([(name.clone(), e.clone())])),
                        )
                    }),
                })
                .collect(),
            // Only values that may be shown are here: `None` stands for "left out".
            variables: self
                .plan
                .variables
                .iter()
                .map(|(name, v)| (name.clone(), v.as_ref().map(|v| encode(v, None))))
                .collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(|_| PlanFileError::Sensitive)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    pub fn from_json(path: &str, bytes: &[u8]) -> Result<SavedPlan, PlanFileError> {
        let invalid = |detail: String| PlanFileError::Invalid {
            path: path.to_string(),
            detail,
        };
        let probe: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("it is not JSON ({e})")))?;
        let found = probe
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| invalid("it has no format_version".into()))?;
        if found > u64::from(PLAN_FORMAT_VERSION) {
            return Err(PlanFileError::TooNew {
                path: path.to_string(),
                found: found as u32,
            });
        }
        let file: File = serde_json::from_value(probe).map_err(|e| invalid(e.to_string()))?;
        let target = file.target.clone().ok_or_else(|| {
            invalid(
                "it does not say which state and which AWS account it was made for (an older flowform wrote it): make a new plan"
                    .into(),
            )
        })?;
        let lineage = file
            .state
            .lineage
            .parse()
            .map(Lineage::from_uuid)
            .map_err(|_| invalid("its lineage is not a UUID".into()))?;
        let mut sensitive = BTreeMap::new();
        let mut changes = Vec::new();
        for c in file.changes {
            let address: Address = c
                .address
                .parse()
                .map_err(|e: flowform_core::AddressError| invalid(e.to_string()))?;
            let mut digests = BTreeMap::new();
            let after = c.after.as_ref().map(|a| decode_attrs(a, "", &mut digests));
            if !digests.is_empty() {
                sensitive.insert(c.address.clone(), digests);
            }
            let action = parse_action(&c.action)
                .ok_or_else(|| invalid(format!("unknown action \"{}\"", c.action)))?;
            let depends_on = c.depends_on.iter().filter_map(|d| d.parse().ok()).collect();
            changes.push(ResourceChange {
                address,
                action,
                before: c
                    .before
                    .as_ref()
                    .map(|b| decode_attrs(b, "", &mut BTreeMap::new())),
                after,
                replace_paths: c.replace_paths,
                changed: c.changed,
                depends_on,
                prior_id: c.prior_id,
                previous_address: match &c.previous_address {
                    Some(a) => Some(
                        a.parse()
                            .map_err(|e: flowform_core::AddressError| invalid(e.to_string()))?,
                    ),
                    None => None,
                },
                importing: c.importing.map(|i| {
                    Box::new(crate::plan::Importing {
                        id: i.id,
                        record: i.record,
                    })
                }),
                replace_requested: c.replace_requested,
            });
        }
        let drift = file
            .drift
            .into_iter()
            .filter_map(|d| {
                Some(Drift {
                    address: d.address.parse().ok()?,
                    before: decode_attrs(&d.before, "", &mut BTreeMap::new()),
                    after: d.after.map(|a| decode_attrs(&a, "", &mut BTreeMap::new())),
                    changed: d.changed,
                })
            })
            .collect();
        let outputs = file
            .outputs
            .into_iter()
            .map(|o| OutputChange {
                value: if o.sensitive {
                    Value::sensitive(Value::Null)
                } else {
                    decode(&o.value, "", &mut BTreeMap::new())
                },
                before: o.before.map(|b| decode(&b, "", &mut BTreeMap::new())),
                action: parse_action(&o.action).unwrap_or(Action::Update),
                name: o.name,
                sensitive: o.sensitive,
            })
            .collect();
        if file
            .edges
            .iter()
            .any(|(a, b)| *a >= changes.len() || *b >= changes.len())
        {
            return Err(invalid(
                "an edge names a change that is not in the plan".into(),
            ));
        }
        let targets = file.targets.iter().filter_map(|t| t.parse().ok()).collect();
        Ok(SavedPlan {
            plan: Plan {
                changes,
                edges: file.edges,
                drift,
                outputs,
                warnings: Diagnostics(
                    file.warnings
                        .into_iter()
                        .map(WarningJson::into_diagnostic)
                        .collect(),
                ),
                destroy: file.destroy,
                targets,
                configuration: file
                    .configuration
                    .into_iter()
                    .filter_map(|r| {
                        Some(ConfiguredResource {
                            address: r.address.parse().ok()?,
                            depends_on: r
                                .depends_on
                                .iter()
                                .filter_map(|d| d.parse().ok())
                                .collect(),
                            expressions: decode_expressions(&r.expressions),
                            provider: r.provider,
                        })
                    })
                    .collect(),
                module_calls: file
                    .module_calls
                    .into_iter()
                    .map(|c| ConfiguredCall {
                        path: c.path,
                        source: c.source,
                        expressions: decode_expressions(&c.expressions),
                        repetition: c.repetition.and_then(|(name, json)| {
                            let e = decode_expressions(&json).remove(&name)?;
                            Some((name, e))
                        }),
                    })
                    .collect(),
                variables: file
                    .variables
                    .into_iter()
                    .map(|(name, v)| (name, v.map(|v| decode(&v, "", &mut BTreeMap::new()))))
                    .collect(),
                refresh_only: file.refresh_only,
                described: true,
            },
            flowform_version: file.flowform_version,
            lineage,
            serial: file.state.serial,
            config_digest: file.config_digest,
            sensitive,
            target,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format_version: u32,
    flowform_version: String,
    state: StateRef,
    config_digest: Digest,
    /// Absent only in files of flowform versions that did not record it, which are refused.
    #[serde(default)]
    target: Option<PlanTarget>,
    destroy: bool,
    targets: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    refresh_only: bool,
    changes: Vec<ChangeJson>,
    edges: Vec<(usize, usize)>,
    drift: Vec<DriftJson>,
    outputs: Vec<OutputJson>,
    /// Absent from format 1 files.
    #[serde(default)]
    warnings: Vec<WarningJson>,
    /// Absent from format 1 and 2 files.
    #[serde(default)]
    configuration: Vec<ConfiguredJson>,
    /// Absent from files made before modules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    module_calls: Vec<CallJson>,
    #[serde(default)]
    variables: BTreeMap<String, Option<serde_json::Value>>,
}

/// A module call, as saved.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallJson {
    path: Vec<String>,
    source: String,
    expressions: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    repetition: Option<(String, serde_json::Value)>,
}

/// A configured resource, as saved.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfiguredJson {
    address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    depends_on: Vec<String>,
    /// By name: `{"references": [...], "constant": VALUE}` for an attribute (no `constant`
    /// when there is none), `{"block": {...}}` for a nested block.
    expressions: serde_json::Value,
}

fn encode_expressions(exprs: &BTreeMap<String, Expression>) -> serde_json::Value {
    serde_json::Value::Object(
        exprs
            .iter()
            .map(|(name, e)| {
                let json = match e {
                    Expression::Attribute {
                        references,
                        constant,
                    } => {
                        let mut item = serde_json::json!({ "references": references });
                        if let Some(c) = constant {
                            item["constant"] = encode(c, None);
                        }
                        item
                    }
                    Expression::Block(nested) => {
                        serde_json::json!({ "block": encode_expressions(nested) })
                    }
                };
                (name.clone(), json)
            })
            .collect(),
    )
}

fn decode_expressions(json: &serde_json::Value) -> BTreeMap<String, Expression> {
    let Some(map) = json.as_object() else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(name, item)| {
            let e = match item.get("block") {
                Some(nested) => Expression::Block(decode_expressions(nested)),
                None => Expression::Attribute {
                    references: item
                        .get("references")
                        .and_then(|r| r.as_array())
                        .map(|r| {
                            r.iter()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    constant: item
                        .get("constant")
                        .map(|c| decode(c, "", &mut BTreeMap::new())),
                },
            };
            (name.clone(), e)
        })
        .collect()
}

/// A diagnostic of the plan, as saved. Its source range is kept for the record; views of a
/// saved plan do not show source lines (the files may have changed since).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WarningJson {
    severity: String,
    summary: String,
    detail: String,
    context: Option<String>,
    range: Option<RangeJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeJson {
    filename: String,
    start: [usize; 3],
    end: [usize; 3],
}

impl WarningJson {
    fn from_diagnostic(d: &Diagnostic) -> WarningJson {
        let pos = |p: &Pos| [p.line, p.column, p.byte];
        WarningJson {
            severity: match d.severity {
                Severity::Error => "error".into(),
                Severity::Warning => "warning".into(),
            },
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            context: d.context.clone(),
            range: d.range.as_ref().map(|r| RangeJson {
                filename: r.filename.clone(),
                start: pos(&r.start),
                end: pos(&r.end),
            }),
        }
    }

    fn into_diagnostic(self) -> Diagnostic {
        let pos = |[line, column, byte]: [usize; 3]| Pos { line, column, byte };
        Diagnostic {
            severity: if self.severity == "error" {
                Severity::Error
            } else {
                Severity::Warning
            },
            summary: self.summary,
            detail: self.detail,
            context: self.context,
            range: self.range.map(|r| SourceRange {
                filename: r.filename,
                start: pos(r.start),
                end: pos(r.end),
            }),
            // Plan warnings are about the configuration, never a resource's AWS call.
            address: None,
            code: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateRef {
    lineage: String,
    serial: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeJson {
    address: String,
    action: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    replace_paths: Vec<String>,
    changed: Vec<String>,
    depends_on: Vec<String>,
    prior_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    importing: Option<ImportingJson>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    replace_requested: bool,
}

/// An import's object as read while planning: no secret is in it (the state's own form).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportingJson {
    id: String,
    record: flowform_state::ResourceState,
}

impl ChangeJson {
    fn from_change(
        c: &ResourceChange,
        sensitive: &BTreeMap<String, BTreeMap<String, Digest>>,
    ) -> ChangeJson {
        let digests = sensitive.get(&c.address.to_string());
        ChangeJson {
            address: c.address.to_string(),
            action: action_name(c.action).to_string(),
            before: c.before.as_ref().map(encode_attrs),
            after: c.after.as_ref().map(|a| encode_attrs_with(a, digests)),
            replace_paths: c.replace_paths.clone(),
            changed: c.changed.clone(),
            depends_on: c.depends_on.iter().map(|d| d.to_string()).collect(),
            prior_id: c.prior_id.clone(),
            previous_address: c.previous_address.as_ref().map(|a| a.to_string()),
            importing: c.importing.as_ref().map(|i| ImportingJson {
                id: i.id.clone(),
                record: i.record.clone(),
            }),
            replace_requested: c.replace_requested,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DriftJson {
    address: String,
    before: serde_json::Value,
    after: Option<serde_json::Value>,
    #[serde(default)]
    changed: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputJson {
    name: String,
    sensitive: bool,
    action: String,
    before: Option<serde_json::Value>,
    value: serde_json::Value,
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
        Action::NoOp => "no-op",
    }
}

fn parse_action(s: &str) -> Option<Action> {
    Some(match s {
        "create" => Action::Create,
        "update" => Action::Update,
        "replace" => Action::Replace,
        "delete" => Action::Delete,
        "no-op" => Action::NoOp,
        _ => return None,
    })
}

fn encode_attrs(attrs: &Attrs) -> serde_json::Value {
    encode_attrs_with(attrs, None)
}

fn encode_attrs_with(
    attrs: &Attrs,
    digests: Option<&BTreeMap<String, Digest>>,
) -> serde_json::Value {
    serde_json::Value::Object(
        attrs
            .iter()
            .map(|(k, v)| (k.clone(), encode_at(v, k, digests)))
            .collect(),
    )
}

fn encode(v: &Value, digests: Option<&BTreeMap<String, Digest>>) -> serde_json::Value {
    encode_at(v, "", digests)
}

/// A value as plan-file JSON. A sensitive value is written as its digest (looked up by path),
/// never as itself.
fn encode_at(
    v: &Value,
    path: &str,
    digests: Option<&BTreeMap<String, Digest>>,
) -> serde_json::Value {
    match v {
        Value::Unknown => serde_json::json!({ "$unknown": true }),
        // Known only after apply, and sensitive then: there is no digest, and the JSON plan's
        // `after_unknown` must still say so once the file is read back.
        Value::Sensitive(_) if matches!(v.peel(), Value::Unknown) => {
            serde_json::json!({ "$sensitive": null, "$unknown": true })
        }
        Value::Sensitive(_) => {
            let d = digests
                .and_then(|d| d.get(path))
                .map(|d| serde_json::json!(d))
                .unwrap_or(serde_json::Value::Null);
            serde_json::json!({ "$sensitive": d })
        }
        Value::List(items) => {
            serde_json::Value::Array(items.iter().map(|i| encode_at(i, path, None)).collect())
        }
        Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    (k.clone(), encode_at(v, &p, digests))
                })
                .collect(),
        ),
        plain => plain.to_json().unwrap_or(serde_json::Value::Null),
    }
}

fn decode_attrs(
    json: &serde_json::Value,
    prefix: &str,
    digests: &mut BTreeMap<String, Digest>,
) -> Attrs {
    match json {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                (k.clone(), decode(v, &p, digests))
            })
            .collect(),
        _ => Attrs::new(),
    }
}

fn decode(json: &serde_json::Value, path: &str, digests: &mut BTreeMap<String, Digest>) -> Value {
    if let serde_json::Value::Object(map) = json {
        if map.len() == 2
            && map.get("$unknown") == Some(&serde_json::Value::Bool(true))
            && map.get("$sensitive") == Some(&serde_json::Value::Null)
        {
            return Value::sensitive(Value::Unknown);
        }
        if map.len() == 1 {
            if map.get("$unknown") == Some(&serde_json::Value::Bool(true)) {
                return Value::Unknown;
            }
            if let Some(d) = map.get("$sensitive") {
                if let Some(d) = d.as_str().and_then(Digest::parse) {
                    digests.insert(path.to_string(), d);
                }
                return Value::sensitive(Value::Null);
            }
        }
        return Value::Object(decode_attrs(json, path, digests));
    }
    match json {
        serde_json::Value::Array(items) => {
            Value::List(items.iter().map(|i| decode(i, path, digests)).collect())
        }
        other => Value::from_json(other.clone()),
    }
}
