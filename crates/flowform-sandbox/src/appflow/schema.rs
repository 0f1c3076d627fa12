//! The shapes of connector profile properties and credentials, per connector, as data.
//!
//! Written from AWS's CreateConnectorProfile reference and the 2023-09-06 API change note (which
//! marks the [REQUIRED] members), with lengths and patterns from the published service model.
//! Deliberately independent of flowform-core's catalogue: this is the service's side.

/// A string's constraints. `pattern` is the model's (Java) regular expression, matched against
/// the whole value.
#[derive(Debug, Clone, Copy)]
pub struct Str {
    pub min: usize,
    pub max: usize,
    pub pattern: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Str(Str),
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    Enum(&'static [&'static str]),
    /// A list of strings with at most `max` items.
    List(Str, usize),
    /// A string-to-string map with at most `max` entries.
    Map {
        key: Str,
        value: Str,
        max: usize,
    },
    Struct(&'static [Field]),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    pub required: bool,
    /// Sensitive members are never echoed in error messages.
    pub sensitive: bool,
}

const fn s(max: usize, pattern: &'static str) -> Str {
    Str {
        min: 0,
        max,
        pattern,
    }
}

const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
        sensitive: false,
    }
}

const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
        sensitive: false,
    }
}

const fn secret(field: Field) -> Field {
    Field {
        sensitive: true,
        ..field
    }
}

const NON_BLANK: &str = r"\S+";
const URL: &str = r"^(https?)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]";
const IAM_ROLE: &str = "arn:aws:iam:.*:[0-9]+:.*";
const PRIVATE_LINK: &str = r"^$|com.amazonaws.vpce.[\w/!:@#.\-]+";
const GRANT_TYPES: &[&str] = &["CLIENT_CREDENTIALS", "AUTHORIZATION_CODE", "JWT_BEARER"];

const INSTANCE_URL: Shape = Shape::Str(s(256, NON_BLANK));
const BUCKET_NAME: Shape = Shape::Str(Str {
    min: 3,
    max: 63,
    pattern: NON_BLANK,
});
const BUCKET_PREFIX: Shape = Shape::Str(s(512, ".*"));
const CLIENT_ID: Shape = Shape::Str(s(512, NON_BLANK));
const CLIENT_SECRET: Shape = Shape::Str(s(512, NON_BLANK));
const ACCESS_TOKEN: Shape = Shape::Str(s(4096, NON_BLANK));
const REFRESH_TOKEN: Shape = Shape::Str(s(4096, NON_BLANK));
const USERNAME: Shape = Shape::Str(s(512, NON_BLANK));
const PASSWORD: Shape = Shape::Str(s(512, ".*"));
const API_KEY: Shape = Shape::Str(s(256, NON_BLANK));
const CLIENT_CREDENTIALS_ARN: Shape = Shape::Str(Str {
    min: 20,
    max: 2048,
    pattern: "arn:aws:secretsmanager:.*:[0-9]+:.*",
});
const PROPERTY_MAP: Shape = Shape::Map {
    key: Str {
        min: 1,
        max: 128,
        pattern: r"[\w]+",
    },
    value: s(2048, NON_BLANK),
    max: 50,
};

const OAUTH_REQUEST: Shape = Shape::Struct(&[
    opt("authCode", Shape::Str(s(4096, NON_BLANK))),
    opt("redirectUri", Shape::Str(s(512, NON_BLANK))),
]);

/// The OAuth members most connectors share: client id and secret required, tokens optional.
const OAUTH_CLIENT: &[Field] = &[
    req("clientId", CLIENT_ID),
    secret(req("clientSecret", CLIENT_SECRET)),
    secret(opt("accessToken", ACCESS_TOKEN)),
    opt("oAuthRequest", OAUTH_REQUEST),
];

const OAUTH_CLIENT_WITH_REFRESH: &[Field] = &[
    req("clientId", CLIENT_ID),
    secret(req("clientSecret", CLIENT_SECRET)),
    secret(opt("accessToken", ACCESS_TOKEN)),
    opt("refreshToken", REFRESH_TOKEN),
    opt("oAuthRequest", OAUTH_REQUEST),
];

const OAUTH_OPTIONAL: &[Field] = &[
    opt("clientId", CLIENT_ID),
    secret(opt("clientSecret", CLIENT_SECRET)),
    secret(opt("accessToken", ACCESS_TOKEN)),
    opt("refreshToken", REFRESH_TOKEN),
    opt("oAuthRequest", OAUTH_REQUEST),
];

