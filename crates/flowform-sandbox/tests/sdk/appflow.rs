//! AppFlow connector profiles through the SDK: the life cycle, every documented error with its
//! status code, idempotency, the quota, pagination, and the client-credentials permission check.

use aws_sdk_appflow::Client;
use aws_sdk_appflow::error::ProvideErrorMetadata;
use aws_sdk_appflow::types::{
    AmplitudeConnectorProfileCredentials, ConnectionMode, ConnectorProfileConfig,
    ConnectorProfileCredentials, ConnectorProfileProperties, ConnectorType,
    PrivateConnectionProvisioningStatus, SalesforceConnectorProfileCredentials,
    SalesforceConnectorProfileProperties,
};
use serde_json::json;

use crate::common::{
    Clients, SIGNED, appflow_key_policy, appflow_secret_policy, raw_post, status_and_code,
    unsigned_sandbox,
};

const CLIENT_CREDENTIALS_MESSAGE: &str = "Please validate the ClientCredentialsArn provided and please make sure Appflow has required permissions";

fn salesforce(
    instance_url: &str,
    credentials: SalesforceConnectorProfileCredentials,
) -> ConnectorProfileConfig {
    ConnectorProfileConfig::builder()
        .connector_profile_properties(
            ConnectorProfileProperties::builder()
                .salesforce(
                    SalesforceConnectorProfileProperties::builder()
                        .instance_url(instance_url)
                        .is_sandbox_environment(false)
                        .build(),
                )
                .build(),
        )
        .connector_profile_credentials(
            ConnectorProfileCredentials::builder()
                .salesforce(credentials)
                .build(),
        )
        .build()
}

fn tokens(access: &str) -> SalesforceConnectorProfileCredentials {
    SalesforceConnectorProfileCredentials::builder()
        .access_token(access)
        .refresh_token("refresh-token")
        .build()
}

fn client_credentials(arn: &str) -> SalesforceConnectorProfileCredentials {
    SalesforceConnectorProfileCredentials::builder()
        .client_credentials_arn(arn)
        .o_auth2_grant_type(aws_sdk_appflow::types::OAuth2GrantType::ClientCredentials)
        .build()
}

fn amplitude() -> ConnectorProfileConfig {
    ConnectorProfileConfig::builder()
        .connector_profile_properties(
            ConnectorProfileProperties::builder()
                .amplitude(
                    aws_sdk_appflow::types::AmplitudeConnectorProfileProperties::builder().build(),
                )
                .build(),
        )
        .connector_profile_credentials(
            ConnectorProfileCredentials::builder()
                .amplitude(
                    AmplitudeConnectorProfileCredentials::builder()
                        .api_key("api-key")
                        .secret_key("secret-key")
                        .build()
                        .expect("amplitude credentials"),
                )
                .build(),
        )
        .build()
}

async fn create(
    appflow: &Client,
    name: &str,
    config: ConnectorProfileConfig,
) -> Result<
    String,
    aws_sdk_appflow::error::SdkError<
        aws_sdk_appflow::operation::create_connector_profile::CreateConnectorProfileError,
    >,
> {
    appflow
        .create_connector_profile()
        .connector_profile_name(name)
        .connector_type(ConnectorType::Salesforce)
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(config)
        .send()
        .await
        .map(|o| o.connector_profile_arn.unwrap_or_default())
}

