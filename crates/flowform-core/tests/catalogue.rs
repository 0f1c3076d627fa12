//! Checks of the connector catalogue's data against the model extract it is generated from, the
//! reference pages, and itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use std::collections::HashSet;

use flowform_core::catalogue::{CONNECTORS, Connector, Constraint, Field, Kind, connector};
use regex::Regex;

/// The connectors of the reference that have a profile configuration, in its order, as
/// (`connectorType`, member name).
const REFERENCE_CONNECTORS: &[(&str, &str)] = &[
    ("Amplitude", "Amplitude"),
    ("Datadog", "Datadog"),
    ("Dynatrace", "Dynatrace"),
    ("Googleanalytics", "GoogleAnalytics"),
    ("Honeycode", "Honeycode"),
    ("Infornexus", "InforNexus"),
    ("Marketo", "Marketo"),
    ("Redshift", "Redshift"),
    ("Salesforce", "Salesforce"),
    ("Servicenow", "ServiceNow"),
    ("Singular", "Singular"),
    ("Slack", "Slack"),
    ("Snowflake", "Snowflake"),
    ("Trendmicro", "Trendmicro"),
    ("Veeva", "Veeva"),
    ("Zendesk", "Zendesk"),
    ("SAPOData", "SAPOData"),
    ("CustomConnector", "CustomConnector"),
    ("Pardot", "Pardot"),
];

/// Every field list of the catalogue, nested blocks included, with a path for messages.
fn field_lists() -> Vec<(String, &'static [Field])> {
    fn walk(path: String, fields: &'static [Field], out: &mut Vec<(String, &'static [Field])>) {
        for field in fields {
            if let Kind::Block(inner) = &field.kind {
                walk(format!("{path}.{}", field.api), inner, out);
            }
        }
        out.push((path, fields));
    }
    let mut out = Vec::new();
    for c in CONNECTORS {
        walk(format!("{}.properties", c.member), c.properties, &mut out);
        walk(format!("{}.credentials", c.member), c.credentials, &mut out);
    }
    out
}

/// Every field of the catalogue with its path.
fn all_fields() -> Vec<(String, &'static Field)> {
    field_lists()
        .into_iter()
        .flat_map(|(path, fields)| fields.iter().map(move |f| (format!("{path}.{}", f.api), f)))
        .collect()
}

/// Every string constraint of a field (its value, list items, map keys and values).
fn constraints(kind: &Kind) -> Vec<&Constraint> {
    match kind {
        Kind::String(c) => vec![c],
        Kind::StringList { item, .. } => vec![item],
        Kind::StringMap { key, value, .. } => vec![key, value],
        Kind::Bool | Kind::Integer { .. } | Kind::Block(_) => vec![],
    }
}

/// The naming rule of SPEC §2, written independently of the catalogue: snake_case, with
/// `oAuth` → `oauth`, `SSO` → `sso`, `PrivateLink` → `private_link`.
fn expected_hcl_name(api: &str) -> String {
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

/// Whether `value` matches `pattern` the way the catalogue's callers will match it.
fn whole_match(pattern: &'static str, value: &str) -> bool {
    let constraint = Constraint {
        pattern: Some(pattern),
        ..Default::default()
    };
    let source = constraint.rust_pattern().expect("has a pattern");
    Regex::new(&source).expect("compiles").is_match(value)
}

fn find<'a>(fields: &'a [Field], hcl: &str) -> &'a Field {
    Field::find(fields, hcl).unwrap_or_else(|| panic!("no field {hcl}"))
}

fn salesforce() -> &'static Connector {
    connector("Salesforce").expect("Salesforce is in the catalogue")
}

#[test]
fn every_connector_of_the_reference_is_present_in_order() {
    let found: Vec<(&str, &str)> = CONNECTORS
        .iter()
        .map(|c| (c.connector_type, c.member))
        .collect();
    assert_eq!(found, REFERENCE_CONNECTORS);
}

#[test]
fn no_connector_is_also_listed_as_without_profile() {
    for t in flowform_core::catalogue::TYPES_WITHOUT_PROFILE {
        assert!(connector(t).is_none(), "{t}");
    }
}

