//! Just enough IAM policy evaluation for the questions the sandbox must answer like AWS:
//! "may appflow.amazonaws.com read this secret / decrypt with this key?", "would this key
//! policy lock its account out?", "is this secret policy public?".
//!
//! It understands `Effect`, `Principal` (`*`, `AWS`, `Service`), `Action`, `Resource` with `*`/`?`
//! wildcards, an explicit `Deny` overriding any `Allow`, and the condition operators AppFlow's
//! documented confused-deputy policies use (`StringEquals`, `StringLike`, `ArnEquals`, `ArnLike`,
//! `StringEqualsIgnoreCase`). A statement with anything it does not understand (`NotPrincipal`,
//! `NotAction`, an unknown condition operator or key) is treated as not applying, which errs on
//! the side of refusing access, as an unexplained policy would on AWS.

use serde_json::{Map, Value};

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'a> {
    /// An AWS service such as `appflow.amazonaws.com`.
    Service(&'a str),
    /// An IAM principal ARN in `account`, such as `arn:aws:iam::123456789012:root`.
    Aws { arn: &'a str, account: &'a str },
}

/// One access question.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub principal: Principal<'a>,
    pub action: &'a str,
    pub resource: &'a str,
    /// Condition context keys such as `aws:SourceAccount`, with their values.
    pub context: &'a [(&'a str, &'a str)],
}

/// Why a text is not a policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy is not valid JSON")]
    NotJson,
    #[error("the policy must be a JSON object with a Statement")]
    NoStatement,
    #[error("every policy statement must be an object with Effect Allow or Deny")]
    BadStatement,
}

/// Parses and checks the document's overall shape.
pub fn parse(text: &str) -> Result<Value, PolicyError> {
    let value: Value = serde_json::from_str(text).map_err(|_| PolicyError::NotJson)?;
    let object = value.as_object().ok_or(PolicyError::NoStatement)?;
    let statements = match object.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => return Err(PolicyError::NoStatement),
    };
    for statement in statements {
        let effect = statement.get("Effect").and_then(Value::as_str);
        if !matches!(effect, Some("Allow" | "Deny")) {
            return Err(PolicyError::BadStatement);
        }
    }
    Ok(value)
}

fn statements(policy: &Value) -> Vec<&Map<String, Value>> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(item)) => vec![item],
        _ => Vec::new(),
    }
}

/// Strings of a member that may be one string or a list of strings.
fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Matches `*` (any run) and `?` (one character) as IAM does.
pub fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn principal_matches(statement: &Map<String, Value>, principal: Principal<'_>) -> bool {
    if statement.contains_key("NotPrincipal") {
        return false;
    }
    match statement.get("Principal") {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(map)) => match principal {
            Principal::Service(service) => {
                strings(map.get("Service")).contains(&service)
                    || strings(map.get("AWS")).contains(&"*")
            }
            Principal::Aws { arn, account } => strings(map.get("AWS")).iter().any(|p| {
                *p == "*"
                    || *p == arn
                    || *p == account
                    || *p == format!("arn:aws:iam::{account}:root")
            }),
        },
        _ => false,
    }
}

fn action_matches(statement: &Map<String, Value>, action: &str) -> bool {
    if statement.contains_key("NotAction") {
        return false;
    }
    strings(statement.get("Action"))
        .iter()
        .any(|pattern| glob_match(pattern, action, true))
}

fn resource_matches(statement: &Map<String, Value>, resource: &str) -> bool {
    if statement.contains_key("NotResource") {
        return false;
    }
    match statement.get("Resource") {
        None => true,
        value => strings(value)
            .iter()
            .any(|pattern| glob_match(pattern, resource, false)),
    }
}

fn conditions_hold(statement: &Map<String, Value>, context: &[(&str, &str)]) -> bool {
    let Some(condition) = statement.get("Condition") else {
        return true;
    };
    let Some(operators) = condition.as_object() else {
        return false;
    };
    operators.iter().all(|(operator, keys)| {
        let Some(keys) = keys.as_object() else {
            return false;
        };
        keys.iter().all(|(key, expected)| {
            let Some((_, actual)) = context.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))
            else {
                return false;
            };
            let expected = strings(Some(expected));
            match operator.as_str() {
                "StringEquals" | "ArnEquals" => expected.contains(actual),
                "StringEqualsIgnoreCase" => expected.iter().any(|e| e.eq_ignore_ascii_case(actual)),
                "StringLike" | "ArnLike" => expected.iter().any(|e| glob_match(e, actual, false)),
                _ => false,
            }
        })
    })
}

fn applies(statement: &Map<String, Value>, request: &Request<'_>) -> bool {
    principal_matches(statement, request.principal)
        && action_matches(statement, request.action)
        && resource_matches(statement, request.resource)
        && conditions_hold(statement, request.context)
}

/// Whether `policy` allows `request`: some Allow applies and no Deny does.
pub fn allows(policy: &Value, request: &Request<'_>) -> bool {
    fn effect(s: &Map<String, Value>) -> &str {
        s.get("Effect").and_then(Value::as_str).unwrap_or("")
    }
    let applicable: Vec<_> = statements(policy)
        .into_iter()
        .filter(|s| applies(s, request))
        .collect();
    applicable.iter().any(|s| effect(s) == "Allow")
        && !applicable.iter().any(|s| effect(s) == "Deny")
}

