//! Argon2id password hashing, always on a blocking thread.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Argon2id cost parameters from configuration.
#[derive(Clone, Copy, Debug)]
pub struct PasswordHasherConfig {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl PasswordHasherConfig {
    fn argon2(self) -> AppResult<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None).map_err(|err| {
            tracing::error!(error = %err, "invalid argon2 parameters");
            AppError::internal()
        })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Checks the password policy; `field` names the input it came from.
pub fn validate_policy(password: &str, field: &str) -> AppResult<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::bad_input(
            field,
            format!("Password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_input(
            field,
            format!("Password must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Hashes a password into a PHC string.
pub async fn hash(config: PasswordHasherConfig, password: String) -> AppResult<String> {
    run_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let argon2 = config.argon2()?;
        argon2
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| {
                tracing::error!(error = %err, "password hashing failed");
                AppError::internal()
            })
    })
    .await
}

/// True when `password` matches the stored PHC string. A malformed hash never matches.
pub async fn verify(password: String, stored: String) -> AppResult<bool> {
    run_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Ok(false);
        };
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|err| {
        tracing::error!(error = %err, "password task failed");
        AppError::internal()
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PasswordHasherConfig = PasswordHasherConfig {
        memory_kib: 1024,
        iterations: 1,
    };

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = hash(CHEAP, "correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), stored.clone())
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery".into(), stored).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_hash_never_matches() {
        assert!(
            !verify("anything at all".into(), "not-a-hash".into())
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_policy_rejects_short_and_huge_passwords() {
        assert_eq!(
            validate_policy("short", "input.password")
                .unwrap_err()
                .field
                .as_deref(),
            Some("input.password")
        );
        assert!(validate_policy(&"x".repeat(129), "p").is_err());
        assert!(validate_policy("long enough password", "p").is_ok());
    }
}
