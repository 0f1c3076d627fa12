//! Encrypt and Decrypt, for flowform's s3 backend, which wraps its digest key with KMS.
//!
//! Not real cryptography, but not plain text either: the ciphertext blob is
//! `flowform-sandbox-kms:1:KEY_ID:` + a 16-byte nonce + the plaintext XORed with an
//! HMAC-SHA-256 keystream of the key id and the nonce. Like KMS, the blob names its key, so
//! Decrypt needs no KeyId; one given must name the same key. A disabled or pending-deletion
//! key refuses both, as on AWS.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::model::{KeyState, KmsRegion};
use super::{key, key_id_or_alias};
use crate::input::Fields;
use crate::protocol::{ApiError, ApiResult};
use crate::server::Context;

const MAGIC: &str = "flowform-sandbox-kms:1:";

fn keystream(key_id: &str, nonce: &[u8], length: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(length + 32);
    let mut counter = 0u32;
    while out.len() < length {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key_id.as_bytes()) else {
            break;
        };
        mac.update(nonce);
        mac.update(&counter.to_be_bytes());
        out.extend_from_slice(&mac.finalize().into_bytes());
        counter += 1;
    }
    out.truncate(length);
    out
}

fn usable(kms: &KmsRegion, id: &str) -> ApiResult<()> {
    let key = key(kms, id)?;
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(ApiError::client(
            "DisabledException",
            format!("{} is disabled.", key.arn),
        )),
        KeyState::PendingDeletion => Err(ApiError::client(
            "KMSInvalidStateException",
            format!("{} is pending deletion.", key.arn),
        )),
    }
}

fn blob(fields: &Fields<'_>, name: &str) -> ApiResult<Vec<u8>> {
    let text = fields.req_str(name)?;
    BASE64
        .decode(text.as_bytes())
        .map_err(|_| ApiError::client("SerializationException", format!("{name} is not base64.")))
}

pub(super) fn encrypt(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let id = key_id_or_alias(ctx, kms, fields.req_str("KeyId")?)?;
    usable(kms, &id)?;
    let plaintext = blob(&fields, "Plaintext")?;
    if plaintext.is_empty() || plaintext.len() > 4096 {
        return Err(crate::input::validation_errors(&[
            "Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096".into(),
        ]));
    }
    let nonce: [u8; 16] = *uuid::Uuid::new_v4().as_bytes();
    let stream = keystream(&id, &nonce, plaintext.len());
    let mut out = format!("{MAGIC}{id}:").into_bytes();
    out.extend_from_slice(&nonce);
    out.extend(plaintext.iter().zip(stream).map(|(p, k)| p ^ k));
    let arn = key(kms, &id)?.arn.clone();
    Ok(json!({
        "CiphertextBlob": BASE64.encode(out),
        "KeyId": arn,
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }))
}

pub(super) fn decrypt(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let ciphertext = blob(&fields, "CiphertextBlob")?;
    let invalid = || {
        ApiError::client(
            "InvalidCiphertextException",
            "The ciphertext was not made by this KMS.",
        )
    };
    let rest = ciphertext
        .strip_prefix(MAGIC.as_bytes())
        .ok_or_else(invalid)?;
    let colon = rest.iter().position(|b| *b == b':').ok_or_else(invalid)?;
    let id = String::from_utf8(rest[..colon].to_vec()).map_err(|_| invalid())?;
    let body = &rest[colon + 1..];
    if body.len() < 16 {
        return Err(invalid());
    }
    if let Some(given) = fields.opt_str("KeyId")? {
        let named = key_id_or_alias(ctx, kms, given)?;
        if named != id {
            return Err(ApiError::client(
                "IncorrectKeyException",
                "The key ID in the request does not identify a CMK that can perform this operation.",
            ));
        }
    }
    usable(kms, &id)?;
    let (nonce, sealed) = body.split_at(16);
    let stream = keystream(&id, nonce, sealed.len());
    let plaintext: Vec<u8> = sealed.iter().zip(stream).map(|(c, k)| c ^ k).collect();
    let arn = key(kms, &id)?.arn.clone();
    Ok(json!({
        "Plaintext": BASE64.encode(plaintext),
        "KeyId": arn,
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }))
}
