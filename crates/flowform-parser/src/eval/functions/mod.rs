//! The built-in functions. hcl-rs ships none, so these are flowform's, with Terraform's
//! semantics: an unknown argument makes the result unknown, and a sensitive argument makes the
//! result sensitive (and is never quoted in an error).
//!
//! Each function has a signature (its parameters' names, as Terraform names them), so an error
//! about one argument says which ("Invalid value for \"start_index\" parameter: ...") and points
//! at it. `try` and `can` take their arguments unevaluated (see `lazy.rs`).
//!
//! Layout: `strings` (text, regex), `format` (`format`'s verbs), `collections` (lists, maps, sets), `conversions`
//! (`to*` and the type unification they share), `encoding` (JSON, base64, hashes, UUIDs),
//! `yaml` (`yamldecode`, bounded), `template` (`file`, `templatefile`), `lazy` (`try`, `can`).

mod collections;
mod conversions;
mod encoding;
mod format;
mod lazy;
mod strings;
mod template;
mod yaml;

#[cfg(test)]
mod tests;

use super::ops::mark;
use super::{EvalError, Evaluator, Scope, err};
use flowform_core::{Number, Value};
use hcl::edit::Span;
use hcl::edit::expr::FuncCall;
use std::collections::BTreeMap;
use std::ops::Range;

/// A function's parameters as Terraform names them. The last is repeated when `max` is `None`.
struct Signature {
    name: &'static str,
    params: &'static [&'static str],
    min: usize,
    max: Option<usize>,
}

const fn sig(
    name: &'static str,
    params: &'static [&'static str],
    min: usize,
    max: Option<usize>,
) -> Signature {
    Signature {
        name,
        params,
        min,
        max,
    }
}

const SIGNATURES: &[Signature] = &[
    sig("base64decode", &["str"], 1, Some(1)),
    sig("base64encode", &["str"], 1, Some(1)),
    sig("can", &["expression"], 1, Some(1)),
    sig("coalesce", &["vals"], 1, None),
    sig("concat", &["seqs"], 1, None),
    sig("contains", &["list", "value"], 2, Some(2)),
    sig("distinct", &["list"], 1, Some(1)),
    sig("element", &["list", "index"], 2, Some(2)),
    sig("endswith", &["str", "suffix"], 2, Some(2)),
    sig("file", &["path"], 1, Some(1)),
    sig("flatten", &["list"], 1, Some(1)),
    sig("format", &["format", "args"], 1, None),
    sig("formatlist", &["format", "args"], 1, None),
    sig("join", &["separator", "lists"], 2, None),
    sig("jsondecode", &["str"], 1, Some(1)),
    sig("jsonencode", &["val"], 1, Some(1)),
    sig("keys", &["inputMap"], 1, Some(1)),
    sig("length", &["value"], 1, Some(1)),
    sig("lookup", &["inputMap", "key", "default"], 2, Some(3)),
    sig("lower", &["str"], 1, Some(1)),
    sig("merge", &["maps"], 0, None),
    sig("one", &["list"], 1, Some(1)),
    sig("range", &["params"], 1, Some(3)),
    sig("regex", &["pattern", "string"], 2, Some(2)),
    sig("replace", &["str", "substr", "replace"], 3, Some(3)),
    sig("setunion", &["first_set", "other_sets"], 1, None),
    sig("sha256", &["str"], 1, Some(1)),
    sig("slice", &["list", "start_index", "end_index"], 3, Some(3)),
    sig("sort", &["list"], 1, Some(1)),
    sig("split", &["separator", "str"], 2, Some(2)),
    sig("startswith", &["str", "prefix"], 2, Some(2)),
    sig("substr", &["str", "offset", "length"], 3, Some(3)),
    sig("templatefile", &["path", "vars"], 2, Some(2)),
    sig("tobool", &["v"], 1, Some(1)),
    sig("tolist", &["v"], 1, Some(1)),
    sig("tomap", &["v"], 1, Some(1)),
    sig("tonumber", &["v"], 1, Some(1)),
    sig("toset", &["v"], 1, Some(1)),
    sig("tostring", &["v"], 1, Some(1)),
    sig("trimspace", &["str"], 1, Some(1)),
    sig("try", &["expressions"], 1, None),
    sig("upper", &["str"], 1, Some(1)),
    sig("uuidv5", &["namespace", "name"], 2, Some(2)),
    sig("values", &["mapping"], 1, Some(1)),
    sig("yamldecode", &["src"], 1, Some(1)),
    sig("zipmap", &["keys", "values"], 2, Some(2)),
];

