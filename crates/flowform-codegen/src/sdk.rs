//! Writes `flowform-applier/src/profile_config/generated.rs`: the typed AWS SDK builder calls that
//! turn a profile's values into `ConnectorProfileConfig`, and the getter calls that turn what
//! DescribeConnectorProfiles returned back into values, for every connector of the model.
//!
//! The generated code leans on a small hand-written runtime in `profile_config.rs` (`Reader`,
//! `Writer`, the `Described`/`Present` conversions), which is connector-agnostic; this file only
//! says which setter and getter each member has, which smithy-rs derives from the same model.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::model::{CREDENTIALS, Model, PROPERTIES, ShapeKind};
use crate::{header, naming, rust_str};

pub fn generate(model: &Model) -> Result<String, String> {
    let connectors = model.connectors()?;
    let mut out = header(
        model,
        "Connector profile configurations to and from the AWS SDK's AppFlow types: one builder\n\
         //! function per structure of the model (values → SDK) and one reader per structure that\n\
         //! DescribeConnectorProfiles returns (SDK → values).",
    );
    out.push_str("use aws_sdk_appflow::types;\nuse flowform_core::Value;\n\n");
    out.push_str("use super::{Described, EnumValue, Present, Reader, Result, Writer};\n");

    // Dispatch on the connector's member name.
    let mut to_sdk_structures = BTreeSet::new();
    let mut from_sdk_structures = BTreeSet::new();
    let sections = [
        (PROPERTIES, "properties_to_sdk", true),
        (CREDENTIALS, "credentials_to_sdk", false),
    ];
    for (parent, function, is_properties) in sections {
        let _ = writeln!(
            out,
            "\n/// The SDK's `{parent}` holding `member`'s structure built from `r`; `None` when the\n\
             /// model has no such member.\n\
             pub(super) fn {function}(member: &str, r: Reader<'_>) -> Result<Option<types::{parent}>> {{\n    \
             let b = types::{parent}::builder();\n    \
             let b = match member {{"
        );
        for c in &connectors {
            let shape = if is_properties {
                Some(&c.properties)
            } else {
                c.credentials.as_ref()
            };
            let Some(shape) = shape else { continue };
            model.structures_within(shape, &mut to_sdk_structures)?;
            if is_properties {
                model.structures_within(shape, &mut from_sdk_structures)?;
            }
            let _ = writeln!(
                out,
                "        {} => b.{}({}(r)?),",
                rust_str(&c.member),
                setter_stem(&c.member)?,
                naming::function(shape)
            );
        }
        out.push_str("        _ => return Ok(None),\n    };\n    Ok(Some(b.build()))\n}\n");
    }

    out.push_str(
        "\n/// `member`'s properties in what AWS described, as values keyed by HCL names: `None` when the\n\
         /// model has no such member, `Some(None)` when AWS did not fill it.\n\
         pub(super) fn properties_from_sdk(member: &str, p: &types::ConnectorProfileProperties) -> Option<Option<Value>> {\n    \
         Some(match member {\n",
    );
    for c in &connectors {
        let _ = writeln!(
            out,
            "        {} => p.{}().map(read_{}),",
            rust_str(&c.member),
            setter_stem(&c.member)?,
            naming::function(&c.properties)
        );
    }
    out.push_str("        _ => return None,\n    })\n}\n");

    out.push_str(
        "\n/// The members of `ConnectorProfileProperties` that AWS filled.\n\
         pub(super) fn members_present(p: &types::ConnectorProfileProperties) -> Vec<&'static str> {\n    [\n",
    );
    for c in &connectors {
        let _ = writeln!(
            out,
            "        ({}, p.{}().is_some()),",
            rust_str(&c.member),
            setter_stem(&c.member)?
        );
    }
    out.push_str(
        "    ]\n    .into_iter()\n    .filter_map(|(member, present)| present.then_some(member))\n    .collect()\n}\n",
    );

    for name in &to_sdk_structures {
        builder_function(model, name, &mut out)?;
    }
    for name in &from_sdk_structures {
        reader_function(model, name, &mut out)?;
    }
    Ok(out)
}

