//! AppFlow's request validation: the model's constraints (required members, lengths, patterns,
//! enums, ranges) checked against the whole request, reported in one ValidationException whose
//! message reads like AWS's ("2 validation errors detected: ...; ...").
//!
//! Sensitive members (credentials) are named in messages but their values never are.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;
use serde_json::{Map, Value};

use super::schema::{self, Field, Shape, Str};

/// Translates a model (Java) pattern into an anchored Rust one: `\w` and `\d` mean ASCII there,
/// and AWS matches the whole value.
pub fn anchored(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('w') if in_class => out.push_str("0-9A-Za-z_"),
                Some('w') => out.push_str("[0-9A-Za-z_]"),
                Some('d') if in_class => out.push_str("0-9"),
                Some('d') => out.push_str("[0-9]"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    format!("^(?:{out})$")
}

static PATTERNS: LazyLock<Mutex<HashMap<&'static str, Regex>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Whether `value` matches the model pattern `pattern` as a whole.
pub fn matches(pattern: &'static str, value: &str) -> bool {
    let mut cache = PATTERNS.lock().unwrap_or_else(|p| p.into_inner());
    if !cache.contains_key(pattern) {
        match Regex::new(&anchored(pattern)) {
            Ok(regex) => {
                cache.insert(pattern, regex);
            }
            // A pattern of ours that does not compile is a sandbox bug; accept rather than
            // refuse every request.
            Err(_) => return true,
        }
    }
    cache.get(pattern).is_none_or(|r| r.is_match(value))
}

/// Collects constraint violations in AWS's wording.
#[derive(Debug, Default)]
pub struct Violations(pub Vec<String>);

impl Violations {
    fn value_at(value: &str, path: &str, sensitive: bool) -> String {
        if sensitive {
            format!("Value at '{path}'")
        } else {
            format!("Value '{value}' at '{path}'")
        }
    }

    pub fn missing(&mut self, path: &str) {
        self.0.push(crate::input::not_null(path));
    }

    pub fn wrong_type(&mut self, path: &str, expected: &str) {
        self.0.push(format!(
            "Value at '{path}' failed to satisfy constraint: Member must be {expected}"
        ));
    }

    pub fn string(&mut self, rule: &Str, value: &str, path: &str, sensitive: bool) {
        let length = value.chars().count();
        let at = Self::value_at(value, path, sensitive);
        if length > rule.max {
            self.0.push(format!("{at} failed to satisfy constraint: Member must have length less than or equal to {}", rule.max));
        } else if length < rule.min {
            self.0.push(format!("{at} failed to satisfy constraint: Member must have length greater than or equal to {}", rule.min));
        } else if !matches(rule.pattern, value) {
            self.0.push(format!("{at} failed to satisfy constraint: Member must satisfy regular expression pattern: {}", rule.pattern));
        }
    }

    pub fn enumeration(&mut self, allowed: &[&str], value: &str, path: &str) {
        if !allowed.contains(&value) {
            self.0.push(format!(
                "Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ));
        }
    }

    pub fn range(&mut self, min: i64, max: i64, value: i64, path: &str) {
        if value < min {
            self.0.push(format!("Value '{value}' at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}"));
        } else if value > max {
            self.0.push(format!("Value '{value}' at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}"));
        }
    }

    pub fn into_result(self) -> Result<(), crate::protocol::ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::input::validation_errors(&self.0))
        }
    }
}

