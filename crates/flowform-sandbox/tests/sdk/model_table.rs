//! A table of requests generated from the model extract (`model/appflow-2020-08-23.json`),
//! read here on its own: for every member of every connector's properties and credentials
//! (nested structures included) and of the CreateConnectorProfile request itself, each required
//! member left out, each enum, pattern, length and range broken is refused with AWS's exact
//! message, and the edge values (shortest, longest, smallest, largest) are accepted.

use serde_json::{Map, Value, json};

use crate::common::{SIGNED, raw_post, unsigned_sandbox};

fn extract() -> Value {
    serde_json::from_str(include_str!("../../../../model/appflow-2020-08-23.json")).expect("JSON")
}

/// A model pattern as an anchored Rust regex; enough for the ASCII values this table makes.
fn whole_match(pattern: &str, value: &str) -> bool {
    let source = format!("^(?:{pattern})$");
    regex::Regex::new(&source)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .is_match(value)
}

/// AWS's path spelling of a member: a Java bean property.
fn bean(member: &str) -> String {
    let mut chars = member.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_ascii_uppercase() && b.is_ascii_uppercase() => member.into(),
        (Some(a), _) => a.to_ascii_lowercase().to_string() + &member[1..],
        _ => String::new(),
    }
}

struct Table<'a> {
    shapes: &'a Value,
}