#[test]
fn every_pattern_compiles_as_an_anchored_rust_regex() {
    let mut checked = 0;
    for (path, field) in all_fields() {
        for constraint in constraints(&field.kind) {
            if let Some(source) = constraint.rust_pattern() {
                Regex::new(&source).unwrap_or_else(|e| panic!("{path}: {source}: {e}"));
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} patterns checked");
}

#[test]
fn patterns_match_whole_values_with_java_ascii_classes() {
    // Anchored: AWS matches the whole value.
    assert!(whole_match(r"\S+", "abc"));
    assert!(!whole_match(r"\S+", "a b"));
    assert!(!whole_match(
        "arn:aws:secretsmanager:.*:[0-9]+:.*",
        "xarn:aws:secretsmanager:r:1:s"
    ));
    // Java's \w, \d and \s are ASCII, inside and outside classes.
    assert!(!whole_match(r"[\w]+", "café"));
    assert!(whole_match(r"[\w]+", "cafe_1"));
    assert!(!whole_match(r"^\d{3}$", "١٢٣"));
    assert!(whole_match(r"^\d{3}$", "100"));
    assert!(
        whole_match(r"\S+", "a\u{a0}b"),
        "a non-breaking space is not Java whitespace"
    );
    assert!(whole_match(r"[\s\w/!@#+=.-]*", "my warehouse"));
    assert!(!whole_match(r"[\s\w/!@#+=.-]*", "my\u{2003}warehouse"));
    // Java's `.` stops at every line terminator, not only at `\n`.
    assert!(whole_match(".*", "any thing"));
    assert!(!whole_match(".*", "a\rb"));
    assert!(!whole_match(".*", "a\u{2028}b"));
    assert!(whole_match("[.]", "."));
    assert!(!whole_match("[.]", "x"));
    assert!(whole_match(
        "com.amazonaws.vpce.[\\w/!:@#.\\-]+",
        "com.amazonaws.vpce.us-east-1.vpce-svc-1"
    ));
    // An escaped backslash is not the start of \w.
    assert!(whole_match(r"a\\w", r"a\w"));
}

#[test]
fn hcl_names_follow_the_naming_rule() {
    for (path, field) in all_fields() {
        assert_eq!(field.hcl, expected_hcl_name(field.api), "{path}");
    }
    // The examples the spec spells out.
    for (api, hcl) in [
        ("instanceUrl", "instance_url"),
        ("oAuthRequest", "oauth_request"),
        ("oAuth2GrantType", "oauth2_grant_type"),
        ("oAuth2Credentials", "oauth2_credentials"),
        ("oAuth2Properties", "oauth2_properties"),
        ("oAuthScopes", "oauth_scopes"),
        ("disableSSO", "disable_sso"),
        (
            "usePrivateLinkForMetadataAndAuthorization",
            "use_private_link_for_metadata_and_authorization",
        ),
        ("isRedshiftServerless", "is_redshift_serverless"),
        ("datakey", "datakey"),
        ("apiKey", "api_key"),
    ] {
        assert_eq!(expected_hcl_name(api), hcl);
    }
}

#[test]
fn names_are_unique_within_each_field_list() {
    for (path, fields) in field_lists() {
        let hcl: HashSet<&str> = fields.iter().map(|f| f.hcl).collect();
        let api: HashSet<&str> = fields.iter().map(|f| f.api).collect();
        assert_eq!(hcl.len(), fields.len(), "duplicate HCL name in {path}");
        assert_eq!(api.len(), fields.len(), "duplicate API name in {path}");
    }
}

/// The model extract, read here independently of the generator.
fn extract() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../model/appflow-2020-08-23.json")).expect("JSON")
}

/// Whether the extract marks shape `name` sensitive (for a map: its keys or values).
fn marked_sensitive(shapes: &serde_json::Value, name: &str) -> bool {
    let shape = &shapes[name];
    let own = shape["sensitive"] == serde_json::Value::Bool(true);
    let parts = ["key", "value", "member"].iter().any(|part| {
        shape[*part]
            .as_str()
            .is_some_and(|inner| shapes[inner]["sensitive"] == serde_json::Value::Bool(true))
    });
    own || parts
}

/// SPEC §2: hidden exactly when the model marks the shape sensitive, plus `refresh_token` and
/// `auth_code` — and the four credentials whose shapes the model leaves unmarked (Dynatrace
/// `api_token`, Datadog `application_key`, Infor Nexus `secret_access_key` and `datakey`);
/// every other field, credentials included, is shown.
#[test]
fn sensitivity_follows_the_model_plus_refresh_tokens_and_auth_codes() {
    let doc = extract();
    let shapes = &doc["shapes"];
    let mut hidden_shapes = std::collections::BTreeSet::new();
    let mut shown_credentials = std::collections::BTreeSet::new();
    for (path, field) in all_fields() {
        let expected = marked_sensitive(shapes, field.shape)
            || [
                "refresh_token",
                "auth_code",
                "api_token",
                "application_key",
                "secret_access_key",
                "datakey",
            ]
            .contains(&field.hcl);
        assert_eq!(field.sensitive(), expected, "{path}");
        if field.sensitive() {
            hidden_shapes.insert(field.shape);
        } else if path.contains(".credentials") && !matches!(field.kind, Kind::Block(_)) {
            shown_credentials.insert(field.hcl);
        }
    }
    // The list TOOLCHAIN.md gives from reading the model (maps as their map shape).
    assert_eq!(
        hidden_shapes.into_iter().collect::<Vec<_>>(),
        [
            "AccessKeyId",
            "AccessToken",
            "ApiKey",
            "ApiSecretKey",
            "ApiToken",
            "ApplicationKey",
            "AuthCode",
            "ClientCredentialsArn",
            "ClientSecret",
            "CodeVerifier",
            "CredentialsMap",
            "JwtToken",
            "Key",
            "Password",
            "PrivateKey",
            "RefreshToken",
            "SecretKey",
        ]
    );
    // What reviewers see although it sits in credentials.
    assert_eq!(
        shown_credentials.into_iter().collect::<Vec<_>>(),
        [
            "authentication_type",
            "client_id",
            "custom_authentication_type",
            "oauth2_grant_type",
            "redirect_uri",
            "user_id",
            "username",
        ]
    );
}

/// Every member of every connector structure of the extract is in the catalogue, with the
/// model's required flag, and nothing else is.
#[test]
fn the_catalogue_is_the_extract() {
    let doc = extract();
    let shapes = &doc["shapes"];
    let members = |shape: &str| -> Vec<(String, String)> {
        shapes[shape]["members"]
            .as_array()
            .expect("a structure")
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().expect("name").to_string(),
                    pair[1].as_str().expect("shape").to_string(),
                )
            })
            .collect()
    };
    fn check(
        shapes: &serde_json::Value,
        members: &dyn Fn(&str) -> Vec<(String, String)>,
        shape: &str,
        fields: &'static [Field],
    ) -> usize {
        let expected = members(shape);
        let found: Vec<(String, String)> = fields
            .iter()
            .map(|f| (f.api.to_string(), f.shape.to_string()))
            .collect();
        assert_eq!(found, expected, "{shape}");
        let required: Vec<&str> = shapes[shape]["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let mut count = 0;
        for f in fields {
            assert_eq!(f.required, required.contains(&f.api), "{shape}.{}", f.api);
            count += 1;
            if let Kind::Block(nested) = &f.kind {
                count += check(shapes, members, f.shape, nested);
            }
        }
        count
    }
    let properties = members("ConnectorProfileProperties");
    let credentials = members("ConnectorProfileCredentials");
    assert_eq!(CONNECTORS.len(), properties.len());
    let mut count = 0;
    for (c, (member, shape)) in CONNECTORS.iter().zip(&properties) {
        assert_eq!(c.member, member);
        count += check(shapes, &members, shape, c.properties);
        let (_, credentials_shape) = credentials
            .iter()
            .find(|(m, _)| m == member)
            .expect("credentials member");
        count += check(shapes, &members, credentials_shape, c.credentials);
    }
    assert!(count > 150, "{count}");
}

