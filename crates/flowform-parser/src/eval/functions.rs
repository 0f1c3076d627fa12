//! The built-in functions. hcl-rs ships none, so these are flowform's, with Terraform's
//! semantics: an unknown argument makes the result unknown, and a sensitive argument makes the
//! result sensitive.

use super::Evaluator;
use super::ops::mark;
use base64::Engine as _;
use flowform_core::Value;
use std::collections::BTreeMap;

/// The functions a configuration may call, for "did you mean" and for documentation.
pub const NAMES: &[&str] = &[
    "base64decode",
    "base64encode",
    "coalesce",
    "concat",
    "contains",
    "file",
    "format",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "merge",
    "replace",
    "split",
    "toset",
    "tostring",
    "trimspace",
    "upper",
    "values",
];

/// Placeholder written by `jsonencode` for unknown parts while validating.
pub const UNKNOWN_PLACEHOLDER: &str = "(known after apply)";

pub(super) fn call(ev: &Evaluator<'_>, name: &str, args: Vec<Value>) -> Result<Value, String> {
    if !NAMES.contains(&name) {
        return Err(format!(
            "There is no function named \"{name}\". Available functions: {}.",
            NAMES.join(", ")
        ));
    }
    // Which arguments were sensitive: an error must not quote those (see `shown`).
    let mut marks = Vec::with_capacity(args.len());
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| {
            let (a, m) = a.unmark();
            marks.push(m);
            a
        })
        .collect();
    let marked = marks.contains(&true);
    let sensitive = |i: usize| marks.get(i).copied().unwrap_or(false);
    let lint_json = ev.lint && name == "jsonencode";
    if !lint_json && args.iter().any(|a| !a.is_known()) && name != "coalesce" {
        return Ok(mark(Value::Unknown, marked));
    }
    let out = match name {
        "jsonencode" => {
            let [v] = arity::<1>(name, args)?;
            let json = to_json_lossy(&v);
            Value::String(serde_json::to_string(&json).map_err(|e| e.to_string())?)
        }
        "jsondecode" => {
            let [s] = arity::<1>(name, args)?;
            let s = string(name, &s)?;
            let json: serde_json::Value = serde_json::from_str(&s).map_err(|e| {
                if sensitive(0) {
                    "The argument, a sensitive value, is not valid JSON.".to_string()
                } else {
                    format!("The argument is not valid JSON: {e}.")
                }
            })?;
            Value::from_json(json)
        }
        "file" => {
            let [p] = arity::<1>(name, args)?;
            let path = string(name, &p)?;
            Value::String(ev.files.read(&path).map_err(|e| {
                if sensitive(0) {
                    "The file named by a sensitive value cannot be read.".to_string()
                } else {
                    e
                }
            })?)
        }
        "format" => format(args).map_err(|e| {
            if sensitive(0) {
                "The format string, a sensitive value, does not match the arguments.".to_string()
            } else {
                e
            }
        })?,
        "lower" | "upper" | "trimspace" | "base64encode" | "base64decode" | "tostring" => {
            let [s] = arity::<1>(name, args)?;
            let s = string(name, &s)?;
            Value::String(match name {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                "trimspace" => s.trim().to_string(),
                "base64encode" => base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
                "base64decode" => {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(s.as_bytes())
                        .map_err(|e| {
                            if sensitive(0) {
                                "The argument, a sensitive value, is not valid base64.".to_string()
                            } else {
                                format!("The argument is not valid base64: {e}.")
                            }
                        })?;
                    String::from_utf8(bytes)
                        .map_err(|_| "The decoded bytes are not UTF-8 text.".to_string())?
                }
                _ => s,
            })
        }
        "concat" => {
            let mut out = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                match a {
                    Value::List(items) => out.extend(items),
                    other => {
                        return Err(format!(
                            "Argument {} is a {}, not a list.",
                            i + 1,
                            other.type_name()
                        ));
                    }
                }
            }
            Value::List(out)
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for (i, a) in args.into_iter().enumerate() {
                match a {
                    Value::Object(map) => out.extend(map),
                    Value::Null => {}
                    other => {
                        return Err(format!(
                            "Argument {} is a {}, not an object.",
                            i + 1,
                            other.type_name()
                        ));
                    }
                }
            }
            Value::Object(out)
        }
        "lookup" => {
            if !(2..=3).contains(&args.len()) {
                return Err("lookup() takes an object, a key and an optional default.".into());
            }
            let mut args = args.into_iter();
            let (map, key, default) = (args.next(), args.next(), args.next());
            let key = string(name, &key.unwrap_or(Value::Null))?;
            match map {
                Some(Value::Object(m)) => match (m.get(&key), default) {
                    (Some(v), _) => v.clone(),
                    (None, Some(d)) => d,
                    (None, None) => {
                        return Err(format!(
                            "The object has no key {} and no default was given.",
                            shown(&key, sensitive(1))
                        ));
                    }
                },
                other => {
                    return Err(format!(
                        "The first argument must be an object, not a {}.",
                        other.map_or("nothing", |v| v.type_name())
                    ));
                }
            }
        }
        "coalesce" => {
            for a in args {
                match a {
                    Value::Unknown => return Ok(mark(Value::Unknown, marked)),
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    other => return Ok(mark(other, marked)),
                }
            }
            return Err("All arguments are null or empty strings.".into());
        }
        "length" => {
            let [v] = arity::<1>(name, args)?;
            let n = match v {
                Value::List(l) => l.len(),
                Value::Object(m) => m.len(),
                Value::String(s) => s.chars().count(),
                other => {
                    return Err(format!(
                        "Cannot take the length of a {}.",
                        other.type_name()
                    ));
                }
            };
            Value::Number((n as u64).into())
        }
        "join" => {
            let [sep, list] = arity::<2>(name, args)?;
            let sep = string(name, &sep)?;
            let Value::List(items) = list else {
                return Err("The second argument must be a list of strings.".into());
            };
            let parts: Result<Vec<String>, String> =
                items.iter().map(|v| string(name, v)).collect();
            Value::String(parts?.join(&sep))
        }
        "split" => {
            let [sep, s] = arity::<2>(name, args)?;
            let (sep, s) = (string(name, &sep)?, string(name, &s)?);
            Value::List(
                s.split(sep.as_str())
                    .map(|p| Value::String(p.into()))
                    .collect(),
            )
        }
        "replace" => {
            let [s, from, to] = arity::<3>(name, args)?;
            Value::String(string(name, &s)?.replace(&string(name, &from)?, &string(name, &to)?))
        }
        "contains" => {
            let [list, v] = arity::<2>(name, args)?;
            let Value::List(items) = list else {
                return Err("The first argument must be a list.".into());
            };
            Value::Bool(items.contains(&v))
        }
        "keys" | "values" => {
            let [v] = arity::<1>(name, args)?;
            let Value::Object(map) = v else {
                return Err("The argument must be an object.".into());
            };
            Value::List(if name == "keys" {
                map.into_keys().map(Value::String).collect()
            } else {
                map.into_values().collect()
            })
        }
        "toset" => {
            // flowform's values have no set type: a set is a list of distinct elements in
            // Terraform's order for sets of strings (lexical). for_each knows toset() by name.
            let [v] = arity::<1>(name, args)?;
            let Value::List(items) = v else {
                return Err(format!(
                    "The argument must be a list; this is a {}.",
                    v.type_name()
                ));
            };
            let mut items: Vec<Value> = items
                .into_iter()
                .map(|i| match i {
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(b.to_string()),
                    other => other,
                })
                .collect();
            items.sort_by_key(|i| i.to_json().map(|j| j.to_string()).unwrap_or_default());
            items.dedup();
            Value::List(items)
        }
        _ => unreachable!("every name in NAMES is handled"),
    };
    Ok(mark(out, marked))
}

