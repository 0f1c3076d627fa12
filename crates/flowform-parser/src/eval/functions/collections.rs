//! Lists, maps and sets: `concat`, `merge`, `lookup`, `coalesce`, `length`, `contains`,
//! `keys`, `values`, `element`, `range`, `flatten`, `distinct`, `zipmap`, `setunion`, `one`,
//! `sort`, `slice`.

use super::conversions::{set_of, unify};
use super::{Cx, FnError, take, to_json_lossy};
use flowform_core::{Number, Value};
use std::collections::{BTreeMap, HashSet};
use unicode_segmentation::UnicodeSegmentation as _;

/// The most elements `range` makes, as in Terraform.
const RANGE_LIMIT: usize = 1024;

pub(super) fn call(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    match cx.name() {
        "concat" => {
            let mut out = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                match a {
                    Value::List(items) => out.extend(items),
                    other => {
                        return Err(cx.bad(
                            i,
                            format!(
                                "all arguments must be lists or tuples; got {}.",
                                other.type_name()
                            ),
                        ));
                    }
                }
            }
            Ok(Value::List(out))
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for (i, a) in args.into_iter().enumerate() {
                match a {
                    Value::Object(map) => out.extend(map),
                    Value::Null => {}
                    other => {
                        return Err(cx.bad(
                            i,
                            format!(
                                "arguments must be maps or objects, got {}.",
                                other.type_name()
                            ),
                        ));
                    }
                }
            }
            Ok(Value::Object(out))
        }
        "lookup" => lookup(cx, args),
        "coalesce" => {
            for a in args {
                match a {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    other => return Ok(other),
                }
            }
            Err(cx.fail("no non-null, non-empty-string arguments."))
        }
        "length" => {
            let [v] = take::<1>(cx, args)?;
            let n = match v {
                Value::List(l) => l.len(),
                Value::Object(m) => m.len(),
                Value::String(s) => s.graphemes(true).count(),
                Value::Null => return Err(cx.bad(0, "argument must not be null.")),
                other => {
                    return Err(cx.bad(
                        0,
                        format!(
                            "argument must be a string, a collection type, or a structural type; this is a {}.",
                            other.type_name()
                        ),
                    ));
                }
            };
            Ok(count(n))
        }
        "contains" => {
            let [list, v] = take::<2>(cx, args)?;
            let items = match list {
                Value::List(items) => items,
                Value::Null => return Err(cx.bad(0, "cannot search a nil list or set.")),
                other => {
                    return Err(cx.bad(
                        0,
                        format!(
                            "argument must be list, tuple, or set; this is a {}.",
                            other.type_name()
                        ),
                    ));
                }
            };
            Ok(Value::Bool(items.contains(&v)))
        }
        "keys" | "values" => {
            let [v] = take::<1>(cx, args)?;
            let Value::Object(map) = v else {
                return Err(cx.bad(
                    0,
                    format!("must have map or object type; this is a {}.", v.type_name()),
                ));
            };
            Ok(Value::List(if cx.name() == "keys" {
                map.into_keys().map(Value::String).collect()
            } else {
                map.into_values().collect()
            }))
        }
        "element" => {
            let [list, index] = take::<2>(cx, args)?;
            let items = cx.list(0, list)?;
            let index = cx.int(1, &index)?;
            if index < 0 {
                return Err(cx.bad(1, "cannot use element function with a negative index."));
            }
            if items.is_empty() {
                return Err(cx.bad(0, "cannot use element function with an empty list."));
            }
            let i = usize::try_from(index).unwrap_or(0) % items.len();
            Ok(items.into_iter().nth(i).unwrap_or(Value::Null))
        }
        "range" => range(cx, args),
        "flatten" => {
            let [v] = take::<1>(cx, args)?;
            let Value::List(items) = v else {
                return Err(cx.bad(0, "can only flatten lists, sets and tuples."));
            };
            flatten(items)
        }
        "distinct" => {
            let [v] = take::<1>(cx, args)?;
            let items = cx.list(0, v)?;
            let mut seen = HashSet::new();
            Ok(Value::List(
                items
                    .into_iter()
                    .filter(|item| seen.insert(to_json_lossy(item).to_string()))
                    .collect(),
            ))
        }
        "zipmap" => zipmap(cx, args),
        "setunion" => {
            let mut all = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                match a {
                    Value::List(items) => all.extend(items),
                    _ => return Err(cx.bad(i, "a set or a list is required.")),
                }
            }
            let all = unify(all)
                .map_err(|_| cx.fail("given sets must all have compatible element types."))?;
            Ok(Value::List(set_of(all)))
        }
        "one" => {
            let [v] = take::<1>(cx, args)?;
            let mut items = cx.list(0, v)?;
            match items.len() {
                0 => Ok(Value::Null),
                1 => Ok(items.pop().unwrap_or(Value::Null)),
                _ => Err(cx.bad(
                    0,
                    "must be a list, set, or tuple value with either zero or one elements.",
                )),
            }
        }
        "sort" => {
            let [v] = take::<1>(cx, args)?;
            let items = cx.list(0, v)?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if matches!(item, Value::Null) {
                    return Err(cx.fail(format!(
                        "given list element {i} is null; a null string cannot be sorted."
                    )));
                }
                out.push(cx.string(0, item)?);
            }
            out.sort();
            Ok(Value::List(out.into_iter().map(Value::String).collect()))
        }
        "slice" => {
            let [list, start, end] = take::<3>(cx, args)?;
            let items = cx.list(0, list)?;
            let (start, end) = (cx.int(1, &start)?, cx.int(2, &end)?);
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            if start < 0 {
                return Err(cx.bad(1, "start index must not be less than zero."));
            }
            if start > len {
                return Err(cx.bad(
                    1,
                    "start index must not be greater than the length of the list.",
                ));
            }
            if end < 0 {
                return Err(cx.bad(2, "end index must not be less than zero."));
            }
            if end > len {
                return Err(cx.bad(
                    2,
                    "end index must not be greater than the length of the list.",
                ));
            }
            if start > end {
                return Err(cx.bad(1, "start index must not be greater than end index."));
            }
            let (start, end) = (
                usize::try_from(start).unwrap_or(0),
                usize::try_from(end).unwrap_or(0),
            );
            Ok(Value::List(items[start..end].to_vec()))
        }
        other => Err(cx.fail(format!("{other} is not a collection function"))),
    }
}