impl Table<'_> {
    fn shape(&self, name: &str) -> &Value {
        &self.shapes[name]
    }

    fn members(&self, name: &str) -> Vec<(String, String)> {
        self.shape(name)["members"]
            .as_array()
            .map(|pairs| {
                pairs
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().expect("name").to_owned(),
                            p[1].as_str().expect("shape").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn required(&self, name: &str) -> Vec<String> {
        self.shape(name)["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn bound(&self, name: &str, key: &str) -> Option<i64> {
        self.shape(name)[key].as_i64()
    }

    fn fits(&self, name: &str, value: &str) -> bool {
        let length = value.chars().count() as i64;
        self.bound(name, "min").is_none_or(|min| length >= min)
            && self.bound(name, "max").is_none_or(|max| length <= max)
            && self.shape(name)["pattern"]
                .as_str()
                .is_none_or(|p| whole_match(p, value))
    }

    /// A valid value of string shape `name`.
    fn valid_string(&self, name: &str) -> String {
        if let Some(values) = self.shape(name)["enum"].as_array() {
            return values[0].as_str().expect("enum value").to_owned();
        }
        let long = "a".repeat(43);
        [
            "abc",
            "https://example.com/path",
            "arn:aws:iam::123456789012:role/appflow",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf",
            "010",
            "EN",
            "com.amazonaws.vpce.us-east-1.vpce-svc-1",
            "header.payload.signature",
            &long,
        ]
        .iter()
        .find(|c| self.fits(name, c))
        .unwrap_or_else(|| panic!("no sample for {name}"))
        .to_string()
    }

    /// The smallest valid value of `name`: every required member, nothing else.
    fn minimal(&self, name: &str) -> Value {
        let shape = self.shape(name);
        match shape["type"].as_str() {
            Some("string") => json!(self.valid_string(name)),
            Some("boolean") => json!(true),
            Some("integer") => json!(self.bound(name, "min").unwrap_or(1)),
            Some("list") => json!([self.minimal(shape["member"].as_str().expect("member"))]),
            Some("map") => json!({}),
            Some("structure") => {
                let required = self.required(name);
                Value::Object(
                    self.members(name)
                        .into_iter()
                        .filter(|(m, _)| required.contains(m))
                        .map(|(m, s)| (m, self.minimal(&s)))
                        .collect(),
                )
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// One request of the table and what AWS answers.
struct Case {
    what: String,
    request: Map<String, Value>,
    /// `None`: accepted. `Some((message, value))`: refused with exactly this message, which must
    /// not contain `value` when that is `Some` (a sensitive value).
    refused: Option<(String, Option<String>)>,
}

/// Rules the model cannot express, satisfied so that only the model's constraint is tested.
fn satisfy_hand_rules(member: &str, credentials: &mut Map<String, Value>) {
    match member {
        // authenticationType OAUTH2 comes with its oauth2 block.
        "CustomConnector" => {
            credentials.insert("oauth2".into(), json!({}));
        }
        // A password or a private key.
        "Snowflake" => {
            credentials.insert("password".into(), json!("p"));
        }
        _ => {}
    }
}

fn set(value: &mut Value, path: &[String], leaf: Option<Value>) {
    let Value::Object(map) = value else {
        panic!("not an object at {path:?}");
    };
    match path {
        [last] => match leaf {
            Some(v) => {
                map.insert(last.clone(), v);
            }
            None => {
                map.remove(last);
            }
        },
        [first, rest @ ..] => set(map.get_mut(first).expect("present"), rest, leaf),
        [] => {}
    }
}

fn message(path: &str, value: Option<&str>, sensitive: bool, constraint: &str) -> String {
    let at = match value {
        Some(v) if !sensitive => format!("Value '{v}' at '{path}'"),
        Some(_) => format!("Value at '{path}'"),
        None => format!("Value null at '{path}'"),
    };
    format!("1 validation error detected: {at} failed to satisfy constraint: {constraint}")
}

#[tokio::test]
async fn every_constraint_of_the_model_is_enforced_with_awss_message() {
    let doc = extract();
    let table = Table {
        shapes: &doc["shapes"],
    };
    let types: Vec<String> = doc["shapes"]["ConnectorType"]["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let credentials = table.members("ConnectorProfileCredentials");
    let mut cases: Vec<Case> = Vec::new();

    for (member, properties_shape) in table.members("ConnectorProfileProperties") {
        let connector_type = types
            .iter()
            .find(|t| t.eq_ignore_ascii_case(&member))
            .expect("a connectorType");
        let credentials_shape = &credentials
            .iter()
            .find(|(m, _)| *m == member)
            .expect("credentials")
            .1;
        let mut creds = table.minimal(credentials_shape);
        satisfy_hand_rules(&member, creds.as_object_mut().expect("object"));
        let mut base = json!({
            "connectorProfileName": "p",
            "connectorType": connector_type,
            "connectionMode": "Public",
            "connectorProfileConfig": {
                "connectorProfileProperties": { &member: table.minimal(&properties_shape) },
                "connectorProfileCredentials": { &member: creds },
            },
        });
        if connector_type == "CustomConnector" {
            base["connectorLabel"] = json!("MyConnector");
        }
        for (section, shape) in [
            ("connectorProfileProperties", properties_shape.clone()),
            ("connectorProfileCredentials", credentials_shape.clone()),
        ] {
            let prefix = vec![
                "connectorProfileConfig".to_owned(),
                section.to_owned(),
                member.clone(),
            ];
            walk(&table, &base, &shape, &prefix, &mut cases);
        }
    }
    // The request's own members.
    let request_shape = "CreateConnectorProfileRequest";
    let amplitude = json!({
        "connectorProfileName": "p",
        "connectorType": "Amplitude",
        "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"Amplitude": {}}},
    });
    for required in table.required(request_shape) {
        let mut request = amplitude.clone();
        set(&mut request, std::slice::from_ref(&required), None);
        cases.push(Case {
            what: format!("{request_shape} without {required}"),
            request: request.as_object().expect("object").clone(),
            refused: Some((
                message(&required, None, false, "Member must not be null"),
                None,
            )),
        });
    }

    let sandbox = unsigned_sandbox().await;
    let endpoint = sandbox.endpoint();
    let headers = [
        ("authorization", SIGNED),
        ("content-type", "application/json"),
    ];
    let (mut refused, mut accepted) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let mut request = case.request.clone();
        let name = format!("t{i}");
        // Every case gets a name of its own (unless it is about a missing name).
        if request.contains_key("connectorProfileName") {
            request.insert("connectorProfileName".into(), json!(name));
        }
        let body = Value::Object(request).to_string();
        let (status, _, answer) =
            raw_post(&endpoint, "/create-connector-profile", &headers, &body).await;
        match &case.refused {
            None => {
                assert_eq!(status, 200, "{}: {answer}", case.what);
                let delete = json!({"connectorProfileName": name}).to_string();
                let (status, _, _) =
                    raw_post(&endpoint, "/delete-connector-profile", &headers, &delete).await;
                assert_eq!(status, 200);
                accepted += 1;
            }
            Some((expected, secret)) => {
                assert_eq!(status, 400, "{}: {answer}", case.what);
                let got: Value = serde_json::from_str(&answer).expect("JSON error");
                assert_eq!(
                    got["message"].as_str().unwrap_or_default(),
                    expected,
                    "{}",
                    case.what
                );
                if let Some(secret) = secret {
                    assert!(!answer.contains(secret.as_str()), "{}: echoed", case.what);
                }
                refused += 1;
            }
        }
    }
    assert!(refused > 250, "only {refused} refusals");
    assert!(accepted > 100, "only {accepted} acceptances");
}

/// The cases for every member of structure `shape`, found at `prefix` inside `base`.
fn walk(table: &Table<'_>, base: &Value, shape: &str, prefix: &[String], cases: &mut Vec<Case>) {
    let required = table.required(shape);
    for (member, member_shape) in table.members(shape) {
        let mut path = prefix.to_vec();
        path.push(member.clone());
        let shown: Vec<String> = path.iter().map(|p| bean(p)).collect();
        let shown = shown.join(".");
        let what = format!("{shape}.{member}");
        let s = table.shape(&member_shape);
        let sensitive = s["sensitive"] == json!(true);
        let mut case = |what: String, leaf: Option<Value>, refused: Option<String>| {
            let mut request = base.clone();
            set(&mut request, &path, leaf.clone());
            let secret = match (&leaf, sensitive) {
                (Some(Value::String(v)), true) if !v.is_empty() => Some(v.clone()),
                _ => None,
            };
            cases.push(Case {
                what,
                request: request.as_object().expect("object").clone(),
                refused: refused.map(|m| (m, secret)),
            });
        };
        if required.contains(&member) {
            case(
                format!("{what} missing"),
                None,
                Some(message(&shown, None, false, "Member must not be null")),
            );
        }
        match s["type"].as_str() {
            Some("string") => {
                if let Some(values) = s["enum"].as_array() {
                    let all: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                    // Each value of authenticationType needs its own block (a hand rule).
                    let accepted = if member == "authenticationType" {
                        &all[..1]
                    } else {
                        &all[..]
                    };
                    for v in accepted {
                        case(format!("{what} = {v}"), Some(json!(v)), None);
                    }
                    let constraint =
                        format!("Member must satisfy enum value set: [{}]", all.join(", "));
                    let bad = "NOT_A_VALUE";
                    let refused = message(&shown, Some(bad), sensitive, &constraint);
                    case(
                        format!("{what} not in enum"),
                        Some(json!(bad)),
                        Some(refused),
                    );
                    continue;
                }
                let valid = table.valid_string(&member_shape);
                if let Some(max) = table.bound(&member_shape, "max") {
                    let longest = valid.clone() + &"a".repeat(max as usize - valid.len());
                    // clientCredentialsArn is checked against the secret it names as well.
                    if table.fits(&member_shape, &longest) && member != "clientCredentialsArn" {
                        case(format!("{what} at its longest"), Some(json!(longest)), None);
                    }
                    let too_long = "a".repeat(max as usize + 1);
                    let constraint = format!("Member must have length less than or equal to {max}");
                    let refused = message(&shown, Some(&too_long), sensitive, &constraint);
                    case(
                        format!("{what} too long"),
                        Some(json!(too_long)),
                        Some(refused),
                    );
                }
                if let Some(min) = table.bound(&member_shape, "min").filter(|m| *m > 0) {
                    let too_short = "a".repeat(min as usize - 1);
                    let constraint =
                        format!("Member must have length greater than or equal to {min}");
                    let refused = message(&shown, Some(&too_short), sensitive, &constraint);
                    case(
                        format!("{what} too short"),
                        Some(json!(too_short)),
                        Some(refused),
                    );
                }
                if let Some(pattern) = s["pattern"].as_str() {
                    let min = table.bound(&member_shape, "min").unwrap_or(0) as usize;
                    let bad = ["a b", "a\nb", "-", " "].iter().find_map(|base| {
                        let padded =
                            format!("{base}{}", "a".repeat(min.saturating_sub(base.len())));
                        (!whole_match(pattern, &padded)
                            && table
                                .bound(&member_shape, "max")
                                .is_none_or(|m| padded.len() as i64 <= m))
                        .then_some(padded)
                    });
                    if let Some(bad) = bad {
                        let constraint =
                            format!("Member must satisfy regular expression pattern: {pattern}");
                        let refused = message(&shown, Some(&bad), sensitive, &constraint);
                        case(
                            format!("{what} off pattern"),
                            Some(json!(bad)),
                            Some(refused),
                        );
                    }
                }
            }
            Some("integer") => {
                for (key, step, relation) in [("min", -1, "greater"), ("max", 1, "less")] {
                    if let Some(bound) = table.bound(&member_shape, key) {
                        case(format!("{what} = {key}"), Some(json!(bound)), None);
                        let bad = bound + step;
                        let constraint =
                            format!("Member must have value {relation} than or equal to {bound}");
                        let refused = message(&shown, Some(&bad.to_string()), false, &constraint);
                        case(
                            format!("{what} beyond {key}"),
                            Some(json!(bad)),
                            Some(refused),
                        );
                    }
                }
            }
            Some("map") => {
                if let Some(max) = table.bound(&member_shape, "max") {
                    let full: Map<String, Value> =
                        (0..max).map(|i| (format!("k{i}"), json!("v"))).collect();
                    case(
                        format!("{what} full"),
                        Some(Value::Object(full.clone())),
                        None,
                    );
                    let mut over = full;
                    over.insert("extra".into(), json!("v"));
                    let constraint = format!("Member must have length less than or equal to {max}");
                    let refused = message(&shown, None, true, &constraint)
                        .replace("Value null at", "Value at");
                    case(
                        format!("{what} over"),
                        Some(Value::Object(over)),
                        Some(refused),
                    );
                }
            }
            Some("structure") => {
                // Present with only its required members, then each of its own members.
                let mut nested_base = base.clone();
                set(&mut nested_base, &path, Some(table.minimal(&member_shape)));
                if !required.contains(&member) {
                    cases.push(Case {
                        what: format!("{what} present"),
                        request: nested_base.as_object().expect("object").clone(),
                        refused: None,
                    });
                }
                walk(table, &nested_base, &member_shape, &path, cases);
            }
            _ => {}
        }
    }
}
