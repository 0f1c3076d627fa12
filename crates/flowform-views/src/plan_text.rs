//! The text plan: Terraform's shape, so tools made for Terraform plans read it unchanged.
//! Marks are coloured (green `+`, red `-`, yellow `~` and `-/+`) and headers bold; the output
//! stream strips that off a terminal.

use crate::style;
use flowform_planner::diff::{self, DiffLine, Mark};
use flowform_planner::{Action, Plan};
use std::fmt::Write as _;

pub const NO_CHANGES: &str = "No changes. Your infrastructure matches the configuration.";

/// The last line of a plan that changes outputs only.
pub const OUTPUTS_ONLY: &str = "You can apply this plan to save these new output values to the flowform state, without changing any real infrastructure.";

/// The whole plan. The last line is `Plan: N to add, M to change, K to destroy.`,
/// [`NO_CHANGES`], or (outputs only) [`OUTPUTS_ONLY`].
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.refresh_only {
        if plan.drift.is_empty() {
            out.push_str("No changes. Your infrastructure still matches the configuration.\n");
        } else {
            out.push_str(&drift(plan).replace(UNDO, REFRESH_ONLY));
        }
        return out;
    }
    if !plan.drift.is_empty() {
        out.push_str(&drift(plan));
    }
    if !plan.has_changes() {
        out.push_str(NO_CHANGES);
        out.push('\n');
        return out;
    }
    if !plan.has_resource_changes() {
        // Only outputs change: Terraform's wording, and no "Plan:" line (nothing to add,
        // change or destroy).
        let outputs: Vec<DiffLine> = plan.outputs.iter().flat_map(diff::output_lines).collect();
        out.push_str("Changes to Outputs:\n");
        write_lines(&mut out, &outputs);
        out.push('\n');
        out.push_str(OUTPUTS_ONLY);
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
    // Room for what a change's block usually takes, so the text is not copied as it grows.
    out.reserve(plan.changes.len() * 512);
    for change in plan
        .changes
        .iter()
        .filter(|c| c.action.is_change() || diff::header(c).is_some())
    {
        write_lines(&mut out, &diff::resource_lines(change));
        out.push('\n');
    }
    let outputs: Vec<DiffLine> = plan.outputs.iter().flat_map(diff::output_lines).collect();
    if !outputs.is_empty() {
        out.push_str("Changes to Outputs:\n");
        write_lines(&mut out, &outputs);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", diff::summary_line(plan));
    out
}

const UNDO: &str = "Unless you have made equivalent changes to your configuration, flowform will plan to undo them.";
const REFRESH_ONLY: &str = "This is a refresh-only plan, so flowform will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the flowform state without changing any remote objects.";

fn drift(plan: &Plan) -> String {
    let mut out = String::from(
        "Note: Objects have changed outside of flowform\n\nflowform detected the following changes made outside of flowform since the last \"flowform apply\":\n\n",
    );
    for d in &plan.drift {
        let (change, verb) = d.as_change();
        write_lines(&mut out, &diff::block_lines(&change, verb));
        out.push('\n');
    }
    out.push_str(UNDO);
    out.push_str("\n\n");
    out
}

/// Diff lines appended to `out`, each mark in its colour, the header in bold: a plan of
/// thousands of changes is written into one string, without a string per line or per resource
/// on the way.
fn write_lines(out: &mut String, lines: &[DiffLine]) {
    for line in lines {
        let pad = line.indent;
        let text = &line.text;
        let _ = match line.mark {
            Mark::Header if text.is_empty() => writeln!(out, "{:pad$}", ""),
            Mark::Header => writeln!(out, "{:pad$}{}{text}{:#}", "", style::BOLD, style::BOLD),
            Mark::None => writeln!(out, "{:pad$}{text}", ""),
            mark => {
                let color = match mark {
                    Mark::Add => style::ADD,
                    Mark::Remove => style::REMOVE,
                    _ => style::CHANGE,
                };
                let symbol = mark.symbol();
                let (sign, space) = symbol.split_at(symbol.len() - 1);
                writeln!(out, "{:pad$}{color}{sign}{color:#}{space}{text}", "")
            }
        };
    }
}
