//! The model extract (`model/appflow-2020-08-23.json`, written by `scripts/extract-appflow-model`)
//! read into plain types, and the connectors it implies.
//!
//! A connector is a member of `ConnectorProfileProperties`; its `connectorType` value is the
//! `ConnectorType` enum value spelled the same but for case (`GoogleAnalytics` ↔
//! `Googleanalytics`), which is how AWS pairs them. Anything the extract holds that this reader
//! does not understand is an error naming the shape, never a silent skip: a new kind of member
//! must be taught to the generator, not dropped from flowform.

use std::collections::BTreeMap;

use serde_json::Value;

/// One shape of the extract.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub name: String,
    pub kind: ShapeKind,
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShapeKind {
    String {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<String>,
        /// Allowed values; empty for a free string.
        one_of: Vec<String>,
    },
    Boolean,
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    List {
        member: String,
        max: Option<u64>,
    },
    Map {
        key: String,
        value: String,
        max: Option<u64>,
    },
    Structure {
        /// (member name, shape name), in the model's order.
        members: Vec<(String, String)>,
        required: Vec<String>,
    },
    /// A shape the connector profile structures never contain (timestamps, ...).
    Other(String),
}

/// The extract: its provenance and its shapes by name.
#[derive(Debug)]
pub struct Model {
    /// The botocore release the extract was taken from.
    pub botocore: String,
    pub shapes: BTreeMap<String, Shape>,
}

/// One connector that has a profile configuration.
#[derive(Debug)]
pub struct Connector {
    /// `connectorType` (`Googleanalytics`).
    pub connector_type: String,
    /// The member of `ConnectorProfileProperties` / `ConnectorProfileCredentials`
    /// (`GoogleAnalytics`).
    pub member: String,
    /// The structure shape of its properties (`GoogleAnalyticsConnectorProfileProperties`).
    pub properties: String,
    /// The structure shape of its credentials; `None` when the model has no credentials member.
    pub credentials: Option<String>,
}

pub const PROPERTIES: &str = "ConnectorProfileProperties";
pub const CREDENTIALS: &str = "ConnectorProfileCredentials";
pub const CONNECTOR_TYPE: &str = "ConnectorType";

fn err(shape: &str, what: impl std::fmt::Display) -> String {
    format!("model extract, shape {shape}: {what}")
}

