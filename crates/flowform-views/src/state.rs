//! The state as `show` and `state show` print it: each resource in HCL's shape, secrets as
//! `(sensitive value)` (the state holds only their digests anyway).

use flowform_state::ResourceState;

/// One resource as the state records it.
pub fn resource(address: &str, resource: &ResourceState) -> String {
    let attrs = flowform_planner::values::from_state(resource);
    // A module's resource is shown by its address inside the module, as Terraform does.
    let local = address
        .parse::<flowform_core::Address>()
        .map(|a| a.local())
        .unwrap_or_else(|_| address.to_string());
    let (kind, label) = local.split_once('.').unwrap_or((&local, ""));
    let mut out = format!("# {address}:\nresource \"{kind}\" \"{label}\" {{\n");
    let width = attrs.keys().map(String::len).max().unwrap_or(0).max(2);
    out.push_str(&format!(
        "    {:<width$} = {}\n",
        "id",
        serde_json::Value::String(resource.id.clone())
    ));
    for (k, v) in &attrs {
        out.push_str(&format!(
            "    {k:<width$} = {}\n",
            flowform_planner::diff::display(v, 4)
        ));
    }
    out.push_str("}\n\n");
    out
}

/// `show` with no state yet.
pub fn empty(location: &dyn std::fmt::Display) -> String {
    format!("The state is empty: nothing has been applied yet ({location}).\n")
}
