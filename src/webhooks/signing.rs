//! Signatures as the Standard Webhooks specification defines them: HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}`, keyed by the secret's bytes (the base64 after
//! `whsec_`), sent as `v1,{base64}`; several space-separated while a rotated secret overlaps.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The `v1,…` signature of one message under `secret`; `None` for a secret that is not ours.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret, space-separated.
pub fn header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .into_iter()
        .filter_map(|secret| sign(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_32_byte_keys() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        let key = STANDARD
            .decode(a.strip_prefix(PREFIX).expect("prefix"))
            .expect("base64");
        assert_eq!(key.len(), 32);
    }

    #[test]
    fn a_signature_covers_id_timestamp_and_body() {
        let secret = new_secret();
        let signed = sign(&secret, "msg_1", 1_700_000_000, b"{}").expect("signs");
        assert!(signed.starts_with("v1,"));
        assert_eq!(
            sign(&secret, "msg_1", 1_700_000_000, b"{}"),
            Some(signed.clone())
        );
        for other in [
            sign(&secret, "msg_2", 1_700_000_000, b"{}"),
            sign(&secret, "msg_1", 1_700_000_001, b"{}"),
            sign(&secret, "msg_1", 1_700_000_000, b"{ }"),
            sign(&new_secret(), "msg_1", 1_700_000_000, b"{}"),
        ] {
            assert_ne!(other, Some(signed.clone()));
        }
        assert_eq!(sign("not-a-secret", "msg_1", 1, b"{}"), None);
    }

    #[test]
    fn an_overlapping_rotation_sends_both_signatures() {
        let (old, new) = (new_secret(), new_secret());
        let both = header([new.as_str(), old.as_str()], "m", 5, b"x");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(Some(parts[1].to_owned()), sign(&old, "m", 5, b"x"));
    }
}