/// Checks `value` against `shape`, recording what is wrong at `path`.
pub fn check_shape(
    shape: &Shape,
    value: &Value,
    path: &str,
    sensitive: bool,
    out: &mut Violations,
) {
    match (shape, value) {
        (Shape::Str(rule), Value::String(s)) => out.string(rule, s, path, sensitive),
        (Shape::Str(_), _) => out.wrong_type(path, "a string"),
        (Shape::Bool, Value::Bool(_)) => {}
        (Shape::Bool, _) => out.wrong_type(path, "a boolean"),
        (Shape::Int { min, max }, Value::Number(n)) => match n.as_i64() {
            Some(i) => out.range(*min, *max, i, path),
            None => out.wrong_type(path, "an integer"),
        },
        (Shape::Int { .. }, _) => out.wrong_type(path, "an integer"),
        (Shape::Enum(allowed), Value::String(s)) => out.enumeration(allowed, s, path),
        (Shape::Enum(_), _) => out.wrong_type(path, "a string"),
        (Shape::List(rule, max), Value::Array(items)) => {
            if items.len() > *max {
                out.0.push(format!("Value at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"));
            }
            for (i, item) in items.iter().enumerate() {
                check_shape(
                    &Shape::Str(*rule),
                    item,
                    &format!("{path}.{}.member", i + 1),
                    sensitive,
                    out,
                );
            }
        }
        (Shape::List(..), _) => out.wrong_type(path, "a list"),
        (
            Shape::Map {
                key,
                value: rule,
                max,
            },
            Value::Object(map),
        ) => {
            if map.len() > *max {
                out.0.push(format!("Value at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"));
            }
            for (k, v) in map {
                out.string(key, k, &format!("{path}.key"), sensitive);
                check_shape(
                    &Shape::Str(*rule),
                    v,
                    &format!("{path}.{k}"),
                    sensitive,
                    out,
                );
            }
        }
        (Shape::Map { .. }, _) => out.wrong_type(path, "a map"),
        (Shape::Struct(fields), Value::Object(map)) => check_struct(fields, map, path, out),
        (Shape::Struct(_), _) => out.wrong_type(path, "a structure"),
    }
}

/// Checks an object's members against `fields`; members the model does not know are ignored, as
/// AWS ignores them.
pub fn check_struct(fields: &[Field], map: &Map<String, Value>, path: &str, out: &mut Violations) {
    for field in fields {
        let member_path = format!("{path}.{}", field.name);
        match map.get(field.name) {
            None | Some(Value::Null) if field.required => out.missing(&member_path),
            None | Some(Value::Null) => {}
            Some(value) => check_shape(&field.shape, value, &member_path, field.sensitive, out),
        }
    }
}

/// Checks `connectorProfileConfig` for any connector present in it (AWS validates every member
/// it is given, not only the one that `connectorType` names).
pub fn check_config(config: &Map<String, Value>, path: &str, out: &mut Violations) {
    match config.get("connectorProfileProperties") {
        None | Some(Value::Null) => out.missing(&format!("{path}.connectorProfileProperties")),
        Some(Value::Object(properties)) => {
            for (member, value) in properties {
                if let Some(connector) = schema::connector_by_member(member) {
                    let at = format!("{path}.connectorProfileProperties.{member}");
                    check_shape(&Shape::Struct(connector.properties), value, &at, false, out);
                }
            }
        }
        Some(_) => out.wrong_type(&format!("{path}.connectorProfileProperties"), "a structure"),
    }
    match config.get("connectorProfileCredentials") {
        None | Some(Value::Null) => {}
        Some(Value::Object(credentials)) => {
            for (member, value) in credentials {
                if let Some(connector) = schema::connector_by_member(member) {
                    let at = format!("{path}.connectorProfileCredentials.{member}");
                    check_shape(&Shape::Struct(connector.credentials), value, &at, true, out);
                }
            }
        }
        Some(_) => out.wrong_type(
            &format!("{path}.connectorProfileCredentials"),
            "a structure",
        ),
    }
}

pub const PROFILE_NAME: Str = Str {
    min: 0,
    max: 256,
    pattern: r"[\w/!@#+=.-]+",
};
pub const CONNECTOR_LABEL: Str = Str {
    min: 0,
    max: 256,
    pattern: r"[a-zA-Z0-9][\w!@#.-]+",
};
pub const KMS_ARN: Str = Str {
    min: 20,
    max: 2048,
    pattern: "arn:aws:kms:.*:[0-9]+:.*",
};
pub const CLIENT_TOKEN: Str = Str {
    min: 1,
    max: 256,
    pattern: "[ -~]+",
};
pub const NEXT_TOKEN: Str = Str {
    min: 0,
    max: 2048,
    pattern: r"\S+",
};