#[tokio::test]
async fn create_describe_update_delete() {
    let sandbox = unsigned_sandbox().await;
    let c = Clients::new(&sandbox.endpoint());
    let arn = create(
        &c.appflow,
        "crm",
        salesforce("https://example.my.salesforce.com", tokens("token-1")),
    )
    .await
    .expect("create");
    assert_eq!(
        arn,
        "arn:aws:appflow:us-east-1:123456789012:connectorprofile/crm"
    );

    let described = c
        .appflow
        .describe_connector_profiles()
        .connector_profile_names("crm")
        .send()
        .await
        .expect("describe");
    let [profile] = described.connector_profile_details() else {
        panic!("one profile expected")
    };
    assert_eq!(profile.connector_profile_arn(), Some(arn.as_str()));
    assert_eq!(profile.connector_type(), Some(&ConnectorType::Salesforce));
    assert_eq!(profile.connection_mode(), Some(&ConnectionMode::Public));
    assert!(profile.created_at().is_some() && profile.last_updated_at().is_some());
    assert!(profile.private_connection_provisioning_state().is_none());
    let properties = profile
        .connector_profile_properties()
        .and_then(|p| p.salesforce())
        .expect("salesforce properties");
    assert_eq!(
        properties.instance_url(),
        Some("https://example.my.salesforce.com")
    );

    // The credentials live in a secret that AppFlow owns, named as AWS names it.
    let credentials_arn = profile.credentials_arn().expect("credentialsArn");
    assert!(
        credentials_arn.starts_with(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:appflow!123456789012-crm-"
        ),
        "{credentials_arn}"
    );
    let secret = c
        .secrets
        .get_secret_value()
        .secret_id(credentials_arn)
        .send()
        .await
        .expect("credentials secret");
    let stored: serde_json::Value =
        serde_json::from_str(secret.secret_string().unwrap_or("")).expect("json");
    assert_eq!(stored["accessToken"], "token-1");
    let owner = c
        .secrets
        .describe_secret()
        .secret_id(credentials_arn)
        .send()
        .await
        .expect("describe secret");
    assert_eq!(owner.owning_service(), Some("appflow"));

    // Describe never answers with credentials, not even in fields the SDK would drop.
    let (status, _, body) = raw_post(
        &sandbox.endpoint(),
        "/describe-connector-profiles",
        &[
            ("authorization", SIGNED),
            ("content-type", "application/json"),
        ],
        "{}",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("credentialsArn")
            && !body.contains("token-1")
            && !body.contains("refresh-token"),
        "{body}"
    );
    assert!(!body.contains("connectorProfileCredentials"), "{body}");

    // Update replaces properties and credentials.
    c.appflow
        .update_connector_profile()
        .connector_profile_name("crm")
        .connection_mode(ConnectionMode::Private)
        .connector_profile_config(salesforce(
            "https://other.my.salesforce.com",
            tokens("token-2"),
        ))
        .send()
        .await
        .expect("update");
    let described = c
        .appflow
        .describe_connector_profiles()
        .send()
        .await
        .expect("describe");
    let profile = &described.connector_profile_details()[0];
    assert_eq!(profile.connection_mode(), Some(&ConnectionMode::Private));
    assert_eq!(
        profile
            .private_connection_provisioning_state()
            .and_then(|s| s.status()),
        Some(&PrivateConnectionProvisioningStatus::Created)
    );
    assert_eq!(
        profile
            .connector_profile_properties()
            .and_then(|p| p.salesforce())
            .and_then(|s| s.instance_url()),
        Some("https://other.my.salesforce.com")
    );
    let secret = c
        .secrets
        .get_secret_value()
        .secret_id(credentials_arn)
        .send()
        .await
        .expect("credentials secret");
    assert!(secret.secret_string().unwrap_or("").contains("token-2"));

    // Delete removes the credentials secret too.
    c.appflow
        .delete_connector_profile()
        .connector_profile_name("crm")
        .force_delete(true)
        .send()
        .await
        .expect("delete");
    let described = c
        .appflow
        .describe_connector_profiles()
        .send()
        .await
        .expect("describe");
    assert!(described.connector_profile_details().is_empty());
    let err = c
        .secrets
        .get_secret_value()
        .secret_id(credentials_arn)
        .send()
        .await
        .expect_err("secret gone");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn duplicate_name_is_a_conflict() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    create(&c.appflow, "crm", salesforce("https://a", tokens("t")))
        .await
        .expect("first");
    let (status, code, _) =
        status_and_code(create(&c.appflow, "crm", salesforce("https://a", tokens("t"))).await);
    assert_eq!((status, code.as_str()), (409, "ConflictException"));
    let err = create(&c.appflow, "crm", salesforce("https://a", tokens("t")))
        .await
        .expect_err("conflict");
    assert!(err.into_service_error().is_conflict_exception());
}

