//! What an apply decides beyond its changes: which records to drop because their objects are
//! gone, and the outputs the finished state records.

use crate::apply::ApplyReport;
use flowform_core::{Address, Diagnostics};
use flowform_parser::Config;
use flowform_planner::{Action, Plan, Refreshed};
use flowform_state::{OutputState, State};
use std::collections::BTreeMap;

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

/// The outputs of the state an apply leaves: none after a destroy of everything; after an
/// apply or a targeted destroy, the configured outputs evaluated against `state` (the
/// journal's, every change in: an output that reads a destroyed resource has no value and
/// goes). Only when every change was made: an apply or destroy that failed, skipped or was
/// stopped before some changes keeps the last good ones (`None`). Also the diagnostics of
/// outputs that cannot be evaluated.
pub fn applied_outputs(
    state: &State,
    config: &Config,
    report: &ApplyReport,
    destroys_everything: bool,
) -> (Option<BTreeMap<String, OutputState>>, Diagnostics) {
    let finished =
        report.errors.is_empty() && report.skipped.is_empty() && report.not_started.is_empty();
    if !finished {
        return (None, Diagnostics::default());
    }
    if destroys_everything {
        return (Some(BTreeMap::new()), Diagnostics::default());
    }
    match flowform_planner::applied_outputs(config, state) {
        Ok(outputs) => (Some(outputs), Diagnostics::default()),
        Err(d) => (None, d),
    }
}
