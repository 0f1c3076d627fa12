//! How the state notices that a sensitive value changed without ever holding it.
//!
//! A plain SHA-256 of a secret would let anyone who reads the state test guesses offline
//! ("is the password `hunter2`?"). An HMAC under a random key that is made with the lineage
//! keeps the comparison possible for flowform while a guess needs the key too. The key is kept
//! apart from the state (`keyfile.rs`: a 0600 `PATH.key`, or wrapped by KMS in S3); it only
//! ever leaves this module as base64 there, never through `Debug` or `Display`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const DIGEST_PREFIX: &str = "hmac-sha256:";

/// The random 32-byte key of the state's sensitive-value digests.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestKey([u8; 32]);

impl DigestKey {
    /// A fresh key from the operating system's random source (`getrandom`, the same source
    /// `uuid` v4 uses, so no second RNG enters the build).
    ///
    /// # Panics
    /// When the OS has no random source at all; flowform cannot protect secrets without one.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        if let Err(error) = getrandom::fill(&mut bytes) {
            panic!(
                "the operating system's random source failed ({error}); cannot make a digest key"
            );
        }
        DigestKey(bytes)
    }

    /// A key with known bytes, for tests and for migrating a state.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DigestKey(bytes)
    }

    /// The key's bytes, for the backends that keep it apart from the state (`keyfile.rs`).
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `hmac-sha256:<64 hex>` of `value` under this key.
    pub fn digest(&self, value: &[u8]) -> Digest {
        let mut mac = self.mac();
        mac.update(value);
        Digest(mac.finalize().into_bytes().into())
    }

    /// Whether `digest` is the digest of `value`, compared in constant time.
    pub fn matches(&self, value: &[u8], digest: &Digest) -> bool {
        let mut mac = self.mac();
        mac.update(value);
        mac.verify_slice(&digest.0).is_ok()
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail for 32 bytes.
        match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts a key of any length"),
        }
    }
}

impl fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestKey(redacted)")
    }
}

impl fmt::Display for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(digest key)")
    }
}

impl Serialize for DigestKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for DigestKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = BASE64
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("digest_key is not base64"))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
            serde::de::Error::custom(format!(
                "digest_key holds {} bytes, expected 32",
                bytes.len()
            ))
        })?;
        Ok(DigestKey(bytes))
    }
}

/// An HMAC-SHA-256 digest of a sensitive value, written `hmac-sha256:<64 hex>`.
///
/// Only [`DigestKey::digest`] and parsing a state make one, so a `Digest` can never carry the
/// value itself into the file.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest([u8; 32]);

impl Digest {
    /// Parses `hmac-sha256:<64 lowercase hex>`.
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix(DIGEST_PREFIX)?;
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Some(Digest(bytes))
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(DIGEST_PREFIX)?;
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Digest::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(
                "a sensitive digest must be `hmac-sha256:` and 64 lowercase hex digits",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_renders_parses_and_verifies() {
        let key = DigestKey::from_bytes([7; 32]);
        let digest = key.digest(b"hunter2");
        let text = digest.to_string();
        assert!(text.starts_with("hmac-sha256:"));
        assert_eq!(text.len(), "hmac-sha256:".len() + 64);
        assert_eq!(Digest::parse(&text), Some(digest));
        assert!(key.matches(b"hunter2", &digest));
        assert!(!key.matches(b"hunter3", &digest));
    }

    #[test]
    fn known_answer() {
        // Python: hmac.new(bytes([0x0b] * 32), b"hi", hashlib.sha256).hexdigest()
        let key = DigestKey::from_bytes([0x0b; 32]);
        assert_eq!(
            key.digest(b"hi").to_string(),
            "hmac-sha256:e9005bf7c9d6f049980ea270d559556b626c0c67361a658724802b2cb7949c67"
        );
        assert_ne!(
            key.digest(b"hi"),
            DigestKey::from_bytes([0x0c; 32]).digest(b"hi")
        );
    }

    #[test]
    fn key_never_prints() {
        let key = DigestKey::from_bytes([0xab; 32]);
        let encoded = BASE64.encode([0xab; 32]);
        assert_eq!(format!("{key:?}"), "DigestKey(redacted)");
        assert_eq!(format!("{key}"), "(digest key)");
        assert!(!format!("{key:?}{key}").contains(&encoded));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(DigestKey::generate(), DigestKey::generate());
    }

    #[test]
    fn parse_rejects_other_shapes() {
        assert_eq!(Digest::parse("sha256:00"), None);
        assert_eq!(
            Digest::parse(&format!("hmac-sha256:{}", "0".repeat(63))),
            None
        );
        assert_eq!(
            Digest::parse(&format!("hmac-sha256:{}", "G".repeat(64))),
            None
        );
        assert_eq!(
            Digest::parse(&format!("hmac-sha256:{}", "A".repeat(64))),
            None
        );
    }
}
