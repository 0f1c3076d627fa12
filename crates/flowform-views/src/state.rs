//! The state as `show` and `state show` print it: each resource in HCL's shape, secrets as
//! `(sensitive value)` (the state holds only their digests anyway).

use flowform_state::ResourceState;

/// One resource as the state records it.
pub fn resource(address: &str, resource: &ResourceState) -> String {
    let attrs = flowform_planner::values::from_state(resource);
    let (kind, label) = address.split_once('.').unwrap_or((address, ""));
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
