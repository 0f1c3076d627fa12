//! Checks of one value against its declared type and the API's constraints.
//!
//! Unknown values pass (they are checked again once known). Sensitive values are checked like
//! any other, but an error about one never repeats the value.

use flowform_core::catalogue::{Constraint, rust_pattern};
use flowform_core::{Number, Value};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

/// A failed check: a summary and a detail that says what was expected.
pub(crate) struct Problem {
    pub summary: &'static str,
    pub detail: String,
}

fn problem(summary: &'static str, detail: String) -> Problem {
    Problem { summary, detail }
}

fn shown(value: &str, sensitive: bool) -> String {
    if sensitive {
        "The (sensitive) value".to_string()
    } else if value.chars().count() > 80 {
        format!(
            "The value \"{}...\"",
            value.chars().take(77).collect::<String>()
        )
    } else {
        format!("The value \"{value}\"")
    }
}

/// A string. Numbers and bools are accepted and converted, as Terraform converts them.
pub(crate) fn string(name: &str, value: Value, c: &Constraint) -> Result<Value, Problem> {
    let sensitive = value.contains_sensitive();
    let (bare, _) = value.clone().unmark();
    let s = match bare {
        Value::Unknown => return Ok(value),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        other => {
            return Err(problem(
                "Incorrect attribute value type",
                format!(
                    "\"{name}\" must be a string, but this is a {}.",
                    other.type_name()
                ),
            ));
        }
    };
    constraint(name, &s, c, sensitive)?;
    let out = Value::String(s);
    Ok(if sensitive {
        Value::sensitive(out)
    } else {
        out
    })
}

pub(crate) fn constraint(
    name: &str,
    s: &str,
    c: &Constraint,
    sensitive: bool,
) -> Result<(), Problem> {
    if !c.one_of.is_empty() && !c.one_of.contains(&s) {
        let hint = crate::suggest::did_you_mean(s, c.one_of.iter().copied());
        return Err(problem(
            "Invalid value",
            format!(
                "{} is not a valid {name}: expected one of {}.{hint}",
                shown(s, sensitive),
                c.one_of
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let len = s.chars().count();
    if let Some(min) = c.min_len
        && len < min
    {
        return Err(problem(
            "Value too short",
            format!(
                "{} is {len} characters long; {name} must be at least {min}.",
                shown(s, sensitive)
            ),
        ));
    }
    if let Some(max) = c.max_len
        && len > max
    {
        return Err(problem(
            "Value too long",
            format!(
                "{} is {len} characters long; {name} may be at most {max}.",
                shown(s, sensitive)
            ),
        ));
    }
    if let Some(pattern) = c.pattern
        && !matches(pattern, s)
    {
        return Err(problem(
            "Invalid value",
            format!(
                "{} does not match the pattern that AWS requires for {name}: {pattern}",
                shown(s, sensitive)
            ),
        ));
    }
    Ok(())
}

/// Whether `s` matches an AWS pattern as a whole. Compiled patterns are cached: the same few
/// dozen patterns are checked for every resource.
pub(crate) fn matches(pattern: &'static str, s: &str) -> bool {
    static CACHE: LazyLock<RwLock<HashMap<&'static str, Option<Regex>>>> =
        LazyLock::new(|| RwLock::new(HashMap::new()));
    // Matched under the read lock, never cloned: a cloned `Regex` starts with an empty pool of
    // search caches, so each clone would build its lazy DFA again (a quarter of a plan's time).
    if let Ok(cache) = CACHE.read()
        && let Some(re) = cache.get(pattern)
    {
        return re.as_ref().is_none_or(|re| re.is_match(s));
    }
    // A pattern Rust cannot compile is not checked here (the API still checks it).
    let re = Regex::new(&rust_pattern(pattern)).ok();
    let ok = re.as_ref().is_none_or(|re| re.is_match(s));
    if let Ok(mut c) = CACHE.write() {
        c.insert(pattern, re);
    }
    ok
}

pub(crate) fn bool(name: &str, value: Value) -> Result<Value, Problem> {
    match value.peel() {
        Value::Unknown | Value::Bool(_) => Ok(value),
        other => Err(problem(
            "Incorrect attribute value type",
            format!(
                "\"{name}\" must be a bool (true or false), but this is a {}{}.",
                other.type_name(),
                if matches!(other, Value::String(s) if s == "true" || s == "false") {
                    ": remove the quotes"
                } else {
                    ""
                }
            ),
        )),
    }
}

/// An integer within one of `ranges` (inclusive).
pub(crate) fn integer(name: &str, value: Value, ranges: &[(i64, i64)]) -> Result<Value, Problem> {
    let sensitive = value.contains_sensitive();
    let n = match value.peel() {
        Value::Unknown => return Ok(value),
        Value::Number(n) => *n,
        other => {
            return Err(problem(
                "Incorrect attribute value type",
                format!(
                    "\"{name}\" must be a whole number, but this is a {}.",
                    other.type_name()
                ),
            ));
        }
    };
    let shown_number = |n: &dyn std::fmt::Display| {
        if sensitive {
            "the (sensitive) value".to_string()
        } else {
            n.to_string()
        }
    };
    let Some(i) = n.as_i64() else {
        return Err(problem(
            "Invalid value",
            format!(
                "\"{name}\" must be a whole number, but {} is not.",
                shown_number(&n)
            ),
        ));
    };
    if !ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&i)) {
        let allowed: Vec<String> = ranges
            .iter()
            .map(|(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo} to {hi}")
                }
            })
            .collect();
        return Err(problem(
            "Value out of range",
            format!(
                "{} is not a valid {name}: expected {}.",
                if sensitive {
                    "The (sensitive) value".to_string()
                } else {
                    i.to_string()
                },
                allowed.join(" or ")
            ),
        ));
    }
    Ok(Value::Number(Number::from(i)))
}

