//! Create, update, delete and describe connector profiles, with AWS's idempotency, conflict and
//! quota rules. Credentials go to a Secrets Manager secret owned by AppFlow (its ARN is the
//! profile's `credentialsArn`) and are never returned.

use serde_json::{Map, Value, json};

use super::client_credentials;
use super::model::{Profile, TokenRecord};
use super::shapes::{self, Connector};
use super::validate;
use crate::protocol::{ApiError, ApiResult};
use crate::rng::Rng;
use crate::secretsmanager;
use crate::server::Context;
use crate::store::RegionState;

/// How long AWS remembers a client token.
const TOKEN_LIFETIME_SECONDS: f64 = 8.0 * 3600.0;
/// A credential with this exact value makes the sandbox act as if the connector refused it.
pub const REJECTED_CREDENTIAL: &str = "flowform-sandbox:reject";
const DEFAULT_MAX_RESULTS: i64 = 20;

pub fn forget_expired_tokens(region: &mut RegionState, ctx: &mut Context<'_>) {
    let appflow = &mut region.appflow;
    if !appflow.token_expiry.may_have_expired(ctx.now) {
        return;
    }
    let before = appflow.tokens.len();
    appflow.tokens.retain(|_, t| t.expires_at > ctx.now);
    if appflow.tokens.len() != before {
        ctx.mutated = true;
    }
    let earliest = appflow
        .tokens
        .values()
        .map(|t| t.expires_at)
        .reduce(f64::min);
    appflow.token_expiry.looked(earliest);
}

fn profile_arn(ctx: &Context<'_>, name: &str) -> String {
    format!(
        "arn:aws:appflow:{}:{}:connectorprofile/{name}",
        ctx.region, ctx.account
    )
}

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        404,
        "ResourceNotFoundException",
        format!("No ConnectorProfile with name {name} exists."),
    )
}

fn str_member<'a>(input: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    input.get(name).and_then(Value::as_str)
}

/// The model's constraints on a Create or Update request, all reported together.
fn check_model(input: &Map<String, Value>, creating: bool) -> ApiResult<()> {
    let shape = if creating {
        "CreateConnectorProfileRequest"
    } else {
        "UpdateConnectorProfileRequest"
    };
    validate::request(shape, input).into_result()
}

/// A request's connector, with its own properties and credentials picked out of the config.
struct ConnectorConfig<'a> {
    connector: Connector,
    properties: &'a Value,
    credentials: Option<&'a Map<String, Value>>,
}

/// The rules that tie the config to the connector type, which the model cannot express; each
/// names its source (`/work/shared/reference/`, or the model's own documentation).
fn check_connector<'a>(
    connector_type: &str,
    label: Option<&str>,
    config: &'a Map<String, Value>,
) -> ApiResult<ConnectorConfig<'a>> {
    let connector = shapes::connector(connector_type).ok_or_else(|| {
        ApiError::validation(format!(
            "Connector type {connector_type} does not use connector profiles; its flows connect with IAM permissions instead."
        ))
    })?;
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    let empty: &'static Map<String, Value> = &EMPTY;
    let properties = config
        .get("connectorProfileProperties")
        .and_then(Value::as_object)
        .unwrap_or(empty);
    let credentials = config
        .get("connectorProfileCredentials")
        .and_then(Value::as_object)
        .unwrap_or(empty);
    // "In each connector profile that you create, you can provide the credentials and properties
    // for only one connector." (appflow-CreateConnectorProfile-api.txt)
    let strangers: Vec<&str> = properties
        .keys()
        .chain(credentials.keys())
        .filter(|k| *k != connector.member && shapes::connector_by_member(k).is_some())
        .map(String::as_str)
        .collect();
    if !strangers.is_empty() {
        return Err(ApiError::validation(format!(
            "A connector profile holds the properties and credentials of one connector only: connectorType {connector_type} takes {}, but the request also has {}.",
            connector.member,
            strangers.join(", ")
        )));
    }
    // "connectorProfileProperties: The connector-specific properties of the profile
    // configuration" (same page): the properties of the profile's own connector.
    let own_properties = properties
        .get(connector.member)
        .filter(|v| !v.is_null())
        .ok_or_else(|| {
            crate::input::validation_errors(&[crate::input::not_null(&format!(
                "connectorProfileConfig.connectorProfileProperties.{}",
                validate::bean_name(connector.member)
            ))])
        })?;
    // Credentials are optional in the model (an update may leave them as they are).
    let own_credentials = credentials.get(connector.member).and_then(Value::as_object);
    if connector.connector_type == "CustomConnector" {
        // connectorLabel: "Only needed if calling for CUSTOMCONNECTOR connector type"
        // (appflow-CreateConnectorProfile-api.txt).
        if label.is_none() {
            return Err(crate::input::validation_errors(&[crate::input::not_null(
                "connectorLabel",
            )]));
        }
        if let Some(credentials) = own_credentials {
            check_custom_authentication(credentials)?;
        }
    }
    if connector.connector_type == "Snowflake"
        && let Some(credentials) = own_credentials
    {
        check_snowflake_secret(credentials)?;
    }
    Ok(ConnectorConfig {
        connector,
        properties: own_properties,
        credentials: own_credentials,
    })
}

