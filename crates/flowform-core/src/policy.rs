//! IAM policy documents: parsing, comparison by meaning, and the few questions flowform asks of
//! them.
//!
//! AWS stores a policy in its own layout: it may reorder keys and statements, turn a one-element
//! list into a string, or write an account id as its root ARN. The planner must not call that a
//! change, or every plan after a refresh would show drift. So policies are compared the way the
//! Terraform AWS provider compares them (HashiCorp's `awspolicyequivalence`), through one
//! canonical form, [`normalize`]:
//!
//! - key order and whitespace do not matter (documents are parsed JSON);
//! - a single statement object is a one-statement list, and statement order does not matter;
//! - in `Action`, `NotAction`, `Resource`, `NotResource`, principal lists and condition values
//!   a string is a one-element list, and lists are sets (order and repeats do not matter);
//! - condition values that are booleans or numbers compare as their text (`true` = `"true"`);
//! - `Principal: "*"` is `{"AWS": "*"}`, and a bare account id in an `AWS` principal is
//!   `arn:aws:iam::ID:root` (the `aws` partition: flowform does not target China or GovCloud);
//! - action names are compared in lower case, as IAM does (the canonical form writes them so);
//! - `Effect` is compared without regard to case (as `awspolicyequivalence` does);
//! - `Version`, `Id` and each statement's `Sid` must match, a missing one being equal to an
//!   empty one (Go's zero value, as in `awspolicyequivalence`).
//!
//! The validator's warnings (SPEC §3) come from [`grants_service`] (does a secret or key policy
//! let AppFlow in, and is that grant protected against the confused deputy?) and
//! [`allows_account_admin`] (would a key policy lock the account out of its own key?). They are
//! deliberately simple readings of a policy, not an IAM evaluator: see each function.
//!
//! Everything here is pure and total: any JSON value is accepted without panicking.

use serde_json::{Map, Value};
use thiserror::Error;

/// The order of a statement's well-known keys in the canonical form, as people write them, so
/// that a line diff of two policies reads naturally. Other keys follow in alphabetical order.
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// The order of a document's well-known keys in the canonical form.
const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];

/// Condition keys that tie a service's access to a source account or resource, which is what
/// protects against the confused-deputy problem.
const SOURCE_CONDITION_KEYS: &[&str] = &["aws:SourceAccount", "aws:SourceArn"];

// ---------------------------------------------------------------------------------------------
// Parsing.

/// Why a policy text was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("the policy is not valid JSON: {message} (line {line}, column {column})")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("a policy must be a JSON object with a \"Statement\", but this is {found}")]
    NotAnObject { found: &'static str },
    #[error("the policy has no \"Statement\": add a statement object or a list of them")]
    MissingStatement,
    #[error("\"Statement\" must be an object or a list of objects, but it is {found}")]
    StatementNotObjects { found: &'static str },
    #[error("{statement} is {found}, but each statement must be a JSON object")]
    StatementNotObject {
        statement: String,
        found: &'static str,
    },
    #[error("{statement} has no \"Effect\": set it to \"Allow\" or \"Deny\"")]
    MissingEffect { statement: String },
    #[error("{statement} has \"Effect\": {found}, but it must be \"Allow\" or \"Deny\"")]
    InvalidEffect { statement: String, found: String },
}

/// Parses a policy text and checks its shape: a JSON object whose `Statement` is an object or a
/// list of objects, each with an `Effect` of `Allow` or `Deny`.
pub fn parse(text: &str) -> Result<Value, PolicyError> {
    let doc: Value = serde_json::from_str(text).map_err(json_error)?;
    let Value::Object(map) = &doc else {
        return Err(PolicyError::NotAnObject {
            found: describe(&doc),
        });
    };
    let statements = match map.get("Statement") {
        None => return Err(PolicyError::MissingStatement),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(other) => {
            return Err(PolicyError::StatementNotObjects {
                found: describe(other),
            });
        }
    };
    for (index, statement) in statements.into_iter().enumerate() {
        let Value::Object(statement) = statement else {
            return Err(PolicyError::StatementNotObject {
                statement: format!("statement {}", index + 1),
                found: describe(statement),
            });
        };
        check_effect(statement, index)?;
    }
    Ok(doc)
}

/// IAM takes `Effect` case-sensitively: `"allow"` is refused, so it is refused here too.
fn check_effect(statement: &Map<String, Value>, index: usize) -> Result<(), PolicyError> {
    match statement.get("Effect") {
        Some(Value::String(effect)) if effect == "Allow" || effect == "Deny" => Ok(()),
        None => Err(PolicyError::MissingEffect {
            statement: statement_label(statement, index),
        }),
        Some(other) => Err(PolicyError::InvalidEffect {
            statement: statement_label(statement, index),
            found: other.to_string(),
        }),
    }
}

/// "statement 2 (Sid \"AllowAppFlow\")", counting from 1 as people do.
fn statement_label(statement: &Map<String, Value>, index: usize) -> String {
    match statement
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|sid| !sid.is_empty())
    {
        Some(sid) => format!("statement {} (Sid {sid:?})", index + 1),
        None => format!("statement {}", index + 1),
    }
}