const BASIC_AUTH: &[Field] = &[req("username", USERNAME), secret(req("password", PASSWORD))];

const INSTANCE_URL_ONLY: &[Field] = &[req("instanceUrl", INSTANCE_URL)];

/// One connector type's profile shapes.
#[derive(Debug)]
pub struct Connector {
    /// The `connectorType` value, e.g. `Googleanalytics`.
    pub connector_type: &'static str,
    /// The member name under `connectorProfileProperties`/`Credentials`, e.g. `GoogleAnalytics`.
    pub member: &'static str,
    pub properties: &'static [Field],
    pub credentials: &'static [Field],
    /// Whether the reference marks any credential member [REQUIRED], so credentials must be given.
    pub credentials_required: bool,
}

/// Every `connectorType` the API accepts, in the model's order.
pub const CONNECTOR_TYPES: &[&str] = &[
    "Salesforce",
    "Singular",
    "Slack",
    "Redshift",
    "S3",
    "Marketo",
    "Googleanalytics",
    "Zendesk",
    "Servicenow",
    "Datadog",
    "Trendmicro",
    "Snowflake",
    "Dynatrace",
    "Infornexus",
    "Amplitude",
    "Veeva",
    "EventBridge",
    "LookoutMetrics",
    "Upsolver",
    "Honeycode",
    "CustomerProfiles",
    "SAPOData",
    "CustomConnector",
    "Pardot",
];

pub const CONNECTION_MODES: &[&str] = &["Public", "Private"];