/// Whether some statement allows anyone at all (`Principal: "*"` or `{"AWS": "*"}`) without a
/// condition to narrow it down: what Secrets Manager's BlockPublicPolicy refuses.
pub fn grants_public_access(policy: &Value) -> bool {
    statements(policy).into_iter().any(|s| {
        let allow = s.get("Effect").and_then(Value::as_str) == Some("Allow");
        let everyone = match s.get("Principal") {
            Some(Value::String(p)) => p == "*",
            Some(Value::Object(map)) => strings(map.get("AWS")).contains(&"*"),
            _ => false,
        };
        allow && everyone && !s.contains_key("Condition")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf";

    fn appflow_reads(policy: &Value, context: &[(&str, &str)]) -> bool {
        allows(
            policy,
            &Request {
                principal: Principal::Service("appflow.amazonaws.com"),
                action: "secretsmanager:GetSecretValue",
                resource: SECRET,
                context,
            },
        )
    }

    #[test]
    fn documented_secret_policy_allows_appflow() {
        let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "appflow.amazonaws.com"},
            "Action": "secretsmanager:GetSecretValue", "Resource": SECRET}]});
        assert!(appflow_reads(&policy, &[]));
    }

    #[test]
    fn other_service_or_action_does_not_allow() {
        let policy = json!({"Statement": {"Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}});
        assert!(!appflow_reads(&policy, &[]));
        let policy = json!({"Statement": {"Effect": "Allow",
            "Principal": {"Service": ["appflow.amazonaws.com"]},
            "Action": "secretsmanager:DescribeSecret", "Resource": "*"}});
        assert!(!appflow_reads(&policy, &[]));
    }

    #[test]
    fn deny_wins_and_wildcards_work() {
        let policy = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"Service": "appflow.amazonaws.com"}, "Action": "secretsmanager:Get*", "Resource": "*"}]});
        assert!(!appflow_reads(&policy, &[]));
    }

    #[test]
    fn confused_deputy_conditions_are_evaluated() {
        let policy = json!({"Statement": [{"Effect": "Allow",
            "Principal": {"Service": "appflow.amazonaws.com"},
            "Action": ["kms:Decrypt"], "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                          "ArnLike": {"aws:SourceArn": "arn:aws:appflow:us-east-1:123456789012:*"}}}]});
        let ok = [
            ("aws:SourceAccount", "123456789012"),
            (
                "aws:SourceArn",
                "arn:aws:appflow:us-east-1:123456789012:connectorprofile/p",
            ),
        ];
        assert!(allows(
            &policy,
            &Request {
                principal: Principal::Service("appflow.amazonaws.com"),
                action: "kms:Decrypt",
                resource: "k",
                context: &ok
            }
        ));
        let wrong = [
            ("aws:SourceAccount", "999999999999"),
            (
                "aws:SourceArn",
                "arn:aws:appflow:us-east-1:123456789012:connectorprofile/p",
            ),
        ];
        assert!(!allows(
            &policy,
            &Request {
                principal: Principal::Service("appflow.amazonaws.com"),
                action: "kms:Decrypt",
                resource: "k",
                context: &wrong
            }
        ));
    }

    #[test]
    fn account_root_matches_by_arn_or_id() {
        let root = Principal::Aws {
            arn: "arn:aws:iam::123456789012:root",
            account: "123456789012",
        };
        for p in [
            json!("arn:aws:iam::123456789012:root"),
            json!("123456789012"),
            json!(["*"]),
        ] {
            let policy = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": p}, "Action": "kms:*", "Resource": "*"}]});
            assert!(allows(
                &policy,
                &Request {
                    principal: root,
                    action: "kms:PutKeyPolicy",
                    resource: "*",
                    context: &[]
                }
            ));
        }
    }

    #[test]
    fn public_policies_are_recognised() {
        assert!(grants_public_access(
            &json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
        ));
        assert!(grants_public_access(
            &json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*"}})
        ));
        assert!(!grants_public_access(
            &json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "1"}}}]})
        ));
        assert!(!grants_public_access(
            &json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "*"}]})
        ));
    }

    #[test]
    fn parse_rejects_non_policies() {
        assert_eq!(parse("nope").unwrap_err(), PolicyError::NotJson);
        assert_eq!(parse("[]").unwrap_err(), PolicyError::NoStatement);
        assert_eq!(
            parse(r#"{"Statement": [{"Effect": "Maybe"}]}"#).unwrap_err(),
            PolicyError::BadStatement
        );
        assert!(parse(r#"{"Statement": []}"#).is_ok());
    }

    #[test]
    fn globs() {
        assert!(glob_match("kms:*", "kms:PutKeyPolicy", false));
        assert!(glob_match("kms:put*", "kms:PutKeyPolicy", true));
        assert!(glob_match("a?c", "abc", false));
        assert!(!glob_match("a?c", "abbc", false));
        assert!(glob_match("*", "", false));
    }
}
