//! Idempotency tokens derived from the plan.
//!
//! A token is a digest of the state's lineage, the resource's address, the action and what is
//! being asked for (the planned attributes, secrets by digest). A retried call, and a create
//! resumed after a crash with the same configuration, carry the same token, so AppFlow and
//! Secrets Manager answer with what they already made instead of making it twice; a changed
//! request carries a new token.

use sha2::{Digest as _, Sha256};
use std::fmt::Write as _;

pub fn token(lineage: &str, address: &str, action: &str, request: &str) -> String {
    let mut h = Sha256::new();
    for part in [lineage, address, action, request] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    // 32 hex characters: inside Secrets Manager's 32..64 and AppFlow's 1..256.
    h.finalize()[..16].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_request_same_token_and_a_change_changes_it() {
        let a = super::token("l", "secret.a", "create", "x");
        assert_eq!(a, super::token("l", "secret.a", "create", "x"));
        assert_ne!(a, super::token("l", "secret.a", "create", "y"));
        assert_eq!(a.len(), 32);
    }
}
