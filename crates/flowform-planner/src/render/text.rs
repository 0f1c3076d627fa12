//! The text plan: Terraform's shape, so tools made for Terraform plans read it unchanged.

use super::diff::{self, Paint};
use crate::plan::{Action, Plan};
use std::fmt::Write as _;

pub const NO_CHANGES: &str = "No changes. Your infrastructure matches the configuration.";

/// The whole plan. The last line is `Plan: N to add, M to change, K to destroy.` or
/// [`NO_CHANGES`].
pub fn render(plan: &Plan, color: bool) -> String {
    let paint = Paint { color };
    let mut out = String::new();
    if plan.refresh_only {
        if plan.drift.is_empty() {
            out.push_str("No changes. Your infrastructure still matches the configuration.\n");
        } else {
            out.push_str(&drift(plan, paint).replace(UNDO, REFRESH_ONLY));
        }
        return out;
    }
    if !plan.drift.is_empty() {
        out.push_str(&drift(plan, paint));
    }
    if !plan.has_changes() {
        out.push_str(NO_CHANGES);
        out.push('\n');
        return out;
    }
    out.push_str("flowform used the configuration and the state to make the following execution plan.\nResource actions are indicated with the following symbols:\n");
    let used = |a: Action| plan.changes.iter().any(|c| c.action == a);
    for (action, line) in [
        (Action::Create, "  + create"),
        (Action::Update, "  ~ update in-place"),
        (Action::Delete, "  - destroy"),
        (Action::Replace, "-/+ destroy and then create replacement"),
    ] {
        if used(action) {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push_str("\nflowform will perform the following actions:\n\n");
    for change in plan
        .changes
        .iter()
        .filter(|c| c.action.is_change() || diff::header(c).is_some())
    {
        out.push_str(&diff::render_resource(change, paint));
        out.push('\n');
    }
    let outputs: Vec<String> = plan.outputs.iter().filter_map(output_line).collect();
    if !outputs.is_empty() {
        out.push_str("Changes to Outputs:\n");
        for line in outputs {
            out.push_str(&line);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", diff::summary_line(plan));
    out
}

const UNDO: &str = "Unless you have made equivalent changes to your configuration, flowform will plan to undo them.";
const REFRESH_ONLY: &str = "This is a refresh-only plan, so flowform will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the flowform state without changing any remote objects.";

fn drift(plan: &Plan, paint: Paint) -> String {
    let mut out = String::from(
        "Note: Objects have changed outside of flowform\n\nflowform detected the following changes made outside of flowform since the last \"flowform apply\":\n\n",
    );
    for d in &plan.drift {
        let (change, verb) = d.as_change();
        out.push_str(&diff::render_block(&change, verb, paint));
        out.push('\n');
    }
    out.push_str(UNDO);
    out.push_str("\n\n");
    out
}

/// One line of "Changes to Outputs", or nothing when the output does not change.
pub fn output_line(o: &crate::plan::OutputChange) -> Option<String> {
    let show = |v: &flowform_core::Value| {
        if o.sensitive {
            "(sensitive value)".to_string()
        } else {
            diff::display(v, 2)
        }
    };
    Some(match o.action {
        Action::NoOp => return None,
        Action::Create => format!("  + {} = {}\n", o.name, show(&o.value)),
        Action::Delete => format!(
            "  - {} = {} -> null\n",
            o.name,
            o.before
                .as_ref()
                .map_or("(sensitive value)".to_string(), show)
        ),
        _ => format!(
            "  ~ {} = {} -> {}\n",
            o.name,
            o.before
                .as_ref()
                .map_or("(sensitive value)".to_string(), show),
            show(&o.value)
        ),
    })
}