/// serde_json's message without its " at line L column C" tail, which the error carries apart.
fn json_error(error: serde_json::Error) -> PolicyError {
    let full = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&tail).unwrap_or(&full).to_owned();
    PolicyError::Json {
        line: error.line(),
        column: error.column(),
        message,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// Equivalence.

/// Whether two policies mean the same to AWS, by the rules in the module documentation.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

/// The canonical form of a policy: two policies are [`equivalent`] exactly when their canonical
/// forms are equal. Statements are always a list, sorted; sets are sorted lists; keys are in a
/// fixed order. A value that is not a policy document comes back with its keys sorted.
pub fn normalize(doc: &Value) -> Value {
    let Value::Object(map) = doc else {
        return sort_keys(doc);
    };
    let mut out = Map::new();
    for key in ["Version", "Id"] {
        if let Some(value) = map.get(key).filter(|v| !is_empty_string(v)) {
            out.insert(key.to_owned(), value.clone());
        }
    }
    if let Some(statements) = map.get("Statement") {
        out.insert("Statement".to_owned(), normalize_statements(statements));
    }
    insert_others_sorted(&mut out, map, DOCUMENT_KEYS);
    Value::Object(out)
}

/// The canonical form rendered as stable, 2-space indented JSON, for line diffs in plans.
pub fn pretty(doc: &Value) -> String {
    let canonical = normalize(doc);
    // Serialising a `Value` cannot fail (its keys are strings); fall back to compact text anyway.
    serde_json::to_string_pretty(&canonical).unwrap_or_else(|_| canonical.to_string())
}

fn normalize_statements(statements: &Value) -> Value {
    let items: Vec<&Value> = match statements {
        Value::Array(items) => items.iter().collect(),
        single @ Value::Object(_) => vec![single],
        other => return sort_keys(other),
    };
    let mut normalized: Vec<Value> = items
        .into_iter()
        .map(|statement| match statement {
            Value::Object(map) => normalize_statement(map),
            other => sort_keys(other),
        })
        .collect();
    // The canonical forms have a fixed key order, so their text is a stable sort key.
    normalized.sort_by_cached_key(Value::to_string);
    Value::Array(normalized)
}

fn normalize_statement(statement: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (key, value) in statement {
        let normalized = match key.as_str() {
            "Sid" if is_empty_string(value) => continue,
            "Effect" => normalize_effect(value),
            "Principal" | "NotPrincipal" => normalize_principal(value),
            "Action" | "NotAction" => string_set(value, str::to_lowercase),
            "Resource" | "NotResource" => string_set(value, str::to_owned),
            "Condition" => normalize_condition(value),
            _ => sort_keys(value),
        };
        if !is_empty_list(&normalized) {
            out.insert(key.clone(), normalized);
        }
    }
    Value::Object(order_keys(out, STATEMENT_KEYS))
}

fn normalize_effect(effect: &Value) -> Value {
    match effect.as_str() {
        Some(e) if e.eq_ignore_ascii_case("allow") => Value::from("Allow"),
        Some(e) if e.eq_ignore_ascii_case("deny") => Value::from("Deny"),
        _ => effect.clone(),
    }
}

/// `"*"` becomes `{"AWS": ["*"]}`; each principal type's values become a set, with bare account
/// ids written as root ARNs; principal types with no values are dropped (as
/// `awspolicyequivalence` does).
fn normalize_principal(principal: &Value) -> Value {
    match principal {
        Value::String(s) if s == "*" => {
            let mut out = Map::new();
            out.insert("AWS".to_owned(), Value::Array(vec![Value::from("*")]));
            Value::Object(out)
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (kind, values) in sorted_entries(map) {
                let set = if kind == "AWS" {
                    string_set(values, account_root_arn)
                } else {
                    string_set(values, str::to_owned)
                };
                if !is_empty_list(&set) {
                    out.insert(kind.clone(), set);
                }
            }
            Value::Object(out)
        }
        other => sort_keys(other),
    }
}

/// A bare 12-digit account id as AWS stores it: the account's root ARN.
fn account_root_arn(principal: &str) -> String {
    if is_account_id(principal) {
        format!("arn:aws:iam::{principal}:root")
    } else {
        principal.to_owned()
    }
}

fn normalize_condition(condition: &Value) -> Value {
    let Value::Object(operators) = condition else {
        return sort_keys(condition);
    };
    let mut out = Map::new();
    for (operator, keys) in sorted_entries(operators) {
        let normalized = match keys {
            Value::Object(keys) => {
                let mut by_key = Map::new();
                for (key, values) in sorted_entries(keys) {
                    by_key.insert(key.clone(), string_set(values, str::to_owned));
                }
                Value::Object(by_key)
            }
            other => sort_keys(other),
        };
        out.insert(operator.clone(), normalized);
    }
    Value::Object(out)
}

/// A string, or a list of scalars, as a sorted list of distinct texts (each passed through
/// `canonical`). Anything else (an object, a list holding one) is kept, keys sorted.
fn string_set(value: &Value, canonical: impl Fn(&str) -> String) -> Value {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        scalar => vec![scalar],
    };
    let texts: Option<Vec<String>> = items.into_iter().map(scalar_text).collect();
    let Some(texts) = texts else {
        return sort_keys(value);
    };
    let mut set: Vec<String> = texts.iter().map(|t| canonical(t)).collect();
    set.sort();
    set.dedup();
    Value::Array(set.into_iter().map(Value::String).collect())
}

