//! The catalogue's data: every connector with a profile configuration, and every field of its
//! properties and credentials.
//!
//! Sources, in order of authority:
//! - the CreateConnectorProfile API reference and the 2023-09-06 API change note
//!   (`../shared/reference/`): which connectors and fields exist, and which are `[REQUIRED]`
//!   (the change note adds ServiceNow `oAuth2Credentials` and SAPOData `disableSSO`);
//! - AWS's published service model for AppFlow, `appflow/2020-08-23/service-2.json` in
//!   botocore: the per-field length limits, patterns and enums, and the `required` list of each
//!   structure. The constants below are named after the model's string shapes, so a field can be
//!   checked against the model by its shape name.
//!
//! Patterns are kept exactly as the model writes them (Java regular expressions, unanchored).
//! [`rust_pattern`] turns one into a Rust `regex` that matches the whole value as AWS does.
//!
//! Connectors and fields are in the order the reference lists them, one field per row. The
//! field tables are marked `#[rustfmt::skip]` because rustfmt would break the longer rows over
//! five lines each, and the tables would no longer read as tables.

use super::{Connector, Constraint, Field, Kind};

// ---------------------------------------------------------------------------------------------
// Patterns of the model, verbatim.

/// Any non-empty text without whitespace (most shapes).
const NON_BLANK: &str = r"\S+";
/// Any text, including none.
const ANY: &str = ".*";
/// An http(s) URL (ApplicationHostUrl, TokenUrl, AuthCodeUrl).
const HTTP_URL: &str = r"^(https?)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]";
const IAM_ARN: &str = "arn:aws:iam:.*:[0-9]+:.*";
const SECRETS_MANAGER_ARN: &str = "arn:aws:secretsmanager:.*:[0-9]+:.*";
const PRIVATE_LINK_SERVICE: &str = r"^$|com.amazonaws.vpce.[\w/!:@#.\-]+";
const WORD: &str = r"[\w]+";

/// The values of the model's `OAuth2GrantType` enum.
const OAUTH2_GRANT_TYPES: &[&str] = &["CLIENT_CREDENTIALS", "AUTHORIZATION_CODE", "JWT_BEARER"];
/// The values of the model's `AuthenticationType` enum.
const AUTHENTICATION_TYPES: &[&str] = &["OAUTH2", "APIKEY", "BASIC", "CUSTOM"];

// ---------------------------------------------------------------------------------------------
// Builders, so that each row below reads as one line of a table.

/// A string of at most `max` characters matching `pattern`.
const fn text(max: usize, pattern: &'static str) -> Constraint {
    Constraint {
        min_len: None,
        max_len: Some(max),
        pattern: Some(pattern),
        one_of: &[],
    }
}

/// A string of `min..=max` characters matching `pattern`.
const fn text_between(min: usize, max: usize, pattern: &'static str) -> Constraint {
    Constraint {
        min_len: Some(min),
        max_len: Some(max),
        pattern: Some(pattern),
        one_of: &[],
    }
}

/// One of the values of an enum.
const fn one_of(values: &'static [&'static str]) -> Constraint {
    Constraint {
        min_len: None,
        max_len: None,
        pattern: None,
        one_of: values,
    }
}

/// A field of `connectorProfileProperties`: never sensitive.
const fn property(api: &'static str, hcl: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        api,
        hcl,
        kind,
        required,
        sensitive: false,
    }
}

/// A field of `connectorProfileCredentials`: always sensitive.
const fn credential(api: &'static str, hcl: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        api,
        hcl,
        kind,
        required,
        sensitive: true,
    }
}

const REQUIRED: bool = true;
const OPTIONAL: bool = false;

// ---------------------------------------------------------------------------------------------
// The model's string shapes, by name.

