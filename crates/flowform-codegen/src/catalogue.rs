//! Writes `flowform-core/src/catalogue/generated.rs`: every connector's fields as the catalogue's
//! static data (`Connector`, `Field`, `Kind`, `Constraint`), one constant per model shape.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::model::{Model, ShapeKind};
use crate::naming;
use crate::{header, rust_str};

pub fn generate(model: &Model) -> Result<String, String> {
    let connectors = model.connectors()?;
    let mut out = header(
        model,
        "The connector catalogue's data: every connector with a profile configuration, and every\n\
         //! field of its properties and credentials, one constant per shape of the model.",
    );
    out.push_str("use super::{Connector, Constraint, Field, Kind};\n\n");

    out.push_str(
        "/// Every connector type that has a member in `ConnectorProfileProperties`, in the model's order.\n",
    );
    out.push_str("pub static CONNECTORS: &[Connector] = &[\n");
    let mut structures = BTreeSet::new();
    for c in &connectors {
        let credentials = match &c.credentials {
            Some(shape) => {
                model.structures_within(shape, &mut structures)?;
                naming::constant(shape)
            }
            None => "&[]".to_string(),
        };
        model.structures_within(&c.properties, &mut structures)?;
        let _ = writeln!(
            out,
            "    Connector {{\n        connector_type: {},\n        member: {},\n        properties: {},\n        credentials: {credentials},\n    }},",
            rust_str(&c.connector_type),
            rust_str(&c.member),
            naming::constant(&c.properties),
        );
    }
    out.push_str("];\n\n");

    out.push_str(
        "/// `connectorType` values with no member in `ConnectorProfileProperties`: AppFlow reaches them\n\
         /// through the flow itself (an S3 bucket, an EventBridge partner bus, ...), so a connector\n\
         /// profile for them cannot carry any configuration.\n",
    );
    let without: Vec<String> = model
        .types_without_profile()?
        .iter()
        .map(|t| rust_str(t))
        .collect();
    let _ = writeln!(
        out,
        "pub const TYPES_WITHOUT_PROFILE: &[&str] = &[{}];",
        without.join(", ")
    );

    let mut leaves = BTreeSet::new();
    for name in &structures {
        let _ = writeln!(out, "\n/// {name}.");
        let _ = writeln!(out, "const {}: &[Field] = &[", naming::constant(name));
        for (member, shape, required) in model.members(name)? {
            let kind = match &shape.kind {
                ShapeKind::Structure { .. } => {
                    format!("Kind::Block({})", naming::constant(&shape.name))
                }
                _ => {
                    leaves.insert(shape.name.clone());
                    naming::constant(&shape.name)
                }
            };
            let _ = writeln!(
                out,
                "    Field {{ api: {}, hcl: {}, shape: {}, kind: {kind}, required: {required}, model_sensitive: {} }},",
                rust_str(member),
                rust_str(&naming::hcl_name(member)),
                rust_str(&shape.name),
                model.value_is_sensitive(&shape.name)?,
            );
        }
        out.push_str("];\n");
    }

    for name in &leaves {
        let kind = leaf_kind(model, name)?;
        let _ = writeln!(
            out,
            "\n/// {name}.\nconst {}: Kind = {kind};",
            naming::constant(name)
        );
    }
    Ok(out)
}

fn leaf_kind(model: &Model, name: &str) -> Result<String, String> {
    let shape = model.shape(name)?;
    Ok(match &shape.kind {
        ShapeKind::String { .. } => format!("Kind::String({})", constraint(model, name)?),
        ShapeKind::Boolean => "Kind::Bool".to_string(),
        ShapeKind::Integer { min, max } => format!(
            "Kind::Integer {{ min: {}, max: {} }}",
            min.unwrap_or(i64::from(i32::MIN)),
            max.unwrap_or(i64::from(i32::MAX))
        ),
        ShapeKind::List { member, max } => format!(
            "Kind::StringList {{ item: {}, max_items: {} }}",
            constraint(model, member)?,
            option(*max)
        ),
        ShapeKind::Map { key, value, max } => format!(
            "Kind::StringMap {{ key: {}, value: {}, max_entries: {} }}",
            constraint(model, key)?,
            constraint(model, value)?,
            option(*max)
        ),
        ShapeKind::Structure { .. } | ShapeKind::Other(_) => {
            return Err(format!(
                "model extract, shape {name}: a connector field of a kind the catalogue cannot hold"
            ));
        }
    })
}

fn option(n: Option<u64>) -> String {
    n.map_or("None".to_string(), |n| format!("Some({n})"))
}

/// The `Constraint` of string shape `name`.
fn constraint(model: &Model, name: &str) -> Result<String, String> {
    match &model.shape(name)?.kind {
        ShapeKind::String {
            min,
            max,
            pattern,
            one_of,
        } => {
            let values: Vec<String> = one_of.iter().map(|v| rust_str(v)).collect();
            Ok(format!(
                "Constraint {{ min_len: {}, max_len: {}, pattern: {}, one_of: &[{}] }}",
                option(*min),
                option(*max),
                pattern
                    .as_ref()
                    .map_or("None".to_string(), |p| format!("Some({})", rust_str(p))),
                values.join(", ")
            ))
        }
        _ => Err(format!(
            "model extract, shape {name}: expected a string (a list item, a map key or value)"
        )),
    }
}
