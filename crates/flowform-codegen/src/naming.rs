//! Names: the model's, flowform's HCL names, and the Rust names smithy-rs gives the SDK.
//!
//! All three start from the same split of a model name into words, which is smithy-rs's: a word
//! starts at an upper-case letter that follows a lower-case letter or a digit, and at the last
//! capital of a run of capitals that a lower-case letter follows (`SAPOData` → `SAPO`, `Data`;
//! `oAuth2GrantType` → `o`, `Auth2`, `Grant`, `Type`). Digits stay with the word before them.

/// The words of a model name.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                Some(_) => false,
            };
        if (boundary || !c.is_ascii_alphanumeric()) && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_ascii_alphanumeric() {
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => {
            first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
        }
        None => String::new(),
    }
}

/// The SDK's type name for a shape: `SAPODataConnectorProfileProperties` →
/// `SapoDataConnectorProfileProperties`, `OAuth2Credentials` → `OAuth2Credentials`.
pub fn sdk_type(shape: &str) -> String {
    words(shape).iter().map(|w| capitalized(w)).collect()
}

/// The SDK's field, getter and setter stem for a member: `oAuthRequest` → `o_auth_request`,
/// `SAPOData` → `sapo_data`, `disableSSO` → `disable_sso`.
pub fn sdk_member(member: &str) -> String {
    words(member)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// flowform's HCL name for a member (SPEC §2): the API's name in snake_case, with `oAuth`
/// written `oauth` and `SSO` written `sso` (`oAuth2GrantType` → `oauth2_grant_type`,
/// `disableSSO` → `disable_sso`, `usePrivateLinkFor...` → `use_private_link_for_...`).
pub fn hcl_name(member: &str) -> String {
    let spelled = member.replace("oAuth", "oauth");
    sdk_member(&spelled)
}

/// A shape name as a Rust constant (`OAuth2Credentials` → `OAUTH2_CREDENTIALS`): the HCL rule,
/// upper-cased, so constants read like the fields that use them.
pub fn constant(shape: &str) -> String {
    hcl_name(&shape.replace("OAuth", "Oauth")).to_ascii_uppercase()
}

/// A shape name as a Rust function name (`OAuth2Credentials` → `oauth2_credentials`).
pub fn function(shape: &str) -> String {
    constant(shape).to_ascii_lowercase()
}

/// Rust's reserved words, which a generated identifier must not be.
pub fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    ];
    KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_names_follow_smithy_rs() {
        for (shape, rust) in [
            (
                "SAPODataConnectorProfileProperties",
                "SapoDataConnectorProfileProperties",
            ),
            ("OAuth2Credentials", "OAuth2Credentials"),
            ("OAuthCredentials", "OAuthCredentials"),
            ("ConnectorOAuthRequest", "ConnectorOAuthRequest"),
            ("OAuth2GrantType", "OAuth2GrantType"),
            (
                "InforNexusConnectorProfileCredentials",
                "InforNexusConnectorProfileCredentials",
            ),
            ("KMSArn", "KmsArn"),
        ] {
            assert_eq!(sdk_type(shape), rust);
        }
        for (member, rust) in [
            ("oAuthRequest", "o_auth_request"),
            ("SAPOData", "sapo_data"),
            ("InforNexus", "infor_nexus"),
            ("disableSSO", "disable_sso"),
            ("oAuth2GrantType", "o_auth2_grant_type"),
            ("oauth2", "oauth2"),
            ("datakey", "datakey"),
            (
                "usePrivateLinkForMetadataAndAuthorization",
                "use_private_link_for_metadata_and_authorization",
            ),
        ] {
            assert_eq!(sdk_member(member), rust);
        }
    }

    #[test]
    fn hcl_names_follow_spec_section_2() {
        for (member, hcl) in [
            ("instanceUrl", "instance_url"),
            ("oAuthRequest", "oauth_request"),
            ("oAuth2GrantType", "oauth2_grant_type"),
            ("oAuth2Credentials", "oauth2_credentials"),
            ("disableSSO", "disable_sso"),
            (
                "usePrivateLinkForMetadataAndAuthorization",
                "use_private_link_for_metadata_and_authorization",
            ),
            ("codeVerifier", "code_verifier"),
            ("oauth2", "oauth2"),
        ] {
            assert_eq!(hcl_name(member), hcl);
        }
        assert_eq!(constant("OAuth2Credentials"), "OAUTH2_CREDENTIALS");
        assert_eq!(
            constant("SAPODataConnectorProfileProperties"),
            "SAPO_DATA_CONNECTOR_PROFILE_PROPERTIES"
        );
    }
}