/// The functions a configuration may call, for "did you mean" and for documentation.
pub const NAMES: &[&str] = &[
    "base64decode",
    "base64encode",
    "can",
    "coalesce",
    "concat",
    "contains",
    "distinct",
    "element",
    "endswith",
    "file",
    "flatten",
    "format",
    "formatlist",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "merge",
    "one",
    "range",
    "regex",
    "replace",
    "setunion",
    "sha256",
    "slice",
    "sort",
    "split",
    "startswith",
    "substr",
    "templatefile",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trimspace",
    "try",
    "upper",
    "uuidv5",
    "values",
    "yamldecode",
    "zipmap",
];

/// Placeholder written by `jsonencode` for unknown parts while validating.
pub const UNKNOWN_PLACEHOLDER: &str = "(known after apply)";

/// Functions that look only at their arguments' outer shape, so unknown *elements* pass
/// through (`length([secret.a.arn])` is 1, as in Terraform); only an argument that is unknown
/// as a whole makes their result unknown. Every other function needs wholly known arguments.
const SHALLOW: &[&str] = &[
    "concat",
    "element",
    "flatten",
    "keys",
    "length",
    "lookup",
    "merge",
    "one",
    "slice",
    "templatefile",
    "tolist",
    "tomap",
    "values",
    "zipmap",
];

/// Why a function call failed: which argument (`None`: the call as a whole), a summary and
/// the detail shown to the user.
#[derive(Debug)]
pub(super) struct FnError {
    arg: Option<usize>,
    summary: &'static str,
    detail: String,
}

impl FnError {
    /// The call failed as a whole ("Call to function \"x\" failed: ...").
    fn call(name: &str, detail: impl std::fmt::Display) -> FnError {
        FnError {
            arg: None,
            summary: "Error in function call",
            detail: format!("Call to function \"{name}\" failed: {detail}"),
        }
    }
}

/// The call being made: its signature and which arguments were sensitive.
struct Cx<'e, 'a> {
    ev: &'e Evaluator<'a>,
    sig: &'static Signature,
    marks: Vec<bool>,
}

impl Cx<'_, '_> {
    fn name(&self) -> &'static str {
        self.sig.name
    }

    fn param(&self, i: usize) -> &'static str {
        self.sig
            .params
            .get(i)
            .or(self.sig.params.last())
            .copied()
            .unwrap_or("argument")
    }

    fn sensitive(&self, i: usize) -> bool {
        self.marks.get(i).copied().unwrap_or(false)
    }

    /// "Invalid value for \"PARAM\" parameter: MSG", located at argument `i`.
    fn bad(&self, i: usize, msg: impl std::fmt::Display) -> FnError {
        FnError {
            arg: Some(i),
            summary: "Invalid function argument",
            detail: format!("Invalid value for \"{}\" parameter: {msg}", self.param(i)),
        }
    }

    fn fail(&self, msg: impl std::fmt::Display) -> FnError {
        FnError::call(self.name(), msg)
    }

    /// Argument `i`'s text quoted for an error message, or `(sensitive value)`.
    fn shown(&self, i: usize, text: &str) -> String {
        shown(text, self.sensitive(i))
    }

    /// A string argument; numbers and bools convert to strings, as in Terraform.
    fn string(&self, i: usize, v: &Value) -> Result<String, FnError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Err(self.bad(i, "argument must not be null.")),
            other => Err(self.bad(
                i,
                format!("string required, but have {}.", other.type_name()),
            )),
        }
    }

    /// A number argument; a string holding a number converts, as in Terraform.
    fn number(&self, i: usize, v: &Value) -> Result<Number, FnError> {
        match v {
            Value::Number(n) => Ok(*n),
            Value::String(s) => conversions::parse_number(s).ok_or_else(|| {
                self.bad(
                    i,
                    format!("number required, but have the string {}.", self.shown(i, s)),
                )
            }),
            Value::Null => Err(self.bad(i, "argument must not be null.")),
            other => Err(self.bad(
                i,
                format!("number required, but have {}.", other.type_name()),
            )),
        }
    }

    /// A whole-number argument.
    fn int(&self, i: usize, v: &Value) -> Result<i64, FnError> {
        let n = self.number(i, v)?;
        match n.as_i64() {
            Some(i) => Ok(i),
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
                _ => Err(self.bad(i, "value must be a whole number.")),
            },
        }
    }

    /// A list (or set, or tuple) argument.
    fn list(&self, i: usize, v: Value) -> Result<Vec<Value>, FnError> {
        match v {
            Value::List(items) => Ok(items),
            Value::Null => Err(self.bad(i, "argument must not be null.")),
            other => Err(self.bad(
                i,
                format!(
                    "list of any single type required, but have {}.",
                    other.type_name()
                ),
            )),
        }
    }

    /// A map (or object) argument.
    fn object(&self, i: usize, v: Value) -> Result<BTreeMap<String, Value>, FnError> {
        match v {
            Value::Object(map) => Ok(map),
            Value::Null => Err(self.bad(i, "argument must not be null.")),
            other => Err(self.bad(
                i,
                format!("map or object required, but have {}.", other.type_name()),
            )),
        }
    }
}

