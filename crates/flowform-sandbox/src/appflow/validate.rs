//! AppFlow's request validation: every constraint of the model (required members, lengths,
//! patterns, enums, ranges) checked against the whole request, straight from the model's shapes
//! ([`super::shapes`]), and reported in one ValidationException whose message reads like AWS's:
//! `2 validation errors detected: Value 'x' at 'a.b' failed to satisfy constraint: ...; ...`.
//!
//! Paths name members as AWS's Java front end does, as bean properties: a member that starts with
//! a capital is written with a small one (`connectorProfileProperties.salesforce.instanceUrl`),
//! unless its first two letters are capitals (`SAPOData`), as `java.beans.Introspector` does.
//! A value whose shape the model marks sensitive is never echoed: AWS writes `Value at '...'`.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;
use serde_json::{Map, Value};

use super::shapes::{self, Kind};

/// Translates a model (Java) pattern into an anchored Rust one. Java's `\w`, `\d` and `\s` (and
/// their negations) are ASCII there, its `.` stops at every line terminator, and AWS matches the
/// whole value.
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
                Some('s') if in_class => out.push_str(r"\t\n\x0B\x0C\r "),
                Some('s') => out.push_str(r"[\t\n\x0B\x0C\r ]"),
                Some('S') if !in_class => out.push_str(r"[^\t\n\x0B\x0C\r ]"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '.' if !in_class => out.push_str(r"[^\n\r\x{85}\x{2028}\x{2029}]"),
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

static PATTERNS: LazyLock<Mutex<HashMap<String, Regex>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Whether `value` matches the model pattern `pattern` as a whole.
pub fn matches(pattern: &str, value: &str) -> bool {
    let mut cache = PATTERNS.lock().unwrap_or_else(|p| p.into_inner());
    if !cache.contains_key(pattern) {
        match Regex::new(&anchored(pattern)) {
            Ok(regex) => {
                cache.insert(pattern.to_owned(), regex);
            }
            // A model pattern this translation cannot compile is a sandbox bug; accept rather
            // than refuse every request (a test compiles every pattern of the extract).
            Err(_) => return true,
        }
    }
    cache.get(pattern).is_none_or(|r| r.is_match(value))
}

/// A member name as AWS's messages write it (see the module documentation).
pub fn bean_name(member: &str) -> String {
    let mut chars = member.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second))
            if first.is_ascii_uppercase() && second.is_ascii_uppercase() =>
        {
            member.to_owned()
        }
        (Some(first), _) => first.to_ascii_lowercase().to_string() + &member[first.len_utf8()..],
        (None, _) => String::new(),
    }
}

fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        bean_name(member)
    } else {
        format!("{path}.{}", bean_name(member))
    }
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

    fn failed(&mut self, at: &str, constraint: impl std::fmt::Display) {
        self.0
            .push(format!("{at} failed to satisfy constraint: {constraint}"));
    }

    /// A string's length, pattern and enum; the first that fails is reported.
    fn string(&mut self, shape: &shapes::Shape, value: &str, path: &str) {
        let Kind::String {
            min,
            max,
            pattern,
            one_of,
        } = &shape.kind
        else {
            return;
        };
        let at = Self::value_at(value, path, shape.sensitive);
        let length = value.chars().count() as u64;
        if !one_of.is_empty() {
            if !one_of.iter().any(|v| v == value) {
                self.failed(
                    &at,
                    format_args!(
                        "Member must satisfy enum value set: [{}]",
                        one_of.join(", ")
                    ),
                );
            }
        } else if let Some(max) = max.filter(|max| length > *max) {
            self.failed(
                &at,
                format_args!("Member must have length less than or equal to {max}"),
            );
        } else if let Some(min) = min.filter(|min| length < *min) {
            self.failed(
                &at,
                format_args!("Member must have length greater than or equal to {min}"),
            );
        } else if let Some(pattern) = pattern.as_deref().filter(|p| !matches(p, value)) {
            self.failed(
                &at,
                format_args!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    fn count(&mut self, path: &str, count: u64, min: Option<u64>, max: Option<u64>) {
        let at = format!("Value at '{path}'");
        if let Some(max) = max.filter(|max| count > *max) {
            self.failed(
                &at,
                format_args!("Member must have length less than or equal to {max}"),
            );
        } else if let Some(min) = min.filter(|min| count < *min) {
            self.failed(
                &at,
                format_args!("Member must have length greater than or equal to {min}"),
            );
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

/// Checks `value` against the model's shape `shape`, recording what is wrong at `path`.
pub fn check(shape: &str, value: &Value, path: &str, out: &mut Violations) {
    let Some(s) = shapes::model().shape(shape) else {
        return;
    };
    match (&s.kind, value) {
        (Kind::String { .. }, Value::String(v)) => out.string(s, v, path),
        (Kind::String { .. }, _) => out.wrong_type(path, "a string"),
        (Kind::Boolean, Value::Bool(_)) => {}
        (Kind::Boolean, _) => out.wrong_type(path, "a boolean"),
        (Kind::Integer { min, max }, Value::Number(n)) => match n.as_i64() {
            Some(i) => {
                if let Some(min) = min.filter(|min| i < *min) {
                    out.failed(
                        &format!("Value '{i}' at '{path}'"),
                        format_args!("Member must have value greater than or equal to {min}"),
                    );
                } else if let Some(max) = max.filter(|max| i > *max) {
                    out.failed(
                        &format!("Value '{i}' at '{path}'"),
                        format_args!("Member must have value less than or equal to {max}"),
                    );
                }
            }
            None => out.wrong_type(path, "an integer"),
        },
        (Kind::Integer { .. }, _) => out.wrong_type(path, "an integer"),
        (Kind::List { member, min, max }, Value::Array(items)) => {
            out.count(path, items.len() as u64, *min, *max);
            for (i, item) in items.iter().enumerate() {
                check(member, item, &format!("{path}.{}.member", i + 1), out);
            }
        }
        (Kind::List { .. }, _) => out.wrong_type(path, "a list"),
        (
            Kind::Map {
                key,
                value: value_shape,
                min,
                max,
            },
            Value::Object(map),
        ) => {
            out.count(path, map.len() as u64, *min, *max);
            // Keys and values are reported at the map's own path: a key in the path would echo
            // it, and a credentials map's keys are sensitive.
            for (k, v) in map {
                check(key, &Value::String(k.clone()), path, out);
                check(value_shape, v, path, out);
            }
        }
        (Kind::Map { .. }, _) => out.wrong_type(path, "a map"),
        (Kind::Structure { members, required }, Value::Object(map)) => {
            for (member, member_shape) in members {
                let member_path = join(path, member);
                match map.get(member) {
                    None | Some(Value::Null) if required.contains(member) => {
                        out.missing(&member_path)
                    }
                    None | Some(Value::Null) => {}
                    Some(v) => check(member_shape, v, &member_path, out),
                }
            }
        }
        (Kind::Structure { .. }, _) => out.wrong_type(path, "a structure"),
        (Kind::Other, _) => {}
    }
}

/// Checks a whole request against the model's input shape of `operation`
/// (`CreateConnectorProfileRequest`, ...). Members the model does not know are ignored, as AWS
/// ignores them.
pub fn request(input_shape: &str, input: &Map<String, Value>) -> Violations {
    let mut out = Violations::default();
    check(input_shape, &Value::Object(input.clone()), "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_match_whole_values_with_java_classes() {
        let name = r"[\w/!@#+=.-]+";
        assert!(matches(name, "my-profile_1/a@b#c+d=e.f!"));
        assert!(!matches(name, "has space"));
        assert!(!matches(name, "ünïcode"));
        assert!(!matches(name, ""));
        assert!(matches("[a-zA-Z0-9][\\w!@#.-]+", "MyConnector"));
        assert!(!matches("[a-zA-Z0-9][\\w!@#.-]+", "-starts-with-dash"));
        assert!(!matches(
            "arn:aws:kms:.*:[0-9]+:.*",
            "xarn:aws:kms:us-east-1:123456789012:key/abc"
        ));
        assert!(!matches(r"\S+", "two words"));
        assert!(matches(r"\S+", "non\u{a0}breaking"), "Java's \\s is ASCII");
        assert!(!matches(".*", "a\nb"));
        assert!(!matches(".*", "a\u{2028}b"));
        assert!(matches(r"^\d{3}$", "010"));
        assert!(!matches(r"^\d{3}$", "٠١٢"));
    }

    #[test]
    fn every_pattern_of_the_extract_compiles() {
        let extract: Value =
            serde_json::from_str(include_str!("../../../../model/appflow-2020-08-23.json"))
                .expect("JSON");
        let mut compiled = 0;
        for shape in extract["shapes"].as_object().expect("shapes").values() {
            if let Some(pattern) = shape["pattern"].as_str() {
                Regex::new(&anchored(pattern)).unwrap_or_else(|e| panic!("{pattern}: {e}"));
                compiled += 1;
            }
        }
        assert!(compiled > 40);
    }

    #[test]
    fn member_names_read_as_java_bean_properties() {
        assert_eq!(bean_name("Salesforce"), "salesforce");
        assert_eq!(bean_name("GoogleAnalytics"), "googleAnalytics");
        assert_eq!(bean_name("SAPOData"), "SAPOData");
        assert_eq!(bean_name("instanceUrl"), "instanceUrl");
    }

    #[test]
    fn a_request_reports_every_problem_and_hides_secrets() {
        let out = request(
            "CreateConnectorProfileRequest",
            json!({
                "connectorProfileName": "p",
                "connectorType": "Snowflake",
                "connectionMode": "Public",
                "connectorProfileConfig": {
                    "connectorProfileProperties": {"Snowflake": {"stage": "", "bucketName": "ab"}},
                    "connectorProfileCredentials": {"Snowflake": {"username": "u", "password": "x".repeat(600)}},
                },
            })
            .as_object()
            .expect("object"),
        );
        assert_eq!(out.0.len(), 4, "{:?}", out.0);
        assert_eq!(
            out.0[0],
            "Value null at 'connectorProfileConfig.connectorProfileProperties.snowflake.warehouse' failed to satisfy constraint: Member must not be null"
        );
        assert!(
            out.0[1]
                .contains("'connectorProfileConfig.connectorProfileProperties.snowflake.stage'")
                && out.0[1].contains("regular expression")
        );
        assert!(out.0[2].contains("length greater than or equal to 3"));
        assert_eq!(
            out.0[3],
            "Value at 'connectorProfileConfig.connectorProfileCredentials.snowflake.password' failed to satisfy constraint: Member must have length less than or equal to 512"
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
