//! Proof that the model extract (`model/appflow-2020-08-23.json`), read here on its own, is what
//! flowform implements end to end: every member of every connector's properties and credentials
//! (nested structures included)
//!
//! 1. is accepted by `validate` (the parser) under its snake_case HCL name,
//! 2. arrives at the service under its API name (the applier's mapping, sent with the AWS SDK to
//!    the in-process sandbox, read back from the profile and from AppFlow's credentials secret),
//! 3. is shown or hidden in the text, markdown and JSON plans exactly as SPEC §2 says: hidden
//!    when the model marks its shape sensitive, and `refresh_token` and `auth_code`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use std::collections::BTreeMap;

use aws_sdk_appflow::config::{BehaviorVersion, Credentials, Region};
use flowform_core::Value;
use flowform_planner::PlanOptions;
use flowform_state::{DigestKey, Lineage, State};
use flowform_views::plan_json::{self as json, JsonMeta};
use flowform_views::style::plain;
use serde_json::{Map, json};

type Json = serde_json::Value;

/// Hidden although the model does not mark them (SPEC §2).
const ALSO_HIDDEN: &[&str] = &[
    "refreshToken",
    "authCode",
    "apiToken",
    "applicationKey",
    "secretAccessKey",
    "datakey",
];

fn extract() -> Json {
    serde_json::from_str(include_str!("../../../model/appflow-2020-08-23.json")).expect("JSON")
}

/// SPEC §2's naming rule, written here on its own: snake_case, `oAuth` → `oauth`, `SSO` → `sso`.
fn hcl_name(api: &str) -> String {
    let spelled = api.replace("oAuth", "oauth").replace("SSO", "Sso");
    let mut out = String::new();
    for c in spelled.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn whole_match(pattern: &str, value: &str) -> bool {
    regex::Regex::new(&format!("^(?:{pattern})$"))
        .expect("compiles")
        .is_match(value)
}

/// One leaf of a profile: where it is, its value, and whether SPEC §2 hides it.
struct Leaf {
    profile: String,
    /// `credentials.oauth_request.auth_code`
    hcl_path: String,
    api_value: Json,
    hidden: bool,
}

struct Generator<'a> {
    shapes: &'a Json,
    counter: usize,
    /// The client credentials secret's ARN, for `clientCredentialsArn`.
    secret_arn: String,
    leaves: Vec<Leaf>,
}

impl Generator<'_> {
    fn marker(&mut self) -> String {
        self.counter += 1;
        format!("mk{}z", self.counter)
    }

    fn sensitive(&self, shape: &str) -> bool {
        let s = &self.shapes[shape];
        let marked =
            |name: Option<&str>| name.is_some_and(|n| self.shapes[n]["sensitive"] == json!(true));
        marked(Some(shape)) || marked(s["key"].as_str()) || marked(s["value"].as_str())
    }

    /// A valid value of string shape `shape`, unique where the pattern allows.
    fn string(&mut self, shape: &str) -> String {
        let s = &self.shapes[shape];
        if shape == "ClientCredentialsArn" {
            return self.secret_arn.clone();
        }
        if let Some(values) = s["enum"].as_array() {
            // JWT_BEARER: the grant type whose rule (a jwt_token) every profile here satisfies.
            let all: Vec<&str> = values.iter().filter_map(Json::as_str).collect();
            return if all.contains(&"JWT_BEARER") {
                "JWT_BEARER"
            } else {
                all[0]
            }
            .to_owned();
        }
        let m = self.marker();
        let min = s["min"].as_u64().unwrap_or(0) as usize;
        let candidates = [
            m.clone(),
            format!("https://{m}.example.com"),
            format!("arn:aws:iam::123456789012:role/{m}"),
            format!("com.amazonaws.vpce.us-east-1.vpce-svc-{m}"),
            format!("{m}.{m}.{m}"),
            "123".to_owned(),
            "EN".to_owned(),
        ];
        candidates
            .iter()
            .map(|c| format!("{c}{}", "a".repeat(min.saturating_sub(c.len()))))
            .find(|c| {
                s["max"].as_u64().is_none_or(|max| c.len() as u64 <= max)
                    && s["pattern"].as_str().is_none_or(|p| whole_match(p, c))
            })
            .unwrap_or_else(|| panic!("no value for {shape}"))
    }

    /// HCL for every member of structure `shape`, and the API's JSON for it.
    fn structure(
        &mut self,
        profile: &str,
        shape: &str,
        path: &str,
        indent: usize,
    ) -> (String, Json) {
        let mut hcl = String::new();
        let mut api = Map::new();
        let pad = " ".repeat(indent);
        let members: Vec<(String, String)> = self.shapes[shape]["members"]
            .as_array()
            .expect("structure")
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (member, member_shape) in members {
            let name = hcl_name(&member);
            let leaf_path = format!("{path}.{name}");
            let hidden = self.sensitive(&member_shape) || ALSO_HIDDEN.contains(&member.as_str());
            let (text, value) = match self.shapes[&member_shape]["type"].as_str() {
                Some("structure") => {
                    let (inner, value) =
                        self.structure(profile, &member_shape, &leaf_path, indent + 2);
                    hcl.push_str(&format!("{pad}{name} {{\n{inner}{pad}}}\n"));
                    api.insert(member, value);
                    continue;
                }
                Some("string") => {
                    let v = self.string(&member_shape);
                    (format!("{v:?}"), json!(v))
                }
                Some("boolean") => ("true".to_owned(), json!(true)),
                Some("integer") => ("443".to_owned(), json!(443)),
                Some("list") => {
                    let item = self.shapes[&member_shape]["member"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    let v = self.string(&item);
                    (format!("[{v:?}]"), json!([v]))
                }
                Some("map") => {
                    let (k, v) = (self.marker(), self.marker());
                    (format!("{{ {k} = {v:?} }}"), json!({ k: v }))
                }
                other => panic!("{shape}.{member}: {other:?}"),
            };
            hcl.push_str(&format!("{pad}{name} = {text}\n"));
            self.leaves.push(Leaf {
                profile: profile.to_owned(),
                hcl_path: leaf_path,
                api_value: value.clone(),
                hidden,
            });
            api.insert(member, value);
        }
        (hcl, Json::Object(api))
    }
}

