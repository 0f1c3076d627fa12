//! AppFlow's shapes, read from the model extract that the rest of flowform is generated from
//! (`model/appflow-2020-08-23.json`, taken from AWS's own service model by
//! `scripts/extract-appflow-model`).
//!
//! The sandbox plays the service's side, so it must not share the client's code: it reads the
//! same model *data* with this small interpreter of its own, never flowform-core's catalogue. A
//! mistake in the client's generator or catalogue then shows up as a request the sandbox refuses,
//! as AWS would.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

const EXTRACT: &str = include_str!("../../../../model/appflow-2020-08-23.json");

/// One shape: what values it allows, and whether AWS keeps its values out of messages.
#[derive(Debug)]
pub struct Shape {
    pub kind: Kind,
    pub sensitive: bool,
}

#[derive(Debug)]
pub enum Kind {
    String {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<String>,
        one_of: Vec<String>,
    },
    Boolean,
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    List {
        member: String,
        min: Option<u64>,
        max: Option<u64>,
    },
    Map {
        key: String,
        value: String,
        min: Option<u64>,
        max: Option<u64>,
    },
    Structure {
        /// (member, shape), in the model's order.
        members: Vec<(String, String)>,
        required: Vec<String>,
    },
    /// Timestamps and the like: nothing a request carries here.
    Other,
}

/// The extract's shapes by name.
#[derive(Debug)]
pub struct Model {
    shapes: HashMap<String, Shape>,
}

/// One connector that has a profile configuration: its `connectorType` value and its member in
/// `ConnectorProfileProperties` / `ConnectorProfileCredentials`.
#[derive(Debug, Clone, Copy)]
pub struct Connector {
    pub connector_type: &'static str,
    pub member: &'static str,
}

static MODEL: LazyLock<Model> = LazyLock::new(|| {
    // The extract is compiled in and checked by this crate's tests; a broken one is a build of
    // the sandbox that cannot work at all, not a bad request.
    Model::parse(EXTRACT).unwrap_or_else(|e| panic!("the embedded AppFlow model extract: {e}"))
});

static CONNECTORS: LazyLock<Vec<Connector>> = LazyLock::new(|| model().connectors());

pub fn model() -> &'static Model {
    &MODEL
}

/// Every connector with a profile configuration.
pub fn connectors() -> &'static [Connector] {
    &CONNECTORS
}

/// The connector for a `connectorType`; `None` for the types that take no connector profile
/// (S3, EventBridge, ...), which have no member in `ConnectorProfileProperties`.
pub fn connector(connector_type: &str) -> Option<Connector> {
    connectors()
        .iter()
        .find(|c| c.connector_type == connector_type)
        .copied()
}

/// The connector whose member name is `member` (`GoogleAnalytics`).
pub fn connector_by_member(member: &str) -> Option<Connector> {
    connectors().iter().find(|c| c.member == member).copied()
}

impl Model {
    fn parse(text: &str) -> Result<Model, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let shapes = doc["shapes"].as_object().ok_or("no shapes")?;
        let mut out = HashMap::new();
        for (name, raw) in shapes {
            out.insert(
                name.clone(),
                parse_shape(raw).map_err(|e| format!("{name}: {e}"))?,
            );
        }
        Ok(Model { shapes: out })
    }

    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// The members of structure `name` ((member, shape) in the model's order) and its required
    /// list; empty for anything else.
    pub fn structure(&self, name: &str) -> (&[(String, String)], &[String]) {
        match self.shape(name).map(|s| &s.kind) {
            Some(Kind::Structure { members, required }) => (members, required),
            _ => (&[], &[]),
        }
    }

    /// The values of string enum `name`.
    pub fn enum_values(&self, name: &str) -> &[String] {
        match self.shape(name).map(|s| &s.kind) {
            Some(Kind::String { one_of, .. }) => one_of,
            _ => &[],
        }
    }

    /// The connectors: members of `ConnectorProfileProperties`, each paired with the
    /// `ConnectorType` value spelled the same but for case, as AWS pairs them.
    fn connectors(&'static self) -> Vec<Connector> {
        let types = self.enum_values("ConnectorType");
        let (properties, _) = self.structure("ConnectorProfileProperties");
        properties
            .iter()
            .filter_map(|(member, _)| {
                let connector_type = types.iter().find(|t| t.eq_ignore_ascii_case(member))?;
                Some(Connector {
                    connector_type,
                    member,
                })
            })
            .collect()
    }
}

fn parse_shape(raw: &Value) -> Result<Shape, String> {
    let uint = |key: &str| raw.get(key).and_then(Value::as_u64);
    let int = |key: &str| raw.get(key).and_then(Value::as_i64);
    let text = |key: &str| -> Result<String, String> {
        raw.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {key}"))
    };
    let strings = |key: &str| -> Vec<String> {
        raw.get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let kind = match raw.get("type").and_then(Value::as_str) {
        Some("string") => Kind::String {
            min: uint("min"),
            max: uint("max"),
            pattern: raw
                .get("pattern")
                .and_then(Value::as_str)
                .map(str::to_owned),
            one_of: strings("enum"),
        },
        Some("boolean") => Kind::Boolean,
        Some("integer" | "long") => Kind::Integer {
            min: int("min"),
            max: int("max"),
        },
        Some("list") => Kind::List {
            member: text("member")?,
            min: uint("min"),
            max: uint("max"),
        },
        Some("map") => Kind::Map {
            key: text("key")?,
            value: text("value")?,
            min: uint("min"),
            max: uint("max"),
        },
        Some("structure") => Kind::Structure {
            members: raw
                .get("members")
                .and_then(Value::as_array)
                .ok_or("no members")?
                .iter()
                .map(|pair| match (pair[0].as_str(), pair[1].as_str()) {
                    (Some(m), Some(s)) => Ok((m.to_owned(), s.to_owned())),
                    _ => Err("a member is not a [name, shape] pair".to_owned()),
                })
                .collect::<Result<_, _>>()?,
            required: strings("required"),
        },
        _ => Kind::Other,
    };
    Ok(Shape {
        kind,
        sensitive: raw.get("sensitive").and_then(Value::as_bool) == Some(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extract_parses_and_names_every_connector() {
        assert_eq!(connectors().len(), 19);
        for shape in model().shapes.values() {
            if let Kind::Structure { members, required } = &shape.kind {
                for (_, s) in members {
                    assert!(model().shape(s).is_some(), "{s}");
                }
                for r in required {
                    assert!(members.iter().any(|(m, _)| m == r), "{r}");
                }
            }
        }
        let google = connector("Googleanalytics").expect("Googleanalytics");
        assert_eq!(google.member, "GoogleAnalytics");
        for without in [
            "S3",
            "EventBridge",
            "LookoutMetrics",
            "Upsolver",
            "CustomerProfiles",
        ] {
            assert!(
                model()
                    .enum_values("ConnectorType")
                    .iter()
                    .any(|t| t == without)
            );
            assert!(connector(without).is_none(), "{without}");
        }
    }
}