/// The text of a string, boolean or number; `None` for anything else.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A copy of `value` with every object's keys in alphabetical order, so that the canonical form
/// of unknown parts is stable too.
fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            sorted_entries(map)
                .into_iter()
                .map(|(k, v)| (k.clone(), sort_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        scalar => scalar.clone(),
    }
}

/// `map` with `first` keys in that order, then the others alphabetically.
fn order_keys(mut map: Map<String, Value>, first: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for key in first {
        if let Some(value) = map.remove(*key) {
            out.insert((*key).to_owned(), value);
        }
    }
    let mut rest: Vec<(String, Value)> = map.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(rest);
    out
}

/// Copies the entries of `map` not in `known` into `out`, keys sorted, values canonicalised.
fn insert_others_sorted(out: &mut Map<String, Value>, map: &Map<String, Value>, known: &[&str]) {
    for (key, value) in sorted_entries(map) {
        if !known.contains(&key.as_str()) {
            out.insert(key.clone(), sort_keys(value));
        }
    }
}

fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn is_empty_string(value: &Value) -> bool {
    value.as_str().is_some_and(str::is_empty)
}

fn is_empty_list(value: &Value) -> bool {
    value.as_array().is_some_and(Vec::is_empty)
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// Analysis for warnings.

/// What a policy grants a service principal, of the actions asked about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    /// The actions asked about that no Allow statement grants the service (or that an
    /// unconditional Deny takes away), in the order asked.
    pub missing_actions: Vec<String>,
    /// Some statement that grants one of the actions has no `aws:SourceAccount` or
    /// `aws:SourceArn` condition: any account's use of the service could reach the resource
    /// (the confused-deputy problem).
    pub unconditioned: bool,
}

/// Which of `actions` a resource policy grants to `service_principal` (such as
/// `appflow.amazonaws.com`), and whether the grant is tied to a source account or ARN.
///
/// A statement applies to the service when its `Principal` is `"*"`, has `"*"` among its `AWS`
/// principals, or names the service under `Service` (case-insensitively); or when it has a
/// `NotPrincipal` that does not name the service. It covers an action when one of its `Action`
/// patterns matches (IAM wildcards `*` and `?`, case-insensitive), or when it has a `NotAction`
/// that none matches. Resources are not looked at: a resource policy is attached to the one
/// resource it guards. A Deny takes a grant away only when it has no `Condition`: a conditional
/// Deny (say, on `aws:SecureTransport`) does not stop AppFlow in the ordinary case.
pub fn grants_service(doc: &Value, service_principal: &str, actions: &[&str]) -> Grant {
    let statements = statements(doc);
    let applies = |statement: &Map<String, Value>| {
        applies_to(statement, |principals| {
            names_service(principals, service_principal)
        })
    };
    let mut grant = Grant::default();
    for action in actions {
        let granting = granting_statements(&statements, action, &applies);
        if granting.is_empty() {
            grant.missing_actions.push((*action).to_owned());
        } else if granting
            .iter()
            .any(|statement| !has_source_condition(statement))
        {
            grant.unconditioned = true;
        }
    }
    grant
}

/// Whether a KMS key policy still lets the key's account administer the key: an Allow statement
/// that covers `kms:PutKeyPolicy` for the account (its root ARN or bare id, or `"*"`) and no
/// unconditional Deny of it. When the account is not known, any `AWS` principal counts.
///
/// An IAM role or user of the account is not enough when the account is known: if it is deleted,
/// nobody can change the policy any more, which is the lock-out AWS's own safety check guards
/// against.
pub fn allows_account_admin(doc: &Value, account_id: Option<&str>) -> bool {
    let statements = statements(doc);
    let applies = |statement: &Map<String, Value>| {
        applies_to(statement, |principals| {
            names_account(principals, account_id)
        })
    };
    !granting_statements(&statements, "kms:PutKeyPolicy", &applies).is_empty()
}