/// A list of strings, each meeting `item`.
pub(crate) fn string_list(
    name: &str,
    value: Value,
    item: &Constraint,
    max_items: Option<usize>,
) -> Result<Value, Problem> {
    let sensitive = value.contains_sensitive();
    let (bare, _) = value.clone().unmark();
    let items = match bare {
        Value::Unknown => return Ok(value),
        Value::List(items) => items,
        other => {
            return Err(problem(
                "Incorrect attribute value type",
                format!(
                    "\"{name}\" must be a list of strings, but this is a {}.",
                    other.type_name()
                ),
            ));
        }
    };
    if let Some(max) = max_items
        && items.len() > max
    {
        return Err(problem(
            "Too many elements",
            format!(
                "\"{name}\" may hold at most {max} elements; it has {}.",
                items.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item_value in items {
        out.push(string(&format!("an element of {name}"), item_value, item)?);
    }
    let out = Value::List(out);
    Ok(if sensitive {
        Value::sensitive(out)
    } else {
        out
    })
}

/// A map of strings to strings, keys and values each meeting their constraint.
pub(crate) fn string_map(
    name: &str,
    value: Value,
    key: &Constraint,
    val: &Constraint,
    max_entries: Option<usize>,
) -> Result<Value, Problem> {
    let sensitive = value.contains_sensitive();
    let (bare, _) = value.clone().unmark();
    let map = match bare {
        Value::Unknown => return Ok(value),
        Value::Object(map) => map,
        other => {
            return Err(problem(
                "Incorrect attribute value type",
                format!(
                    "\"{name}\" must be a map of strings, such as {{ key = \"value\" }}, but this is a {}.",
                    other.type_name()
                ),
            ));
        }
    };
    if let Some(max) = max_entries
        && map.len() > max
    {
        return Err(problem(
            "Too many elements",
            format!(
                "\"{name}\" may hold at most {max} entries; it has {}.",
                map.len()
            ),
        ));
    }
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in map {
        constraint(&format!("a key of {name}"), &k, key, sensitive)?;
        let element = if sensitive {
            format!("an element of {name}")
        } else {
            format!("{name}[\"{k}\"]")
        };
        let v = string(&element, v, val)?;
        out.insert(k, v);
    }
    let out = Value::Object(out);
    Ok(if sensitive {
        Value::sensitive(out)
    } else {
        out
    })
}

/// A string holding a JSON policy document.
pub(crate) fn policy_json(name: &str, value: Value, max_len: usize) -> Result<Value, Problem> {
    let value = string(
        name,
        value,
        &Constraint {
            max_len: Some(max_len),
            ..Constraint::default()
        },
    )?;
    if let Some(text) = value.as_str()
        && let Err(e) = flowform_core::policy::parse(text)
    {
        // The parser's message may quote the document; a sensitive one must not be shown.
        let detail = if value.contains_sensitive() {
            format!(
                "\"{name}\" is not a valid policy document (the document is a sensitive value, so the parser's message is not shown)."
            )
        } else {
            format!("\"{name}\" is not a valid policy document: {e}")
        };
        return Err(problem("Invalid policy document", detail));
    }
    Ok(value)
}
