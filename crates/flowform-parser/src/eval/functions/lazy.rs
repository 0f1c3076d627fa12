//! `try` and `can`: the two functions that take their arguments unevaluated, because what they
//! do is catch the errors of evaluating them.
//!
//! As in Terraform, they catch *dynamic* errors (a missing attribute, a failed conversion, a
//! function that refused its argument) but not mistakes in the configuration itself: a
//! reference to something undeclared, an unknown function, or a cycle stays an error. And a
//! value that is not wholly known yet cannot be judged, so the result is unknown until it is.

use super::{FnError, Signature};
use crate::eval::{EvalError, Evaluator, Scope, err};
use flowform_core::Value;
use hcl::edit::expr::FuncCall;
use std::ops::Range;

/// Errors that are mistakes in the configuration, not in the values: never caught.
const STATIC_ERRORS: &[&str] = &[
    "Reference to undeclared input variable",
    "Reference to undeclared local value",
    "Reference to undeclared resource",
    "Reference to undeclared data source",
    "Unknown variable",
    "Unknown data source kind",
    "Cycle in local values",
    "Call to unknown function",
    "Not enough function arguments",
    "Too many function arguments",
    "Invalid reference",
    "Invalid resource reference",
];

pub(super) fn call(
    ev: &Evaluator<'_>,
    signature: &'static Signature,
    call: &FuncCall,
    file: &str,
    scope: &mut Scope,
    span: Range<usize>,
) -> Result<Value, EvalError> {
    let name = signature.name;
    let fail = |e: FnError| err(file, span.clone(), e.summary, e.detail);
    if call.args.expand_final() {
        return Err(err(
            file,
            span.clone(),
            "Invalid expanding argument",
            format!(
                "{name}() evaluates its arguments one by one; they cannot be expanded with \"...\"."
            ),
        ));
    }
    let n = call.args.len();
    if n == 0 {
        return Err(fail(FnError {
            arg: None,
            summary: "Not enough function arguments",
            detail: format!(
                "Function \"{name}\" expects at least 1 argument(s). Missing value for \"{}\".",
                signature.params[0]
            ),
        }));
    }
    if name == "can" && n > 1 {
        return Err(err(
            file,
            call.args
                .iter()
                .nth(1)
                .and_then(hcl::edit::Span::span)
                .unwrap_or(span.clone()),
            "Too many function arguments",
            "Function \"can\" expects only 1 argument(s).",
        ));
    }
    let mut caught = Vec::new();
    for arg in call.args.iter() {
        match ev.eval_in(arg, file, scope) {
            Ok(v) if !v.is_known() => {
                let (_, marked) = v.unmark();
                let unknown = Value::Unknown;
                return Ok(if marked {
                    Value::sensitive(unknown)
                } else {
                    unknown
                });
            }
            Ok(v) => {
                return Ok(if name == "can" { Value::Bool(true) } else { v });
            }
            Err(e) if STATIC_ERRORS.contains(&e.summary.as_str()) => return Err(e),
            Err(e) => caught.push(e),
        }
    }
    if name == "can" {
        return Ok(Value::Bool(false));
    }
    // No argument succeeded: say why each failed (their messages never quote sensitive values).
    let reasons: Vec<String> = caught
        .iter()
        .enumerate()
        .map(|(i, e)| format!("argument {}: {}: {}", i + 1, e.summary, e.detail))
        .collect();
    Err(fail(FnError::call(
        name,
        format!(
            "no expression succeeded:\n- {}\nAt least one expression must produce a successful result.",
            reasons.join("\n- ")
        ),
    )))
}
