//! What an apply decides beyond its changes: which records to drop because their objects are
//! gone, and the outputs the finished state records.

use crate::apply::ApplyReport;
use flowform_core::{Address, Diagnostics};
use flowform_parser::Config;
use flowform_planner::{Action, Plan, Refreshed};
use flowform_state::State;

/// Records whose objects the refresh found gone and that nothing in the plan makes again:
/// the apply drops them, as Terraform does.
pub fn forgotten(plan: &Plan, refreshed: Option<&Refreshed>) -> Vec<Address> {
    let Some(refreshed) = refreshed else {
        return Vec::new();
    };
    refreshed
        .iter()
        .filter(|(_, now)| now.is_none())
        .filter_map(|(address, _)| address.parse::<Address>().ok())
        .filter(|a| {
            !matches!(
                plan.change(a).map(|c| c.action),
                Some(Action::Create | Action::Replace)
            )
        })
        .collect()
}

/// Sets the outputs of the state an apply left: none after a destroy; after an apply, the
/// configured outputs, but only when every change succeeded (a failed apply keeps the last
/// good ones). Returns the diagnostics of outputs that cannot be evaluated.
pub fn record_outputs(
    state: &mut State,
    config: &Config,
    report: &ApplyReport,
    destroy: bool,
) -> Diagnostics {
    if destroy {
        state.outputs.clear();
        return Diagnostics::default();
    }
    match flowform_planner::applied_outputs(config, state) {
        Ok(outputs) if report.errors.is_empty() => {
            state.outputs = outputs;
            Diagnostics::default()
        }
        Ok(_) => Diagnostics::default(),
        Err(d) => d,
    }
}