/// Snowflake authenticates with a password or a private key: "privateKey: The RSA private key
/// used for key pair authentication with Snowflake. Provide this instead of a password" (the
/// model's documentation of SnowflakeConnectorProfileCredentials, botocore appflow/2020-08-23;
/// the reference pages predate key pairs). The model makes both optional, so one must be given.
fn check_snowflake_secret(credentials: &Map<String, Value>) -> ApiResult<()> {
    let given = |member: &str| credentials.get(member).is_some_and(|v| !v.is_null());
    if given("password") || given("privateKey") {
        return Ok(());
    }
    Err(ApiError::validation(
        "Snowflake credentials need a password or, for key pair authentication, a privateKey.",
    ))
}

/// A custom connector's `authenticationType` must come with the credentials of that type
/// ("authenticationType: The authentication type that the custom connector uses for
/// authenticating while creating a connector profile", and one member per type:
/// appflow-api-changes-2023-09-06-create-update-connector-profile.txt).
fn check_custom_authentication(credentials: &Map<String, Value>) -> ApiResult<()> {
    let kind = credentials
        .get("authenticationType")
        .and_then(Value::as_str)
        .unwrap_or("");
    let member = match kind {
        "OAUTH2" => "oauth2",
        "APIKEY" => "apiKey",
        "BASIC" => "basic",
        "CUSTOM" => "custom",
        _ => return Ok(()),
    };
    if credentials.get(member).is_none_or(Value::is_null) {
        return Err(ApiError::validation(format!(
            "authenticationType {kind} needs connectorProfileCredentials.CustomConnector.{member}."
        )));
    }
    Ok(())
}

fn contains_rejected_credential(value: &Value) -> bool {
    match value {
        Value::String(s) => s == REJECTED_CREDENTIAL,
        Value::Array(items) => items.iter().any(contains_rejected_credential),
        Value::Object(map) => map.values().any(contains_rejected_credential),
        _ => false,
    }
}

/// Authenticating with the connector: the only failure the sandbox can know of is the
/// documented test value.
fn authenticate(credentials: Option<&Map<String, Value>>) -> ApiResult<()> {
    if credentials.is_some_and(|c| c.values().any(contains_rejected_credential)) {
        return Err(ApiError::new(
            401,
            "ConnectorAuthenticationException",
            "The connector refused the credentials provided (flowform-sandbox test value).",
        ));
    }
    Ok(())
}

/// The request that a client token stands for: everything but the token itself.
fn fingerprint(input: &Map<String, Value>) -> Value {
    let mut request = input.clone();
    request.remove("clientToken");
    Value::Object(request)
}

/// The earlier answer to a retried request, or a conflict if the token was used for another.
fn replay(
    region: &RegionState,
    key: &Option<String>,
    input: &Map<String, Value>,
) -> ApiResult<Option<Value>> {
    let Some(record) = key.as_ref().and_then(|k| region.appflow.tokens.get(k)) else {
        return Ok(None);
    };
    if record.request == fingerprint(input) {
        Ok(Some(record.response.clone()))
    } else {
        Err(ApiError::new(
            409,
            "ConflictException",
            "The clientToken was already used for a different request; use a new clientToken for a new request.",
        ))
    }
}

fn remember(
    region: &mut RegionState,
    ctx: &Context<'_>,
    key: Option<String>,
    input: &Map<String, Value>,
    response: &Value,
) {
    if let Some(key) = key {
        let expires_at = ctx.now + TOKEN_LIFETIME_SECONDS;
        region.appflow.tokens.insert(
            key,
            TokenRecord {
                request: fingerprint(input),
                response: response.clone(),
                expires_at,
            },
        );
        region.appflow.token_expiry.note(expires_at);
    }
}