// Properties.
const INSTANCE_URL: Kind = Kind::String(text(256, NON_BLANK));
const DATABASE_URL: Kind = Kind::String(text(512, NON_BLANK));
const BUCKET_NAME: Kind = Kind::String(text_between(3, 63, NON_BLANK));
const BUCKET_PREFIX: Kind = Kind::String(text(512, ANY));
const ROLE_ARN: Kind = Kind::String(text(512, IAM_ARN));
const DATA_API_ROLE_ARN: Kind = Kind::String(text(512, IAM_ARN));
const CLUSTER_IDENTIFIER: Kind = Kind::String(text(512, NON_BLANK));
const WORKGROUP_NAME: Kind = Kind::String(text(512, NON_BLANK));
const DATABASE_NAME: Kind = Kind::String(text(512, NON_BLANK));
const WAREHOUSE: Kind = Kind::String(text(512, r"[\s\w/!@#+=.-]*"));
const STAGE: Kind = Kind::String(text(512, NON_BLANK));
const PRIVATE_LINK_SERVICE_NAME: Kind = Kind::String(text(512, PRIVATE_LINK_SERVICE));
const ACCOUNT_NAME: Kind = Kind::String(text(512, NON_BLANK));
const REGION: Kind = Kind::String(text(64, NON_BLANK));
const APPLICATION_HOST_URL: Kind = Kind::String(text(256, HTTP_URL));
const APPLICATION_SERVICE_PATH: Kind = Kind::String(text(512, NON_BLANK));
const PORT_NUMBER: Kind = Kind::Integer { min: 1, max: 65535 };
const CLIENT_NUMBER: Kind = Kind::String(text_between(3, 3, r"^\d{3}$"));
const LOGON_LANGUAGE: Kind = Kind::String(text(2, r"^[a-zA-Z0-9_]*$"));
const TOKEN_URL: Kind = Kind::String(text(256, HTTP_URL));
const AUTH_CODE_URL: Kind = Kind::String(text(256, HTTP_URL));
const OAUTH_SCOPE_LIST: Kind = Kind::StringList {
    item: text(128, NON_BLANK),
    max_items: None,
};
const OAUTH2_GRANT_TYPE: Kind = Kind::String(one_of(OAUTH2_GRANT_TYPES));
/// ProfilePropertiesMap, TokenUrlCustomProperties and CredentialsMap share their limits:
/// keys `[\w]+` of 1..=128 characters, values `\S+` of at most 2048, at most 50 entries.
const PROPERTY_MAP: Kind = Kind::StringMap {
    key: text_between(1, 128, WORD),
    value: text(2048, NON_BLANK),
    max_entries: Some(50),
};
const BUSINESS_UNIT_ID: Kind = Kind::String(text(18, NON_BLANK));

// Credentials.
const API_KEY: Kind = Kind::String(text(256, NON_BLANK));
const SECRET_KEY: Kind = Kind::String(text(256, NON_BLANK));
const API_SECRET_KEY: Kind = Kind::String(text(256, NON_BLANK));
const APPLICATION_KEY: Kind = Kind::String(text(512, NON_BLANK));
const API_TOKEN: Kind = Kind::String(text(256, NON_BLANK));
const CLIENT_ID: Kind = Kind::String(text(512, NON_BLANK));
const CLIENT_SECRET: Kind = Kind::String(text(512, NON_BLANK));
const ACCESS_TOKEN: Kind = Kind::String(text(4096, NON_BLANK));
const REFRESH_TOKEN: Kind = Kind::String(text(4096, NON_BLANK));
const AUTH_CODE: Kind = Kind::String(text(4096, NON_BLANK));
const REDIRECT_URI: Kind = Kind::String(text(512, NON_BLANK));
const ACCESS_KEY_ID: Kind = Kind::String(text(256, NON_BLANK));
const USERNAME: Kind = Kind::String(text(512, NON_BLANK));
/// The model's generic `String` shape (Redshift's `username`): anything up to 2048 characters.
const STRING: Kind = Kind::String(text(2048, ANY));
const PASSWORD: Kind = Kind::String(text(512, ANY));
/// InforNexus `secretAccessKey` and `datakey`.
const KEY: Kind = Kind::String(text(512, NON_BLANK));
const CLIENT_CREDENTIALS_ARN: Kind = Kind::String(text_between(20, 2048, SECRETS_MANAGER_ARN));
const JWT_TOKEN: Kind = Kind::String(text(
    8000,
    r"^([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_\-\+\/=]*)",
));
const AUTHENTICATION_TYPE: Kind = Kind::String(one_of(AUTHENTICATION_TYPES));
const CUSTOM_AUTHENTICATION_TYPE: Kind = Kind::String(text(256, NON_BLANK));

// ---------------------------------------------------------------------------------------------
// Structures that several connectors share.