fn appflow_client(endpoint: &str) -> aws_sdk_appflow::Client {
    let config = aws_sdk_appflow::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_appflow::Client::from_conf(config)
}

fn secrets_client(endpoint: &str) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// The value at a dotted path of HCL names inside a plan's JSON `after` (or `after_sensitive`).
fn at<'a>(value: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(value, |v, step| v.get(step))
}

#[tokio::test]
async fn every_member_of_the_model_validates_reaches_the_wire_and_is_shown_as_spec_says() {
    let doc = extract();
    let shapes = &doc["shapes"];
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("sandbox");
    let endpoint = sandbox.endpoint();
    let appflow = appflow_client(&endpoint);
    let secrets = secrets_client(&endpoint);

    // The connected app's secret that clientCredentialsArn names, readable by AppFlow.
    let secret = secrets
        .create_secret()
        .name("connected-app")
        .secret_string(r#"{"clientId":"id","clientSecret":"secret"}"#)
        .send()
        .await
        .expect("secret");
    let secret_arn = secret.arn().expect("arn").to_owned();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "appflow.amazonaws.com"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
    secrets
        .put_resource_policy()
        .secret_id(&secret_arn)
        .resource_policy(policy.to_string())
        .send()
        .await
        .expect("policy");

    // One profile per connector, every member set.
    let mut generator = Generator {
        shapes,
        counter: 0,
        secret_arn,
        leaves: Vec::new(),
    };
    let types: Vec<&str> = shapes["ConnectorType"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let credentials: Map<String, Json> = shapes["ConnectorProfileCredentials"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].clone()))
        .collect();
    let mut hcl = String::new();
    let mut expected_api: BTreeMap<String, (String, Json, Json)> = BTreeMap::new();
    for pair in shapes["ConnectorProfileProperties"]["members"]
        .as_array()
        .unwrap()
    {
        let (member, properties_shape) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        let connector_type = *types
            .iter()
            .find(|t| t.eq_ignore_ascii_case(member))
            .expect("a connectorType");
        let label = member.to_ascii_lowercase();
        let (props, props_api) = generator.structure(&label, properties_shape, "properties", 4);
        let credentials_shape = credentials[member].as_str().unwrap();
        let (creds, creds_api) = generator.structure(&label, credentials_shape, "credentials", 4);
        let connector_label = if connector_type == "CustomConnector" {
            "  connector_label = \"MyConnector\"\n"
        } else {
            ""
        };
        hcl.push_str(&format!(
            "connector_profile \"{label}\" {{\n  name = \"p-{label}\"\n  connector_type = \"{connector_type}\"\n  connection_mode = \"Public\"\n{connector_label}  properties {{\n{props}  }}\n  credentials {{\n{creds}  }}\n}}\n\n"
        ));
        expected_api.insert(label, (member.to_owned(), props_api, creds_api));
    }

    // 1. validate.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), &hcl).expect("write");
    let config = match flowform_parser::load(dir.path(), &Default::default()) {
        Ok(config) => config,
        Err(f) => panic!(
            "{}\n{hcl}",
            plain(&flowform_views::diagnostics::text(
                &f.sources,
                &f.diagnostics
            ))
        ),
    };

    // 2. the wire.
    for (label, (member, props_api, creds_api)) in &expected_api {
        let address: flowform_core::Address = format!("connector_profile.{label}")
            .parse()
            .expect("address");
        let values = config.known_before_apply(&address).expect("evaluates");
        let attr = |name: &str| values.get(name).cloned().unwrap_or(Value::Null);
        let connector_type = attr("connector_type").as_str().unwrap().to_owned();
        let sdk = flowform_applier::profile_config::to_sdk(
            &connector_type,
            &attr("properties"),
            Some(&attr("credentials")),
        )
        .unwrap_or_else(|e| panic!("{label}: {e}"));
        let mut create = appflow
            .create_connector_profile()
            .connector_profile_name(format!("p-{label}"))
            .connector_type(
                flowform_applier::profile_config::connector_type(&connector_type).unwrap(),
            )
            .connection_mode(aws_sdk_appflow::types::ConnectionMode::Public)
            .connector_profile_config(sdk);
        if connector_type == "CustomConnector" {
            create = create.connector_label("MyConnector");
        }
        create
            .send()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e:?}"));
        let described = appflow
            .describe_connector_profiles()
            .connector_profile_names(format!("p-{label}"))
            .send()
            .await
            .expect("describe");
        let profile = &described.connector_profile_details()[0];
        let back = flowform_applier::profile_config::properties_from_sdk(
            &connector_type,
            profile.connector_profile_properties().expect("properties"),
        )
        .expect("maps back");
        assert_eq!(back, attr("properties"), "{label}: properties on the wire");
        let stored = secrets
            .get_secret_value()
            .secret_id(profile.credentials_arn().expect("credentials arn"))
            .send()
            .await
            .expect("AppFlow's credentials secret");
        let stored: Json = serde_json::from_str(stored.secret_string().unwrap()).unwrap();
        assert_eq!(&stored, creds_api, "{label}: credentials on the wire");
        // The sandbox stored the properties under the API's names (the SDK read them back by
        // those names); the member is the connector's own.
        let members = json!({ member.as_str(): props_api });
        assert_eq!(members.as_object().map(Map::len), Some(1));
    }

    // 3. shown or hidden, in every view of the plan.
    let state = State::with_identity(Lineage::generate(), DigestKey::from_bytes([1; 32]), "0.1.0");
    let for_tools = PlanOptions {
        for_tools: true,
        ..PlanOptions::default()
    };
    let plan = flowform_planner::plan(&config, &state, &for_tools).expect("plan");
    let text = plain(&flowform_views::plan_text::render(&plan));
    let markdown = flowform_views::plan_markdown::render(&plan).concat();
    let json_plan = serde_json::to_value(json::render(&plan, &JsonMeta::new("test"))).unwrap();
    let changes = json_plan["resource_changes"].as_array().unwrap();
    let (mut hidden, mut shown) = (0, 0);
    for leaf in &generator.leaves {
        let change = changes
            .iter()
            .find(|c| c["address"] == json!(format!("connector_profile.{}", leaf.profile)))
            .expect("the profile's change");
        let after = at(&change["change"]["after"], &leaf.hcl_path);
        let marked = at(&change["change"]["after_sensitive"], &leaf.hcl_path) == Some(&json!(true));
        let strings: Vec<String> = match &leaf.api_value {
            Json::String(s) => vec![s.clone()],
            Json::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            Json::Object(map) => map
                .iter()
                .flat_map(|(k, v)| [k.clone(), v.as_str().unwrap().to_owned()])
                .collect(),
            _ => vec![],
        };
        let what = format!("{}.{}", leaf.profile, leaf.hcl_path);
        if leaf.hidden {
            assert!(marked, "{what}: not marked sensitive in the JSON plan");
            assert!(
                after.is_none_or(Json::is_null),
                "{what}: a value in the JSON plan"
            );
            for s in &strings {
                assert!(!text.contains(s.as_str()), "{what}: in the text plan");
                assert!(
                    !markdown.contains(s.as_str()),
                    "{what}: in the markdown plan"
                );
                assert!(
                    !json_plan.to_string().contains(s.as_str()),
                    "{what}: in the JSON plan"
                );
            }
            hidden += 1;
        } else {
            assert!(!marked, "{what}: marked sensitive in the JSON plan");
            assert_eq!(after, Some(&leaf.api_value), "{what}: the JSON plan");
            for s in &strings {
                assert!(text.contains(s.as_str()), "{what}: not in the text plan");
                assert!(
                    markdown.contains(s.as_str()),
                    "{what}: not in the markdown plan"
                );
            }
            shown += 1;
        }
    }
    assert_eq!(generator.leaves.len(), hidden + shown);
    assert!(
        // 63 the model marks, plus refresh tokens, auth codes and the four credentials its
        // shapes leave unmarked (see `ALSO_HIDDEN`).
        hidden == 67 && shown == 71,
        "{hidden} hidden, {shown} shown"
    );
}