#[tokio::test]
async fn client_token_makes_create_idempotent() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let send = |token: &'static str, url: &'static str| {
        c.appflow
            .create_connector_profile()
            .connector_profile_name("crm")
            .connector_type(ConnectorType::Salesforce)
            .connection_mode(ConnectionMode::Public)
            .connector_profile_config(salesforce(url, tokens("t")))
            .client_token(token)
            .send()
    };
    let first = send("plan-0001", "https://a")
        .await
        .expect("first")
        .connector_profile_arn;
    let retried = send("plan-0001", "https://a")
        .await
        .expect("retry")
        .connector_profile_arn;
    assert_eq!(first, retried);
    let described = c
        .appflow
        .describe_connector_profiles()
        .send()
        .await
        .expect("describe");
    assert_eq!(
        described.connector_profile_details().len(),
        1,
        "no duplicate"
    );
    let secrets = c.secrets.list_secrets().send().await.expect("list");
    assert_eq!(secrets.secret_list().len(), 1, "one credentials secret");

    // The same token with another request is refused (the docs say "an error occurs").
    let (status, code, _) = status_and_code(send("plan-0001", "https://b").await);
    assert_eq!((status, code.as_str()), (409, "ConflictException"));
    // A new token for the same name is a new request, which conflicts on the name.
    let err = send("plan-0002", "https://a")
        .await
        .expect_err("name taken");
    assert!(err.into_service_error().is_conflict_exception());
}

#[tokio::test]
async fn validation_errors_name_the_broken_constraint() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let cases: Vec<(&str, Result<String, _>, &str)> = vec![
        (
            "name with a space",
            create(&c.appflow, "bad name", salesforce("https://a", tokens("t"))).await,
            "Member must satisfy regular expression pattern: [\\w/!@#+=.-]+",
        ),
        (
            "name too long",
            create(
                &c.appflow,
                &"a".repeat(257),
                salesforce("https://a", tokens("t")),
            )
            .await,
            "Member must have length less than or equal to 256",
        ),
        (
            "blank instance url",
            create(&c.appflow, "p", salesforce("has space", tokens("t"))).await,
            "Value 'has space' at 'connectorProfileConfig.connectorProfileProperties.salesforce.instanceUrl' failed to satisfy constraint: Member must satisfy regular expression pattern: \\S+",
        ),
        (
            "properties of another connector",
            create(&c.appflow, "p", amplitude()).await,
            "one connector",
        ),
    ];
    for (case, result, expected) in cases {
        let (status, code, message) = status_and_code(result);
        assert_eq!(
            (status, code.as_str()),
            (400, "ValidationException"),
            "{case}"
        );
        assert!(message.contains(expected), "{case}: {message}");
    }

    let err = c
        .appflow
        .create_connector_profile()
        .connector_profile_name("p")
        .connector_type(ConnectorType::from("Sharepoint"))
        .connection_mode(ConnectionMode::from("Sideways"))
        .kms_arn("arn:aws:kms:nope")
        .connector_label("-bad")
        .connector_profile_config(salesforce("https://a", tokens("t")))
        .send()
        .await
        .expect_err("invalid");
    let message = err.message().unwrap_or_default().to_owned();
    assert!(err.into_service_error().is_validation_exception());
    assert!(
        message.starts_with("4 validation errors detected: "),
        "{message}"
    );
    assert!(message.contains("Value 'Sideways' at 'connectionMode' failed to satisfy constraint: Member must satisfy enum value set: [Public, Private]"), "{message}");
    assert!(
        message.contains("'kmsArn'")
            && message.contains("'connectorLabel'")
            && message.contains("'connectorType'"),
        "{message}"
    );
}