/// A value quoted in an error message, or `(sensitive value)` when it is one.
pub(super) fn shown(text: &str, sensitive: bool) -> String {
    if sensitive {
        "(sensitive value)".to_string()
    } else {
        format!("\"{text}\"")
    }
}

fn arity<const N: usize>(name: &str, args: Vec<Value>) -> Result<[Value; N], String> {
    let n = args.len();
    args.try_into().map_err(|_| {
        format!(
            "{name}() takes {N} argument{}, but {n} {} given.",
            if N == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" }
        )
    })
}

fn string(name: &str, v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "{name}() needs a string here, not a {}.",
            other.type_name()
        )),
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

/// `format(spec, args...)`: the verbs %s, %d, %f, %q, %v and %%.
fn format(args: Vec<Value>) -> Result<Value, String> {
    let mut args = args.into_iter();
    let spec = match args.next() {
        Some(Value::String(s)) => s,
        _ => return Err("The first argument of format() must be a format string.".into()),
    };
    let mut out = String::new();
    let mut chars = spec.chars();
    let mut used = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars
            .next()
            .ok_or("The format string ends with a lone %.")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        used += 1;
        let arg = args.next().ok_or_else(|| {
            format!("The format string has more verbs than arguments (verb {used} has none).")
        })?;
        match (verb, arg) {
            ('s' | 'v', Value::String(s)) => out.push_str(&s),
            ('s' | 'v' | 'd' | 'f', Value::Number(n))
                if verb != 'd' || n.as_i64().is_some() || n.as_u64().is_some() =>
            {
                out.push_str(&n.to_string())
            }
            ('s' | 'v', Value::Bool(b)) => out.push_str(&b.to_string()),
            ('q', Value::String(s)) => out.push_str(&serde_json::Value::String(s).to_string()),
            ('v', other) => out.push_str(
                &serde_json::to_string(&to_json_lossy(&other)).map_err(|e| e.to_string())?,
            ),
            (verb, other) => {
                return Err(format!(
                    "Verb %{verb} cannot format a {} (argument {used}).",
                    other.type_name()
                ));
            }
        }
    }
    if args.next().is_some() {
        return Err("format() was given more arguments than the format string has verbs.".into());
    }
    Ok(Value::String(out))
}
