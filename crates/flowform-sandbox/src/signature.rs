//! SigV4 signature verification: the sandbox recomputes the signature of each request with the
//! configured secret access key, as AWS does, so that a client signing with the wrong secret (or
//! mangling a request after signing it) fails here as it would against AWS.
//!
//! Follows the published algorithm: canonical request (method, doubly encoded path, sorted query,
//! the signed headers, payload hash), string to sign, HMAC key derivation from date, region and
//! service.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Authorization header lacks {0}")]
    Incomplete(&'static str),
    #[error("the request has no X-Amz-Date header")]
    NoDate,
    #[error("the signed header {0} is not in the request")]
    MissingSignedHeader(String),
    #[error("the signature does not match")]
    Mismatch,
}

/// The parts of a request that SigV4 covers.
pub struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// S3 signs the path as sent (encoded once); the other services encode it again.
    pub single_encoded_path: bool,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Percent-encodes everything but the unreserved characters (and `/` when `keep_slash`).
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn canonical_query(query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (encode(&decode(k), false), encode(&decode(v), false))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// Checks `authorization` (a SigV4 header) against the request and `secret_access_key`.
pub fn verify(
    authorization: &str,
    secret_access_key: &str,
    request: &Signed<'_>,
) -> Result<(), SignatureError> {
    let part = |name: &str| {
        authorization
            .trim_start_matches("AWS4-HMAC-SHA256")
            .split(',')
            .map(str::trim)
            .find_map(|p| p.strip_prefix(name))
    };
    let credential = part("Credential=").ok_or(SignatureError::Incomplete("Credential"))?;
    let signed_headers =
        part("SignedHeaders=").ok_or(SignatureError::Incomplete("SignedHeaders"))?;
    let signature = part("Signature=").ok_or(SignatureError::Incomplete("Signature"))?;
    let scope = credential
        .split_once('/')
        .map(|(_, s)| s)
        .ok_or(SignatureError::Incomplete("Credential"))?;
    let scope_parts: Vec<&str> = scope.split('/').collect();
    let [date, region, service, _] = scope_parts.as_slice() else {
        return Err(SignatureError::Incomplete("Credential"));
    };
    let amz_date = header_value(request.headers, "x-amz-date").ok_or(SignatureError::NoDate)?;

    let mut canonical_headers = String::new();
    for name in signed_headers.split(';') {
        let value = header_value(request.headers, name)
            .ok_or_else(|| SignatureError::MissingSignedHeader(name.to_owned()))?;
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let payload_hash = match header_value(request.headers, "x-amz-content-sha256") {
        Some(hash) => hash,
        None => sha256_hex(request.body),
    };
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        request.method,
        if request.single_encoded_path {
            request.path.to_owned()
        } else {
            encode(request.path, true)
        },
        canonical_query(request.query)
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let mut key = hmac(
        format!("AWS4{secret_access_key}").as_bytes(),
        date.as_bytes(),
    );
    for part in [region, service, &"aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let expected = hex(&hmac(&key, string_to_sign.as_bytes()));
    // Length and content compared without early exit, as signature checks should be.
    let matches = expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// AWS's published example (the "get-vanilla" case of the SigV4 test suite).
    #[test]
    fn matches_the_aws_test_suite_example() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        let request = Signed {
            method: "GET",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
            single_encoded_path: false,
        };
        let authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        assert_eq!(
            verify(
                authorization,
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                &request
            ),
            Ok(())
        );
        assert_eq!(
            verify(authorization, "another-secret", &request),
            Err(SignatureError::Mismatch)
        );
        let tampered = authorization.replace("5fa0", "5fa1");
        assert_eq!(
            verify(
                &tampered,
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                &request
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn incomplete_headers_are_reported() {
        let headers = HeaderMap::new();
        let request = Signed {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
            single_encoded_path: false,
        };
        assert_eq!(
            verify(
                "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request",
                "s",
                &request
            ),
            Err(SignatureError::Incomplete("SignedHeaders"))
        );
        assert_eq!(
            verify(
                "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=00",
                "s",
                &request
            ),
            Err(SignatureError::NoDate)
        );
    }

    #[test]
    fn query_strings_are_sorted_and_encoded() {
        assert_eq!(canonical_query(Some("b=2&a=1&c=x%20y")), "a=1&b=2&c=x%20y");
        assert_eq!(canonical_query(None), "");
    }
}
