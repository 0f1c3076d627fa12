//! Text functions: `lower`, `upper`, `trimspace`, `join`, `split`, `replace` (with Terraform's
//! `/regex/` form), `regex`, `startswith`, `endswith`, `substr`, `format`, `formatlist`.
//!
//! Regular expressions are Rust's `regex` crate, which like Go's RE2 (Terraform's) matches in
//! linear time: a hostile pattern cannot make a plan hang. Its compiled size is bounded too.

use super::{Cx, FnError, take};
use flowform_core::Value;
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation as _;

pub(super) fn call(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    match cx.name() {
        "lower" | "upper" | "trimspace" => {
            let [s] = take::<1>(cx, args)?;
            let s = cx.string(0, &s)?;
            Ok(Value::String(match cx.name() {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                _ => s.trim().to_string(),
            }))
        }
        "join" => join(cx, args),
        "split" => {
            let [sep, s] = take::<2>(cx, args)?;
            let (sep, s) = (cx.string(0, &sep)?, cx.string(1, &s)?);
            // Go's strings.Split, as Terraform: an empty separator splits into characters.
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                s.split(sep.as_str())
                    .map(|p| Value::String(p.into()))
                    .collect()
            };
            Ok(Value::List(parts))
        }
        "replace" => replace(cx, args),
        "regex" => regex(cx, args),
        "startswith" | "endswith" => {
            let [s, affix] = take::<2>(cx, args)?;
            let (s, affix) = (cx.string(0, &s)?, cx.string(1, &affix)?);
            Ok(Value::Bool(if cx.name() == "startswith" {
                s.starts_with(&affix)
            } else {
                s.ends_with(&affix)
            }))
        }
        "substr" => substr(cx, args),
        "format" => {
            let mut args = args.into_iter();
            let spec = args.next().unwrap_or(Value::Null);
            let spec = cx.string(0, &spec)?;
            format(cx, &spec, args.collect(), None).map(Value::String)
        }
        "formatlist" => formatlist(cx, args),
        other => Err(cx.fail(format!("{other} is not a text function"))),
    }
}

fn join(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let mut args = args.into_iter();
    let sep = cx.string(0, &args.next().unwrap_or(Value::Null))?;
    let lists: Vec<Value> = args.collect();
    let several = lists.len() > 1;
    let mut parts = Vec::new();
    for (n, list) in lists.into_iter().enumerate() {
        let i = n + 1;
        for (e, item) in cx.list(i, list)?.into_iter().enumerate() {
            if matches!(item, Value::Null) {
                return Err(cx.bad(
                    i,
                    if several {
                        format!("element {e} of list {i} is null; cannot concatenate null values.")
                    } else {
                        format!("element {e} is null; cannot concatenate null values.")
                    },
                ));
            }
            parts.push(cx.string(i, &item)?);
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

/// Compiles a user's pattern with bounds on its size and nesting.
fn compile(cx: &Cx<'_, '_>, i: usize, pattern: &str) -> Result<regex::Regex, FnError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|e| {
            if cx.sensitive(i) {
                cx.bad(
                    i,
                    "the pattern, a sensitive value, is not a valid regular expression.",
                )
            } else {
                // The crate's message spans several lines, with the pattern drawn in ASCII.
                let first = e.to_string();
                let reason = first
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("error:"))
                    .map(|l| l.trim_start_matches("error:").trim().to_string())
                    .unwrap_or(first);
                cx.bad(i, format!("error parsing pattern: {reason}."))
            }
        })
}

fn replace(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [s, from, to] = take::<3>(cx, args)?;
    let (s, from, to) = (cx.string(0, &s)?, cx.string(1, &from)?, cx.string(2, &to)?);
    // "/.../" is a regular expression, and the replacement may use $1 or ${name}.
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        let re = compile(cx, 1, &from[1..from.len() - 1])?;
        return Ok(Value::String(re.replace_all(&s, to.as_str()).into_owned()));
    }
    Ok(Value::String(s.replace(&from, &to)))
}

/// `regex(pattern, string)`: the match; or a list of its unnamed groups; or an object of its
/// named groups. A group that took no part in the match is null.
fn regex(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [pattern, s] = take::<2>(cx, args)?;
    let (pattern, s) = (cx.string(0, &pattern)?, cx.string(1, &s)?);
    let re = compile(cx, 0, &pattern)?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    if named > 0 && named < names.len() {
        return Err(cx.bad(
            0,
            "invalid regexp pattern: cannot mix both named and unnamed capture groups.",
        ));
    }
    let Some(caps) = re.captures(&s) else {
        return Err(cx.fail("pattern did not match any part of the given string."));
    };
    let group = |i: usize| {
        caps.get(i)
            .map_or(Value::Null, |m| Value::String(m.as_str().to_string()))
    };
    Ok(if names.is_empty() {
        group(0)
    } else if named == 0 {
        Value::List((1..=names.len()).map(group).collect())
    } else {
        Value::Object(
            names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| Some((n.as_ref()?.to_string(), group(i + 1))))
                .collect::<BTreeMap<_, _>>(),
        )
    })
}

/// `substr(str, offset, length)`, counting user-perceived characters (grapheme clusters) as
/// Terraform does; a negative offset counts from the end, a length of -1 takes the rest.
fn substr(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [s, offset, length] = take::<3>(cx, args)?;
    let s = cx.string(0, &s)?;
    let mut offset = cx.int(1, &offset)?;
    let length = cx.int(2, &length)?;
    let chars: Vec<&str> = s.graphemes(true).collect();
    let total = i64::try_from(chars.len()).unwrap_or(i64::MAX);
    if offset < 0 {
        offset = (offset + total).max(0);
    }
    if length == 0 || offset >= total {
        return Ok(Value::String(String::new()));
    }
    let start = usize::try_from(offset).unwrap_or(0);
    let rest = &chars[start..];
    let take = if length < 0 {
        rest.len()
    } else {
        usize::try_from(length)
            .unwrap_or(usize::MAX)
            .min(rest.len())
    };
    Ok(Value::String(rest[..take].concat()))
}

/// `formatlist(spec, args...)`: `format` once per element; list arguments go element by
/// element (all of the same length), other arguments repeat.
fn formatlist(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let mut args = args.into_iter();
    let spec = cx.string(0, &args.next().unwrap_or(Value::Null))?;
    let args: Vec<Value> = args.collect();
    let mut len: Option<(usize, usize)> = None;
    for (n, a) in args.iter().enumerate() {
        if let Value::List(items) = a {
            match len {
                None => len = Some((items.len(), n + 1)),
                Some((l, first)) if l != items.len() => {
                    return Err(cx.bad(
                        n + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {first} of length {l}.",
                            n + 1,
                            items.len()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let rows = len.map_or(1, |(l, _)| l);
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        let row_args: Vec<Value> = args
            .iter()
            .map(|a| match a {
                Value::List(items) => items.get(row).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        out.push(Value::String(format(cx, &spec, row_args, Some(row))?));
    }
    Ok(Value::List(out))
}

/// Terraform's `format` verbs `%s`, `%d`, `%f`, `%q`, `%v` and `%%`. `row` is formatlist's
/// element, for its error messages.
fn format(
    cx: &Cx<'_, '_>,
    spec: &str,
    args: Vec<Value>,
    row: Option<usize>,
) -> Result<String, FnError> {
    // A sensitive format string is never quoted, not even one verb of it.
    super::format::format(cx, spec, args, row).map_err(|e| {
        if cx.sensitive(0) {
            cx.bad(
                0,
                "the format string, a sensitive value, does not match the arguments.",
            )
        } else {
            e
        }
    })
}