#[tokio::test]
async fn required_members_per_connector() {
    let sandbox = unsigned_sandbox().await;
    let endpoint = sandbox.endpoint();
    let post = |body: serde_json::Value| {
        let endpoint = endpoint.clone();
        async move {
            raw_post(
                &endpoint,
                "/create-connector-profile",
                &[
                    ("authorization", SIGNED),
                    ("content-type", "application/json"),
                ],
                &body.to_string(),
            )
            .await
        }
    };
    let header = |headers: &[(String, String)]| {
        headers
            .iter()
            .find(|(k, _)| k == "x-amzn-errortype")
            .map(|(_, v)| v.clone())
    };

    // Snowflake needs warehouse, stage and bucketName; its credentials need a username (the model
    // made the password optional when it added key pair authentication).
    let (status, headers, body) = post(json!({"connectorProfileName": "snow", "connectorType": "Snowflake", "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"Snowflake": {"stage": "db.schema.stage"}},
                                   "connectorProfileCredentials": {"Snowflake": {"username": "u"}}}})).await;
    assert_eq!(
        (status, header(&headers).as_deref()),
        (400, Some("ValidationException"))
    );
    let message = serde_json::from_str::<serde_json::Value>(&body).expect("json")["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        message.starts_with("2 validation errors detected"),
        "{message}"
    );
    for member in [
        "connectorProfileProperties.snowflake.warehouse",
        "connectorProfileProperties.snowflake.bucketName",
    ] {
        let expected = format!(
            "Value null at 'connectorProfileConfig.{member}' failed to satisfy constraint: Member must not be null"
        );
        assert!(message.contains(&expected), "{member}: {message}");
    }

    // ... and a password or a private key: a rule the model cannot express.
    let (status, _, body) = post(json!({"connectorProfileName": "snow", "connectorType": "Snowflake", "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"Snowflake": {"warehouse": "WH", "stage": "db.schema.stage", "bucketName": "bucket"}},
                                   "connectorProfileCredentials": {"Snowflake": {"username": "u"}}}})).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("password") && body.contains("privateKey"),
        "{body}"
    );

    // Amplitude without credentials: the model makes connectorProfileCredentials optional.
    let (status, _, body) = post(json!({"connectorProfileName": "amp", "connectorType": "Amplitude", "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"Amplitude": {}}}})).await;
    assert_eq!(status, 200, "{body}");

    // SAPOData: port range and the three-digit client number.
    let (status, _, body) = post(json!({"connectorProfileName": "sap", "connectorType": "SAPOData", "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"SAPOData": {"applicationHostUrl": "https://sap.example.com",
            "applicationServicePath": "/sap/opu", "portNumber": 70000, "clientNumber": "12"}}}})).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("portNumber") && body.contains("less than or equal to 65535"),
        "{body}"
    );
    assert!(
        body.contains("clientNumber") && body.contains("greater than or equal to 3"),
        "{body}"
    );

    // A custom connector needs its label.
    let (status, _, body) = post(json!({"connectorProfileName": "custom", "connectorType": "CustomConnector", "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"CustomConnector": {}},
            "connectorProfileCredentials": {"CustomConnector": {"authenticationType": "APIKEY", "apiKey": {"apiKey": "k"}}}}})).await;
    assert_eq!(status, 400);
    assert!(body.contains("connectorLabel"), "{body}");

    // Credentials are never echoed in messages.
    let (status, _, body) = post(json!({"connectorProfileName": "veeva", "connectorType": "Veeva", "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"Veeva": {"instanceUrl": "https://v"}},
            "connectorProfileCredentials": {"Veeva": {"username": "u", "password": "p".repeat(600)}}}})).await;
    assert_eq!(status, 400);
    assert!(!body.contains("pppp"), "{body}");

    // A well-formed Snowflake profile is accepted.
    let (status, _, body) = post(json!({"connectorProfileName": "snow", "connectorType": "Snowflake", "connectionMode": "Public",
        "connectorProfileConfig": {"connectorProfileProperties": {"Snowflake": {"warehouse": "WH", "stage": "DB.SCHEMA.STAGE", "bucketName": "my-bucket"}},
                                   "connectorProfileCredentials": {"Snowflake": {"username": "u", "password": "p"}}}})).await;
    assert_eq!(status, 200, "{body}");

    // Malformed JSON is a client error, not a crash.
    let (status, headers, _) = raw_post(
        &endpoint,
        "/create-connector-profile",
        &[("authorization", SIGNED)],
        "{not json",
    )
    .await;
    assert_eq!(
        (status, header(&headers).as_deref()),
        (400, Some("ValidationException"))
    );
}