fn check_client_credentials(
    credentials: Option<&Map<String, Value>>,
    connector: &Connector,
    arn: &str,
    ctx: &Context<'_>,
    region: &RegionState,
) -> ApiResult<()> {
    if !matches!(connector.connector_type, "Salesforce" | "Pardot") {
        return Ok(());
    }
    match credentials
        .and_then(|c| c.get("clientCredentialsArn"))
        .and_then(Value::as_str)
    {
        Some(secret_arn) => client_credentials::check(secret_arn, arn, ctx, region),
        None => Ok(()),
    }
}

fn credentials_text(credentials: Option<&Map<String, Value>>) -> String {
    Value::Object(credentials.cloned().unwrap_or_default()).to_string()
}

pub fn create(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    region: &mut RegionState,
    rng: &mut Rng,
) -> ApiResult<Value> {
    check_model(input, true)?;
    let name = str_member(input, "connectorProfileName").unwrap_or_default();
    let connector_type = str_member(input, "connectorType").unwrap_or_default();
    let label = str_member(input, "connectorLabel");
    let mode = str_member(input, "connectionMode").unwrap_or_default();
    let kms_arn = str_member(input, "kmsArn");
    let config = input
        .get("connectorProfileConfig")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let ConnectorConfig {
        connector,
        properties,
        credentials,
    } = check_connector(connector_type, label, &config)?;

    let token_key = str_member(input, "clientToken").map(|t| format!("create:{t}"));
    if let Some(response) = replay(region, &token_key, input)? {
        return Ok(response);
    }
    if region.appflow.profiles.contains_key(name) {
        return Err(ApiError::new(
            409,
            "ConflictException",
            format!("A connector profile with the name {name} already exists."),
        ));
    }
    let quota = ctx.profile_quota;
    if region.appflow.profiles.len() >= quota {
        return Err(ApiError::new(
            402,
            "ServiceQuotaExceededException",
            format!(
                "The account has reached its quota of {quota} connector profiles in this region."
            ),
        ));
    }
    let arn = profile_arn(ctx, name);
    check_client_credentials(credentials, &connector, &arn, ctx, region)?;
    authenticate(credentials)?;

    // AWS names the credentials secret after the account, the profile and the time.
    let secret_name = format!(
        "appflow!{}-{name}-{}",
        ctx.account,
        crate::clock::now_epoch_millis()
    );
    let credentials_arn = secretsmanager::create_service_secret(
        ctx,
        &mut region.secretsmanager,
        rng,
        &secret_name,
        "appflow",
        kms_arn,
        credentials_text(credentials),
    );
    let profile = Profile {
        arn: arn.clone(),
        name: name.to_owned(),
        connector_type: connector_type.to_owned(),
        connector_label: label.map(str::to_owned),
        connection_mode: mode.to_owned(),
        credentials_arn,
        kms_arn: kms_arn.map(str::to_owned),
        properties: json!({ connector.member: properties }),
        created_at: ctx.now,
        last_updated_at: ctx.now,
    };
    region.appflow.profiles.insert(name.to_owned(), profile);
    let response = json!({"connectorProfileArn": arn});
    remember(region, ctx, token_key, input, &response);
    ctx.mutated = true;
    Ok(response)
}