/// ConnectorOAuthRequest: nothing in it is required.
#[rustfmt::skip]
const OAUTH_REQUEST: &[Field] = &[
    credential("authCode", "auth_code", AUTH_CODE, OPTIONAL),
    credential("redirectUri", "redirect_uri", REDIRECT_URI, OPTIONAL),
];

/// OAuth2Credentials (ServiceNow `oAuth2Credentials`, CustomConnector `oauth2`): nothing in it
/// is required, unlike SAPOData's OAuthCredentials.
#[rustfmt::skip]
const OAUTH2_CREDENTIALS: &[Field] = &[
    credential("clientId", "client_id", CLIENT_ID, OPTIONAL),
    credential("clientSecret", "client_secret", CLIENT_SECRET, OPTIONAL),
    credential("accessToken", "access_token", ACCESS_TOKEN, OPTIONAL),
    credential("refreshToken", "refresh_token", REFRESH_TOKEN, OPTIONAL),
    credential("oAuthRequest", "oauth_request", Kind::Block(OAUTH_REQUEST), OPTIONAL),
];

/// BasicAuthCredentials (SAPOData `basicAuthCredentials`, CustomConnector `basic`).
#[rustfmt::skip]
const BASIC_AUTH_CREDENTIALS: &[Field] = &[
    credential("username", "username", USERNAME, REQUIRED),
    credential("password", "password", PASSWORD, REQUIRED),
];

/// Username and password, both required (Snowflake, Veeva).
const REQUIRED_USERNAME_PASSWORD: &[Field] = BASIC_AUTH_CREDENTIALS;

/// `instanceUrl` alone, required (Datadog, Dynatrace, InforNexus, Marketo, ServiceNow, Slack,
/// Veeva, Zendesk).
#[rustfmt::skip]
const REQUIRED_INSTANCE_URL: &[Field] =
    &[property("instanceUrl", "instance_url", INSTANCE_URL, REQUIRED)];

/// The client id/secret, access token and OAuth request of Marketo, Slack and Zendesk.
#[rustfmt::skip]
const CLIENT_APP_CREDENTIALS: &[Field] = &[
    credential("clientId", "client_id", CLIENT_ID, REQUIRED),
    credential("clientSecret", "client_secret", CLIENT_SECRET, REQUIRED),
    credential("accessToken", "access_token", ACCESS_TOKEN, OPTIONAL),
    credential("oAuthRequest", "oauth_request", Kind::Block(OAUTH_REQUEST), OPTIONAL),
];

/// Client id and secret required; tokens and the OAuth request optional (GoogleAnalytics, and
/// SAPOData's OAuthCredentials `oAuthCredentials`).
#[rustfmt::skip]
const CLIENT_OAUTH_CREDENTIALS: &[Field] = &[
    credential("clientId", "client_id", CLIENT_ID, REQUIRED),
    credential("clientSecret", "client_secret", CLIENT_SECRET, REQUIRED),
    credential("accessToken", "access_token", ACCESS_TOKEN, OPTIONAL),
    credential("refreshToken", "refresh_token", REFRESH_TOKEN, OPTIONAL),
    credential("oAuthRequest", "oauth_request", Kind::Block(OAUTH_REQUEST), OPTIONAL),
];

// ---------------------------------------------------------------------------------------------
// SAPOData and CustomConnector nested structures.

/// OAuthProperties (SAPOData `oAuthProperties`).
#[rustfmt::skip]
const SAPODATA_OAUTH_PROPERTIES: &[Field] = &[
    property("tokenUrl", "token_url", TOKEN_URL, REQUIRED),
    property("authCodeUrl", "auth_code_url", AUTH_CODE_URL, REQUIRED),
    property("oAuthScopes", "oauth_scopes", OAUTH_SCOPE_LIST, REQUIRED),
];

/// OAuth2Properties (CustomConnector `oAuth2Properties`).
#[rustfmt::skip]
const CUSTOM_OAUTH2_PROPERTIES: &[Field] = &[
    property("tokenUrl", "token_url", TOKEN_URL, REQUIRED),
    property("oAuth2GrantType", "oauth2_grant_type", OAUTH2_GRANT_TYPE, REQUIRED),
    property("tokenUrlCustomProperties", "token_url_custom_properties", PROPERTY_MAP, OPTIONAL),
];

