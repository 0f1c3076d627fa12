//! Who signed a request, and for which region, read from the SigV4 `Authorization` header.
//!
//! The access key id decides whether the caller is known at all (AWS refuses unknown keys before
//! looking at the signature), and the credential scope's region says where the request's
//! resources live. The signature itself is checked in `signature`.

use crate::protocol::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key_id: String,
    pub region: String,
    pub service: String,
}

/// Reads `Credential=AKID/DATE/REGION/SERVICE/aws4_request` from a SigV4 header value.
pub fn parse_authorization(header: Option<&str>) -> Result<Caller, ApiError> {
    let header = header.ok_or_else(|| {
        ApiError::new(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    })?;
    let malformed = || {
        ApiError::new(
            400,
            "IncompleteSignatureException",
            format!(
                "Authorization header requires a 'Credential' parameter of the form AKID/DATE/REGION/SERVICE/aws4_request. Authorization={header}"
            ),
        )
    };
    let rest = header
        .trim()
        .strip_prefix("AWS4-HMAC-SHA256")
        .ok_or_else(malformed)?;
    let credential = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))
        .ok_or_else(malformed)?;
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [akid, _date, region, service, "aws4_request"]
            if !akid.is_empty() && !region.is_empty() && !service.is_empty() =>
        {
            Ok(Caller {
                access_key_id: (*akid).to_owned(),
                region: (*region).to_owned(),
                service: (*service).to_owned(),
            })
        }
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_and_region() {
        let caller = parse_authorization(Some(
            "AWS4-HMAC-SHA256 Credential=test/20261123/eu-west-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        ))
        .unwrap();
        assert_eq!(caller.access_key_id, "test");
        assert_eq!(caller.region, "eu-west-1");
        assert_eq!(caller.service, "kms");
    }

    #[test]
    fn missing_header_is_403() {
        let err = parse_authorization(None).unwrap_err();
        assert_eq!(err.status, 403);
        assert_eq!(err.code, "MissingAuthenticationTokenException");
    }

    #[test]
    fn malformed_credential_is_refused() {
        for header in [
            "Basic abc",
            "AWS4-HMAC-SHA256 Signature=abc",
            "AWS4-HMAC-SHA256 Credential=test/2026/us-east-1/kms",
            "AWS4-HMAC-SHA256 Credential=//us-east-1/kms/aws4_request",
        ] {
            let err = parse_authorization(Some(header)).unwrap_err();
            assert_eq!(err.code, "IncompleteSignatureException", "{header}");
        }
    }
}
