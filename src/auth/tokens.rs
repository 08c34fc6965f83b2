//! Access tokens (short-lived HS256 JWTs) and refresh tokens (opaque, stored only as hashes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

const ACCESS_TYPE: &str = "access";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub typ: String,
    /// The user's token version when issued; a bump revokes every older token.
    pub ver: i32,
    /// The session (refresh-token family) the token belongs to; signing out of it ends the
    /// token too. Absent on tokens issued before sessions were named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// Signs and checks access tokens with one pinned algorithm.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// Issues an access token for `user_id` valid until `expires_at`.
    pub fn issue(
        &self,
        user_id: Uuid,
        token_version: i32,
        session: Option<Uuid>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> AppResult<String> {
        let claims = Claims {
            sub: user_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            typ: ACCESS_TYPE.to_owned(),
            ver: token_version,
            sid: session,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(
            |err| {
                tracing::error!(error = %err, "signing an access token failed");
                AppError::internal()
            },
        )
    }

    /// Verifies signature, algorithm, issuer, audience, type and expiry (against `now`).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> AppResult<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked below against the injectable clock, without leeway.
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| invalid_token())?
            .claims;
        if claims.typ != ACCESS_TYPE || claims.exp <= now.timestamp() {
            return Err(invalid_token());
        }
        Ok(claims)
    }
}

fn invalid_token() -> AppError {
    AppError::new(
        crate::error::ErrorCode::Unauthenticated,
        "The access token is invalid or expired",
    )
}

/// A fresh random secret, URL-safe text of 256 bits.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Derives a refresh token's successor from the token itself: HMAC-SHA-256 under a key that
/// only the server holds (itself derived from the JWT secret, so every instance agrees). The
/// same presented token always has the same successor, so a retry within the grace window is
/// answered with the very token the lost response carried, and the family never forks; without
/// the key, a token's successor cannot be guessed from it.
#[derive(Clone)]
pub struct SuccessorKey(Hmac<Sha256>);

impl std::fmt::Debug for SuccessorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuccessorKey").finish_non_exhaustive()
    }
}

impl SuccessorKey {
    pub fn new(secret: &[u8]) -> AppResult<Self> {
        // A key of its own, not the JWT secret itself: SHA-256 of a label and the secret.
        let derived = Sha256::new()
            .chain_update(b"salesgraph refresh-token successor v1\0")
            .chain_update(secret)
            .finalize();
        Hmac::<Sha256>::new_from_slice(&derived)
            .map(Self)
            .map_err(|_| AppError::internal())
    }

    /// The successor of `presented`, URL-safe text of 256 bits like a fresh secret.
    pub fn successor_of(&self, presented: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(presented.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// The stored form of a refresh token: its SHA-256, hex.
pub fn hash_refresh_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"unit-test-secret", "salesgraph", "salesgraph-api")
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let now = Utc::now();
        let user = Uuid::now_v7();
        let token = keys()
            .issue(user, 3, None, now, now + Duration::minutes(15))
            .unwrap();
        let claims = keys().verify(&token, now).unwrap();
        assert_eq!((claims.sub, claims.ver), (user, 3));
        assert!(keys().verify(&token, now + Duration::minutes(15)).is_err());
    }

    #[test]
    fn a_token_for_another_audience_or_secret_is_refused() {
        let now = Utc::now();
        let other_audience = JwtKeys::new(b"unit-test-secret", "salesgraph", "elsewhere");
        let token = other_audience
            .issue(Uuid::now_v7(), 0, None, now, now + Duration::minutes(5))
            .unwrap();
        assert!(keys().verify(&token, now).is_err());
        let other_secret = JwtKeys::new(b"another-secret", "salesgraph", "salesgraph-api");
        let token = other_secret
            .issue(Uuid::now_v7(), 0, None, now, now + Duration::minutes(5))
            .unwrap();
        assert!(keys().verify(&token, now).is_err());
    }

    #[test]
    fn a_successor_is_fixed_by_the_token_and_the_secret() {
        let key = SuccessorKey::new(b"unit-test-secret").unwrap();
        let successor = key.successor_of("token-a");
        assert_eq!(successor, key.successor_of("token-a"));
        assert_eq!(
            successor,
            SuccessorKey::new(b"unit-test-secret")
                .unwrap()
                .successor_of("token-a"),
            "every instance derives the same successor"
        );
        assert_ne!(successor, key.successor_of("token-b"));
        assert_ne!(
            successor,
            SuccessorKey::new(b"another-secret")
                .unwrap()
                .successor_of("token-a")
        );
        assert_eq!(successor.len(), random_secret().len());
    }

    #[test]
    fn refresh_token_hashes_are_stable_hex() {
        assert_eq!(hash_refresh_token("abc").len(), 64);
        assert_eq!(hash_refresh_token("abc"), hash_refresh_token("abc"));
        assert_ne!(hash_refresh_token("abc"), hash_refresh_token("abd"));
    }
}