/// Evaluates a function call: the hook the evaluator calls for every `name(args)`.
pub(super) fn eval_call(
    ev: &Evaluator<'_>,
    call: &FuncCall,
    file: &str,
    scope: &mut Scope,
    span: Range<usize>,
) -> Result<Value, EvalError> {
    let name = call.name.name.value().as_str();
    let Some(signature) = SIGNATURES.iter().find(|s| s.name == name) else {
        let hint = crate::suggest::did_you_mean(name, NAMES.iter().copied());
        let detail = if hint.is_empty() {
            format!(
                "There is no function named \"{name}\". Available functions: {}.",
                NAMES.join(", ")
            )
        } else {
            format!("There is no function named \"{name}\".{hint}")
        };
        return Err(err(file, span, "Call to unknown function", detail));
    };
    let arg_span = |i: usize| {
        let n = call.args.len();
        call.args
            .iter()
            .nth(i.min(n.saturating_sub(1)))
            .and_then(|a| a.span())
            .unwrap_or(span.clone())
    };
    if matches!(name, "try" | "can") {
        return lazy::call(ev, signature, call, file, scope, span);
    }
    let mut args = Vec::with_capacity(call.args.len());
    for arg in call.args.iter() {
        args.push(ev.eval_in(arg, file, scope)?);
    }
    if call.args.expand_final() {
        match args.pop().map(Value::unmark) {
            Some((Value::List(rest), marked)) => args.extend(
                rest.into_iter()
                    .map(|v| if marked { Value::sensitive(v) } else { v }),
            ),
            Some((Value::Unknown, marked)) => return Ok(mark(Value::Unknown, marked)),
            _ => {
                return Err(err(
                    file,
                    arg_span(call.args.len().saturating_sub(1)),
                    "Invalid expanding argument",
                    "The argument before \"...\" must be a list.",
                ));
            }
        }
    }
    call_with(ev, signature, args).map_err(|e| {
        let at = match e.arg {
            Some(i) => arg_span(i),
            None => span.clone(),
        };
        err(file, at, e.summary, e.detail)
    })
}

fn call_with(
    ev: &Evaluator<'_>,
    signature: &'static Signature,
    args: Vec<Value>,
) -> Result<Value, FnError> {
    let name = signature.name;
    let n = args.len();
    if n < signature.min {
        let missing = signature.params.get(n).copied().unwrap_or("argument");
        return Err(FnError {
            arg: None,
            summary: "Not enough function arguments",
            detail: format!(
                "Function \"{name}\" expects {}{} argument(s). Missing value for \"{missing}\".",
                if signature.max == Some(signature.min) {
                    ""
                } else {
                    "at least "
                },
                signature.min
            ),
        });
    }
    if let Some(max) = signature.max.filter(|max| n > *max) {
        return Err(FnError {
            arg: Some(max),
            summary: "Too many function arguments",
            detail: format!("Function \"{name}\" expects only {max} argument(s)."),
        });
    }
    // Which arguments were sensitive: an error must not quote those (see `Cx::shown`), and as
    // a second guard, `redact` removes any of their texts that an error message still holds.
    let mut marks = Vec::with_capacity(n);
    let mut secrets = Vec::new();
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| {
            let (a, m) = a.unmark();
            if m {
                leaves(&a, &mut secrets);
            }
            marks.push(m);
            a
        })
        .collect();
    let marked = marks.contains(&true);
    let lint_json = ev.lint && name == "jsonencode";
    let unknown = if SHALLOW.contains(&name) {
        args.iter().any(|a| matches!(a, Value::Unknown))
    } else {
        !lint_json && name != "coalesce" && args.iter().any(|a| !a.is_known())
    };
    if unknown {
        return Ok(mark(Value::Unknown, marked));
    }
    let cx = Cx {
        ev,
        sig: signature,
        marks,
    };
    let out = dispatch(&cx, args).map_err(|mut e| {
        redact(&mut e.detail, &secrets);
        e
    })?;
    Ok(mark(out, marked))
}

