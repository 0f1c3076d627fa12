//! One file per command.

pub mod validate;

use crate::args::VarArgs;
use flowform_parser::{VarArg, VariableInputs};

/// Exit status of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    Error,
}

/// The variable inputs in command-line order (`-var` and `-var-file` interleave: a later one
/// wins), plus `FLOWFORM_VAR_*` from the environment.
pub fn variable_inputs(
    vars: &VarArgs,
    order: &[(usize, VarArg)],
) -> Result<VariableInputs, String> {
    let _ = vars;
    let mut inputs = VariableInputs::from_process_env();
    inputs.args = order.iter().map(|(_, a)| a.clone()).collect();
    Ok(inputs)
}
