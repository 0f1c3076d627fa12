//! Every folder under `examples/` is a configuration a user copies as it is, so each must load
//! with no error and no warning using only what the folder holds (its `*.auto.vars.hcl`
//! stand-ins), whatever the environment of the machine running the tests.
//!
//! The folders are discovered, not listed: a new example is covered the day it is added. A few
//! examples are then spot-checked for the shape they promise in their README.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_core::catalogue::CONNECTORS;
use flowform_core::{Address, ResourceKind, Value};
use flowform_parser::{Config, VariableInputs, load};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Every example folder, by name.
fn example_names() -> Vec<String> {
    let dir = examples_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry"))
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Loads an example and insists on no errors and no warnings, showing them as a user would see
/// them when there are any.
fn load_clean(name: &str) -> Config {
    let dir = examples_dir().join(name);
    match load(&dir, &VariableInputs::default()) {
        Ok(config) => {
            assert!(
                config.warnings.is_empty(),
                "examples/{name} loads, but with warnings:\n{}",
                flowform_views::style::plain(&flowform_views::diagnostics::text(
                    &config.sources,
                    &config.warnings
                ))
            );
            config
        }
        Err(failure) => panic!(
            "examples/{name} does not load:\n{}",
            flowform_views::style::plain(&flowform_views::diagnostics::text(
                &failure.sources,
                &failure.diagnostics
            ))
        ),
    }
}

/// Every resource's values as `load` checked them (known before apply), by address.
fn known(config: &Config) -> BTreeMap<Address, BTreeMap<String, Value>> {
    config
        .resources
        .keys()
        .map(|a| (a.clone(), config.known_before_apply(a).expect("evaluates")))
        .collect()
}

fn count(config: &Config, kind: ResourceKind) -> usize {
    config.resources_of(kind).count()
}

fn profile<'a>(config: &'a Config, label: &str) -> &'a flowform_parser::Resource {
    let address = Address::new(ResourceKind::ConnectorProfile, label);
    config
        .resources
        .get(&address)
        .unwrap_or_else(|| panic!("{address} is missing"))
}

/// A string attribute, through any sensitive mark.
fn text<'a>(attributes: &'a BTreeMap<String, Value>, name: &str) -> Option<&'a str> {
    attributes.get(name).and_then(Value::as_str)
}

/// The object at `path` inside a resource's attributes (`["credentials", "oauth2"]`).
fn object<'a>(
    attributes: &'a BTreeMap<String, Value>,
    path: &[&str],
) -> &'a BTreeMap<String, Value> {
    let mut current = attributes;
    for step in path {
        match current.get(*step).map(Value::peel) {
            Some(Value::Object(map)) => current = map,
            other => panic!("{} is not an object: {other:?}", path.join(".")),
        }
    }
    current
}

fn keys(map: &BTreeMap<String, Value>) -> BTreeSet<&str> {
    map.keys().map(String::as_str).collect()
}

#[test]
fn every_example_loads_without_errors_or_warnings() {
    let names = example_names();
    // Guards the discovery itself: a wrong path would otherwise make this test pass vacuously.
    for expected in [
        "salesforce-jwt",
        "bring-your-own-key",
        "salesforce-client-credentials",
        "servicenow-oauth2",
        "custom-connector",
        "custom-connector-dynamic-auth",
        "all-connectors",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "examples/{expected} not found among {names:?}"
        );
    }
    for name in &names {
        let config = load_clean(name);
        assert!(
            !config.resources.is_empty(),
            "examples/{name} declares no resources"
        );
    }
}

#[test]
fn all_connectors_has_one_profile_per_catalogued_connector() {
    let config = load_clean("all-connectors");
    let values = known(&config);
    assert_eq!(
        count(&config, ResourceKind::ConnectorProfile),
        CONNECTORS.len()
    );
    assert_eq!(
        CONNECTORS.len(),
        19,
        "the catalogue changed: update the example"
    );
    let types: BTreeSet<&str> = config
        .resources_of(ResourceKind::ConnectorProfile)
        .filter_map(|r| text(&values[&r.address], "connector_type"))
        .collect();
    let catalogued: BTreeSet<&str> = CONNECTORS.iter().map(|c| c.connector_type).collect();
    assert_eq!(types, catalogued);

    let redshift = profile(&config, "redshift");
    let props = object(&values[&redshift.address], &["properties"]);
    assert_eq!(
        props.get("is_redshift_serverless"),
        Some(&Value::Bool(true))
    );
    assert_eq!(text(props, "workgroup_name"), Some("analytics"));
    assert_eq!(
        text(props, "data_api_role_arn"),
        Some("arn:aws:iam::123456789012:role/AppFlowRedshiftDataApiAccess")
    );

    let sap = profile(&config, "sap_odata");
    let props = object(&values[&sap.address], &["properties"]);
    assert_eq!(text(props, "client_number"), Some("100"));
    assert_eq!(props.get("port_number"), Some(&Value::Number(443.into())));
    assert_eq!(props.get("disable_sso"), Some(&Value::Bool(true)));
    let scopes = object(&values[&sap.address], &["properties", "oauth_properties"]);
    assert_eq!(
        scopes.get("oauth_scopes"),
        Some(&Value::List(vec![Value::String(
            "API_BUSINESS_PARTNER_0001".into()
        )]))
    );
    // Credentials come from the stand-ins, and stay marked sensitive.
    let sap_credentials = values[&sap.address]
        .get("credentials")
        .expect("credentials");
    assert!(sap_credentials.contains_sensitive());
    let oauth = object(&values[&sap.address], &["credentials", "oauth_credentials"]);
    assert_eq!(text(oauth, "client_id"), Some("example-sap-client-id"));

    let pardot = profile(&config, "pardot");
    assert_eq!(
        text(
            object(&values[&pardot.address], &["properties"]),
            "business_unit_id"
        ),
        Some("0Uv5g000000ExAmPLE")
    );
    let custom = profile(&config, "custom_connector");
    assert_eq!(
        text(&values[&custom.address], "connector_label"),
        Some("acme-crm-connector")
    );
}