/// ApiKeyCredentials (CustomConnector `apiKey`).
#[rustfmt::skip]
const CUSTOM_API_KEY: &[Field] = &[
    credential("apiKey", "api_key", API_KEY, REQUIRED),
    credential("apiSecretKey", "api_secret_key", API_SECRET_KEY, OPTIONAL),
];

/// CustomAuthCredentials (CustomConnector `custom`).
#[rustfmt::skip]
const CUSTOM_AUTH: &[Field] = &[
    credential("customAuthenticationType", "custom_authentication_type", CUSTOM_AUTHENTICATION_TYPE, REQUIRED),
    credential("credentialsMap", "credentials_map", PROPERTY_MAP, OPTIONAL),
];

// ---------------------------------------------------------------------------------------------
// The catalogue.

/// Every connector type that has a member in `ConnectorProfileProperties` and
/// `ConnectorProfileCredentials`, in the reference's order.
#[rustfmt::skip]
pub static CONNECTORS: &[Connector] = &[
    Connector {
        connector_type: "Amplitude",
        member: "Amplitude",
        properties: &[],
        credentials: &[
            credential("apiKey", "api_key", API_KEY, REQUIRED),
            credential("secretKey", "secret_key", SECRET_KEY, REQUIRED),
        ],
    },
    Connector {
        connector_type: "Datadog",
        member: "Datadog",
        properties: REQUIRED_INSTANCE_URL,
        credentials: &[
            credential("apiKey", "api_key", API_KEY, REQUIRED),
            credential("applicationKey", "application_key", APPLICATION_KEY, REQUIRED),
        ],
    },
    Connector {
        connector_type: "Dynatrace",
        member: "Dynatrace",
        properties: REQUIRED_INSTANCE_URL,
        credentials: &[credential("apiToken", "api_token", API_TOKEN, REQUIRED)],
    },
    Connector {
        connector_type: "Googleanalytics",
        member: "GoogleAnalytics",
        properties: &[],
        credentials: CLIENT_OAUTH_CREDENTIALS,
    },
    Connector {
        connector_type: "Honeycode",
        member: "Honeycode",
        properties: &[],
        credentials: &[
            credential("accessToken", "access_token", ACCESS_TOKEN, OPTIONAL),
            credential("refreshToken", "refresh_token", REFRESH_TOKEN, OPTIONAL),
            credential("oAuthRequest", "oauth_request", Kind::Block(OAUTH_REQUEST), OPTIONAL),
        ],
    },
    Connector {
        connector_type: "Infornexus",
        member: "InforNexus",
        properties: REQUIRED_INSTANCE_URL,
        credentials: &[
            credential("accessKeyId", "access_key_id", ACCESS_KEY_ID, REQUIRED),
            credential("userId", "user_id", USERNAME, REQUIRED),
            credential("secretAccessKey", "secret_access_key", KEY, REQUIRED),
            credential("datakey", "datakey", KEY, REQUIRED),
        ],
    },
    Connector {
        connector_type: "Marketo",
        member: "Marketo",
        properties: REQUIRED_INSTANCE_URL,
        credentials: CLIENT_APP_CREDENTIALS,
    },
    Connector {
        connector_type: "Redshift",
        member: "Redshift",
        properties: &[
            property("databaseUrl", "database_url", DATABASE_URL, OPTIONAL),
            property("bucketName", "bucket_name", BUCKET_NAME, REQUIRED),
            property("bucketPrefix", "bucket_prefix", BUCKET_PREFIX, OPTIONAL),
            property("roleArn", "role_arn", ROLE_ARN, REQUIRED),
            property("dataApiRoleArn", "data_api_role_arn", DATA_API_ROLE_ARN, OPTIONAL),
            property("isRedshiftServerless", "is_redshift_serverless", Kind::Bool, OPTIONAL),
            property("clusterIdentifier", "cluster_identifier", CLUSTER_IDENTIFIER, OPTIONAL),
            property("workgroupName", "workgroup_name", WORKGROUP_NAME, OPTIONAL),
            property("databaseName", "database_name", DATABASE_NAME, OPTIONAL),
        ],
        credentials: &[
            credential("username", "username", STRING, OPTIONAL),
            credential("password", "password", PASSWORD, OPTIONAL),
        ],
    },
    Connector {
        connector_type: "Salesforce",
        member: "Salesforce",
        properties: &[
            property("instanceUrl", "instance_url", INSTANCE_URL, OPTIONAL),
            property("isSandboxEnvironment", "is_sandbox_environment", Kind::Bool, OPTIONAL),
            property("usePrivateLinkForMetadataAndAuthorization", "use_private_link_for_metadata_and_authorization", Kind::Bool, OPTIONAL),
        ],
        credentials: &[
            credential("accessToken", "access_token", ACCESS_TOKEN, OPTIONAL),
            credential("refreshToken", "refresh_token", REFRESH_TOKEN, OPTIONAL),
            credential("oAuthRequest", "oauth_request", Kind::Block(OAUTH_REQUEST), OPTIONAL),
            credential("clientCredentialsArn", "client_credentials_arn", CLIENT_CREDENTIALS_ARN, OPTIONAL),
            credential("oAuth2GrantType", "oauth2_grant_type", OAUTH2_GRANT_TYPE, OPTIONAL),
            credential("jwtToken", "jwt_token", JWT_TOKEN, OPTIONAL),
        ],
    },
    Connector {
        connector_type: "Servicenow",
        member: "ServiceNow",
        properties: REQUIRED_INSTANCE_URL,
        credentials: &[
            credential("username", "username", USERNAME, OPTIONAL),
            credential("password", "password", PASSWORD, OPTIONAL),
            credential("oAuth2Credentials", "oauth2_credentials", Kind::Block(OAUTH2_CREDENTIALS), OPTIONAL),
        ],
    },
    Connector {
        connector_type: "Singular",
        member: "Singular",
        properties: &[],
        credentials: &[credential("apiKey", "api_key", API_KEY, REQUIRED)],
    },
    Connector {
        connector_type: "Slack",
        member: "Slack",
        properties: REQUIRED_INSTANCE_URL,
        credentials: CLIENT_APP_CREDENTIALS,
    },
    Connector {
        connector_type: "Snowflake",
        member: "Snowflake",
        properties: &[
            property("warehouse", "warehouse", WAREHOUSE, REQUIRED),
            property("stage", "stage", STAGE, REQUIRED),
            property("bucketName", "bucket_name", BUCKET_NAME, REQUIRED),
            property("bucketPrefix", "bucket_prefix", BUCKET_PREFIX, OPTIONAL),
            property("privateLinkServiceName", "private_link_service_name", PRIVATE_LINK_SERVICE_NAME, OPTIONAL),
            property("accountName", "account_name", ACCOUNT_NAME, OPTIONAL),
            property("region", "region", REGION, OPTIONAL),
        ],
        credentials: REQUIRED_USERNAME_PASSWORD,
    },
    Connector {
        connector_type: "Trendmicro",
        member: "Trendmicro",
        properties: &[],
        credentials: &[credential("apiSecretKey", "api_secret_key", API_SECRET_KEY, REQUIRED)],
    },
    Connector {
        connector_type: "Veeva",
        member: "Veeva",
        properties: REQUIRED_INSTANCE_URL,
        credentials: REQUIRED_USERNAME_PASSWORD,
    },
    Connector {
        connector_type: "Zendesk",
        member: "Zendesk",
        properties: REQUIRED_INSTANCE_URL,
        credentials: CLIENT_APP_CREDENTIALS,
    },
    Connector {
        connector_type: "SAPOData",
        member: "SAPOData",
        properties: &[
            property("applicationHostUrl", "application_host_url", APPLICATION_HOST_URL, REQUIRED),
            property("applicationServicePath", "application_service_path", APPLICATION_SERVICE_PATH, REQUIRED),
            property("portNumber", "port_number", PORT_NUMBER, REQUIRED),
            property("clientNumber", "client_number", CLIENT_NUMBER, REQUIRED),
            property("logonLanguage", "logon_language", LOGON_LANGUAGE, OPTIONAL),
            property("privateLinkServiceName", "private_link_service_name", PRIVATE_LINK_SERVICE_NAME, OPTIONAL),
            property("oAuthProperties", "oauth_properties", Kind::Block(SAPODATA_OAUTH_PROPERTIES), OPTIONAL),
            property("disableSSO", "disable_sso", Kind::Bool, OPTIONAL),
        ],
        credentials: &[
            credential("basicAuthCredentials", "basic_auth_credentials", Kind::Block(BASIC_AUTH_CREDENTIALS), OPTIONAL),
            credential("oAuthCredentials", "oauth_credentials", Kind::Block(CLIENT_OAUTH_CREDENTIALS), OPTIONAL),
        ],
    },
    Connector {
        connector_type: "CustomConnector",
        member: "CustomConnector",
        properties: &[
            property("profileProperties", "profile_properties", PROPERTY_MAP, OPTIONAL),
            property("oAuth2Properties", "oauth2_properties", Kind::Block(CUSTOM_OAUTH2_PROPERTIES), OPTIONAL),
        ],
        credentials: &[
            credential("authenticationType", "authentication_type", AUTHENTICATION_TYPE, REQUIRED),
            credential("basic", "basic", Kind::Block(BASIC_AUTH_CREDENTIALS), OPTIONAL),
            credential("oauth2", "oauth2", Kind::Block(OAUTH2_CREDENTIALS), OPTIONAL),
            credential("apiKey", "api_key", Kind::Block(CUSTOM_API_KEY), OPTIONAL),
            credential("custom", "custom", Kind::Block(CUSTOM_AUTH), OPTIONAL),
        ],
    },
    Connector {
        connector_type: "Pardot",
        member: "Pardot",
        properties: &[
            property("instanceUrl", "instance_url", INSTANCE_URL, OPTIONAL),
            property("isSandboxEnvironment", "is_sandbox_environment", Kind::Bool, OPTIONAL),
            property("businessUnitId", "business_unit_id", BUSINESS_UNIT_ID, OPTIONAL),
        ],
        credentials: &[
            credential("accessToken", "access_token", ACCESS_TOKEN, OPTIONAL),
            credential("refreshToken", "refresh_token", REFRESH_TOKEN, OPTIONAL),
            credential("oAuthRequest", "oauth_request", Kind::Block(OAUTH_REQUEST), OPTIONAL),
            credential("clientCredentialsArn", "client_credentials_arn", CLIENT_CREDENTIALS_ARN, OPTIONAL),
        ],
    },
];