fn count(n: usize) -> Value {
    Value::Number(Number::from(u64::try_from(n).unwrap_or(u64::MAX)))
}

fn lookup(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let mut args = args.into_iter();
    let (map, key, default) = (
        args.next().unwrap_or(Value::Null),
        args.next().unwrap_or(Value::Null),
        args.next(),
    );
    let key = cx.string(1, &key)?;
    let Value::Object(map) = map else {
        return Err(cx.bad(
            0,
            format!(
                "lookup() requires a map as the first argument; this is a {}.",
                map.type_name()
            ),
        ));
    };
    match (map.get(&key), default) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(cx.bad(
            1,
            format!(
                "the given object has no attribute {} and no default was given.",
                cx.shown(1, &key)
            ),
        )),
    }
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`.
fn range(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let mut numbers = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let n = cx.number(i, a)?;
        numbers.push(n.as_f64().unwrap_or(0.0));
    }
    let (start, end, step) = match numbers.as_slice() {
        [end] => (0.0, *end, if *end < 0.0 { -1.0 } else { 1.0 }),
        [start, end] => (*start, *end, if start > end { -1.0 } else { 1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return Err(cx.fail("must have one, two, or three arguments.")),
    };
    if step == 0.0 {
        return Err(cx.bad(2, "step must not be zero."));
    }
    if step < 0.0 && start < end {
        return Err(cx.bad(1, "end must be less than start when step is negative."));
    }
    if step > 0.0 && start > end {
        return Err(cx.bad(1, "end must be greater than start when step is positive."));
    }
    let mut out = Vec::new();
    let mut i = 0u32;
    loop {
        let v = start + step * f64::from(i);
        if (step > 0.0 && v >= end) || (step < 0.0 && v <= end) {
            break;
        }
        if out.len() >= RANGE_LIMIT {
            return Err(cx.fail(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step.",
            ));
        }
        out.push(Value::Number(number(v)));
        i += 1;
    }
    Ok(Value::List(out))
}

fn number(f: f64) -> Number {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Number::from(f as i64)
    } else {
        Number::from_f64(f).unwrap_or(Number::from(0))
    }
}

/// Flattens nested lists, without recursion (a deeply nested list cannot blow the stack). An
/// unknown element might be a list, so it makes the whole result unknown, as in Terraform.
fn flatten(items: Vec<Value>) -> Result<Value, FnError> {
    let mut out = Vec::new();
    let mut stack = vec![items.into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(Value::List(inner)) => stack.push(inner.into_iter()),
            Some(Value::Unknown) => return Ok(Value::Unknown),
            Some(other) => out.push(other),
        }
    }
    Ok(Value::List(out))
}

fn zipmap(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [keys, values] = take::<2>(cx, args)?;
    let keys = cx.list(0, keys)?;
    let values = cx.list(1, values)?;
    if keys.len() != values.len() {
        return Err(cx.fail(format!(
            "number of keys ({}) does not match number of values ({}).",
            keys.len(),
            values.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in keys.into_iter().zip(values).enumerate() {
        let k = match k {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {
                return Err(cx.bad(0, format!("keys list has null value at index {i}.")));
            }
            other => cx.string(0, &other)?,
        };
        out.insert(k, v);
    }
    Ok(Value::Object(out))
}