/// The Allow statements that apply (by `applies`) and cover `action`; none when an unconditional
/// Deny that applies covers it.
fn granting_statements<'a>(
    statements: &[&'a Map<String, Value>],
    action: &str,
    applies: &dyn Fn(&Map<String, Value>) -> bool,
) -> Vec<&'a Map<String, Value>> {
    let relevant =
        |statement: &&&Map<String, Value>| applies(statement) && covers_action(statement, action);
    let denied = statements
        .iter()
        .filter(relevant)
        .any(|s| is_effect(s, "Deny") && !s.contains_key("Condition"));
    if denied {
        return Vec::new();
    }
    statements
        .iter()
        .filter(relevant)
        .filter(|s| is_effect(s, "Allow"))
        .copied()
        .collect()
}

/// The statements of a document, whether `Statement` is one object or a list; anything that is
/// not an object is skipped.
fn statements(doc: &Value) -> Vec<&Map<String, Value>> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(single)) => vec![single],
        _ => Vec::new(),
    }
}

fn is_effect(statement: &Map<String, Value>, effect: &str) -> bool {
    statement
        .get("Effect")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case(effect))
}

/// Whether the statement covers `action` through `Action` or `NotAction`.
fn covers_action(statement: &Map<String, Value>, action: &str) -> bool {
    if let Some(patterns) = statement.get("Action") {
        texts(patterns)
            .iter()
            .any(|pattern| glob_match(pattern, action))
    } else if let Some(excluded) = statement.get("NotAction") {
        !texts(excluded)
            .iter()
            .any(|pattern| glob_match(pattern, action))
    } else {
        false
    }
}

/// Whether the statement applies to a principal that `named` recognises among a principal
/// list: through `Principal`, or through a `NotPrincipal` that does not name it.
fn applies_to(statement: &Map<String, Value>, named: impl Fn(&[(&str, &str)]) -> bool) -> bool {
    if let Some(principal) = statement.get("Principal") {
        named(&principal_entries(principal))
    } else if let Some(excluded) = statement.get("NotPrincipal") {
        !named(&principal_entries(excluded))
    } else {
        false
    }
}

/// A principal element as (type, value) pairs: `"*"` is `("AWS", "*")`.
fn principal_entries(principal: &Value) -> Vec<(&str, &str)> {
    match principal {
        Value::String(s) => vec![("AWS", s.as_str())],
        Value::Object(map) => map
            .iter()
            .flat_map(|(kind, values)| texts(values).into_iter().map(move |v| (kind.as_str(), v)))
            .collect(),
        _ => Vec::new(),
    }
}

fn names_service(principals: &[(&str, &str)], service: &str) -> bool {
    principals.iter().any(|&(kind, value)| {
        (kind == "AWS" && value == "*")
            || (kind == "Service" && value.eq_ignore_ascii_case(service))
    })
}

fn names_account(principals: &[(&str, &str)], account_id: Option<&str>) -> bool {
    principals.iter().any(|&(kind, value)| {
        kind == "AWS"
            && match account_id {
                Some(id) => value == "*" || value == id || is_root_arn_of(value, id),
                None => true,
            }
    })
}

/// `arn:PARTITION:iam::ACCOUNT:root`, in any partition.
fn is_root_arn_of(principal: &str, account_id: &str) -> bool {
    let parts: Vec<&str> = principal.split(':').collect();
    matches!(parts.as_slice(), ["arn", _, "iam", "", account, "root"] if *account == account_id)
}

fn has_source_condition(statement: &Map<String, Value>) -> bool {
    let Some(Value::Object(operators)) = statement.get("Condition") else {
        return false;
    };
    operators.values().filter_map(Value::as_object).any(|keys| {
        keys.keys().any(|key| {
            SOURCE_CONDITION_KEYS
                .iter()
                .any(|k| key.eq_ignore_ascii_case(k))
        })
    })
}

/// The strings of a string-or-list element; other values contribute nothing.
fn texts(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// IAM's wildcard match, case-insensitive: `*` is any run of characters, `?` any one.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    // Classic linear-time wildcard matching: remember the last `*` and where it started
    // matching, and on a mismatch let that `*` swallow one more character.
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                last_star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match last_star {
                Some((star, start)) => {
                    p = star + 1;
                    t = start + 1;
                    last_star = Some((star, start + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}
