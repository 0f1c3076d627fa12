//! Placeholder until the catalogue data lands (branch `catalogue`).
use super::{Connector, Constraint, Field, Kind};
pub static CONNECTORS: &[Connector] = &[Connector {
    connector_type: "Salesforce",
    member: "Salesforce",
    properties: &[
        Field {
            api: "instanceUrl",
            hcl: "instance_url",
            kind: Kind::String(Constraint {
                min_len: None,
                max_len: Some(256),
                pattern: Some(r"\S+"),
                one_of: &[],
            }),
            required: false,
            sensitive: false,
        },
        Field {
            api: "isSandboxEnvironment",
            hcl: "is_sandbox_environment",
            kind: Kind::Bool,
            required: false,
            sensitive: false,
        },
        Field {
            api: "usePrivateLinkForMetadataAndAuthorization",
            hcl: "use_private_link_for_metadata_and_authorization",
            kind: Kind::Bool,
            required: false,
            sensitive: false,
        },
    ],
    credentials: &[
        Field {
            api: "accessToken",
            hcl: "access_token",
            kind: Kind::String(Constraint {
                min_len: None,
                max_len: Some(4096),
                pattern: Some(r"\S+"),
                one_of: &[],
            }),
            required: false,
            sensitive: true,
        },
        Field {
            api: "refreshToken",
            hcl: "refresh_token",
            kind: Kind::String(Constraint {
                min_len: None,
                max_len: Some(4096),
                pattern: Some(r"\S+"),
                one_of: &[],
            }),
            required: false,
            sensitive: true,
        },
        Field {
            api: "oAuthRequest",
            hcl: "oauth_request",
            kind: Kind::Block(&[
                Field {
                    api: "authCode",
                    hcl: "auth_code",
                    kind: Kind::String(Constraint {
                        min_len: None,
                        max_len: Some(4096),
                        pattern: Some(r"\S+"),
                        one_of: &[],
                    }),
                    required: false,
                    sensitive: true,
                },
                Field {
                    api: "redirectUri",
                    hcl: "redirect_uri",
                    kind: Kind::String(Constraint {
                        min_len: None,
                        max_len: Some(512),
                        pattern: Some(r"\S+"),
                        one_of: &[],
                    }),
                    required: false,
                    sensitive: true,
                },
            ]),
            required: false,
            sensitive: true,
        },
        Field {
            api: "clientCredentialsArn",
            hcl: "client_credentials_arn",
            kind: Kind::String(Constraint {
                min_len: Some(20),
                max_len: Some(2048),
                pattern: Some("arn:aws:secretsmanager:.*:[0-9]+:.*"),
                one_of: &[],
            }),
            required: false,
            sensitive: true,
        },
        Field {
            api: "oAuth2GrantType",
            hcl: "oauth2_grant_type",
            kind: Kind::String(Constraint {
                min_len: None,
                max_len: None,
                pattern: None,
                one_of: &["AUTHORIZATION_CODE", "CLIENT_CREDENTIALS", "JWT_BEARER"],
            }),
            required: false,
            sensitive: true,
        },
        Field {
            api: "jwtToken",
            hcl: "jwt_token",
            kind: Kind::String(Constraint {
                min_len: None,
                max_len: Some(8000),
                pattern: Some(r"^[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.?[A-Za-z0-9-_.+/=]*$"),
                one_of: &[],
            }),
            required: false,
            sensitive: true,
        },
    ],
}];

/// Turns an AWS (Java-syntax) pattern into a Rust regex matching the whole value.
pub fn rust_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('w') if in_class => out.push_str("0-9A-Za-z_"),
                Some('w') => out.push_str("[0-9A-Za-z_]"),
                Some('d') if in_class => out.push_str("0-9"),
                Some('d') => out.push_str("[0-9]"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push_str("\\\\"),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    format!("^(?:{out})$")
}