/// Checks an optional top-level string member.
pub fn optional_string(input: &Map<String, Value>, name: &str, rule: &Str, out: &mut Violations) {
    match input.get(name) {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => out.string(rule, s, name, false),
        Some(_) => out.wrong_type(name, "a string"),
    }
}

/// Checks a required top-level string member.
pub fn required_string(input: &Map<String, Value>, name: &str, rule: &Str, out: &mut Violations) {
    match input.get(name) {
        None | Some(Value::Null) => out.missing(name),
        _ => optional_string(input, name, rule, out),
    }
}

/// Checks a top-level enum member.
pub fn enum_member(
    input: &Map<String, Value>,
    name: &str,
    allowed: &[&str],
    required: bool,
    out: &mut Violations,
) {
    match input.get(name) {
        None | Some(Value::Null) if required => out.missing(name),
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => out.enumeration(allowed, s, name),
        Some(_) => out.wrong_type(name, "a string"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_match_whole_values_with_ascii_word_characters() {
        assert!(matches(PROFILE_NAME.pattern, "my-profile_1/a@b#c+d=e.f!"));
        assert!(!matches(PROFILE_NAME.pattern, "has space"));
        assert!(!matches(PROFILE_NAME.pattern, "ünïcode"));
        assert!(!matches(PROFILE_NAME.pattern, ""));
        assert!(matches(CONNECTOR_LABEL.pattern, "MyConnector"));
        assert!(!matches(CONNECTOR_LABEL.pattern, "-starts-with-dash"));
        assert!(!matches(CONNECTOR_LABEL.pattern, "a"));
        assert!(matches(
            KMS_ARN.pattern,
            "arn:aws:kms:us-east-1:123456789012:key/abc"
        ));
        assert!(!matches(
            KMS_ARN.pattern,
            "xarn:aws:kms:us-east-1:123456789012:key/abc"
        ));
        assert!(!matches(r"\S+", "two words"));
        assert!(matches(r"^\d{3}$", "010"));
        assert!(!matches(r"^\d{3}$", "٠١٢"));
    }

    #[test]
    fn anchoring_translates_classes() {
        assert_eq!(anchored(r"[\w/]+"), "^(?:[0-9A-Za-z_/]+)$");
        assert_eq!(anchored(r"\w\d"), "^(?:[0-9A-Za-z_][0-9])$");
    }

    #[test]
    fn struct_check_reports_every_problem_and_hides_secrets() {
        let connector = schema::connector("Snowflake").unwrap();
        let mut out = Violations::default();
        check_struct(
            connector.properties,
            json!({"stage": "", "bucketName": "ab"})
                .as_object()
                .unwrap(),
            "p",
            &mut out,
        );
        assert_eq!(out.0.len(), 3, "{:?}", out.0);
        assert!(out.0[0].contains("Value null at 'p.warehouse'"));
        assert!(out.0[1].contains("'p.stage'") && out.0[1].contains("regular expression"));
        assert!(out.0[2].contains("length greater than or equal to 3"));

        let mut out = Violations::default();
        check_shape(
            &Shape::Struct(connector.credentials),
            &json!({"username": "u", "password": "x".repeat(600)}),
            "c",
            true,
            &mut out,
        );
        assert_eq!(out.0.len(), 1);
        assert!(
            !out.0[0].contains("xxxx"),
            "a credential leaked into {}",
            out.0[0]
        );
    }

    #[test]
    fn error_message_counts_violations() {
        let mut out = Violations::default();
        out.missing("a");
        out.missing("b");
        let err = out.into_result().unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(
            err.message
                .starts_with("2 validation errors detected: Value null at 'a'")
        );
    }
}