#[tokio::test]
async fn the_hundred_and_first_profile_exceeds_the_quota() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    for i in 0..100 {
        c.appflow
            .create_connector_profile()
            .connector_profile_name(format!("amp-{i:03}"))
            .connector_type(ConnectorType::Amplitude)
            .connection_mode(ConnectionMode::Public)
            .connector_profile_config(amplitude())
            .send()
            .await
            .expect("within the quota");
    }
    let result = c
        .appflow
        .create_connector_profile()
        .connector_profile_name("amp-100")
        .connector_type(ConnectorType::Amplitude)
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(amplitude())
        .send()
        .await;
    let (status, code, _) = status_and_code(result);
    assert_eq!(
        (status, code.as_str()),
        (402, "ServiceQuotaExceededException")
    );

    // The quota is per region.
    let west = Clients::with(
        &sandbox.endpoint(),
        "eu-west-1",
        "test",
        crate::common::retries(1),
    );
    let arn = west
        .appflow
        .create_connector_profile()
        .connector_profile_name("amp-100")
        .connector_type(ConnectorType::Amplitude)
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(amplitude())
        .send()
        .await
        .expect("another region")
        .connector_profile_arn
        .unwrap_or_default();
    assert!(arn.starts_with("arn:aws:appflow:eu-west-1:"), "{arn}");

    // Describe pages through them, 20 at a time by default.
    let first = c
        .appflow
        .describe_connector_profiles()
        .send()
        .await
        .expect("page");
    assert_eq!(first.connector_profile_details().len(), 20);
    let mut total = 0;
    let mut pages = c
        .appflow
        .describe_connector_profiles()
        .max_results(30)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        total += page.expect("page").connector_profile_details().len();
    }
    assert_eq!(total, 100);
}

#[tokio::test]
async fn a_raised_quota_allows_more_profiles() {
    // AWS raises the quota on request; `profile_quota` stands for such an account.
    let sandbox = flowform_sandbox::start(flowform_sandbox::SandboxConfig {
        profile_quota: 120,
        ..Default::default()
    })
    .await
    .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let create = |name: String| {
        c.appflow
            .create_connector_profile()
            .connector_profile_name(name)
            .connector_type(ConnectorType::Amplitude)
            .connection_mode(ConnectionMode::Public)
            .connector_profile_config(amplitude())
            .send()
    };
    for i in 0..120 {
        create(format!("amp-{i:03}"))
            .await
            .expect("within the raised quota");
    }
    let result = create("amp-120".to_owned()).await;
    let (status, code, message) = status_and_code(result);
    assert_eq!(
        (status, code.as_str()),
        (402, "ServiceQuotaExceededException")
    );
    assert!(message.contains("quota of 120"), "{message}");
}

