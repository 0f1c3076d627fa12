//! `tostring`, `tonumber`, `tobool`, `tolist`, `toset`, `tomap`, and the element type
//! unification that Terraform applies when a tuple becomes a list (or an object a map):
//! `tolist([1, "a"])` is `["1", "a"]`, because a number converts to a string safely.

use super::{Cx, FnError, take};
use flowform_core::{Number, Value};
use std::cmp::Ordering;

pub(super) fn call(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [v] = take::<1>(cx, args)?;
    if matches!(v, Value::Null) {
        // A typed null, as Terraform's conversions return for null.
        return Ok(Value::Null);
    }
    let kind = v.type_name();
    let cannot = |to: &str| cx.bad(0, format!("cannot convert {kind} to {to}."));
    Ok(match cx.name() {
        "tostring" => match v {
            Value::String(s) => Value::String(s),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            _ => return Err(cannot("string")),
        },
        "tonumber" => match v {
            Value::Number(n) => Value::Number(n),
            Value::String(s) => Value::Number(parse_number(&s).ok_or_else(|| {
                cx.bad(
                    0,
                    format!(
                        "cannot convert {} to number; given string must be a decimal representation of a number.",
                        cx.shown(0, &s)
                    ),
                )
            })?),
            _ => return Err(cannot("number")),
        },
        "tobool" => match v {
            Value::Bool(b) => Value::Bool(b),
            Value::String(s) if s == "true" => Value::Bool(true),
            Value::String(s) if s == "false" => Value::Bool(false),
            Value::String(s) => {
                return Err(cx.bad(
                    0,
                    format!(
                        "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed.",
                        cx.shown(0, &s)
                    ),
                ));
            }
            _ => return Err(cannot("bool")),
        },
        "tolist" | "toset" => match v {
            Value::List(items) => {
                let items = unify(items).map_err(|e| cx.bad(0, e))?;
                if cx.name() == "toset" {
                    Value::List(set_of(items))
                } else {
                    Value::List(items)
                }
            }
            _ => {
                return Err(cannot(if cx.name() == "tolist" {
                    "list of any single type"
                } else {
                    "set of any single type"
                }));
            }
        },
        "tomap" => match v {
            Value::Object(map) => {
                let (keys, values): (Vec<String>, Vec<Value>) = map.into_iter().unzip();
                let values = unify(values).map_err(|e| cx.bad(0, e))?;
                Value::Object(keys.into_iter().zip(values).collect())
            }
            _ => return Err(cannot("map of any single type")),
        },
        other => return Err(cx.fail(format!("{other} is not a conversion function"))),
    })
}

/// A number from its decimal text ("42", "-1.5", "1e3"), as Terraform's conversion reads it.
pub(super) fn parse_number(s: &str) -> Option<Number> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::from(i));
    }
    if !s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) {
        return None; // no "inf", "NaN", hex or surrounding spaces
    }
    let f: f64 = s.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Some(Number::from(f as i64));
    }
    Number::from_f64(f)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Primitive,
    List,
    Object,
}

/// Makes a tuple's elements one type: mixed strings, numbers and bools all become strings
/// (each converts to a string safely); a mix of primitives and collections, or of lists and
/// objects, has no common type. Nulls and unknowns fit any type.
pub(super) fn unify(items: Vec<Value>) -> Result<Vec<Value>, String> {
    let mut kinds = Vec::new();
    let mut primitive_types = Vec::new();
    for item in &items {
        let kind = match item {
            Value::Null | Value::Unknown => continue,
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                if !primitive_types.contains(&item.type_name()) {
                    primitive_types.push(item.type_name());
                }
                Kind::Primitive
            }
            Value::List(_) => Kind::List,
            Value::Object(_) => Kind::Object,
            Value::Sensitive(inner) => match inner.expose().peel() {
                Value::List(_) => Kind::List,
                Value::Object(_) => Kind::Object,
                _ => Kind::Primitive,
            },
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.len() > 1 {
        return Err("all elements must have the same type.".into());
    }
    if primitive_types.len() <= 1 {
        return Ok(items);
    }
    Ok(items
        .into_iter()
        .map(|item| match item {
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            other => other,
        })
        .collect())
}

/// A set: distinct elements in Terraform's order for sets (strings lexically, numbers by
/// value, false before true; anything else by its JSON text, which is stable).
pub(super) fn set_of(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(set_order);
    items.dedup();
    items
}

fn set_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            a.partial_cmp(&b).unwrap_or(Ordering::Equal)
        }
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (a, b) => json_text(a).cmp(&json_text(b)),
    }
}

fn json_text(v: &Value) -> String {
    super::to_json_lossy(v).to_string()
}