pub const CONNECTORS: &[Connector] = &[
    Connector {
        connector_type: "Amplitude",
        member: "Amplitude",
        properties: &[],
        credentials: &[
            secret(req("apiKey", API_KEY)),
            secret(req("secretKey", API_KEY)),
        ],
        credentials_required: true,
    },
    Connector {
        connector_type: "Datadog",
        member: "Datadog",
        properties: INSTANCE_URL_ONLY,
        credentials: &[
            secret(req("apiKey", API_KEY)),
            req("applicationKey", Shape::Str(s(512, NON_BLANK))),
        ],
        credentials_required: true,
    },
    Connector {
        connector_type: "Dynatrace",
        member: "Dynatrace",
        properties: INSTANCE_URL_ONLY,
        credentials: &[req("apiToken", Shape::Str(s(256, NON_BLANK)))],
        credentials_required: true,
    },
    Connector {
        connector_type: "Googleanalytics",
        member: "GoogleAnalytics",
        properties: &[],
        credentials: OAUTH_CLIENT_WITH_REFRESH,
        credentials_required: true,
    },
    Connector {
        connector_type: "Honeycode",
        member: "Honeycode",
        properties: &[],
        credentials: &[
            secret(opt("accessToken", ACCESS_TOKEN)),
            opt("refreshToken", REFRESH_TOKEN),
            opt("oAuthRequest", OAUTH_REQUEST),
        ],
        credentials_required: false,
    },
    Connector {
        connector_type: "Infornexus",
        member: "InforNexus",
        properties: INSTANCE_URL_ONLY,
        credentials: &[
            secret(req("accessKeyId", API_KEY)),
            req("userId", USERNAME),
            req("secretAccessKey", Shape::Str(s(512, NON_BLANK))),
            req("datakey", Shape::Str(s(512, NON_BLANK))),
        ],
        credentials_required: true,
    },
    Connector {
        connector_type: "Marketo",
        member: "Marketo",
        properties: INSTANCE_URL_ONLY,
        credentials: OAUTH_CLIENT,
        credentials_required: true,
    },
    Connector {
        connector_type: "Redshift",
        member: "Redshift",
        properties: &[
            opt("databaseUrl", Shape::Str(s(512, NON_BLANK))),
            req("bucketName", BUCKET_NAME),
            opt("bucketPrefix", BUCKET_PREFIX),
            req("roleArn", Shape::Str(s(512, IAM_ROLE))),
            opt("dataApiRoleArn", Shape::Str(s(512, IAM_ROLE))),
            opt("isRedshiftServerless", Shape::Bool),
            opt("clusterIdentifier", Shape::Str(s(512, NON_BLANK))),
            opt("workgroupName", Shape::Str(s(512, NON_BLANK))),
            opt("databaseName", Shape::Str(s(512, NON_BLANK))),
        ],
        credentials: &[
            opt("username", Shape::Str(s(2048, ".*"))),
            secret(opt("password", PASSWORD)),
        ],
        credentials_required: false,
    },
    Connector {
        connector_type: "Salesforce",
        member: "Salesforce",
        properties: &[
            opt("instanceUrl", INSTANCE_URL),
            opt("isSandboxEnvironment", Shape::Bool),
            opt("usePrivateLinkForMetadataAndAuthorization", Shape::Bool),
        ],
        credentials: &[
            secret(opt("accessToken", ACCESS_TOKEN)),
            opt("refreshToken", REFRESH_TOKEN),
            opt("oAuthRequest", OAUTH_REQUEST),
            secret(opt("clientCredentialsArn", CLIENT_CREDENTIALS_ARN)),
            opt("oAuth2GrantType", Shape::Enum(GRANT_TYPES)),
            secret(opt(
                "jwtToken",
                Shape::Str(s(
                    8000,
                    r"^([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_\-\+\/=]*)",
                )),
            )),
        ],
        credentials_required: false,
    },
    Connector {
        connector_type: "Servicenow",
        member: "ServiceNow",
        properties: INSTANCE_URL_ONLY,
        credentials: &[
            opt("username", USERNAME),
            secret(opt("password", PASSWORD)),
            opt("oAuth2Credentials", Shape::Struct(OAUTH_OPTIONAL)),
        ],
        credentials_required: false,
    },
    Connector {
        connector_type: "Singular",
        member: "Singular",
        properties: &[],
        credentials: &[secret(req("apiKey", API_KEY))],
        credentials_required: true,
    },
    Connector {
        connector_type: "Slack",
        member: "Slack",
        properties: INSTANCE_URL_ONLY,
        credentials: OAUTH_CLIENT,
        credentials_required: true,
    },
    Connector {
        connector_type: "Snowflake",
        member: "Snowflake",
        properties: &[
            req("warehouse", Shape::Str(s(512, r"[\s\w/!@#+=.-]*"))),
            req("stage", Shape::Str(s(512, NON_BLANK))),
            req("bucketName", BUCKET_NAME),
            opt("bucketPrefix", BUCKET_PREFIX),
            opt("privateLinkServiceName", Shape::Str(s(512, PRIVATE_LINK))),
            opt("accountName", Shape::Str(s(512, NON_BLANK))),
            opt("region", Shape::Str(s(64, NON_BLANK))),
        ],
        credentials: BASIC_AUTH,
        credentials_required: true,
    },
    Connector {
        connector_type: "Trendmicro",
        member: "Trendmicro",
        properties: &[],
        credentials: &[secret(req("apiSecretKey", API_KEY))],
        credentials_required: true,
    },
    Connector {
        connector_type: "Veeva",
        member: "Veeva",
        properties: INSTANCE_URL_ONLY,
        credentials: BASIC_AUTH,
        credentials_required: true,
    },
    Connector {
        connector_type: "Zendesk",
        member: "Zendesk",
        properties: INSTANCE_URL_ONLY,
        credentials: OAUTH_CLIENT,
        credentials_required: true,
    },
    Connector {
        connector_type: "SAPOData",
        member: "SAPOData",
        properties: &[
            req("applicationHostUrl", Shape::Str(s(256, URL))),
            req("applicationServicePath", Shape::Str(s(512, NON_BLANK))),
            req("portNumber", Shape::Int { min: 1, max: 65535 }),
            req(
                "clientNumber",
                Shape::Str(Str {
                    min: 3,
                    max: 3,
                    pattern: r"^\d{3}$",
                }),
            ),
            opt("logonLanguage", Shape::Str(s(2, r"^[a-zA-Z0-9_]*$"))),
            opt("privateLinkServiceName", Shape::Str(s(512, PRIVATE_LINK))),
            opt(
                "oAuthProperties",
                Shape::Struct(&[
                    req("tokenUrl", Shape::Str(s(256, URL))),
                    req("authCodeUrl", Shape::Str(s(256, URL))),
                    req("oAuthScopes", Shape::List(s(128, NON_BLANK), usize::MAX)),
                ]),
            ),
            opt("disableSSO", Shape::Bool),
        ],
        credentials: &[
            opt("basicAuthCredentials", Shape::Struct(BASIC_AUTH)),
            opt("oAuthCredentials", Shape::Struct(OAUTH_CLIENT_WITH_REFRESH)),
        ],
        credentials_required: false,
    },
    Connector {
        connector_type: "CustomConnector",
        member: "CustomConnector",
        properties: &[
            opt("profileProperties", PROPERTY_MAP),
            opt(
                "oAuth2Properties",
                Shape::Struct(&[
                    req("tokenUrl", Shape::Str(s(256, URL))),
                    req("oAuth2GrantType", Shape::Enum(GRANT_TYPES)),
                    opt("tokenUrlCustomProperties", PROPERTY_MAP),
                ]),
            ),
        ],
        credentials: &[
            req(
                "authenticationType",
                Shape::Enum(&["OAUTH2", "APIKEY", "BASIC", "CUSTOM"]),
            ),
            opt("basic", Shape::Struct(BASIC_AUTH)),
            opt("oauth2", Shape::Struct(OAUTH_OPTIONAL)),
            opt(
                "apiKey",
                Shape::Struct(&[
                    secret(req("apiKey", API_KEY)),
                    secret(opt("apiSecretKey", API_KEY)),
                ]),
            ),
            opt(
                "custom",
                Shape::Struct(&[
                    req("customAuthenticationType", Shape::Str(s(256, NON_BLANK))),
                    secret(opt(
                        "credentialsMap",
                        Shape::Map {
                            key: Str {
                                min: 1,
                                max: 128,
                                pattern: r"[\w]+",
                            },
                            value: s(2048, NON_BLANK),
                            max: 50,
                        },
                    )),
                ]),
            ),
        ],
        credentials_required: true,
    },
    Connector {
        connector_type: "Pardot",
        member: "Pardot",
        properties: &[
            opt("instanceUrl", INSTANCE_URL),
            opt("isSandboxEnvironment", Shape::Bool),
            opt("businessUnitId", Shape::Str(s(18, NON_BLANK))),
        ],
        credentials: &[
            secret(opt("accessToken", ACCESS_TOKEN)),
            opt("refreshToken", REFRESH_TOKEN),
            opt("oAuthRequest", OAUTH_REQUEST),
            secret(opt("clientCredentialsArn", CLIENT_CREDENTIALS_ARN)),
        ],
        credentials_required: false,
    },
];