#[tokio::test]
async fn describe_filters_and_checks_its_arguments() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    create(&c.appflow, "sf-1", salesforce("https://a", tokens("t")))
        .await
        .expect("create");
    create(&c.appflow, "sf-2", salesforce("https://a", tokens("t")))
        .await
        .expect("create");
    c.appflow
        .create_connector_profile()
        .connector_profile_name("amp")
        .connector_type(ConnectorType::Amplitude)
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(amplitude())
        .send()
        .await
        .expect("create");
    let names = |o: aws_sdk_appflow::operation::describe_connector_profiles::DescribeConnectorProfilesOutput| {
        o.connector_profile_details().iter().filter_map(|p| p.connector_profile_name().map(str::to_owned)).collect::<Vec<_>>()
    };
    let by_type = c
        .appflow
        .describe_connector_profiles()
        .connector_type(ConnectorType::Salesforce)
        .send()
        .await
        .expect("by type");
    assert_eq!(names(by_type), ["sf-1", "sf-2"]);
    let by_name = c
        .appflow
        .describe_connector_profiles()
        .connector_profile_names("amp")
        .connector_profile_names("missing")
        .send()
        .await
        .expect("by name");
    assert_eq!(names(by_name), ["amp"]);
    let page = c
        .appflow
        .describe_connector_profiles()
        .max_results(2)
        .send()
        .await
        .expect("page");
    let token = page.next_token().expect("more").to_owned();
    assert_eq!(names(page), ["amp", "sf-1"]);
    let rest = c
        .appflow
        .describe_connector_profiles()
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .expect("next");
    assert!(rest.next_token().is_none());
    assert_eq!(names(rest), ["sf-2"]);

    let (status, code, message) = status_and_code(
        c.appflow
            .describe_connector_profiles()
            .max_results(0)
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "ValidationException"));
    assert!(message.contains("maxResults"), "{message}");
    let (_, code, _) = status_and_code(
        c.appflow
            .describe_connector_profiles()
            .max_results(101)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (_, code, _) = status_and_code(
        c.appflow
            .describe_connector_profiles()
            .next_token("forged")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
}

#[tokio::test]
async fn missing_profiles_are_not_found() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let (status, code, _) = status_and_code(
        c.appflow
            .delete_connector_profile()
            .connector_profile_name("ghost")
            .send()
            .await,
    );
    assert_eq!((status, code.as_str()), (404, "ResourceNotFoundException"));
    let err = c
        .appflow
        .update_connector_profile()
        .connector_profile_name("ghost")
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(salesforce("https://a", tokens("t")))
        .send()
        .await
        .expect_err("missing");
    assert!(err.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn a_refused_credential_is_an_authentication_error() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let (status, code, _) = status_and_code(
        create(
            &c.appflow,
            "crm",
            salesforce("https://a", tokens("flowform-sandbox:reject")),
        )
        .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (401, "ConnectorAuthenticationException")
    );
    let err = create(
        &c.appflow,
        "crm",
        salesforce("https://a", tokens("flowform-sandbox:reject")),
    )
    .await
    .expect_err("refused");
    assert!(
        err.into_service_error()
            .is_connector_authentication_exception()
    );
    assert!(
        c.appflow
            .describe_connector_profiles()
            .send()
            .await
            .expect("describe")
            .connector_profile_details()
            .is_empty()
    );
}

#[tokio::test]
async fn client_credentials_arn_needs_appflow_to_read_and_decrypt_it() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let refused = |result: Result<String, _>| {
        let (status, code, message) = status_and_code(result);
        assert_eq!(
            (status, code.as_str(), message.as_str()),
            (400, "ValidationException", CLIENT_CREDENTIALS_MESSAGE)
        );
    };

    // A secret that does not exist.
    refused(
        create(
            &c.appflow,
            "p",
            salesforce(
                "https://a",
                client_credentials(
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf",
                ),
            ),
        )
        .await,
    );

    // A secret encrypted with a customer managed key, but no resource policy yet.
    let key = c
        .kms
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .expect("metadata");
    let secret = c
        .secrets
        .create_secret()
        .name("salesforce/connected-app")
        .secret_string(r#"{"clientId":"id","clientSecret":"secret"}"#)
        .kms_key_id(key.arn().unwrap_or_default())
        .send()
        .await
        .expect("secret");
    let secret_arn = secret.arn().expect("arn").to_owned();
    refused(
        create(
            &c.appflow,
            "p",
            salesforce("https://a", client_credentials(&secret_arn)),
        )
        .await,
    );

    // A policy for another service does not help.
    let lambda_policy =
        appflow_secret_policy(&secret_arn).replace("appflow.amazonaws.com", "lambda.amazonaws.com");
    c.secrets
        .put_resource_policy()
        .secret_id(&secret_arn)
        .resource_policy(lambda_policy)
        .send()
        .await
        .expect("policy");
    refused(
        create(
            &c.appflow,
            "p",
            salesforce("https://a", client_credentials(&secret_arn)),
        )
        .await,
    );

    // The secret policy is right, but the key's default policy does not name AppFlow.
    c.secrets
        .put_resource_policy()
        .secret_id(&secret_arn)
        .resource_policy(appflow_secret_policy(&secret_arn))
        .send()
        .await
        .expect("policy");
    refused(
        create(
            &c.appflow,
            "p",
            salesforce("https://a", client_credentials(&secret_arn)),
        )
        .await,
    );

    // With the key policy from the Salesforce connector guide, AppFlow accepts it.
    c.kms
        .put_key_policy()
        .key_id(key.key_id())
        .policy_name("default")
        .policy(appflow_key_policy("123456789012"))
        .send()
        .await
        .expect("key policy");
    create(
        &c.appflow,
        "p",
        salesforce("https://a", client_credentials(&secret_arn)),
    )
    .await
    .expect("accepted");

    // The same check runs on update; a key pending deletion cannot decrypt.
    c.kms
        .schedule_key_deletion()
        .key_id(key.key_id())
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule");
    let err = c
        .appflow
        .update_connector_profile()
        .connector_profile_name("p")
        .connection_mode(ConnectionMode::Public)
        .connector_profile_config(salesforce("https://a", client_credentials(&secret_arn)))
        .send()
        .await
        .expect_err("key unusable");
    assert_eq!(err.message(), Some(CLIENT_CREDENTIALS_MESSAGE));
}

#[tokio::test]
async fn confused_deputy_conditions_are_honoured() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let secret_arn = c
        .secrets
        .create_secret()
        .name("app")
        .secret_string("{}")
        .send()
        .await
        .expect("secret")
        .arn
        .unwrap_or_default();
    let policy = |account: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "appflow.amazonaws.com"},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account},
                          "ArnLike": {"aws:SourceArn": "arn:aws:appflow:us-east-1:123456789012:*"}}}]})
        .to_string()
    };
    c.secrets
        .put_resource_policy()
        .secret_id(&secret_arn)
        .resource_policy(policy("999999999999"))
        .send()
        .await
        .expect("policy");
    let err = create(
        &c.appflow,
        "p",
        salesforce("https://a", client_credentials(&secret_arn)),
    )
    .await
    .expect_err("wrong account");
    assert_eq!(err.message(), Some(CLIENT_CREDENTIALS_MESSAGE));
    c.secrets
        .put_resource_policy()
        .secret_id(&secret_arn)
        .resource_policy(policy("123456789012"))
        .send()
        .await
        .expect("policy");
    create(
        &c.appflow,
        "p",
        salesforce("https://a", client_credentials(&secret_arn)),
    )
    .await
    .expect("accepted");
}