pub fn update(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    region: &mut RegionState,
    rng: &mut Rng,
) -> ApiResult<Value> {
    check_model(input, false)?;
    let name = str_member(input, "connectorProfileName").unwrap_or_default();
    let mode = str_member(input, "connectionMode").unwrap_or_default();
    let token_key = str_member(input, "clientToken").map(|t| format!("update:{t}"));
    if let Some(response) = replay(region, &token_key, input)? {
        return Ok(response);
    }
    let existing = region
        .appflow
        .profiles
        .get(name)
        .cloned()
        .ok_or_else(|| not_found(name))?;
    let config = input
        .get("connectorProfileConfig")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let ConnectorConfig {
        connector,
        properties,
        credentials,
    } = check_connector(
        &existing.connector_type,
        existing.connector_label.as_deref(),
        &config,
    )?;
    check_client_credentials(credentials, &connector, &existing.arn, ctx, region)?;
    authenticate(credentials)?;

    let text = credentials_text(credentials);
    let secrets = &mut region.secretsmanager;
    let credentials_arn = match secretsmanager::resolve_mut(secrets, &existing.credentials_arn) {
        Ok(secret) => {
            secret.add_version(
                uuid::Uuid::new_v4().to_string(),
                secretsmanager::model::SecretValue::String(crate::sensitive::Sensitive::new(text)),
                vec!["AWSCURRENT".to_owned()],
                ctx.now,
            );
            secret.arn.clone()
        }
        // Someone force-deleted AppFlow's secret behind its back: make a new one, as the
        // profile cannot work without its credentials.
        Err(_) => {
            let secret_name = format!(
                "appflow!{}-{name}-{}",
                ctx.account,
                crate::clock::now_epoch_millis()
            );
            secretsmanager::create_service_secret(
                ctx,
                secrets,
                rng,
                &secret_name,
                "appflow",
                existing.kms_arn.as_deref(),
                text,
            )
        }
    };
    if let Some(profile) = region.appflow.profiles.get_mut(name) {
        profile.connection_mode = mode.to_owned();
        profile.properties = json!({ connector.member: properties });
        profile.credentials_arn = credentials_arn;
        profile.last_updated_at = ctx.now;
    }
    let response = json!({"connectorProfileArn": existing.arn});
    remember(region, ctx, token_key, input, &response);
    ctx.mutated = true;
    Ok(response)
}

pub fn delete(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    region: &mut RegionState,
) -> ApiResult<Value> {
    validate::request("DeleteConnectorProfileRequest", input).into_result()?;
    let name = str_member(input, "connectorProfileName").unwrap_or_default();
    // The sandbox has no flows, so no profile is ever in use and forceDelete changes nothing.
    let profile = region
        .appflow
        .profiles
        .remove(name)
        .ok_or_else(|| not_found(name))?;
    if let Some(secret) = secretsmanager::resolve(&region.secretsmanager, &profile.credentials_arn)
    {
        let secret_name = secret.name.clone();
        region.secretsmanager.secrets.remove(&secret_name);
    }
    ctx.mutated = true;
    Ok(json!({}))
}

fn describe_one(profile: &Profile) -> Value {
    let mut out = json!({
        "connectorProfileArn": profile.arn,
        "connectorProfileName": profile.name,
        "connectorType": profile.connector_type,
        "connectionMode": profile.connection_mode,
        "credentialsArn": profile.credentials_arn,
        "connectorProfileProperties": profile.properties,
        "createdAt": profile.created_at,
        "lastUpdatedAt": profile.last_updated_at,
    });
    if let Some(label) = &profile.connector_label {
        out["connectorLabel"] = json!(label);
    }
    if profile.connection_mode == "Private" {
        // The sandbox has no PrivateLink to wait for: the connection is ready at once.
        out["privateConnectionProvisioningState"] = json!({"status": "CREATED"});
    }
    out
}

pub fn describe(input: &Map<String, Value>, region: &RegionState) -> ApiResult<Value> {
    validate::request("DescribeConnectorProfilesRequest", input).into_result()?;
    let names: Option<Vec<String>> = input
        .get("connectorProfileNames")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        });
    let max_results = input
        .get("maxResults")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_MAX_RESULTS);
    let connector_type = str_member(input, "connectorType");
    let label = str_member(input, "connectorLabel");
    let start = match str_member(input, "nextToken") {
        None => 0,
        Some(token) => token
            .strip_prefix("profiles-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::validation(
                    "The nextToken is not valid; pass the nextToken of an earlier answer.",
                )
            })?,
    };
    let profiles = &region.appflow.profiles;
    let candidates: Box<dyn Iterator<Item = &Profile>> = match names {
        // Looked up, not searched for, in the order a listing has (by name).
        Some(mut names) => {
            names.sort();
            names.dedup();
            Box::new(
                names
                    .into_iter()
                    .filter_map(move |name| profiles.get(&name)),
            )
        }
        None => Box::new(profiles.values()),
    };
    let matching: Vec<&Profile> = candidates
        .filter(|p| connector_type.is_none_or(|t| p.connector_type == t))
        .filter(|p| label.is_none_or(|l| p.connector_label.as_deref() == Some(l)))
        .collect();
    let max = usize::try_from(max_results).unwrap_or(1);
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(max)
        .map(|p| describe_one(p))
        .collect();
    let mut response = json!({"connectorProfileDetails": page});
    if start + max < matching.len() {
        response["nextToken"] = json!(format!("profiles-{}", start + max));
    }
    Ok(response)
}
