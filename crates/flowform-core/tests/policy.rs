//! Policy equivalence, parsing and the analyses behind flowform's warnings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_core::policy::{
    Grant, PolicyError, allows_account_admin, equivalent, glob_match, grants_service, normalize,
    parse, pretty,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const APPFLOW: &str = "appflow.amazonaws.com";
const KMS_ACTIONS: &[&str] = &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"];
const SECRET_ACTIONS: &[&str] = &["secretsmanager:GetSecretValue"];

/// A one-statement policy, with `extra` merged into the statement (a `null` removes a key).
fn policy(extra: Value) -> Value {
    let mut statement = json!({
        "Sid": "S",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Principal": {"Service": APPFLOW},
    });
    if let (Some(statement), Value::Object(extra)) = (statement.as_object_mut(), extra) {
        for (key, value) in extra {
            if value.is_null() {
                statement.remove(&key);
            } else {
                statement.insert(key, value);
            }
        }
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

fn assert_equivalent(a: &Value, b: &Value, rule: &str) {
    assert!(equivalent(a, b), "{rule}: {a} should equal {b}");
    assert!(equivalent(b, a), "{rule} (reversed): {b} should equal {a}");
    assert_eq!(pretty(a), pretty(b), "{rule}: pretty forms differ");
}

fn assert_different(a: &Value, b: &Value, why: &str) {
    assert!(!equivalent(a, b), "{why}: {a} should differ from {b}");
    assert!(
        !equivalent(b, a),
        "{why} (reversed): {b} should differ from {a}"
    );
}

// ---------------------------------------------------------------------------------------------
// Equivalence rules, one table row each.

#[test]
fn equivalence_rules() {
    let rows: Vec<(&str, Value, Value)> = vec![
        (
            "key order",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
            json!({"Statement": [{"Resource": "*", "Action": "s3:GetObject", "Effect": "Allow"}], "Version": "2012-10-17"}),
        ),
        (
            "statement order",
            json!({"Statement": [
                {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Sid": "B", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}),
            json!({"Statement": [
                {"Sid": "B", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"},
                {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
        ),
        (
            "a single statement object is a one-statement list",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
        ),
        (
            "Action string vs list",
            policy(json!({"Action": "kms:Decrypt"})),
            policy(json!({"Action": ["kms:Decrypt"]})),
        ),
        (
            "NotAction string vs list",
            policy(json!({"Action": null, "NotAction": "kms:Decrypt"})),
            policy(json!({"Action": null, "NotAction": ["kms:Decrypt"]})),
        ),
        (
            "Resource string vs list",
            policy(json!({"Resource": "arn:aws:s3:::b"})),
            policy(json!({"Resource": ["arn:aws:s3:::b"]})),
        ),
        (
            "NotResource string vs list",
            policy(json!({"Resource": null, "NotResource": "arn:aws:s3:::b"})),
            policy(json!({"Resource": null, "NotResource": ["arn:aws:s3:::b"]})),
        ),
        (
            "Principal value string vs list",
            policy(json!({"Principal": {"AWS": "arn:aws:iam::111122223333:role/R"}})),
            policy(json!({"Principal": {"AWS": ["arn:aws:iam::111122223333:role/R"]}})),
        ),
        (
            "condition value string vs list",
            policy(json!({"Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}})),
            policy(json!({"Condition": {"StringEquals": {"aws:SourceAccount": ["111122223333"]}}})),
        ),
        (
            "condition values are sets",
            policy(json!({"Condition": {"StringEquals": {"aws:SourceAccount": ["1", "2"]}}})),
            policy(json!({"Condition": {"StringEquals": {"aws:SourceAccount": ["2", "1", "2"]}}})),
        ),
        (
            "a boolean condition value is its text",
            policy(json!({"Condition": {"Bool": {"aws:SecureTransport": false}}})),
            policy(json!({"Condition": {"Bool": {"aws:SecureTransport": "false"}}})),
        ),
        (
            "Action order",
            policy(json!({"Action": ["kms:Decrypt", "kms:Encrypt"]})),
            policy(json!({"Action": ["kms:Encrypt", "kms:Decrypt"]})),
        ),
        (
            "repeated actions",
            policy(json!({"Action": ["kms:Decrypt", "kms:Decrypt"]})),
            policy(json!({"Action": "kms:Decrypt"})),
        ),
        (
            "Resource order",
            policy(json!({"Resource": ["arn:a", "arn:b"]})),
            policy(json!({"Resource": ["arn:b", "arn:a"]})),
        ),
        (
            "Principal order",
            policy(json!({"Principal": {"Service": [APPFLOW, "kms.amazonaws.com"]}})),
            policy(json!({"Principal": {"Service": ["kms.amazonaws.com", APPFLOW]}})),
        ),
        (
            "\"*\" is {\"AWS\": \"*\"}",
            policy(json!({"Principal": "*"})),
            policy(json!({"Principal": {"AWS": "*"}})),
        ),
        (
            "\"*\" is {\"AWS\": [\"*\"]}",
            policy(json!({"Principal": "*"})),
            policy(json!({"Principal": {"AWS": ["*"]}})),
        ),
        (
            "action names ignore case",
            policy(json!({"Action": "KMS:decrypt"})),
            policy(json!({"Action": "kms:Decrypt"})),
        ),
        (
            "a bare account id is the account's root",
            policy(json!({"Principal": {"AWS": "111122223333"}})),
            policy(json!({"Principal": {"AWS": "arn:aws:iam::111122223333:root"}})),
        ),
        (
            "a bare account id in a list",
            policy(
                json!({"Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:role/R"]}}),
            ),
            policy(
                json!({"Principal": {"AWS": ["arn:aws:iam::444455556666:role/R", "arn:aws:iam::111122223333:root"]}}),
            ),
        ),
        (
            "a missing Sid is an empty Sid",
            policy(json!({"Sid": ""})),
            policy(json!({"Sid": null})),
        ),
        (
            "a missing Version is an empty Version",
            json!({"Version": "", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        ),
        (
            "Effect ignores case",
            policy(json!({"Effect": "allow"})),
            policy(json!({"Effect": "Allow"})),
        ),
        (
            "a principal type with no values is absent",
            policy(json!({"Principal": {"Service": APPFLOW, "AWS": []}})),
            policy(json!({})),
        ),
        (
            "condition keys in any order",
            policy(
                json!({"Condition": {"StringEquals": {"aws:SourceAccount": "1"}, "ArnLike": {"aws:SourceArn": "arn:x"}}}),
            ),
            policy(
                json!({"Condition": {"ArnLike": {"aws:SourceArn": "arn:x"}, "StringEquals": {"aws:SourceAccount": "1"}}}),
            ),
        ),
    ];
    for (rule, a, b) in rows {
        assert_equivalent(&a, &b, rule);
    }
}

#[test]
fn differences_that_matter() {
    let base =
        policy(json!({"Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}));
    let rows: Vec<(&str, Value)> = vec![
        (
            "a different Sid",
            policy(
                json!({"Sid": "Other", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
            ),
        ),
        (
            "no Sid",
            policy(
                json!({"Sid": "", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
            ),
        ),
        (
            "a different Effect",
            policy(
                json!({"Effect": "Deny", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
            ),
        ),
        (
            "an extra action",
            policy(
                json!({"Action": ["kms:Decrypt", "kms:Encrypt"], "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
            ),
        ),
        (
            "a different condition value",
            policy(json!({"Condition": {"StringEquals": {"aws:SourceAccount": "444455556666"}}})),
        ),
        (
            "a different condition operator",
            policy(json!({"Condition": {"StringLike": {"aws:SourceAccount": "111122223333"}}})),
        ),
        ("no condition", policy(json!({}))),
        (
            "a different principal",
            policy(
                json!({"Principal": {"Service": "s3.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
            ),
        ),
        (
            "a different resource",
            policy(
                json!({"Resource": "arn:aws:kms:us-east-1:111122223333:key/k", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
            ),
        ),
        (
            "Action turned NotAction",
            policy(
                json!({"Action": null, "NotAction": "kms:Decrypt", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}),
            ),
        ),
        ("a different Version", {
            let mut other = base.clone();
            other["Version"] = json!("2008-10-17");
            other
        }),
    ];
    for (why, other) in rows {
        assert_different(&base, &other, why);
    }
    let two = json!({"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*"}, {"Effect": "Allow", "Action": "a:b", "Resource": "*"}]});
    let one = json!({"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*"}]});
    assert_different(&two, &one, "a repeated statement");
    assert_different(
        &policy(json!({"Resource": "arn:A"})),
        &policy(json!({"Resource": "arn:a"})),
        "resources keep their case",
    );
    assert_different(
        &policy(json!({"Principal": {"AWS": "111122223333"}})),
        &policy(json!({"Principal": {"AWS": "arn:aws:iam::111122223333:role/R"}})),
        "an account is not one of its roles",
    );
}

#[test]
fn pretty_is_the_canonical_form_with_two_space_indentation() {
    let doc = json!({"Statement": {"Resource": "*", "Action": ["kms:Encrypt", "kms:Decrypt"], "Principal": "*", "Effect": "Allow"}, "Version": "2012-10-17"});
    let expected = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": [
          "*"
        ]
      },
      "Action": [
        "kms:decrypt",
        "kms:encrypt"
      ],
      "Resource": [
        "*"
      ]
    }
  ]
}"#;
    assert_eq!(pretty(&doc), expected);
}

#[test]
fn normalize_accepts_anything_without_panicking() {
    for value in [
        json!(null),
        json!(3),
        json!("text"),
        json!([1, {"b": 1, "a": 2}]),
        json!({"Statement": 5}),
        json!({"Statement": [1, "x", null, {"Action": {"odd": true}, "Principal": 7, "Condition": []}]}),
        json!({"Statement": [{"Action": [1, {"x": 1}], "Principal": {"AWS": {"x": 1}}, "Condition": {"Op": 1}}]}),
    ] {
        let canonical = normalize(&value);
        assert!(equivalent(&value, &canonical), "{value}");
        assert_eq!(
            normalize(&canonical),
            canonical,
            "normalize is idempotent on {value}"
        );
        let _ = pretty(&value);
        let _ = grants_service(&value, APPFLOW, KMS_ACTIONS);
        let _ = allows_account_admin(&value, None);
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing.

#[test]
fn parse_accepts_a_policy() {
    let doc = parse(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#,
    );
    assert!(doc.is_ok(), "{doc:?}");
}

#[test]
fn parse_reports_where_json_breaks() {
    let Err(PolicyError::Json {
        line,
        column,
        message,
    }) = parse("{\n  \"Statement\": [,]\n}")
    else {
        panic!("expected a JSON error");
    };
    assert_eq!((line, column), (2, 17));
    assert!(!message.contains("at line"), "{message}");
}

#[test]
fn parse_says_what_is_expected() {
    let cases: Vec<(&str, PolicyError)> = vec![
        ("[]", PolicyError::NotAnObject { found: "a list" }),
        ("{}", PolicyError::MissingStatement),
        (
            r#"{"Statement": "x"}"#,
            PolicyError::StatementNotObjects { found: "a string" },
        ),
        (
            r#"{"Statement": [{"Effect": "Allow"}, 3]}"#,
            PolicyError::StatementNotObject {
                statement: "statement 2".into(),
                found: "a number",
            },
        ),
        (
            r#"{"Statement": [{"Action": "*"}]}"#,
            PolicyError::MissingEffect {
                statement: "statement 1".into(),
            },
        ),
        (
            r#"{"Statement": [{"Effect": "Allow"}, {"Sid": "Two", "Effect": "Permit"}]}"#,
            PolicyError::InvalidEffect {
                statement: "statement 2 (Sid \"Two\")".into(),
                found: "\"Permit\"".into(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(text), Err(expected), "{text}");
    }
    let message =
        parse(r#"{"Statement": {"Sid": "X", "Effect": true}}"#).map_err(|e| e.to_string());
    assert_eq!(
        message,
        Err(
            "statement 1 (Sid \"X\") has \"Effect\": true, but it must be \"Allow\" or \"Deny\""
                .into()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The Salesforce guide's policies and the default key policy.

fn guide_kms_policy() -> Value {
    json!({ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "Service": "appflow.amazonaws.com" }, "Action": [ "kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt" ], "Resource": "<KMS key ARN>" } ] })
}

#[test]
fn guide_secret_policy_grants_get_secret_value_unconditioned() {
    let doc = json!({ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "Service": "appflow.amazonaws.com" }, "Action": "secretsmanager:GetSecretValue", "Resource": "<Secret ARN>" } ] });
    assert_eq!(
        grants_service(&doc, APPFLOW, SECRET_ACTIONS),
        Grant {
            missing_actions: vec![],
            unconditioned: true
        }
    );
}

#[test]
fn guide_kms_policy_grants_decrypt_encrypt_generate_data_key() {
    let grant = grants_service(&guide_kms_policy(), APPFLOW, KMS_ACTIONS);
    assert_eq!(
        grant,
        Grant {
            missing_actions: vec![],
            unconditioned: true
        }
    );
}

#[test]
fn guide_confused_deputy_policy_is_conditioned() {
    let doc = json!({ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "Service": "appflow.amazonaws.com" }, "Action": [ "kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt" ], "Resource": "<KMS key ARN>", "Condition": { "StringEquals": { "aws:SourceAccount":"<Account ID>" }, "ArnLike": { "aws:SourceArn":"<Resource ARNs>" } } } ] });
    assert_eq!(
        grants_service(&doc, APPFLOW, KMS_ACTIONS),
        Grant {
            missing_actions: vec![],
            unconditioned: false
        }
    );
}

#[test]
fn default_key_policy_allows_admin() {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]});
    assert!(allows_account_admin(&doc, Some("111122223333")));
    assert!(allows_account_admin(&doc, None));
    assert!(!allows_account_admin(&doc, Some("444455556666")));
    // The same key policy grants AppFlow nothing.
    let grant = grants_service(&doc, APPFLOW, KMS_ACTIONS);
    assert_eq!(grant.missing_actions, KMS_ACTIONS);
    assert!(!grant.unconditioned);
}

// ---------------------------------------------------------------------------------------------
// grants_service details.

#[test]
fn grants_follow_wildcards_principals_and_denies() {
    let grant =
        |statements: Value| grants_service(&json!({"Statement": statements}), APPFLOW, KMS_ACTIONS);
    let allow = |principal: Value, action: Value| json!({"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"});
    let service = json!({"Service": APPFLOW});
    let all = Vec::<String>::new();

    assert_eq!(
        grant(allow(service.clone(), json!("kms:*"))).missing_actions,
        all,
        "kms:*"
    );
    assert_eq!(
        grant(allow(service.clone(), json!("*"))).missing_actions,
        all,
        "*"
    );
    assert_eq!(
        grant(allow(service.clone(), json!("KMS:*crypt"))).missing_actions,
        ["kms:GenerateDataKey"],
        "case and mid-pattern *"
    );
    assert_eq!(
        grant(allow(service.clone(), json!("kms:?ncrypt"))).missing_actions,
        ["kms:Decrypt", "kms:GenerateDataKey"],
        "?"
    );
    assert_eq!(
        grant(allow(json!("*"), json!("kms:*"))).missing_actions,
        all,
        "Principal *"
    );
    assert_eq!(
        grant(allow(json!({"AWS": "*"}), json!("kms:*"))).missing_actions,
        all,
        "AWS *"
    );
    assert_eq!(
        grant(allow(
            json!({"Service": ["s3.amazonaws.com", "APPFLOW.amazonaws.com"]}),
            json!("kms:*")
        ))
        .missing_actions,
        all,
        "service list"
    );
    assert_eq!(
        grant(allow(
            json!({"Service": "s3.amazonaws.com"}),
            json!("kms:*")
        ))
        .missing_actions,
        KMS_ACTIONS,
        "another service"
    );
    assert_eq!(
        grant(allow(
            json!({"AWS": "arn:aws:iam::111122223333:root"}),
            json!("kms:*")
        ))
        .missing_actions,
        KMS_ACTIONS,
        "an account"
    );
    assert_eq!(
        grant(json!({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})).missing_actions,
        KMS_ACTIONS,
        "no principal"
    );
    assert_eq!(
        grant(json!({"Effect": "Allow", "Principal": service.clone(), "NotAction": "kms:Encrypt", "Resource": "*"})).missing_actions,
        ["kms:Encrypt"],
        "NotAction"
    );

    let deny =
        json!({"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"});
    assert_eq!(
        grant(json!([allow(service.clone(), json!("kms:*")), deny])).missing_actions,
        ["kms:Decrypt"],
        "explicit deny"
    );
    let conditional_deny = json!({"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
    assert_eq!(
        grant(json!([
            allow(service.clone(), json!("kms:*")),
            conditional_deny
        ]))
        .missing_actions,
        all,
        "conditional deny"
    );
}

#[test]
fn one_unconditioned_statement_makes_the_grant_unconditioned() {
    let conditioned = json!({"Effect": "Allow", "Principal": {"Service": APPFLOW}, "Action": "kms:*", "Resource": "*",
        "Condition": {"StringEquals": {"AWS:SOURCEACCOUNT": "111122223333"}}});
    let open = json!({"Effect": "Allow", "Principal": {"Service": APPFLOW}, "Action": "kms:Decrypt", "Resource": "*"});
    let only_conditioned = grants_service(
        &json!({"Statement": [conditioned.clone()]}),
        APPFLOW,
        KMS_ACTIONS,
    );
    assert!(
        !only_conditioned.unconditioned,
        "condition keys are case-insensitive"
    );
    let both = grants_service(
        &json!({"Statement": [conditioned, open]}),
        APPFLOW,
        KMS_ACTIONS,
    );
    assert!(both.unconditioned);
    let other_condition = json!({"Statement": {"Effect": "Allow", "Principal": {"Service": APPFLOW}, "Action": "kms:*", "Resource": "*",
        "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}}});
    assert!(grants_service(&other_condition, APPFLOW, KMS_ACTIONS).unconditioned);
    let if_exists = json!({"Statement": {"Effect": "Allow", "Principal": {"Service": APPFLOW}, "Action": "kms:*", "Resource": "*",
        "Condition": {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:appflow:*"}}}});
    assert!(
        !grants_service(&if_exists, APPFLOW, KMS_ACTIONS).unconditioned,
        "any operator"
    );
}

#[test]
fn account_admin_needs_put_key_policy_for_the_account() {
    let admin = |principal: Value, action: Value| json!({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}]});
    let account = Some("111122223333");
    assert!(allows_account_admin(
        &admin(json!({"AWS": "111122223333"}), json!("kms:PutKeyPolicy")),
        account
    ));
    assert!(allows_account_admin(
        &admin(
            json!({"AWS": ["arn:aws-us-gov:iam::111122223333:root"]}),
            json!("kms:Put*")
        ),
        account
    ));
    assert!(allows_account_admin(
        &admin(json!("*"), json!("*")),
        account
    ));
    assert!(!allows_account_admin(
        &admin(
            json!({"AWS": "arn:aws:iam::111122223333:role/Admin"}),
            json!("kms:*")
        ),
        account
    ));
    assert!(allows_account_admin(
        &admin(
            json!({"AWS": "arn:aws:iam::111122223333:role/Admin"}),
            json!("kms:*")
        ),
        None
    ));
    assert!(!allows_account_admin(
        &admin(json!({"Service": APPFLOW}), json!("kms:*")),
        None
    ));
    assert!(!allows_account_admin(
        &admin(
            json!({"AWS": "111122223333"}),
            json!(["kms:Decrypt", "kms:Get*"])
        ),
        account
    ));
    let denied = json!({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "kms:PutKeyPolicy", "Resource": "*"}]});
    assert!(!allows_account_admin(&denied, account));
}

#[test]
fn glob_matching_is_iam_style() {
    for (pattern, text, expected) in [
        ("*", "", true),
        ("*", "kms:Decrypt", true),
        ("kms:*", "KMS:DECRYPT", true),
        ("secretsmanager:Get*", "secretsmanager:GetSecretValue", true),
        (
            "secretsmanager:Get*",
            "secretsmanager:PutSecretValue",
            false,
        ),
        ("kms:*Key*", "kms:GenerateDataKeyPair", true),
        ("kms:?ecrypt", "kms:Decrypt", true),
        ("kms:?ecrypt", "kms:ecrypt", false),
        ("kms:Decrypt", "kms:Decrypt2", false),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "aXbYbZ", false),
        ("", "", true),
        ("", "x", false),
    ] {
        assert_eq!(glob_match(pattern, text), expected, "{pattern} vs {text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// Every list in a policy is a set, so reversing all of them (and every object's key order)
/// must not change its meaning.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().rev().map(reversed).collect()),
        scalar => scalar.clone(),
    }
}

fn statement_strategy() -> impl Strategy<Value = Value> {
    let actions = prop::sample::subsequence(
        vec![
            "kms:Decrypt",
            "kms:Encrypt",
            "KMS:GenerateDataKey",
            "kms:*",
            "s3:Get*",
        ],
        1..4,
    );
    let resources = prop::sample::subsequence(
        vec![
            "*",
            "arn:aws:kms:us-east-1:111122223333:key/k",
            "arn:aws:s3:::b",
        ],
        1..3,
    );
    let principal = prop_oneof![
        Just(json!("*")),
        Just(json!({"AWS": "*"})),
        Just(json!({"Service": APPFLOW})),
        Just(json!({"AWS": ["111122223333", "arn:aws:iam::444455556666:role/R"]})),
        Just(
            json!({"Service": [APPFLOW, "s3.amazonaws.com"], "AWS": "arn:aws:iam::111122223333:root"})
        ),
    ];
    let condition = prop_oneof![
        Just(None),
        Just(Some(
            json!({"StringEquals": {"aws:SourceAccount": "111122223333"}})
        )),
        Just(Some(
            json!({"ArnLike": {"aws:SourceArn": ["arn:a", "arn:b"]}, "Bool": {"aws:SecureTransport": true}})
        )),
    ];
    (
        prop::option::of(prop::sample::select(vec!["", "A", "B"])),
        prop::sample::select(vec!["Allow", "Deny"]),
        actions,
        any::<bool>(),
        resources,
        principal,
        condition,
    )
        .prop_map(
            |(sid, effect, actions, single_as_string, resources, principal, condition)| {
                let mut statement =
                    json!({"Effect": effect, "Principal": principal, "Resource": resources});
                statement["Action"] = if single_as_string && actions.len() == 1 {
                    json!(actions[0])
                } else {
                    json!(actions)
                };
                if let Some(sid) = sid {
                    statement["Sid"] = json!(sid);
                }
                if let Some(condition) = condition {
                    statement["Condition"] = condition;
                }
                statement
            },
        )
}

fn policy_strategy() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(statement_strategy(), 1..5),
        any::<bool>(),
    )
        .prop_map(|(statements, with_version)| {
            let statement = if statements.len() == 1 {
                statements[0].clone()
            } else {
                json!(statements)
            };
            let mut doc = json!({"Statement": statement});
            if with_version {
                doc["Version"] = json!("2012-10-17");
            }
            doc
        })
}

proptest! {
    #[test]
    fn a_policy_is_equivalent_to_its_canonical_form(doc in policy_strategy()) {
        let canonical = normalize(&doc);
        prop_assert!(equivalent(&doc, &canonical));
        prop_assert_eq!(normalize(&canonical), canonical);
    }

    #[test]
    fn reordering_keys_statements_and_sets_keeps_equivalence(doc in policy_strategy()) {
        let shuffled = reversed(&doc);
        prop_assert!(equivalent(&doc, &shuffled));
        prop_assert_eq!(pretty(&doc), pretty(&shuffled));
        // Round-tripping through text changes nothing either.
        let reparsed: Value = serde_json::from_str(&shuffled.to_string()).expect("valid JSON");
        prop_assert!(equivalent(&doc, &reparsed));
    }

    #[test]
    fn shuffled_statements_stay_equivalent(statements in prop::collection::vec(statement_strategy(), 1..6).prop_shuffle()) {
        let mut sorted = statements.clone();
        sorted.sort_by_key(Value::to_string);
        let (original, reordered) = (json!({"Statement": statements}), json!({"Statement": sorted}));
        prop_assert!(equivalent(&original, &reordered));
    }

    #[test]
    fn normalize_never_panics(doc in any_json()) {
        let canonical = normalize(&doc);
        prop_assert!(equivalent(&doc, &canonical));
        let _ = grants_service(&doc, APPFLOW, KMS_ACTIONS);
        let _ = allows_account_admin(&doc, Some("111122223333"));
    }
}

/// Arbitrary JSON with the policy's key names mixed in, so the normaliser's special cases are hit.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "Statement",
        "Effect",
        "Action",
        "Principal",
        "AWS",
        "Condition",
        "Sid",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z*:]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((key.clone(), inner), 0..4).prop_map(|entries| Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect()
            )),
        ]
    })
}