/// The SDK's name stem for member `member` (`set_<stem>`, `<stem>()`).
fn setter_stem(member: &str) -> Result<String, String> {
    let stem = naming::sdk_member(member);
    if naming::is_keyword(&stem) {
        return Err(format!(
            "model extract: member {member} is a Rust keyword in the SDK; teach flowform-codegen smithy-rs's escaping"
        ));
    }
    Ok(stem)
}

/// `fn <shape>(r: Reader) -> Result<SdkType>`: every member read by its HCL name and set.
fn builder_function(model: &Model, name: &str, out: &mut String) -> Result<(), String> {
    let members = model.members(name)?;
    let sdk = naming::sdk_type(name);
    let function = naming::function(name);
    let reader = if members.is_empty() { "r" } else { "mut r" };
    let _ = writeln!(
        out,
        "\n/// {name}.\nfn {function}({reader}: Reader<'_>) -> Result<types::{sdk}> {{\n    let built = types::{sdk}::builder()"
    );
    let mut any_required = false;
    for (member, shape, required) in &members {
        any_required |= required;
        let hcl = rust_str(&naming::hcl_name(member));
        let read = match &shape.kind {
            ShapeKind::String { one_of, .. } if !one_of.is_empty() => {
                let ty = naming::sdk_type(&shape.name);
                format!(
                    "r.enumeration({hcl}, types::{ty}::values())?.map(|v| types::{ty}::from(v.as_str()))"
                )
            }
            ShapeKind::String { .. } => format!("r.string({hcl})?"),
            ShapeKind::Boolean => format!("r.bool({hcl})?"),
            ShapeKind::Integer { .. } => format!("r.int32({hcl})?"),
            ShapeKind::List { .. } => format!("r.strings({hcl})?"),
            ShapeKind::Map { .. } => format!("r.string_map({hcl})?"),
            ShapeKind::Structure { .. } => format!(
                "r.block({hcl})?.map({}).transpose()?",
                naming::function(&shape.name)
            ),
            ShapeKind::Other(ty) => {
                return Err(format!(
                    "model extract, shape {name}: member {member} has type {ty}, which flowform-codegen cannot map"
                ));
            }
        };
        let _ = writeln!(out, "        .set_{}({read})", setter_stem(member)?);
    }
    // smithy-rs's build() returns a Result exactly when a member is required.
    let done = if any_required { "done_built" } else { "done" };
    let _ = writeln!(out, "        .build();\n    r.{done}(built)\n}}");
    Ok(())
}

/// `fn read_<shape>(p: &SdkType) -> Value`: every member AWS filled, by its HCL name.
fn reader_function(model: &Model, name: &str, out: &mut String) -> Result<(), String> {
    let members = model.members(name)?;
    let sdk = naming::sdk_type(name);
    let function = naming::function(name);
    if members.is_empty() {
        let _ = writeln!(
            out,
            "\n/// {name} (no members).\nfn read_{function}(_: &types::{sdk}) -> Value {{\n    Writer::default().finish()\n}}"
        );
        return Ok(());
    }
    let _ = writeln!(
        out,
        "\n/// {name}.\nfn read_{function}(p: &types::{sdk}) -> Value {{\n    let mut w = Writer::default();"
    );
    for (member, shape, _) in &members {
        let hcl = rust_str(&naming::hcl_name(member));
        let getter = format!("p.{}()", setter_stem(member)?);
        let value = match &shape.kind {
            ShapeKind::String { one_of, .. } if !one_of.is_empty() => {
                format!("EnumValue({getter}).described()")
            }
            ShapeKind::Structure { .. } => format!(
                "{getter}.present().map(read_{})",
                naming::function(&shape.name)
            ),
            _ => format!("{getter}.described()"),
        };
        let _ = writeln!(out, "    w.put({hcl}, {value});");
    }
    out.push_str("    w.finish()\n}\n");
    Ok(())
}