#[test]
fn bring_your_own_key_manages_the_policy_of_a_key_it_does_not_create() {
    let config = load_clean("bring-your-own-key");
    let values = known(&config);
    assert_eq!(count(&config, ResourceKind::KmsKey), 0);
    assert_eq!(count(&config, ResourceKind::Secret), 1);
    assert_eq!(count(&config, ResourceKind::KmsKeyPolicy), 1);
    assert_eq!(count(&config, ResourceKind::ConnectorProfile), 1);

    let key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let policy = &config.resources[&Address::new(ResourceKind::KmsKeyPolicy, "appflow")];
    assert_eq!(text(&values[&policy.address], "key_id"), Some(key_arn));
    assert!(policy.lifecycle.prevent_destroy);
    let secret = &config.resources[&Address::new(ResourceKind::Secret, "salesforce_app")];
    assert_eq!(text(&values[&secret.address], "kms_key_id"), Some(key_arn));

    let profile = profile(&config, "salesforce");
    let expected: BTreeSet<Address> = [
        Address::new(ResourceKind::KmsKeyPolicy, "appflow"),
        Address::new(ResourceKind::Secret, "salesforce_app"),
    ]
    .into();
    assert_eq!(profile.references, expected);
    // The ARN is known only once the policy is applied.
    assert_eq!(
        values[&profile.address].get("kms_arn"),
        Some(&Value::Unknown)
    );
}

#[test]
fn salesforce_client_credentials_reads_the_connected_app_from_a_secret() {
    let config = load_clean("salesforce-client-credentials");
    let values = known(&config);
    let profile = profile(&config, "salesforce");
    let credentials = object(&values[&profile.address], &["credentials"]);
    assert_eq!(
        text(credentials, "oauth2_grant_type"),
        Some("CLIENT_CREDENTIALS")
    );
    assert_eq!(
        keys(credentials),
        ["client_credentials_arn", "oauth2_grant_type"].into()
    );
    assert_eq!(
        profile.depends_on,
        vec![Address::new(ResourceKind::KmsKeyPolicy, "salesforce_app")]
    );
    assert!(!values[&profile.address].contains_key("kms_arn"));
}

#[test]
fn servicenow_oauth2_sends_the_2023_oauth2_credentials() {
    let config = load_clean("servicenow-oauth2");
    let values = known(&config);
    let profile = profile(&config, "servicenow");
    assert_eq!(
        text(&values[&profile.address], "connector_type"),
        Some("Servicenow")
    );
    let oauth2 = object(
        &values[&profile.address],
        &["credentials", "oauth2_credentials"],
    );
    assert_eq!(
        keys(oauth2),
        [
            "access_token",
            "client_id",
            "client_secret",
            "oauth_request",
            "refresh_token"
        ]
        .into()
    );
    assert_eq!(
        text(oauth2, "refresh_token"),
        Some("example-servicenow-refresh-token")
    );
    // auth_code defaults to null, which leaves it out.
    let request = object(
        &values[&profile.address],
        &["credentials", "oauth2_credentials", "oauth_request"],
    );
    assert_eq!(keys(request), ["redirect_uri"].into());
}

#[test]
fn custom_connector_shows_oauth2_and_api_key_profiles() {
    let config = load_clean("custom-connector");
    let values = known(&config);
    assert_eq!(count(&config, ResourceKind::ConnectorProfile), 2);

    let oauth2 = profile(&config, "acme_oauth2");
    assert_eq!(
        text(&values[&oauth2.address], "connector_label"),
        Some("acme-crm-connector")
    );
    let properties = object(
        &values[&oauth2.address],
        &["properties", "oauth2_properties"],
    );
    assert_eq!(
        text(properties, "token_url"),
        Some("https://api.acme-crm.example.com/oauth2/token")
    );
    assert_eq!(
        keys(object(properties, &["token_url_custom_properties"])),
        ["audience", "scope"].into()
    );
    let profile_properties = object(
        &values[&oauth2.address],
        &["properties", "profile_properties"],
    );
    assert_eq!(text(profile_properties, "auth_mode"), Some("oauth2"));
    assert_eq!(text(profile_properties, "api_version"), Some("v2"));
    let credentials = object(&values[&oauth2.address], &["credentials"]);
    assert_eq!(text(credentials, "authentication_type"), Some("OAUTH2"));
    assert_eq!(
        keys(object(credentials, &["oauth2"])),
        ["client_id", "client_secret"].into()
    );

    let api_key = profile(&config, "acme_api_key");
    let credentials = object(&values[&api_key.address], &["credentials"]);
    assert_eq!(text(credentials, "authentication_type"), Some("APIKEY"));
    assert_eq!(
        text(object(credentials, &["api_key"]), "api_secret_key"),
        Some("example-acme-api-secret")
    );
}