#[test]
fn length_limits_are_consistent() {
    for (path, field) in all_fields() {
        for c in constraints(&field.kind) {
            if let (Some(min), Some(max)) = (c.min_len, c.max_len) {
                assert!(min <= max, "{path}");
            }
            assert!(
                c.pattern.is_some() || !c.one_of.is_empty(),
                "{path} is unconstrained"
            );
        }
    }
}

#[test]
fn salesforce_credentials_cover_every_grant_type() {
    let creds = salesforce().credentials;
    assert!(matches!(find(creds, "jwt_token").kind, Kind::String(_)));
    let Kind::String(arn) = &find(creds, "client_credentials_arn").kind else {
        panic!("client_credentials_arn is a string");
    };
    assert_eq!(arn.pattern, Some("arn:aws:secretsmanager:.*:[0-9]+:.*"));
    assert_eq!((arn.min_len, arn.max_len), (Some(20), Some(2048)));
    let Kind::String(grant) = &find(creds, "oauth2_grant_type").kind else {
        panic!("oauth2_grant_type is a string");
    };
    assert_eq!(
        grant.one_of,
        ["CLIENT_CREDENTIALS", "AUTHORIZATION_CODE", "JWT_BEARER"]
    );
    let Kind::Block(request) = &find(creds, "oauth_request").kind else {
        panic!("oauth_request is a block");
    };
    assert_eq!(
        request.iter().map(|f| f.hcl).collect::<Vec<_>>(),
        ["auth_code", "redirect_uri", "code_verifier"]
    );
    let props = salesforce().properties;
    assert!(matches!(
        find(props, "use_private_link_for_metadata_and_authorization").kind,
        Kind::Bool
    ));
}