/// The shapes for a `connectorType`; `None` for the types that take no connector profile
/// (S3, EventBridge, LookoutMetrics, Upsolver, CustomerProfiles).
pub fn connector(connector_type: &str) -> Option<&'static Connector> {
    CONNECTORS
        .iter()
        .find(|c| c.connector_type == connector_type)
}

/// The connector whose member name is `member`, e.g. `GoogleAnalytics`.
pub fn connector_by_member(member: &str) -> Option<&'static Connector> {
    CONNECTORS.iter().find(|c| c.member == member)
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::appflow::validate::{Violations, check_shape, matches};

    /// The members the 2023-09-06 API change note marks [REQUIRED], per connector member name:
    /// (properties, credentials).
    const REFERENCE_REQUIRED: &[(&str, &[&str], &[&str])] = &[
        ("Amplitude", &[], &["apiKey", "secretKey"]),
        ("Datadog", &["instanceUrl"], &["apiKey", "applicationKey"]),
        ("Dynatrace", &["instanceUrl"], &["apiToken"]),
        ("GoogleAnalytics", &[], &["clientId", "clientSecret"]),
        ("Honeycode", &[], &[]),
        (
            "InforNexus",
            &["instanceUrl"],
            &["accessKeyId", "userId", "secretAccessKey", "datakey"],
        ),
        ("Marketo", &["instanceUrl"], &["clientId", "clientSecret"]),
        ("Redshift", &["bucketName", "roleArn"], &[]),
        ("Salesforce", &[], &[]),
        ("ServiceNow", &["instanceUrl"], &[]),
        ("Singular", &[], &["apiKey"]),
        ("Slack", &["instanceUrl"], &["clientId", "clientSecret"]),
        (
            "Snowflake",
            &["warehouse", "stage", "bucketName"],
            &["username", "password"],
        ),
        ("Trendmicro", &[], &["apiSecretKey"]),
        ("Veeva", &["instanceUrl"], &["username", "password"]),
        ("Zendesk", &["instanceUrl"], &["clientId", "clientSecret"]),
        (
            "SAPOData",
            &[
                "applicationHostUrl",
                "applicationServicePath",
                "portNumber",
                "clientNumber",
            ],
            &[],
        ),
        ("CustomConnector", &[], &["authenticationType"]),
        ("Pardot", &[], &[]),
    ];

    fn required(fields: &[Field]) -> Vec<&'static str> {
        fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect()
    }

    #[test]
    fn required_members_follow_the_reference() {
        assert_eq!(CONNECTORS.len(), REFERENCE_REQUIRED.len());
        for (member, properties, credentials) in REFERENCE_REQUIRED {
            let connector =
                connector_by_member(member).unwrap_or_else(|| panic!("{member} is missing"));
            assert_eq!(
                required(connector.properties),
                *properties,
                "{member} properties"
            );
            assert_eq!(
                required(connector.credentials),
                *credentials,
                "{member} credentials"
            );
            assert_eq!(
                connector.credentials_required,
                !credentials.is_empty(),
                "{member}"
            );
        }
    }

    #[test]
    fn every_connector_type_is_known() {
        let without_profiles = [
            "S3",
            "EventBridge",
            "LookoutMetrics",
            "Upsolver",
            "CustomerProfiles",
        ];
        for connector_type in CONNECTOR_TYPES {
            assert_eq!(
                connector(connector_type).is_none(),
                without_profiles.contains(connector_type),
                "{connector_type}"
            );
        }
    }

    /// A value that satisfies `rule`, picked from plausible candidates.
    fn sample_string(rule: &Str) -> String {
        let candidates = [
            "abc",
            "https://example.com/path",
            "arn:aws:iam::123456789012:role/appflow",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf",
            "010",
            "EN",
            "com.amazonaws.vpce.us-east-1.vpce-svc-1",
            "header.payload.signature",
        ];
        candidates
            .iter()
            .find(|c| {
                (rule.min..=rule.max).contains(&c.chars().count()) && matches(rule.pattern, c)
            })
            .unwrap_or_else(|| panic!("no sample for {rule:?}"))
            .to_string()
    }

    /// The smallest valid value of `shape`: every required member, nothing else.
    fn minimal(shape: &Shape) -> Value {
        match shape {
            Shape::Str(rule) => json!(sample_string(rule)),
            Shape::Bool => json!(true),
            Shape::Int { min, .. } => json!(min),
            Shape::Enum(values) => json!(values[0]),
            Shape::List(rule, _) => json!([sample_string(rule)]),
            Shape::Map { .. } => json!({}),
            Shape::Struct(fields) => {
                let map: Map<String, Value> = fields
                    .iter()
                    .filter(|f| f.required)
                    .map(|f| (f.name.to_owned(), minimal(&f.shape)))
                    .collect();
                Value::Object(map)
            }
        }
    }

    /// Every optional member filled in too.
    fn full(shape: &Shape) -> Value {
        match shape {
            Shape::Struct(fields) => Value::Object(
                fields
                    .iter()
                    .map(|f| (f.name.to_owned(), full(&f.shape)))
                    .collect(),
            ),
            other => minimal(other),
        }
    }

    #[test]
    fn minimal_and_full_configs_pass_and_each_missing_member_fails() {
        for connector in CONNECTORS {
            for (what, fields) in [
                ("properties", connector.properties),
                ("credentials", connector.credentials),
            ] {
                let shape = Shape::Struct(fields);
                for sample in [minimal(&shape), full(&shape)] {
                    let mut out = Violations::default();
                    check_shape(&shape, &sample, "p", false, &mut out);
                    assert!(
                        out.0.is_empty(),
                        "{} {what}: {:?} for {sample}",
                        connector.member,
                        out.0
                    );
                }
                for field in fields.iter().filter(|f| f.required) {
                    let mut sample = minimal(&shape);
                    if let Some(map) = sample.as_object_mut() {
                        map.remove(field.name);
                    }
                    let mut out = Violations::default();
                    check_shape(&shape, &sample, "p", false, &mut out);
                    assert_eq!(
                        out.0,
                        [format!(
                            "Value null at 'p.{}' failed to satisfy constraint: Member must not be null",
                            field.name
                        )],
                        "{} {what}",
                        connector.member
                    );
                }
            }
        }
    }

    #[test]
    fn wrong_types_and_bounds_are_violations() {
        let sap = connector("SAPOData").expect("SAPOData");
        let mut out = Violations::default();
        let sample = json!({"applicationHostUrl": "ftp://x", "applicationServicePath": "/p", "portNumber": "443",
            "clientNumber": "1234", "logonLanguage": "ENG", "oAuthProperties": {"tokenUrl": "https://t", "authCodeUrl": "https://a", "oAuthScopes": "api"}});
        check_shape(
            &Shape::Struct(sap.properties),
            &sample,
            "p",
            false,
            &mut out,
        );
        let text = out.0.join("\n");
        assert_eq!(out.0.len(), 5, "{text}");
        for expected in [
            "p.applicationHostUrl",
            "p.portNumber' failed to satisfy constraint: Member must be an integer",
            "p.clientNumber",
            "p.logonLanguage",
            "p.oAuthProperties.oAuthScopes",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
}