// ---------------------------------------------------------------------------------------------
// From the model's Java patterns to Rust regexes.

/// Turns one of the model's patterns into a Rust `regex` source that matches a whole value.
///
/// AWS validates with Java regular expressions, which differ from Rust's `regex` where it matters
/// here:
/// - Java's `\w`, `\d` and `\s` are ASCII-only; Rust's are Unicode-aware, so `\w` would accept
///   `é` and `\S` would refuse a non-breaking space that AWS accepts. Each of them (and their
///   negations `\W`, `\D`, `\S`) becomes an explicit ASCII class, inside and outside `[...]`
///   (a class nested in a class is a union in Rust's syntax).
/// - Java's `.` refuses every line terminator (`\r`, U+0085, U+2028, U+2029 as well as `\n`);
///   Rust's refuses only `\n`. Outside classes `.` becomes the explicit class.
///
/// Every other escape is kept as written. The result is anchored as `^(?:PATTERN)$` because AWS
/// matches the whole value.
pub fn rust_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    out.push_str("^(?:");
    let mut class_depth = 0usize;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => match java_ascii_class(escaped) {
                    Some(class) => out.push_str(class),
                    None => {
                        out.push('\\');
                        out.push(escaped);
                    }
                },
                // A trailing lone backslash: keep it, so that compiling reports the error.
                None => out.push('\\'),
            },
            '.' if class_depth == 0 => out.push_str(JAVA_DOT),
            '[' => {
                class_depth += 1;
                out.push(c);
            }
            ']' => {
                class_depth = class_depth.saturating_sub(1);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push_str(")$");
    out
}

/// Java's `.`: any character but a line terminator.
const JAVA_DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";

/// The explicit ASCII class for Java's `\w`, `\d`, `\s` and their negations, written so that it
/// means the same standing alone and nested inside another class.
fn java_ascii_class(escape: char) -> Option<&'static str> {
    Some(match escape {
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => r"[\t\n\x0B\x0C\r ]",
        'S' => r"[^\t\n\x0B\x0C\r ]",
        _ => return None,
    })
}

impl Constraint {
    /// This constraint's pattern as a whole-value Rust regex source (see [`rust_pattern`]).
    pub fn rust_pattern(&self) -> Option<String> {
        self.pattern.map(rust_pattern)
    }
}
