//! Signed, short-lived document links: a client without a way to send a bearer token (a
//! browser tab, a share sheet, a PDF viewer) opens the document by URL. The signature binds
//! the document, its version, the user it was issued to, that user's token version (signing
//! out everywhere ends their links) and the expiry, under a key derived from the JWT secret,
//! so every instance accepts every other's links.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What a link grants: one version of one document, to one user, until a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant<'a> {
    /// The kind of document (`quote`).
    pub kind: &'a str,
    pub id: Uuid,
    pub version: i32,
    pub user_id: Uuid,
    pub token_version: i32,
    /// Unix seconds after which the link is refused.
    pub expires: i64,
}

impl Grant<'_> {
    fn message(&self) -> String {
        format!(
            "{}\0{}\0{}\0{}\0{}\0{}",
            self.kind, self.id, self.version, self.user_id, self.token_version, self.expires
        )
    }
}

/// The key links are signed with.
#[derive(Clone)]
pub struct LinkKey(Hmac<Sha256>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkKey").finish_non_exhaustive()
    }
}

impl LinkKey {
    /// A key of its own derived from `secret` (SHA-256 of a label and the secret).
    pub fn new(secret: &[u8]) -> Option<Self> {
        let derived = Sha256::new()
            .chain_update(b"salesgraph document link v1\0")
            .chain_update(secret)
            .finalize();
        Hmac::<Sha256>::new_from_slice(&derived).ok().map(Self)
    }

    /// The signature of `grant`, URL-safe text.
    pub fn sign(&self, grant: &Grant<'_>) -> String {
        let mut mac = self.0.clone();
        mac.update(grant.message().as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `signature` signs `grant` (compared in constant time).
    pub fn verify(&self, grant: &Grant<'_>, signature: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        let mut mac = self.0.clone();
        mac.update(grant.message().as_bytes());
        mac.verify_slice(&bytes).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(id: Uuid, user: Uuid) -> Grant<'static> {
        Grant {
            kind: "quote",
            id,
            version: 3,
            user_id: user,
            token_version: 0,
            expires: 1_800_000_000,
        }
    }

    #[test]
    fn a_signature_verifies_only_for_what_it_signed() {
        let key = LinkKey::new(b"secret").unwrap();
        let (id, user) = (Uuid::now_v7(), Uuid::now_v7());
        let base = grant(id, user);
        let signature = key.sign(&base);
        assert!(key.verify(&base, &signature));
        assert!(LinkKey::new(b"secret").unwrap().verify(&base, &signature));
        for changed in [
            Grant { version: 4, ..base },
            Grant {
                user_id: Uuid::now_v7(),
                ..base
            },
            Grant {
                token_version: 1,
                ..base
            },
            Grant {
                expires: base.expires + 1,
                ..base
            },
            Grant {
                kind: "contract",
                ..base
            },
        ] {
            assert!(!key.verify(&changed, &signature), "{changed:?}");
        }
        assert!(!LinkKey::new(b"other").unwrap().verify(&base, &signature));
        assert!(!key.verify(&base, "not base64 !"));
        assert!(!key.verify(&base, ""));
    }
}