#[test]
fn servicenow_has_the_2023_oauth2_credentials_block() {
    let servicenow = connector("Servicenow").expect("ServiceNow");
    assert_eq!(servicenow.member, "ServiceNow");
    let Kind::Block(oauth2) = &find(servicenow.credentials, "oauth2_credentials").kind else {
        panic!("oauth2_credentials is a block");
    };
    let names: Vec<&str> = oauth2.iter().map(|f| f.hcl).collect();
    assert_eq!(
        names,
        [
            "client_id",
            "client_secret",
            "access_token",
            "refresh_token",
            "oauth_request"
        ]
    );
    assert!(oauth2.iter().all(|f| !f.required));
    let hidden: Vec<&str> = oauth2
        .iter()
        .filter(|f| f.sensitive())
        .map(|f| f.hcl)
        .collect();
    assert_eq!(hidden, ["client_secret", "access_token", "refresh_token"]);
    assert!(find(servicenow.properties, "instance_url").required);
}

#[test]
fn sapodata_properties_have_disable_sso_and_a_port_number() {
    let sap = connector("SAPOData").expect("SAPOData").properties;
    assert!(matches!(find(sap, "disable_sso").kind, Kind::Bool));
    let port = find(sap, "port_number");
    assert!(matches!(port.kind, Kind::Integer { min: 1, max: 65535 }));
    assert!(port.required);
    let Kind::Block(oauth) = &find(sap, "oauth_properties").kind else {
        panic!("oauth_properties is a block");
    };
    assert!(matches!(
        find(oauth, "oauth_scopes").kind,
        Kind::StringList { .. }
    ));
    assert!(oauth.iter().all(|f| f.required));
}

#[test]
fn pardot_properties_have_business_unit_id() {
    let pardot = connector("Pardot").expect("Pardot");
    let Kind::String(id) = &find(pardot.properties, "business_unit_id").kind else {
        panic!("business_unit_id is a string");
    };
    assert_eq!(id.max_len, Some(18));
    assert!(Field::find(pardot.credentials, "client_credentials_arn").is_some());
}

#[test]
fn custom_connector_has_every_authentication_block() {
    let custom = connector("CustomConnector").expect("CustomConnector");
    let names: Vec<&str> = custom.credentials.iter().map(|f| f.hcl).collect();
    assert_eq!(
        names,
        [
            "authentication_type",
            "basic",
            "oauth2",
            "api_key",
            "custom"
        ]
    );
    let Kind::String(auth) = &find(custom.credentials, "authentication_type").kind else {
        panic!("authentication_type is a string");
    };
    assert_eq!(auth.one_of, ["OAUTH2", "APIKEY", "BASIC", "CUSTOM"]);
    let Kind::Block(custom_auth) = &find(custom.credentials, "custom").kind else {
        panic!("custom is a block");
    };
    assert!(matches!(
        find(custom_auth, "credentials_map").kind,
        Kind::StringMap {
            max_entries: Some(50),
            ..
        }
    ));
    assert!(matches!(
        find(custom.properties, "profile_properties").kind,
        Kind::StringMap { .. }
    ));
    assert!(matches!(
        find(custom.properties, "oauth2_properties").kind,
        Kind::Block(_)
    ));
}

#[test]
fn snowflake_has_key_pair_authentication_and_an_optional_password() {
    let snowflake = connector("Snowflake").expect("Snowflake").credentials;
    assert!(find(snowflake, "username").required);
    assert!(!find(snowflake, "password").required);
    let key = find(snowflake, "private_key");
    assert!(!key.required && key.sensitive());
}

#[test]
fn redshift_has_its_serverless_fields() {
    let redshift = connector("Redshift").expect("Redshift").properties;
    for name in [
        "is_redshift_serverless",
        "workgroup_name",
        "database_name",
        "data_api_role_arn",
    ] {
        assert!(!find(redshift, name).required, "{name}");
    }
    assert!(find(redshift, "bucket_name").required);
    assert!(find(redshift, "role_arn").required);
}
