//! Configuration values: JSON-like data that may be unknown until apply and may be sensitive.

use crate::Sensitive;
use std::collections::BTreeMap;

pub use hcl::Number;

/// A value of the configuration language.
///
/// Objects are ordered by key, as in Terraform (so `jsonencode` and plan output are stable).
/// Two marks ride along with ordinary data:
/// - [`Value::Unknown`]: known only after apply (the ARN of a resource not yet created). Any
///   operation on an unknown value gives an unknown value.
/// - [`Value::Sensitive`]: derived from a sensitive input. Operations propagate the mark, so
///   `jsonencode({ secret = var.password })` is sensitive as a whole.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Object(BTreeMap<String, Value>),
    Unknown,
    Sensitive(Sensitive<Box<Value>>),
}

impl Value {
    pub fn sensitive(value: Value) -> Value {
        match value {
            already @ Value::Sensitive(_) => already,
            other => Value::Sensitive(Sensitive::new(Box::new(other))),
        }
    }

    /// The name of the value's type, for error messages ("expected a bool, found a string").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
            Value::Unknown => "unknown value",
            Value::Sensitive(inner) => inner.expose().type_name(),
        }
    }

    /// True when no part of the value is unknown.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_known),
            Value::Object(map) => map.values().all(Value::is_known),
            Value::Sensitive(inner) => inner.expose().is_known(),
            _ => true,
        }
    }

    /// True when any part of the value is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::contains_sensitive),
            Value::Object(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// Removes every sensitive mark, returning the bare value and whether there was any mark.
    /// Callers that unmark must re-mark what they produce (see the evaluator's functions).
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.into_exposed().unmark().0, true),
            Value::List(items) => {
                let mut any = false;
                let items = items
                    .into_iter()
                    .map(|v| {
                        let (v, s) = v.unmark();
                        any |= s;
                        v
                    })
                    .collect();
                (Value::List(items), any)
            }
            Value::Object(map) => {
                let mut any = false;
                let map = map
                    .into_iter()
                    .map(|(k, v)| {
                        let (v, s) = v.unmark();
                        any |= s;
                        (k, v)
                    })
                    .collect();
                (Value::Object(map), any)
            }
            other => (other, false),
        }
    }

    /// Borrows through a sensitive mark; use only where the mark is carried on separately.
    pub fn peel(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner.expose().peel(),
            other => other,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.peel() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.peel() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Converts JSON into a value (numbers stay exact where JSON allows).
    pub fn from_json(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(json_number(&n)),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts a wholly known, non-sensitive value into JSON; `None` otherwise, so a caller
    /// cannot turn an unknown or a secret into JSON without deciding what to write instead.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Unknown | Value::Sensitive(_) => return None,
        })
    }
}

fn json_number(n: &serde_json::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::from(i)
    } else if let Some(u) = n.as_u64() {
        Number::from(u)
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .unwrap_or(Number::from(0))
    }
}

fn number_json(n: &Number) -> serde_json::Value {
    if let Some(i) = n.as_i64() {
        serde_json::Value::from(i)
    } else if let Some(u) = n.as_u64() {
        serde_json::Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_integers_integral() {
        let json = serde_json::json!({"b": [1, 2.5, "x"], "a": null, "c": true});
        let value = Value::from_json(json.clone());
        assert_eq!(value.to_json().unwrap(), json);
    }

    #[test]
    fn unknown_and_sensitive_do_not_become_json() {
        assert!(Value::List(vec![Value::Unknown]).to_json().is_none());
        assert!(
            Value::sensitive(Value::String("s".into()))
                .to_json()
                .is_none()
        );
    }

    #[test]
    fn unmark_reports_marks() {
        let v = Value::List(vec![Value::sensitive(Value::Bool(true))]);
        assert!(v.contains_sensitive());
        let (bare, had) = v.unmark();
        assert!(had);
        assert_eq!(bare, Value::List(vec![Value::Bool(true)]));
    }
}