fn dispatch(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let name = cx.name();
    match name {
        "jsonencode" | "jsondecode" | "base64encode" | "base64decode" | "sha256" | "uuidv5" => {
            encoding::call(cx, args)
        }
        "yamldecode" => yaml::call(cx, args),
        "file" | "templatefile" => template::call(cx, args),
        "tostring" | "tonumber" | "tobool" | "tolist" | "toset" | "tomap" => {
            conversions::call(cx, args)
        }
        "lower" | "upper" | "trimspace" | "join" | "split" | "replace" | "regex" | "startswith"
        | "endswith" | "substr" | "format" | "formatlist" => strings::call(cx, args),
        _ => collections::call(cx, args),
    }
}

/// Whether a string template needs the template renderer: `%{if}`/`%{for}` directives or `~`
/// strip markers.
pub(super) fn has_directives(t: &hcl::edit::template::Template) -> bool {
    use hcl::edit::template::{Element, Strip};
    t.iter().any(|e| match e {
        Element::Directive(_) => true,
        Element::Interpolation(i) => i.strip != Strip::None,
        Element::Literal(_) => false,
    })
}

/// Renders a string template of the configuration that has directives (see `template.rs`).
pub(super) fn render_template(
    ev: &Evaluator<'_>,
    t: &hcl::edit::template::Template,
    file: &str,
    scope: &mut Scope,
) -> Result<Value, EvalError> {
    let mut t = t.clone();
    template::strip_whitespace(&mut t);
    template::render(ev, &t, file, scope)
}

/// A value quoted in an error message, or `(sensitive value)` when it is one.
pub(super) fn shown(text: &str, sensitive: bool) -> String {
    if sensitive {
        "(sensitive value)".to_string()
    } else {
        format!("\"{text}\"")
    }
}

/// The texts inside a sensitive argument, to keep them out of error messages.
fn leaves(v: &Value, out: &mut Vec<String>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::List(items) => stack.extend(items.iter()),
            Value::Object(map) => stack.extend(map.values()),
            Value::Sensitive(inner) => stack.push(inner.expose()),
            _ => {}
        }
    }
}

/// Replaces any quoted text of a sensitive argument (and any longer bare one) in `detail`.
fn redact(detail: &mut String, secrets: &[String]) {
    for secret in secrets {
        if secret.is_empty() {
            continue;
        }
        let quoted = format!("\"{secret}\"");
        if detail.contains(&quoted) {
            *detail = detail.replace(&quoted, "(sensitive value)");
        }
        if secret.chars().count() >= 4 && detail.contains(secret.as_str()) {
            *detail = detail.replace(secret.as_str(), "(sensitive value)");
        }
    }
}

/// JSON of a value; unknown parts become a placeholder (only reachable while validating).
fn to_json_lossy(v: &Value) -> serde_json::Value {
    match v {
        Value::List(items) => serde_json::Value::Array(items.iter().map(to_json_lossy).collect()),
        Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_json_lossy(v)))
                .collect(),
        ),
        Value::Unknown => serde_json::Value::String(UNKNOWN_PLACEHOLDER.into()),
        Value::Sensitive(inner) => to_json_lossy(inner.expose()),
        known => known.to_json().unwrap_or(serde_json::Value::Null),
    }
}

/// `[v; N]` from the arguments (the signature already checked how many there are).
fn take<const N: usize>(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<[Value; N], FnError> {
    let n = args.len();
    args.try_into()
        .map_err(|_| cx.fail(format!("expected {N} arguments, but {n} were given.")))
}