impl Model {
    pub fn parse(text: &str) -> Result<Model, String> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| format!("model extract: not JSON: {e}"))?;
        let botocore = doc["botocore"]
            .as_str()
            .ok_or("model extract: no \"botocore\" version")?
            .to_string();
        let shapes = doc["shapes"]
            .as_object()
            .ok_or("model extract: no \"shapes\" object")?;
        let mut out = BTreeMap::new();
        for (name, raw) in shapes {
            out.insert(name.clone(), parse_shape(name, raw)?);
        }
        let model = Model {
            botocore,
            shapes: out,
        };
        model.check_references()?;
        Ok(model)
    }

    pub fn shape(&self, name: &str) -> Result<&Shape, String> {
        self.shapes
            .get(name)
            .ok_or_else(|| err(name, "not in the extract"))
    }

    /// The members of structure `name`, with whether each is required.
    pub fn members(&self, name: &str) -> Result<Vec<(&str, &Shape, bool)>, String> {
        match &self.shape(name)?.kind {
            ShapeKind::Structure { members, required } => members
                .iter()
                .map(|(m, s)| Ok((m.as_str(), self.shape(s)?, required.contains(m))))
                .collect(),
            _ => Err(err(name, "expected a structure")),
        }
    }

    /// The values of the string enum `name`.
    pub fn enum_values(&self, name: &str) -> Result<&[String], String> {
        match &self.shape(name)?.kind {
            ShapeKind::String { one_of, .. } if !one_of.is_empty() => Ok(one_of),
            _ => Err(err(name, "expected a string enum")),
        }
    }

    /// Every connector with a profile configuration, in the order of
    /// `ConnectorProfileProperties`' members.
    pub fn connectors(&self) -> Result<Vec<Connector>, String> {
        let types = self.enum_values(CONNECTOR_TYPE)?;
        let credentials = self.members(CREDENTIALS)?;
        self.members(PROPERTIES)?
            .into_iter()
            .map(|(member, shape, _)| {
                let connector_type = types
                    .iter()
                    .find(|t| t.eq_ignore_ascii_case(member))
                    .ok_or_else(|| {
                        err(
                            PROPERTIES,
                            format!("member {member} has no ConnectorType value"),
                        )
                    })?;
                Ok(Connector {
                    connector_type: connector_type.clone(),
                    member: member.to_string(),
                    properties: shape.name.clone(),
                    credentials: credentials
                        .iter()
                        .find(|(m, _, _)| *m == member)
                        .map(|(_, s, _)| s.name.clone()),
                })
            })
            .collect()
    }

    /// The `ConnectorType` values that have no member in `ConnectorProfileProperties` (S3,
    /// EventBridge, ...): AppFlow reaches them without a connector profile.
    pub fn types_without_profile(&self) -> Result<Vec<String>, String> {
        let connectors = self.connectors()?;
        Ok(self
            .enum_values(CONNECTOR_TYPE)?
            .iter()
            .filter(|t| !connectors.iter().any(|c| &c.connector_type == *t))
            .cloned()
            .collect())
    }

    /// Adds `name` and every structure nested in it to `out`.
    pub fn structures_within(
        &self,
        name: &str,
        out: &mut std::collections::BTreeSet<String>,
    ) -> Result<(), String> {
        if !out.insert(name.to_string()) {
            return Ok(());
        }
        for (_, shape, _) in self.members(name)? {
            if let ShapeKind::Structure { .. } = shape.kind {
                self.structures_within(&shape.name, out)?;
            }
        }
        Ok(())
    }

    /// Whether a value of shape `name` holds something the model marks sensitive: the shape
    /// itself, or a list's items, or a map's keys or values (`CredentialsMap`).
    pub fn value_is_sensitive(&self, name: &str) -> Result<bool, String> {
        let shape = self.shape(name)?;
        Ok(shape.sensitive
            || match &shape.kind {
                ShapeKind::List { member, .. } => self.shape(member)?.sensitive,
                ShapeKind::Map { key, value, .. } => {
                    self.shape(key)?.sensitive || self.shape(value)?.sensitive
                }
                _ => false,
            })
    }

    fn check_references(&self) -> Result<(), String> {
        for shape in self.shapes.values() {
            let referenced: Vec<&String> = match &shape.kind {
                ShapeKind::List { member, .. } => vec![member],
                ShapeKind::Map { key, value, .. } => vec![key, value],
                ShapeKind::Structure { members, .. } => members.iter().map(|(_, s)| s).collect(),
                _ => vec![],
            };
            for name in referenced {
                self.shape(name).map_err(|_| {
                    err(&shape.name, format!("refers to {name}, not in the extract"))
                })?;
            }
        }
        Ok(())
    }
}

fn parse_shape(name: &str, raw: &Value) -> Result<Shape, String> {
    let uint = |key: &str| -> Result<Option<u64>, String> {
        match raw.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| err(name, format!("{key} is not a whole number"))),
        }
    };
    let int = |key: &str| -> Result<Option<i64>, String> {
        match raw.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| err(name, format!("{key} is not a whole number"))),
        }
    };
    let text = |key: &str| -> Result<String, String> {
        raw.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| err(name, format!("no {key}")))
    };
    let strings = |key: &str| -> Result<Vec<String>, String> {
        match raw.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| err(name, format!("{key} holds a non-string")))
                })
                .collect(),
            Some(_) => Err(err(name, format!("{key} is not a list"))),
        }
    };
    let ty = text("type")?;
    let kind = match ty.as_str() {
        "string" => ShapeKind::String {
            min: uint("min")?,
            max: uint("max")?,
            pattern: raw
                .get("pattern")
                .map(|p| p.as_str().map(str::to_string))
                .unwrap_or(Some(String::new()))
                .filter(|p| !p.is_empty()),
            one_of: strings("enum")?,
        },
        "boolean" => ShapeKind::Boolean,
        "integer" => ShapeKind::Integer {
            min: int("min")?,
            max: int("max")?,
        },
        "list" => ShapeKind::List {
            member: text("member")?,
            max: uint("max")?,
        },
        "map" => ShapeKind::Map {
            key: text("key")?,
            value: text("value")?,
            max: uint("max")?,
        },
        "structure" => {
            let members = match raw.get("members") {
                Some(Value::Array(pairs)) => pairs
                    .iter()
                    .map(|pair| match pair.as_array().map(Vec::as_slice) {
                        Some([Value::String(m), Value::String(s)]) => Ok((m.clone(), s.clone())),
                        _ => Err(err(name, "a member is not a [name, shape] pair")),
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(err(name, "no members list")),
            };
            ShapeKind::Structure {
                members,
                required: strings("required")?,
            }
        }
        other => ShapeKind::Other(other.to_string()),
    };
    Ok(Shape {
        name: name.to_string(),
        kind,
        sensitive: raw.get("sensitive").and_then(Value::as_bool) == Some(true),
    })
}