#[tokio::test]
async fn kms_arn_encrypts_the_credentials_secret() {
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let key_arn = c
        .kms
        .create_key()
        .send()
        .await
        .expect("key")
        .key_metadata
        .and_then(|m| m.arn)
        .expect("arn");
    c.appflow
        .create_connector_profile()
        .connector_profile_name("encrypted")
        .connector_type(ConnectorType::Salesforce)
        .connection_mode(ConnectionMode::Public)
        .kms_arn(&key_arn)
        .connector_profile_config(salesforce("https://a", tokens("t")))
        .send()
        .await
        .expect("create");
    let described = c
        .appflow
        .describe_connector_profiles()
        .send()
        .await
        .expect("describe");
    let credentials_arn = described.connector_profile_details()[0]
        .credentials_arn()
        .expect("credentials");
    let secret = c
        .secrets
        .describe_secret()
        .secret_id(credentials_arn)
        .send()
        .await
        .expect("secret");
    assert_eq!(secret.kms_key_id(), Some(key_arn.as_str()));
}

#[tokio::test]
async fn pardot_client_credentials_get_the_same_check() {
    use aws_sdk_appflow::types::{
        PardotConnectorProfileCredentials, PardotConnectorProfileProperties,
    };
    let sandbox = flowform_sandbox::start(Default::default())
        .await
        .expect("start");
    let c = Clients::new(&sandbox.endpoint());
    let pardot = |arn: &str| {
        ConnectorProfileConfig::builder()
            .connector_profile_properties(
                ConnectorProfileProperties::builder()
                    .pardot(
                        PardotConnectorProfileProperties::builder()
                            .business_unit_id("0Uv000000000001")
                            .build(),
                    )
                    .build(),
            )
            .connector_profile_credentials(
                ConnectorProfileCredentials::builder()
                    .pardot(
                        PardotConnectorProfileCredentials::builder()
                            .client_credentials_arn(arn)
                            .build(),
                    )
                    .build(),
            )
            .build()
    };
    let send = |config: ConnectorProfileConfig| {
        c.appflow
            .create_connector_profile()
            .connector_profile_name("pardot")
            .connector_type(ConnectorType::Pardot)
            .connection_mode(ConnectionMode::Public)
            .connector_profile_config(config)
            .send()
    };
    let (status, code, message) = status_and_code(
        send(pardot(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:none-AbCdEf",
        ))
        .await,
    );
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (400, "ValidationException", CLIENT_CREDENTIALS_MESSAGE)
    );

    // A secret under the AWS managed key needs only its resource policy.
    let arn = c
        .secrets
        .create_secret()
        .name("pardot-app")
        .secret_string("{}")
        .send()
        .await
        .expect("secret")
        .arn
        .unwrap_or_default();
    c.secrets
        .put_resource_policy()
        .secret_id(&arn)
        .resource_policy(appflow_secret_policy(&arn))
        .send()
        .await
        .expect("policy");
    send(pardot(&arn)).await.expect("accepted");
}
